package app

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal/grant"
)

// screenTexts is every text on the window: the screen and the overlays (dialogs) above it.
func screenTexts(w fyne.Window) []string {
	var out []string
	roots := append([]fyne.CanvasObject{w.Content()}, w.Canvas().Overlays().List()...)
	for _, r := range roots {
		for _, o := range visibleObjects(r) {
			switch x := o.(type) {
			case *widget.Label:
				out = append(out, x.Text)
			case *jaLabel:
				out = append(out, x.Text)
			case *canvas.Text:
				out = append(out, x.Text)
			case *widget.Entry:
				out = append(out, x.Text)
			}
		}
	}
	return out
}

// assertNoGoErrorText fails when goErr's own text (or a piece of it, such as a path) reaches any text on the window:
// the clerk reads Japanese that says what to do next, never Go's error strings.
func assertNoGoErrorText(t *testing.T, w fyne.Window, goErr error, pieces ...string) {
	t.Helper()
	for _, txt := range screenTexts(w) {
		for _, p := range append(pieces, goErr.Error()) {
			if p != "" && strings.Contains(txt, p) {
				t.Errorf("Go's error text %q reached the screen: %q", p, txt)
			}
		}
	}
}

func japanese(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
			return true
		}
	}
	return false
}

// Screen 87: a statement the OS refuses to save is told in Japanese with what to do; the OS's error (path, "permission
// denied") is not appended (it was: err.Error() after the message).
func TestScreen87_SaveFailureShowsNoGoErrorText(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindPointUse)
	h.tap(h.confirmUse("kawasaki", "500").use)
	h.key(fyne.KeyF10)
	h.key(fyne.KeyF6)
	s := screenAs[*screen87](t, h.u)
	h.tap(s.run)
	for _, c := range []struct {
		err  error
		want string
	}{
		{&fs.PathError{Op: "open", Path: "/srv/明細/x.csv", Err: fs.ErrPermission}, "書き込めません"},
		{errors.New("write /srv/x.csv: input/output error"), "保存できませんでした"},
	} {
		s.save = func(name string, data []byte, done func(string, error)) { done("", c.err) }
		h.tap(s.download)
		if got := h.u.LastError(); !strings.Contains(got, c.want) || !strings.Contains(got, "もう一度") || !japanese(got) {
			t.Errorf("save failure %v shows %q, want Japanese with %q and what to do next", c.err, got, c.want)
		}
		assertNoGoErrorText(t, h.w, c.err, "/srv/", "permission denied", "input/output")
	}
}

// The grant screens' messages: an error no rule names reads as Japanese with what to do next, not Go's text (the
// fallback returned err.Error()).
func TestGrantMessage_UnknownErrorIsJapaneseNotGoText(t *testing.T) {
	for _, err := range []error{
		errors.New("open /var/lib/mykeyterm/grant.db: permission denied"),
		&fs.PathError{Op: "read", Path: "roster.csv", Err: errors.New("is a directory")},
	} {
		got := grantMessage(err)
		if strings.Contains(got, err.Error()) || strings.Contains(got, "/var/lib") || strings.Contains(got, "roster.csv") || !japanese(got) {
			t.Errorf("grantMessage(%v) = %q", err, got)
		}
		if got != grant.FallbackMessage {
			t.Errorf("grantMessage(%v) = %q, want the fallback", err, got)
		}
	}
}
