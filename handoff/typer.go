package handoff

import (
	"context"
	"errors"
	"time"
)

// Suffix is the key typed after the number: what the library system's field expects to accept it.
type Suffix string

const (
	SuffixEnter Suffix = "enter"
	SuffixTab   Suffix = "tab"
	SuffixNone  Suffix = "none"
)

// DefaultKeyDelay is the pause between keys: slow enough for web-based library systems, 12 digits + Enter in ~0.2 s.
const DefaultKeyDelay = 8 * time.Millisecond

// ErrWedgeUnsupported means this system offers no way to type into another program's window.
var ErrWedgeUnsupported = errors.New("handoff: keyboard wedge not supported here")

// ErrWedgeFocusMoved means the foreground window or its focused control changed while the wedge typed, so it stopped.
var ErrWedgeFocusMoved = errors.New("handoff: the keyboard focus moved while typing")

// Typer types text into the window that has the keyboard focus, which must be the library system's field, like a
// keyboard-wedge barcode scanner would.
type Typer interface {
	Type(ctx context.Context, text string, suffix Suffix, perKeyDelay time.Duration) error
	Close() error
}

// NewTyper returns the Typer of this system: X11 XTEST on Linux, SendInput on Windows. Elsewhere (and on Wayland
// without X) it returns an *Error wrapping ErrWedgeUnsupported that says what to do instead.
func NewTyper() (Typer, error) { return newTyper() }

// WaitFocusSettled waits until the clerk's keyboard focus has settled in another program's field: on Windows the
// foreground window is another program's, its focused control is known, and both have stayed the same for a moment
// (a click's activation is done); elsewhere it returns at once. It fails only when ctx ends. The GUI calls it before
// the wedge types.
func WaitFocusSettled(ctx context.Context) error { return waitFocusSettled(ctx) }
