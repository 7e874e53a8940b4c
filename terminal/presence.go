package terminal

// Proof of card presence above a program's floor limit (docs/security.md) for screens 30 (ポイント利用), 33 (ポイント券
// 発行) and 38 (合算), and the CLI's points use, voucher issue and merge. The sequence, in two steps around the
// patron typing the PIN:
//  1. the operation is sent as usual; when the platform answers card_presence_required, AskPresence reads the
//     user-authentication PIN's tries left from the card (no try spent) and returns *PresenceRequired with them, so
//     the screen shows the tries FIRST and asks for the 4-digit PIN once;
//  2. ProvePresence checks the PIN's form (a wrong form is never sent: no try spent), verifies it on the card once
//     (never retried: a wrong PIN comes back with the tries left and the clerk decides), has the card sign the
//     platform's one-use challenge, and returns the patron ref with the proof; the operation is then sent again
//     with the same idempotency key (the platform applies it once).

import (
	"context"
	"errors"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/presence"
)

// PresenceRequired is the platform's card_presence_required answer with what the patron's card says: Tries is the
// user-authentication PIN's tries left (1 to 3), to show before the patron types it.
type PresenceRequired struct {
	Tries int
	Cause error // the platform's answer
}

func (e *PresenceRequired) Error() string { return e.Cause.Error() }
func (e *PresenceRequired) Unwrap() error { return e.Cause }

// Errors of the proof of card presence.
var (
	ErrAuthPINBlocked = &ClerkError{Message: "このポイント数はマイナンバーカードの暗証番号による確認が必要ですが、利用者証明用電子証明書の暗証番号がロックされています。ポイント数を減らすか、利用者に市区町村の窓口でロック解除（初期化）の手続きをするよう案内してください（ポイントは動いていません）。"}
	ErrPresenceScope  = &ClerkError{Message: "プラットフォームから届いた確認の内容が、この操作と一致しません。カードには署名させていません（ポイントは動いていません）。もう一度操作し、続く場合はシステム管理者に連絡してください。"}
	ErrAuthPINFormat  = &ClerkError{Message: "利用者証明用電子証明書の暗証番号は数字4桁です。利用者にもう一度入力してもらってください（この入力ではカードに送っていないので、残り回数は減っていません。ポイントは動いていません）。"}
)

// PresenceChallenger is the platform's side of the proof (platformclient.Client).
type PresenceChallenger = presence.Challenger

// AskPresence looks at the platform's answer err to an operation for ref. When the platform asks for proof of card
// presence and ref is the patron's My Number Card (not a shop card), it reads the user-authentication PIN's tries left
// from the card in reader and returns *PresenceRequired (ErrAuthPINBlocked when none are left). Any other answer,
// nil included, comes back as it is: a shop card cannot prove presence, the platform's refusal is the message.
func (c *Cards) AskPresence(ctx context.Context, reader string, ref mkpf.PatronRef, err error) error {
	if !presence.Needed(err) || len(ref.AuthCert) == 0 || ref.ShopCard != "" {
		return err
	}
	tries, terr := c.AuthPINTries(ctx, reader)
	if terr != nil {
		return cardFailure(terr)
	}
	if tries == 0 {
		return ErrAuthPINBlocked
	}
	return &PresenceRequired{Tries: tries, Cause: err}
}

// AuthPINTries reports the user-authentication PIN's remaining tries without spending one (0 when it is blocked).
func (c *Cards) AuthPINTries(ctx context.Context, reader string) (n int, err error) {
	err = c.withJPKI(ctx, reader, func(j *cardio.JPKI) error {
		n, err = presence.Tries(ctx, j)
		if errors.Is(err, cardio.ErrPINBlocked) {
			n, err = 0, nil
		}
		return err
	})
	return n, err
}

// ProvePresence is step 2: pin's form is checked first (ErrAuthPINFormat, nothing sent to the card), then inside one
// card transaction the PIN is verified once (a wrong one comes back as *cardio.WrongPINError with the tries left,
// never retried) and the card signs the platform's one-use challenge for this terminal and the operation scope (the
// amount and operation the screen showed in the PIN dialog). It returns ref with the proof attached, to send again
// with the same idempotency key and the same request.
func (c *Cards) ProvePresence(ctx context.Context, reader string, p PresenceChallenger, ref mkpf.PatronRef, scope mkpf.PresenceScope, pin string) (mkpf.PatronRef, error) {
	pin = HalfWidth(pin)
	if cardio.CheckPINFormat(cardio.PINAuth, pin) != nil {
		return ref, ErrAuthPINFormat
	}
	out := ref
	err := c.withJPKI(ctx, reader, func(j *cardio.JPKI) (err error) {
		out, err = presence.Prove(ctx, p, j, ref, scope, pin)
		return err
	})
	if errors.Is(err, presence.ErrScopeMismatch) {
		return ref, ErrPresenceScope
	}
	if err != nil {
		return ref, cardFailure(err)
	}
	return out, nil
}

// cardFailure makes an error of the card step a clerk error with its message (a wrong PIN with the tries left), so
// it is never taken for a lost platform answer; the platform's own answers pass as they are.
func cardFailure(err error) error {
	var apiErr *mkpf.APIError
	var pcErr *platformclient.Error
	if errors.As(err, &apiErr) || errors.As(err, &pcErr) {
		return err
	}
	return &ClerkError{Message: Message(err), Err: err}
}
