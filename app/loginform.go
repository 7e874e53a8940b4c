package app

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// loginForm is the login of screens 2, 71 and 77: the login ID (the terminal ID, prefilled) and the password with their
// rules, the 「ログイン」 button (F5, or Enter in the password), the checks made before anything is sent, and what a
// refused login leaves (the password cleared, the focus back on it, the reason under the field the platform named).
// The screens embed it and add what their login does.
type loginForm struct {
	u        *UI
	fm       form
	id       *fkeyEntry
	password *fkeyEntry
	login    *widget.Button
}

// newLoginForm builds the form; submit runs on ログイン, F5 or Enter in the password field.
func newLoginForm(u *UI, button, idLabel, idRule, pwLabel, pwRule string, submit func()) loginForm {
	f := loginForm{u: u}
	var pw *fkeyEntry
	f.id = fkeys(u, &widget.Entry{Text: u.Svc.Platform.Terminal().TerminalID, OnSubmitted: func(string) { u.Win.Canvas().Focus(pw) }})
	pw = fkeys(u, &widget.Entry{Password: true, OnSubmitted: func(string) { submit() }})
	f.password = pw
	f.login = &widget.Button{Text: button, Importance: widget.HighImportance, OnTapped: submit}
	f.fm.add(newField("login_id", idLabel, f.id, idRule))
	f.fm.add(newField("password", pwLabel, f.password, pwRule))
	return f
}

// Shown focuses the ID when it is empty, else the password.
func (f *loginForm) Shown() {
	if f.id.Text == "" {
		f.u.Win.Canvas().Focus(f.id)
	} else {
		f.u.Win.Canvas().Focus(f.password)
	}
}

// checked returns the ID and password, or false with the reason under the field (nothing is sent): idInvalid for an
// ID that is not 8 digits, pwEmpty for an empty password.
func (f *loginForm) checked(idInvalid, pwEmpty string) (id, pw string, ok bool) {
	id = strings.TrimSpace(f.id.Text)
	if mkpf.ValidateTerminalID(id) != nil {
		f.fm.fields[0].setError(idInvalid)
		return "", "", false
	}
	if f.password.Text == "" {
		f.fm.fields[1].setError(pwEmpty)
		return "", "", false
	}
	return id, f.password.Text, true
}

// send runs call (the platform login) with the button disabled and busy shown; a refusal clears the password and
// says why, a success runs done.
func (f *loginForm) send(busy string, timeout time.Duration, call func(ctx context.Context) error, done func()) {
	f.login.Disable()
	f.u.Run(busy, timeout, call, func(err error) {
		f.login.Enable()
		f.u.PlatformResult(err)
		if err != nil {
			f.password.SetText("")
			f.fm.showError(f.u, err)
			f.u.Win.Canvas().Focus(f.password)
			return
		}
		done()
	})
}
