package handoff_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/handoff"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/printing"
)

var yamada = &mkpf.LookupResult{IssuerName: "川崎市立図書館", CardNumber: "180000000011",
	Handoff: mkpf.HandoffSettings{Mode: mkpf.HandoffBarcode, NW7Start: "A", NW7Stop: "A", CheckDigit: mkpf.CheckMod10W21}}

// Screen 26 in the issuer's mode (B here) and in every mode asked for explicitly.
func TestScreen26_DeliverInEachMode(t *testing.T) {
	ctx := context.Background()
	r, err := handoff.Deliver(ctx, yamada, "", handoff.Options{})
	if err != nil || r.Mode != mkpf.HandoffBarcode || r.BarcodeText != "A1800000000119A" || r.Grouped != "1800 0000 0011" {
		t.Fatalf("issuer's mode: %+v %v", r, err)
	}
	if w := r.Barcode.Bounds().Dx(); w%3 != 0 {
		t.Errorf("default on-screen barcode width %d is not 3 px per module", w)
	}
	if got := testenv.ZbarImage(t, r.Barcode); len(got) != 1 || got[0] != "Codabar:A1800000000119A" {
		t.Errorf("barcode reads %q", got)
	}
	r, err = handoff.Deliver(ctx, yamada, mkpf.HandoffBarcode, handoff.Options{PxPerModule: 1})
	at2, _, _ := handoff.BarcodeImage(yamada.CardNumber, yamada.Handoff, handoff.MinPxPerModule)
	if err != nil || r.Barcode.Bounds() != at2.Bounds() {
		t.Errorf("1 px/module asked for a screen must become %d: %v %v", handoff.MinPxPerModule, r.Barcode.Bounds(), err)
	}
	r, err = handoff.Deliver(ctx, yamada, mkpf.HandoffNumber, handoff.Options{})
	if err != nil || r.Barcode != nil || r.Grouped != "1800 0000 0011" {
		t.Errorf("number mode: %+v %v", r, err)
	}
	out := filepath.Join(t.TempDir(), "label.pdf")
	p, _ := printing.Open("pdf:" + out)
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.Local)
	r, err = handoff.Deliver(ctx, yamada, mkpf.HandoffLabel, handoff.Options{Printer: p, Now: func() time.Time { return day }})
	if err != nil || !r.Label.Date.Equal(day) || r.Label.Number != "180000000011" || r.Label.IssuerName != "川崎市立図書館" {
		t.Errorf("label mode: %+v %v", r.Label, err)
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		t.Errorf("label PDF not written: %v", err)
	}
}

func TestScreen26_DeliverMistakesSayWhatToDo(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		res  *mkpf.LookupResult
		mode mkpf.HandoffMode
		opt  handoff.Options
		want error
	}{
		{"no result", nil, "", handoff.Options{}, handoff.ErrNumber},
		{"no number", &mkpf.LookupResult{}, "", handoff.Options{}, handoff.ErrNumber},
		{"unknown mode", yamada, "fax", handoff.Options{}, handoff.ErrSettings},
		{"label without printer", yamada, mkpf.HandoffLabel, handoff.Options{}, printing.ErrUnknownSpec},
		{"bad start character", &mkpf.LookupResult{CardNumber: "1", Handoff: mkpf.HandoffSettings{NW7Start: "X"}}, mkpf.HandoffBarcode, handoff.Options{}, handoff.ErrSettings},
	} {
		_, err := handoff.Deliver(ctx, c.res, c.mode, c.opt)
		var he *handoff.Error
		if !errors.Is(err, c.want) || !errors.As(err, &he) || he.Message == "" {
			t.Errorf("%s: %v, want %v with a Japanese message", c.name, err, c.want)
		}
	}
}
