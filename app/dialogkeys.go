package app

// The keys of the app's own dialogs, shown on their buttons like every other button's: the PIN dialogs of screens 23
// and 30/33/38 ([OK (Enter)], [やめる (Esc)]) and the error dialog ([閉じる (Enter)]). While a PIN dialog is open,
// the keys belong to it; an open error dialog takes Enter (closing it) and leaves the other keys to the screen (Esc
// still goes back, and the next screen closes the dialog).

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

func pinOKLabel() string      { return tr("screen23.pin.ok", "OK") + " (Enter)" }
func pinCancelLabel() string  { return tr("screen23.pin.cancel", "やめる") + " (Esc)" }
func errorCloseLabel() string { return tr("error.close", "閉じる") + " (Enter)" }

// newPINEntry is a PIN dialog's field: Esc and the function keys go to the window (fkeyEntry), Enter submits the
// dialog (bound by showPIN).
func newPINEntry(u *UI) *fkeyEntry { return fkeys(u, &widget.Entry{Password: true}) }

// showPIN records d as the open PIN dialog with its field and lead (tests read them) and binds Enter in the field to
// [OK]; the record is cleared when the dialog closes.
func (u *UI) showPIN(d *dialog.FormDialog, pin *fkeyEntry, lead string) {
	pin.OnSubmitted = func(string) { d.Submit() }
	d.SetOnClosed(func() {
		if u.pinDialog == d {
			u.pinDialog, u.pinEntry = nil, nil
		}
	})
	u.pinDialog, u.pinEntry, u.pinLead = d, &pin.Entry, lead
}

// dialogKey handles ev when one of the app's dialogs is open and reports whether it did.
func (u *UI) dialogKey(ev *fyne.KeyEvent) bool {
	if d := u.pinDialog; d != nil {
		switch ev.Name {
		case fyne.KeyReturn, fyne.KeyEnter:
			d.Submit()
		case fyne.KeyEscape:
			d.Hide()
		}
		return true // a PIN dialog is modal: no screen key while the patron types
	}
	if d := u.errDialog; d != nil {
		switch ev.Name {
		case fyne.KeyReturn, fyne.KeyEnter:
			d.Hide()
			return true
		}
	}
	return false
}
