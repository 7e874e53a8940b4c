package mkpf

import "time"

// EnrollRequest is screen 9 「端末IDと端末パスワードの登録」: the roster's terminal ID and password, the terminal
// fingerprint (32 bytes, SHA-256) and the public half of the device key the terminal generated (PKIX DER; Ed25519).
type EnrollRequest struct {
	TerminalID  string `json:"terminal_id"`
	Password    string `json:"password"`
	Fingerprint []byte `json:"fingerprint"`
	DeviceKey   []byte `json:"device_key"`
}

// EnrollResult is the answer to a successful enrollment.
type EnrollResult struct {
	Terminal TerminalInfo `json:"terminal"`
	// PointsSession is a points session opened by the enrollment itself (the same password as screen 2 was just
	// checked), for terminals with a points menu; empty otherwise.
	PointsSession          string    `json:"points_session,omitempty"`
	PointsSessionExpiresAt time.Time `json:"points_session_expires_at,omitzero"`
}

// ChallengeRequest asks for a one-time challenge to sign with the device key.
type ChallengeRequest struct {
	TerminalID string `json:"terminal_id"`
}

// ChallengeResult is a one-time challenge, valid until ExpiresAt.
type ChallengeResult struct {
	Challenge []byte    `json:"challenge"`
	ExpiresAt time.Time `json:"expires_at"`
}

// TokenRequest proves the device key: Signature is the device key's signature over AuthSignedBytes(TerminalID,
// Challenge). Fingerprint must equal the one recorded at enrollment.
type TokenRequest struct {
	TerminalID  string `json:"terminal_id"`
	Challenge   []byte `json:"challenge"`
	Fingerprint []byte `json:"fingerprint"`
	Signature   []byte `json:"signature"`
}

// TokenResult is a short-lived bearer token for the Authorization header.
type TokenResult struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// AuthSignedBytes is what the device key signs to get a token: a domain-separated, unambiguous byte string.
func AuthSignedBytes(terminalID string, challenge []byte) []byte {
	b := make([]byte, 0, 32+len(terminalID)+len(challenge))
	b = append(b, "mkpf-token-v1\x00"...)
	b = append(b, terminalID...)
	b = append(b, 0)
	b = append(b, challenge...)
	return b
}

// IdempotencyHeader carries the terminal-chosen key of a state-changing call; a retry with the same key gets the
// first answer and never applies twice.
const IdempotencyHeader = "Idempotency-Key"

// Error codes added with enrollment and certificate checks.
const (
	CodeNotEnrolled    = "not_enrolled"           // the terminal ID has no device bound yet
	CodeIdemMismatch   = "idempotency_key_reused" // the key was used for a different request
	CodeNoIssuer       = "no_issuer"              // a service-ID terminal without an ID issuer (screen 10 not done)
	CodeCardNumber     = "card_number_invalid"
	CodeSignCertNeeded = "sign_cert_required"
)
