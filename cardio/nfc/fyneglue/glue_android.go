//go:build android && cgo

package fyneglue

import (
	"context"
	_ "embed"

	"fyne.io/fyne/v2/driver"

	"github.com/mykeyterm/mykeyterm/cardio/nfc"
)

// readerDex is java/jp/mykeyterm/nfc/Reader.java compiled for Android (javac + d8, scripts/android.sh writes it
// before the Android build; it is not in the repository).
//
//go:embed nfcreader.dex
var readerDex []byte

// onJVM runs fn with the activity's JNI VM and context (nothing on a driver without them).
func onJVM(fn func(vm, activity uintptr) error) error {
	return driver.RunNative(func(c any) error {
		ac, ok := c.(*driver.AndroidContext)
		if !ok {
			return nil
		}
		return fn(ac.VM, ac.Ctx)
	})
}

// Source returns the phone's NFC reader as a cardio.Source until ctx ends. The app takes every tap itself while it is
// in front (reader mode, enabled here once; Android keeps it across the activity's pauses): a My Number Card becomes
// the card of nfc.ReaderName, another card is answered as not a My Number Card, and a tap before screen 79's [開始]
// is dropped. No polling: taps arrive through reader mode's callback. Each watch ([開始]) checks that NFC is on
// (nfc.ErrNFCOff, said in Japanese) and enables reader mode again. An error enabling it at start is given to onError
// (may be nil).
func Source(ctx context.Context, onError func(error)) *nfc.Source {
	src := nfc.NewSource()
	enable := func(vm, activity uintptr) error { return nfc.EnableReaderMode(src, vm, activity, readerDex) }
	src.SetCheck(func() error {
		return onJVM(func(vm, activity uintptr) error {
			if err := nfc.NFCState(vm, activity); err != nil {
				return err
			}
			return enable(vm, activity)
		})
	})
	if err := onJVM(enable); err != nil && onError != nil {
		onError(err)
	}
	go func() {
		<-ctx.Done()
		src.Lost()
	}()
	return src
}
