//go:build android && cgo

package fyneglue

import (
	"context"
	"time"

	"fyne.io/fyne/v2/driver"

	"github.com/mykeyterm/mykeyterm/cardio/nfc"
)

// PollEvery is how often the activity's intent is checked for a tapped tag.
var PollEvery = 250 * time.Millisecond

// Source returns the phone's NFC reader as a cardio.Source, fed until ctx ends: each tag the system delivers to the
// app (the manifest's NFC intent filter) becomes the card of nfc.ReaderName. Errors of a tap (not an IsoDep card,
// the tag lost while connecting) are given to onError (may be nil) and the next tap is awaited.
func Source(ctx context.Context, onError func(error)) *nfc.Source {
	src := nfc.NewSource()
	go func() {
		t := time.NewTicker(PollEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				src.Lost()
				return
			case <-t.C:
			}
			err := driver.RunNative(func(c any) error {
				ac, ok := c.(*driver.AndroidContext)
				if !ok {
					return nil
				}
				_, err := nfc.TakeIntentTag(src, ac.VM, ac.Ctx)
				return err
			})
			if err != nil && onError != nil {
				onError(err)
			}
		}
	}()
	return src
}
