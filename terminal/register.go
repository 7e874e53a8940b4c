package terminal

import (
	"context"
	"strings"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/mkpf"
)

// ValidCardNumber is the platform's rule for a library card number (サービスID) and a shopping district's point card
// number: 1 to 32 half-width letters, digits or hyphens.
func ValidCardNumber(n string) bool {
	if n == "" || len(n) > 32 {
		return false
	}
	for _, c := range n {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-') {
			return false
		}
	}
	return true
}

// CheckServiceID checks a typed library card number (screen 23) before anything is read or sent.
func CheckServiceID(n string) (string, error) {
	n = strings.TrimSpace(n)
	if !ValidCardNumber(n) {
		return n, &InputError{Key: "screen23.number.invalid", Format: "利用カード番号を半角英数字で入力してください。"}
	}
	return n, nil
}

// RegisterCards is what the registration reads from the patron's My Number Card (Cards).
type RegisterCards interface {
	AuthCertReader
	SignPINTries(ctx context.Context, reader string) (int, error)
	ReadSignCert(ctx context.Context, reader, pin string) ([]byte, error)
}

// Registrar is the platform's registration call (platformclient.Client).
type Registrar interface {
	RegisterServiceID(ctx context.Context, r mkpf.RegisterRequest) (*mkpf.RegisterResult, error)
}

// Registration is screens 23-24 for one patron: the request being built and, with the address-change notice, the
// signing PIN's tries left, read before the patron types the PIN.
type Registration struct {
	Req    mkpf.RegisterRequest
	Reader string
	// Tries is the signing PIN's tries left (-1 when the notice is not asked for): the clerk shows it before the
	// patron types the PIN. 0 means blocked.
	Tries int
}

// BeginRegistration reads the user-authentication certificate and, when the patron asks for the address-change
// notice, the signing PIN's tries left (no try is spent).
func BeginRegistration(ctx context.Context, cards RegisterCards, reader string, req mkpf.RegisterRequest) (*Registration, error) {
	r := &Registration{Req: req, Reader: reader, Tries: -1}
	var err error
	if r.Req.AuthCert, err = cards.ReadAuthCert(ctx, reader); err != nil {
		return r, err
	}
	if req.AddressNotice {
		if r.Tries, err = cards.SignPINTries(ctx, reader); err != nil {
			return r, err
		}
	}
	return r, nil
}

// NeedsPIN reports whether the signing certificate must still be read (the notice is asked for).
func (r *Registration) NeedsPIN() bool { return r.Req.AddressNotice && r.Req.SignCert == nil }

// CheckSignPIN applies the signing-PIN rules that need no card: a blocked PIN is not asked for, and a PIN that is not
// 6 to 16 half-width capital letters and digits (cardio.CheckPINFormat) is never sent, so no try is spent.
func (r *Registration) CheckSignPIN(pin string) error {
	if r.Tries == 0 {
		return ErrSignPINBlocked
	}
	if cardio.CheckPINFormat(cardio.PINSign, pin) != nil {
		return ErrSignPINFormat
	}
	return nil
}

// Sign sends the signing PIN to the card once and reads the signing certificate. A wrong PIN is returned
// (*cardio.WrongPINError with the tries left), never retried: the patron decides whether to try again.
func (r *Registration) Sign(ctx context.Context, cards RegisterCards, pin string) error {
	if err := r.CheckSignPIN(pin); err != nil {
		return err
	}
	der, err := cards.ReadSignCert(ctx, r.Reader, pin)
	if err != nil {
		return err
	}
	r.Req.SignCert = der
	return nil
}

// Send registers the number on the platform. mkpf.CodeReplaceNeedsConfirm (APICode) asks the clerk whether to
// replace the patron's existing number; NeedsReplaceConfirm tells.
func (r *Registration) Send(ctx context.Context, p Registrar) (*mkpf.RegisterResult, error) {
	return p.RegisterServiceID(ctx, r.Req)
}

// NeedsReplaceConfirm reports whether err asks the clerk to confirm replacing the patron's number (Req.Replace).
func (r *Registration) NeedsReplaceConfirm(err error) bool {
	return APICode(err) == mkpf.CodeReplaceNeedsConfirm && !r.Req.Replace
}
