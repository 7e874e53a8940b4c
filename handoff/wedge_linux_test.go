//go:build linux

package handoff_test

import (
	"context"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/handoff"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
)

// The library system's card-number field is another program's Tk Entry that has the focus; the number typed through
// XTEST arrives there exactly, with the suffix the terminal administrator chose.
func TestScreen26_WedgeTypesNumberIntoFocusedFieldOfAnotherProgram(t *testing.T) {
	x := testenv.Xvfb(t)
	target := x.Entry(t, "LibrarySystem")
	typer, err := handoff.NewTyper()
	if err != nil {
		t.Fatalf("NewTyper on %s: %v", x.Display, err)
	}
	defer typer.Close()
	cases := []struct {
		text   string
		suffix handoff.Suffix
		want   string
	}{
		{"180000000011", handoff.SuffixEnter, "GOT:180000000011"},
		{"A1800000000115A", handoff.SuffixEnter, "GOT:A1800000000115A"}, // Shift for the letters
		{"b-12/x:$+.", handoff.SuffixTab, "TAB:b-12/x:$+."},
		{"１８０図書", handoff.SuffixEnter, "GOT:１８０図書"}, // not in the keymap: borrowed keycodes
	}
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := typer.Type(ctx, c.text, c.suffix, 2*time.Millisecond)
		cancel()
		if err != nil {
			t.Fatalf("Type(%q): %v", c.text, err)
		}
		got, ok := target.Next(5 * time.Second)
		if !ok || got != c.want {
			t.Errorf("Type(%q, %s): the field received %q, want %q", c.text, c.suffix, got, c.want)
		}
	}
}

// Deliver in mode C (what the GUI and `mykeyterm-cli lookup --handoff wedge` call) types the card number and Enter.
func TestScreen26_DeliverWedgeModeTypesTheCardNumber(t *testing.T) {
	x := testenv.Xvfb(t)
	target := x.Entry(t, "ILS")
	res := &mkpf.LookupResult{IssuerName: "川崎市立図書館", CardNumber: "180000000011",
		Handoff: mkpf.HandoffSettings{Mode: mkpf.HandoffWedge}}
	r, err := handoff.Deliver(context.Background(), res, "", handoff.Options{})
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if r.Mode != mkpf.HandoffWedge {
		t.Errorf("mode %q", r.Mode)
	}
	if got, ok := target.Next(5 * time.Second); got != "GOT:180000000011" {
		t.Errorf("the field received %q (%v), want GOT:180000000011", got, ok)
	}
}

func TestNewTyper_WithoutDisplaySaysWhatToDo(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "wayland-0")
	_, err := handoff.NewTyper()
	var he *handoff.Error
	if !asError(err, &he) || he.Message == "" {
		t.Fatalf("NewTyper without X: %v, want a *handoff.Error with a Japanese message", err)
	}
	if !contains(he.Message, "Wayland") {
		t.Errorf("message %q does not mention Wayland", he.Message)
	}
}

// Typing 12 digits + Enter into a Tk field and seeing it arrive: with no pause between keys (the X server and Tk
// alone, the baseline) and with the default pause (what a clerk waits for in mode C).
func BenchmarkWedgeType(b *testing.B) {
	x := testenv.Xvfb(b)
	target := x.Entry(b, "BenchTarget")
	typer, err := handoff.NewTyper()
	if err != nil {
		b.Fatal(err)
	}
	defer typer.Close()
	for _, d := range []time.Duration{0, handoff.DefaultKeyDelay} {
		name := "baseline_no_delay"
		if d > 0 {
			name = "default_delay_" + d.String()
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := typer.Type(context.Background(), "180000000011", handoff.SuffixEnter, d); err != nil {
					b.Fatal(err)
				}
				if got, _ := target.Next(5 * time.Second); got != "GOT:180000000011" {
					b.Fatalf("got %q", got)
				}
			}
		})
	}
}
