// Package presence is the counter's side of the proof of card presence (docs/security.md), without any UI: the
// screens above a program's floor limit (30 ポイント利用, 33 ポイント券発行, 38 合算) show the tries left (Tries), ask
// the patron for the 4-digit user-authentication PIN once, and send the request again with the proof (Prove). A
// wrong PIN is returned as is (*cardio.WrongPINError with the tries left); nothing here retries it.
package presence

import (
	"context"
	"errors"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Needed reports whether a platform answer asks for the proof (the amount is above the program's floor limit).
func Needed(err error) bool {
	var ae *mkpf.APIError
	return errors.As(err, &ae) && ae.Code == mkpf.CodeCardPresenceRequired
}

// Tries is the user-authentication PIN's tries left, to show before the patron types it (as on screen 23).
func Tries(ctx context.Context, j *cardio.JPKI) (int, error) { return j.PINTries(ctx, cardio.PINAuth) }

// Challenger is the platform's side of the proof: a one-use challenge for this terminal and one operation
// (platformclient.Client).
type Challenger interface {
	CardChallenge(ctx context.Context, scope mkpf.PresenceScope) (*mkpf.CardChallengeResult, error)
	Terminal() mkpf.TerminalInfo
}

// ErrScopeMismatch: the platform returned a challenge for another operation than the one asked (never signed).
var ErrScopeMismatch = errors.New("presence: the platform's challenge is for another operation")

// Prove gets a one-use challenge from the platform for the operation scope (mkpf.UseScope, VoucherScope or
// MergeScope of the request about to be sent again), verifies pin once on the card and has the card sign the
// challenge with the scope; it returns ref with the proof attached, ready to send again with exactly that request.
// The card must be the one whose certificate ref names (the platform checks the signature with that key).
func Prove(ctx context.Context, c Challenger, j *cardio.JPKI, ref mkpf.PatronRef, scope mkpf.PresenceScope, pin string) (mkpf.PatronRef, error) {
	scope.Card = mkpf.CardDigest(ref.AuthCert)
	ch, err := c.CardChallenge(ctx, scope)
	if err != nil {
		return ref, err
	}
	if !scope.SameRequest(ch.Scope) || ch.Scope.TerminalID != c.Terminal().TerminalID {
		return ref, ErrScopeMismatch
	}
	sig, err := cardio.ProvePresence(ctx, j, pin, mkpf.PresenceSignedBytes(ch.Scope, ch.Challenge))
	if err != nil {
		return ref, err
	}
	ref.Presence = &mkpf.CardPresence{Challenge: ch.Challenge, Signature: sig}
	return ref, nil
}
