package app

import (
	"errors"
	"fmt"

	"github.com/mykeyterm/mykeyterm/terminal"
)

// Errors the screens raise; their text is the terminal layer's (terminal.ClerkError, the one clerk-error type).
var (
	ErrSignPINBlocked = terminal.ErrSignPINBlocked
	ErrSignPINFormat  = terminal.ErrSignPINFormat
	ErrWedgeNoTarget  = terminal.ErrWedgeNoTarget
)

// ClerkError is the terminal layer's clerk error: its text is already the Japanese message for the clerk.
type ClerkError = terminal.ClerkError

// clerkMessage returns the message of a clerk or input error in err's chain, translated for an input error.
func clerkMessage(err error) (string, bool) {
	var ie *terminal.InputError
	if errors.As(err, &ie) {
		if len(ie.Args) == 0 {
			return tr(ie.Key, ie.Format), true
		}
		return fmt.Sprintf(tr(ie.Key, ie.Format), ie.Args...), true
	}
	var ce *ClerkError
	if errors.As(err, &ce) {
		return ce.Message, true
	}
	return "", false
}

// clerkText is the message of err for a form field, "" when err is nil.
func clerkText(err error) string {
	if err == nil {
		return ""
	}
	return Message(err)
}
