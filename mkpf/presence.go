package mkpf

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Proof of card presence (docs/security.md): above a program's floor limit, point use, voucher issue and merge need
// more than the certificate's bytes (readable from any card without a PIN, and seen by every terminal the patron
// ever tapped). The patron enters the 4-digit user-authentication PIN and the card signs the platform's challenge
// with its user-authentication key; the platform checks the signature with the certificate's public key.
//
// A challenge is issued for one operation (PresenceScope: terminal, card, operation, program, points, and the
// voucher expiry or the merge target), and the card signs that scope with the challenge (PresenceSignedBytes, v2):
// a proof made for 1,500 points cannot move 9,000, another program's points or another operation.

// Operations a proof of card presence can be issued for (PresenceScope.Operation).
const (
	PresenceUse     = "use"           // screen 30 ポイント利用
	PresenceVoucher = "voucher_issue" // screen 33 ポイント券発行
	PresenceMerge   = "merge"         // screen 38 合算
)

// PresenceScope is what one challenge is issued for and what the card signs with it. The terminal sends
// Operation, Card, ProgramID, Points and Expires (POST /v1/points/card-challenge); the platform fills TerminalID
// and, for a merge, MergeTarget (the terminal's ID issuer) and returns the scope with the challenge. The request the
// proof is then attached to must be exactly this operation.
type PresenceScope struct {
	TerminalID  string `json:"terminal_id"`
	Card        string `json:"card"` // CardDigest of the user-authentication certificate
	Operation   string `json:"operation"`
	ProgramID   string `json:"program_id"`
	Points      int64  `json:"points"`
	Expires     string `json:"expires,omitempty"`      // voucher issue: the voucher's expiry as sent
	MergeTarget string `json:"merge_target,omitempty"` // merge: the ID issuer whose shop system receives the points
}

// CardDigest names the patron's card in a scope: the SHA-256 of its user-authentication certificate (hex).
func CardDigest(authCert []byte) string {
	d := sha256.Sum256(authCert)
	return hex.EncodeToString(d[:])
}

// UseScope, VoucherScope and MergeScope are the scopes of the three requests (terminal and merge target unset).
func UseScope(r UseRequest) PresenceScope {
	return PresenceScope{Card: CardDigest(r.AuthCert), Operation: PresenceUse, ProgramID: r.ProgramID, Points: r.Points}
}

func VoucherScope(r VoucherIssueRequest) PresenceScope {
	return PresenceScope{Card: CardDigest(r.AuthCert), Operation: PresenceVoucher, ProgramID: r.ProgramID, Points: r.Points, Expires: r.Expires}
}

func MergeScope(r MergeRequest) PresenceScope {
	return PresenceScope{Card: CardDigest(r.AuthCert), Operation: PresenceMerge, ProgramID: r.ProgramID, Points: r.Points}
}

// SameRequest reports whether o is s's operation (s as asked, o as the platform returned it: the platform only
// adds the terminal ID and the merge target).
func (s PresenceScope) SameRequest(o PresenceScope) bool {
	return s.Card == o.Card && s.Operation == o.Operation && s.ProgramID == o.ProgramID && s.Points == o.Points && s.Expires == o.Expires
}

// OperationJA is the operation as the screens name it.
func (s PresenceScope) OperationJA() string {
	switch s.Operation {
	case PresenceUse:
		return "ポイント利用"
	case PresenceVoucher:
		return "ポイント券発行"
	case PresenceMerge:
		return "商店街ポイントへの合算"
	}
	return s.Operation
}

// CardChallengeRequest asks for a challenge for one operation (POST /v1/points/card-challenge): TerminalID and
// MergeTarget are ignored (the platform fills them).
type CardChallengeRequest = PresenceScope

// CardChallengeResult is a one-use challenge for the card to sign, for Scope only.
type CardChallengeResult struct {
	Challenge []byte        `json:"challenge"`
	ExpiresAt time.Time     `json:"expires_at"`
	Scope     PresenceScope `json:"scope"`
}

// CardPresence is the card's answer: the challenge and the card's RSA PKCS#1 v1.5 SHA-256 signature over
// PresenceSignedBytes.
type CardPresence struct {
	Challenge []byte `json:"challenge"`
	Signature []byte `json:"signature"`
}

// CodeCardPresenceRequired: the amount is above the program's floor limit (or the card's or terminal's day total
// without proof is used up) and the request carries no valid proof.
const CodeCardPresenceRequired = "card_presence_required"

// PresenceSignedBytes is what the card signs (v2): a context string, the scope as JSON (terminal, card, operation,
// program, points, expiry or merge target) and the challenge, so a signature is good for one operation of one
// terminal's one challenge only. (v1 signed the terminal ID and the challenge only; the platform accepts it no more.)
func PresenceSignedBytes(scope PresenceScope, challenge []byte) []byte {
	j, _ := json.Marshal(scope) // a struct of strings and an int: cannot fail, field order fixed
	b := append([]byte("mkpf-card-presence-v2\x00"), j...)
	b = append(b, 0)
	return append(b, challenge...)
}
