package terminal

import (
	"context"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// AuthCertReader reads the patron's user-authentication certificate (Cards, or the GUI's fakes in fast tests).
type AuthCertReader interface {
	ReadAuthCert(ctx context.Context, reader string) ([]byte, error)
}

// LookupPlatform is the platform's lookup call (platformclient.Client).
type LookupPlatform interface {
	Lookup(ctx context.Context, authCertDER []byte) (*mkpf.LookupResult, error)
}

// Lookup is screens 25-26 for one patron: the result and what the clerk must be told about the card.
type Lookup struct {
	*mkpf.LookupResult
	// ReachedPlatform is set once the card was read and the platform was asked (the status line shows whether the
	// platform answered, even when it refused).
	ReachedPlatform bool
}

// LookUp reads the card in reader ("" = the first reader holding a My Number Card) in one card transaction and asks
// the platform for the patron's card number at this terminal's issuer. The GUI (screen 25) and the CLI (lookup) call
// it with the same Cards, so both read the card the same way.
func LookUp(ctx context.Context, cards AuthCertReader, p LookupPlatform, reader string) (*Lookup, error) {
	der, err := cards.ReadAuthCert(ctx, reader)
	if err != nil {
		return &Lookup{}, err
	}
	return LookUpCert(ctx, p, der)
}

// LookUpCert is LookUp with a certificate the caller already holds (the CLI's --cert FILE).
func LookUpCert(ctx context.Context, p LookupPlatform, der []byte) (*Lookup, error) {
	res, err := p.Lookup(ctx, der)
	if err != nil {
		return &Lookup{ReachedPlatform: true}, err
	}
	return &Lookup{LookupResult: res, ReachedPlatform: true}, nil
}

// Mode is the issuer's hand-off mode (number when the issuer set none).
func (l *Lookup) Mode() mkpf.HandoffMode { return ModeOf(l.LookupResult) }

// ModeOf is res's hand-off mode, number when the issuer set none.
func ModeOf(res *mkpf.LookupResult) mkpf.HandoffMode {
	if res == nil || res.Handoff.Mode == "" {
		return mkpf.HandoffNumber
	}
	return res.Handoff.Mode
}

// CardInvalid reports whether the platform says the library card is not usable (reference 27: stopped, expired).
func CardInvalid(res *mkpf.LookupResult) bool {
	return !res.CardValid || (res.CardStatus != "" && res.CardStatus != "valid")
}

// CardStatusJA is the Japanese name of a card status the platform reports: 利用停止, 有効期限切れ, else 無効.
func CardStatusJA(st string) string {
	switch st {
	case "stopped":
		return "利用停止"
	case "expired":
		return "有効期限切れ"
	case "", "valid":
		return "無効"
	}
	return st
}

// CardStatusKey is the translation key of CardStatusJA(st) in the UI's tables.
func CardStatusKey(st string) string {
	switch st {
	case "stopped":
		return "cardstatus.stopped"
	case "expired":
		return "cardstatus.expired"
	}
	return "cardstatus.invalid"
}
