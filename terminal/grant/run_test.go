package grant

import (
	"context"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/cardio/nfc"
	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/mkpf"
)

// nfcTag is a virtual card tapped on the phone's NFC reader.
type nfcTag struct{ c *vcard.Card }

func (t nfcTag) Transceive(_ context.Context, apdu []byte) ([]byte, error) {
	return t.c.Process(apdu), nil
}
func (t nfcTag) Close() error { return nil }

// Screen 79 on the phone's NFC source: continuous reading answers every tap at once, offline, through the same
// cardio path as PC/SC (cardio/nfc checks every APDU against cardio.Guard).
func TestScreen79_ContinuousTapsOnTheNFCSource(t *testing.T) {
	d, err := OpenDevice(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	yamada, _ := demopki.Get("yamada")
	key := []byte("0123456789abcdef0123456789abcdef")
	installSync(t, d, mkpf.GrantSync{SyncID: "S1", Key: key, Project: mkpf.GrantProject{ID: "GP1", Name: "健康づくり教室", PointsPerPerson: 100},
		Entries: []mkpf.SyncEntry{{Hash: Hash(key, yamada.Serial)}}})
	src := nfc.NewSource()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	answers := make(chan TapResult, 8)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, src, func(r TapResult) { answers <- r }) }()
	// Taps before [開始] are not cards (cardio/nfc): tap once Run watches.
	for deadline := time.Now().Add(30 * time.Second); !src.Watching(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Run does not watch the NFC source")
		}
	}
	next := func() TapResult {
		select {
		case r := <-answers:
			return r
		case <-time.After(30 * time.Second):
			t.Fatal("no answer within 30 s")
		}
		return TapResult{}
	}
	for i, want := range []struct {
		profile, result string
		pending         int
	}{{"yamada", ResultGranted, 1}, {"suzuki", ResultNotOnRoster, 1}, {"yamada", ResultAlreadyGranted, 1}} {
		c, err := vcard.New(want.profile)
		if err != nil {
			t.Fatal(err)
		}
		src.Discovered(nfcTag{c})
		if r := next(); r.Result != want.result || r.Pending != want.pending || r.Reader != nfc.ReaderName {
			t.Fatalf("tap %d (%s): %+v", i+1, want.profile, r)
		}
		if c.Alarms() != 0 {
			t.Fatal("a My Number AP was selected")
		}
		src.Lost()
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run ended with %v", err)
	}
}
