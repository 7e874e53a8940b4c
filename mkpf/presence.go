package mkpf

import "time"

// Proof of card presence (docs/security.md): above a program's floor limit, point use, voucher issue and merge need
// more than the certificate's bytes (readable from any card without a PIN, and seen by every terminal the patron
// ever tapped). The patron enters the 4-digit user-authentication PIN and the card signs the platform's challenge
// with its user-authentication key; the platform checks the signature with the certificate's public key.

// CardChallengeResult is a one-use challenge for the card to sign (POST /v1/points/card-challenge).
type CardChallengeResult struct {
	Challenge []byte    `json:"challenge"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CardPresence is the card's answer: the challenge and the card's RSA PKCS#1 v1.5 SHA-256 signature over
// PresenceSignedBytes.
type CardPresence struct {
	Challenge []byte `json:"challenge"`
	Signature []byte `json:"signature"`
}

// CodeCardPresenceRequired: the amount is above the program's floor limit and the request carries no valid proof.
const CodeCardPresenceRequired = "card_presence_required"

// PresenceSignedBytes is what the card signs: a context string, the terminal ID and the challenge, so a signature
// is good for one terminal's one challenge only.
func PresenceSignedBytes(terminalID string, challenge []byte) []byte {
	b := []byte("mkpf-card-presence-v1\x00" + terminalID + "\x00")
	return append(b, challenge...)
}
