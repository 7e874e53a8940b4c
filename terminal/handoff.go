package terminal

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/handoff"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/printing"
)

// HandoffOptions are how this terminal hands a number over (the terminal's settings, or the CLI's flags over them).
type HandoffOptions struct {
	Printer   string         // label: a printing.Open spec ("cups:Label", "pdf:/tmp/x.pdf")
	LabelSize string         // label: "62x29", "50x30", "A4" ("" = 62x29)
	Suffix    handoff.Suffix // wedge: the key after the number ("" = Enter)
	KeyDelay  time.Duration  // wedge: the pause between keys (0 = handoff.DefaultKeyDelay)
	// PxPerModule is the barcode's narrow-module width in pixels (0 = 3, the screen's).
	PxPerModule int
	// BeforeTyping, when set, runs before the wedge types: the GUI waits there until the clerk has clicked into the
	// library system (a failure means nothing is typed).
	BeforeTyping func(ctx context.Context) error
	// Typer types for the wedge (nil opens the OS's).
	Typer handoff.Typer
}

// ParseMode reads a hand-off mode the clerk typed (the CLI's --handoff).
func ParseMode(s string) (mkpf.HandoffMode, error) {
	m := mkpf.HandoffMode(strings.ToLower(strings.TrimSpace(s)))
	switch m {
	case mkpf.HandoffNumber, mkpf.HandoffBarcode, mkpf.HandoffWedge, mkpf.HandoffLabel:
		return m, nil
	}
	return "", &ClerkError{Message: fmt.Sprintf("引渡し方式「%s」は使えません。number, barcode, wedge, label のどれかを指定してください。", s)}
}

// HandOff hands res's number over in mode: A number (grouped for reading aloud), B barcode (the on-screen symbol),
// C keyboard wedge (typed into the library system's focused field), D label (printed). Every hand-off of the GUI's
// screen 26 and of the CLI's lookup goes through here.
func HandOff(ctx context.Context, res *mkpf.LookupResult, mode mkpf.HandoffMode, o HandoffOptions) (handoff.Result, error) {
	if mode == "" {
		mode = ModeOf(res)
	}
	opt := handoff.Options{Suffix: o.Suffix, KeyDelay: o.KeyDelay, PxPerModule: o.PxPerModule, Typer: o.Typer}
	switch mode {
	case mkpf.HandoffNumber, mkpf.HandoffBarcode:
	case mkpf.HandoffWedge:
		if opt.Suffix == "" {
			opt.Suffix = handoff.SuffixEnter
		}
		if opt.KeyDelay == 0 {
			opt.KeyDelay = handoff.DefaultKeyDelay
		}
		if o.BeforeTyping != nil {
			if err := o.BeforeTyping(ctx); err != nil {
				return handoff.Result{Mode: mode, Number: res.CardNumber}, ErrWedgeNoTarget
			}
		}
	case mkpf.HandoffLabel:
		if o.Printer == "" {
			return handoff.Result{Mode: mode, Number: res.CardNumber}, ErrNoLabelPrinter
		}
		size, err := printing.ParseLabelSize(o.LabelSize)
		if err != nil {
			return handoff.Result{Mode: mode, Number: res.CardNumber}, err
		}
		opt.LabelSize = size
		if opt.Printer, err = printing.Open(o.Printer); err != nil {
			return handoff.Result{Mode: mode, Number: res.CardNumber}, err
		}
	default:
		_, err := ParseMode(string(mode))
		return handoff.Result{Mode: mode, Number: res.CardNumber}, err
	}
	return handoff.Deliver(ctx, res, mode, opt)
}

// MaxKeyDelay is the longest pause between typed keys the settings accept.
const MaxKeyDelay = 200 * time.Millisecond

// ParseKeyDelay reads the wedge's key delay typed in the terminal settings: 0 to 200 ms, half- or full-width digits.
func ParseKeyDelay(s string) (time.Duration, error) {
	ms, err := strconv.Atoi(strings.TrimSpace(HalfWidth(s)))
	if err != nil || ms < 0 || time.Duration(ms)*time.Millisecond > MaxKeyDelay {
		return 0, &InputError{Key: "settings.delay.invalid", Format: "0～200の半角数字で入力してください。"}
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// FormatKeyDelay is d in the settings' field: whole milliseconds.
func FormatKeyDelay(d time.Duration) string { return strconv.Itoa(int(d / time.Millisecond)) }
