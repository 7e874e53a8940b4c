package terminal

import (
	"context"
	"errors"

	"github.com/mykeyterm/mykeyterm/cardio"
)

// DefaultPatronProfile is where an issuer's FeliCa library card keeps its number (screen 23 [読取]): service 0x100B,
// block 0, the layout of the demo world's library card and of the pilot libraries' cards.
func DefaultPatronProfile() *cardio.FeliCaProfile {
	return &cardio.FeliCaProfile{ServiceCode: 0x100B, Block: 0}
}

// Cards reads the patron's cards through a card source (PC/SC, or the demo's virtual cards). The GUI and the CLI
// read through this one type, so both run the same card session: connect, begin the card transaction, read, end.
type Cards struct {
	Src    cardio.Source
	Patron *cardio.FeliCaProfile // the issuer's FeliCa patron card (screen 23 [読取]); nil = DefaultPatronProfile
}

// Readers lists the card readers.
func (c *Cards) Readers(ctx context.Context) ([]string, error) { return c.Src.Readers(ctx) }

// ReadAuthCert reads the user-authentication certificate (DER) of the My Number Card in reader ("" = the first reader
// holding a My Number Card) inside one card transaction: no PIN, the My Number never read. An expired certificate is
// still returned: the platform checks validity too and answers in its own words, so the clerk sees one consistent
// message whichever side notices first.
func (c *Cards) ReadAuthCert(ctx context.Context, reader string) ([]byte, error) {
	cr, err := cardio.ReadAuthCert(ctx, c.Src, reader)
	if err != nil && errors.Is(err, cardio.ErrCertExpired) && cr != nil && cr.DER != nil {
		return cr.DER, nil
	}
	if err != nil {
		return nil, err
	}
	return cr.DER, nil
}

// withJPKI runs f on the JPKI application of the card in reader inside one card transaction.
func (c *Cards) withJPKI(ctx context.Context, reader string, f func(j *cardio.JPKI) error) error {
	card, err := c.Src.Connect(ctx, reader)
	if err != nil {
		return err
	}
	defer card.Close()
	if t, ok := card.(cardio.Transactor); ok {
		if err := t.Begin(ctx); err != nil {
			return err
		}
		defer t.End(context.WithoutCancel(ctx))
	}
	j, err := cardio.OpenJPKI(ctx, card)
	if err != nil {
		return err
	}
	return f(j)
}

// SignPINTries reports the signing PIN's remaining tries without spending one (0 when it is blocked).
func (c *Cards) SignPINTries(ctx context.Context, reader string) (n int, err error) {
	err = c.withJPKI(ctx, reader, func(j *cardio.JPKI) error {
		n, err = j.PINTries(ctx, cardio.PINSign)
		if errors.Is(err, cardio.ErrPINBlocked) {
			n, err = 0, nil
		}
		return err
	})
	return n, err
}

// ReadSignCert sends the signing PIN once (never retried) and reads the signing certificate (DER); a wrong PIN comes
// back as *cardio.WrongPINError with the tries left.
func (c *Cards) ReadSignCert(ctx context.Context, reader, pin string) (der []byte, err error) {
	err = c.withJPKI(ctx, reader, func(j *cardio.JPKI) error {
		if err := j.VerifyPIN(ctx, cardio.PINSign, pin); err != nil {
			return err
		}
		der, err = j.ReadSignCert(ctx)
		return err
	})
	return der, err
}

// ReadPatronCard reads the library card number from the patron's own FeliCa card (screen 23 [読取]).
func (c *Cards) ReadPatronCard(ctx context.Context, reader string) (string, error) {
	card, err := c.Src.Connect(ctx, reader)
	if err != nil {
		return "", err
	}
	defer card.Close()
	p := c.Patron
	if p == nil {
		p = DefaultPatronProfile()
	}
	_, n, err := cardio.ReadPatronCard(ctx, card, p)
	if err == nil && n == "" {
		err = ErrNoPatronNumber
	}
	return n, err
}
