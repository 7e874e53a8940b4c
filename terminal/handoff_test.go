package terminal

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// One dispatch for every mode: number grouped, barcode drawn with its text, the label refused without a printer (the
// clerk is told where to set one), the wedge refused when the clerk did not click into the library system, and an
// unknown mode named.
func TestHandOff_EveryModeThroughOneDispatch(t *testing.T) {
	ctx := context.Background()
	res := &mkpf.LookupResult{CardNumber: "180000000011", Handoff: mkpf.HandoffSettings{Mode: mkpf.HandoffBarcode}}
	r, err := HandOff(ctx, res, mkpf.HandoffNumber, HandoffOptions{})
	if err != nil || r.Grouped != "1800 0000 0011" {
		t.Fatalf("number: %+v %v", r, err)
	}
	r, err = HandOff(ctx, res, "", HandoffOptions{}) // the issuer's mode
	if err != nil || r.Mode != mkpf.HandoffBarcode || r.Barcode == nil || !strings.Contains(r.BarcodeText, "180000000011") {
		t.Fatalf("barcode: %+v %v", r, err)
	}
	if _, err := HandOff(ctx, res, mkpf.HandoffLabel, HandoffOptions{}); err != ErrNoLabelPrinter {
		t.Fatalf("label without printer: %v", err)
	}
	notClicked := func(context.Context) error { return errors.New("the app kept the focus") }
	if _, err := HandOff(ctx, res, mkpf.HandoffWedge, HandoffOptions{BeforeTyping: notClicked}); err != ErrWedgeNoTarget {
		t.Fatalf("wedge without a target: %v", err)
	}
	if _, err := ParseMode("fax"); err == nil || !strings.Contains(Message(err), "number, barcode, wedge, label") {
		t.Fatalf("unknown mode: %v", err)
	}
}

func TestParseKeyDelay_ZeroTo200ms(t *testing.T) {
	for in, want := range map[string]time.Duration{"0": 0, "8": 8 * time.Millisecond, "２００": 200 * time.Millisecond} {
		if got, err := ParseKeyDelay(in); err != nil || got != want {
			t.Errorf("ParseKeyDelay(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "-1", "201", "8ms"} {
		if _, err := ParseKeyDelay(in); err == nil {
			t.Errorf("ParseKeyDelay(%q) accepted", in)
		}
	}
}
