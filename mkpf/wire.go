package mkpf

import (
	"fmt"
	"time"
)

// APIError is the one error envelope of the /v1 API: {"error": {"code": ..., "message": ..., "fields": [...]}}.
// Code is stable and machine-readable; Message is Japanese and can be shown to the clerk as is.
type APIError struct {
	Status  int          `json:"-"`
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Fields  []FieldError `json:"fields,omitempty"`
}

// FieldError is one rejected form field (screen 10 and others): Field is the JSON name, Message is Japanese.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *APIError) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// ErrorEnvelope is the JSON body of every non-2xx response.
type ErrorEnvelope struct {
	Error *APIError `json:"error"`
}

// Stable error codes of the API. Servers may add codes; clients show Message for codes they do not know.
const (
	CodeBadRequest          = "bad_request"
	CodeValidation          = "validation_failed" // Fields says which
	CodeUnauthenticated     = "unauthenticated"
	CodeForbidden           = "forbidden"
	CodeThrottled           = "throttled"
	CodeBadCredentials      = "bad_credentials"
	CodeAlreadyEnrolled     = "already_enrolled" // the terminal ID is bound to another device; needs an admin reset
	CodeCertInvalid         = "cert_invalid"     // not a JPKI certificate of a trusted root
	CodeCertExpired         = "cert_expired"
	CodeCertRevoked         = "cert_revoked"
	CodeUnknownCert         = "unknown_cert"  // no MyKey ID for this certificate
	CodeNoServiceID         = "no_service_id" // the patron has no card number at this terminal's issuer
	CodeNumberTaken         = "number_taken"  // the card number is linked to another MyKey ID
	CodeReplaceNeedsConfirm = "replace_needs_confirm"
	CodeNotFound            = "not_found"
	CodeConflict            = "conflict"
	CodeInternal            = "internal"
)

// TerminalInfo is what the platform says about the calling terminal.
type TerminalInfo struct {
	TerminalID       string       `json:"terminal_id"`
	Kind             TerminalKind `json:"kind"`
	TakesPoints      bool         `json:"takes_points,omitempty"` // an (ア) terminal that also takes points
	MunicipalityCode string       `json:"municipality_code"`
	MunicipalityName string       `json:"municipality_name"`
	IssuerID         string       `json:"issuer_id,omitempty"` // service-ID terminals: their ID issuer
	IssuerName       string       `json:"issuer_name,omitempty"`
	Location         string       `json:"location,omitempty"`
	Name             string       `json:"name,omitempty"`
	ContactDone      bool         `json:"contact_done"` // screen 10 was completed
}

// Issuer is one row of the platform's ID issuer table.
type Issuer struct {
	ID               string          `json:"id"`
	Name             string          `json:"name"`
	MunicipalityCode string          `json:"municipality_code"`
	Handoff          HandoffSettings `json:"handoff"`
	ShowMyKeyID      bool            `json:"show_mykey_id"`
}

// Contact is screen 10 「連絡先の登録」 and 「連絡先の変更」.
type Contact struct {
	Location     string `json:"location"`      // 設置場所
	Name         string `json:"name"`          // 端末名
	IssuerID     string `json:"issuer_id"`     // ID付与事業者 (service-ID terminals only)
	Person       string `json:"person"`        // 担当者名
	Organization string `json:"organization"`  // 所属組織
	PostalCode   string `json:"postal_code"`   // 郵便番号 (3+4 digits)
	Address      string `json:"address"`       // 住所
	Phone        string `json:"phone"`         // 電話番号
	Email        string `json:"email"`         // メールアドレス
	EmailConfirm string `json:"email_confirm"` // メールアドレス（確認用）
}

// LookupRequest is screen 25 → 26: the whole user-authentication certificate, DER.
type LookupRequest struct {
	AuthCert []byte `json:"auth_cert"`
}

// LookupResult is screen 26 (and reference 27). MyKeyID is empty unless the issuer allows showing it.
type LookupResult struct {
	IssuerID       string          `json:"issuer_id"`
	IssuerName     string          `json:"issuer_name"`
	CardNumber     string          `json:"card_number"`
	Handoff        HandoffSettings `json:"handoff"`
	CardValid      bool            `json:"card_valid"`
	CardStatus     string          `json:"card_status,omitempty"` // "valid", "stopped", "expired"
	AddressChanged bool            `json:"address_changed"`
	MyKeyID        string          `json:"mykey_id,omitempty"`
}

// RegisterRequest is screen 23 → 24.
type RegisterRequest struct {
	AuthCert      []byte `json:"auth_cert"`
	CardNumber    string `json:"card_number"`
	AddressNotice bool   `json:"address_notice"`
	SignCert      []byte `json:"sign_cert,omitempty"` // required when AddressNotice
	Replace       bool   `json:"replace,omitempty"`   // replace this issuer's existing number (card re-issued)
}

// RegisterResult is screen 24 「サービスIDの登録完了」.
type RegisterResult struct {
	IssuerID   string `json:"issuer_id"`
	IssuerName string `json:"issuer_name"`
	CardNumber string `json:"card_number"`
	MyKeyID    string `json:"mykey_id,omitempty"`
	Replaced   string `json:"replaced,omitempty"` // the previous number, when Replace applied
	Unchanged  bool   `json:"unchanged,omitempty"`
}

// Time is an RFC 3339 timestamp helper for wire types.
type Time = time.Time
