package mkpf

// The point voucher (ポイント券, screens 32-36) and the text of its QR code. docs/voucher-qr.md describes the format
// byte by byte so other counter software can read it.
//
// QR text = "MKV-" + BASE32(payload || signature), RFC 4648 alphabet (A-Z 2-7), no padding, upper case.
// payload (21 bytes, big endian):
//
//	0     version      0x01
//	1..4  key ID       first 4 bytes of SHA-256(the platform's Ed25519 public key)
//	5..8  number       the 8-digit 発券番号 as an unsigned integer
//	9..12 points       the voucher's points (1 point = 1 yen)
//	13..16 expiry      the last valid day as the integer YYYYMMDD (Japan time)
//	17..20 terminal    the issuing terminal's 8-digit ID as an unsigned integer
//
// signature = Ed25519(platform key, "mykeyterm voucher v1\x00" || payload), 64 bytes. 85 bytes → 136 characters, so the
// whole text is 140 characters of 0-9 A-Z and '-', which QR alphanumeric mode holds and which a keyboard-wedge QR
// reader types identically on JIS and US layouts; Caps Lock does not matter because parsing ignores letter case.

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// VoucherQRPrefix starts every voucher QR text.
const VoucherQRPrefix = "MKV-"

const (
	voucherVersion     = 1
	voucherPayloadLen  = 21
	voucherTextLen     = len(VoucherQRPrefix) + 136
	voucherSignContext = "mykeyterm voucher v1\x00"
	// VoucherMaxDays is the longest validity a voucher may get at issue (seed 004: 30 日以内).
	VoucherMaxDays = 30
)

var voucherB32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Sentinel errors of voucher parsing. VoucherError wraps them with the clerk-facing message.
var (
	ErrVoucherFormat     = errors.New("mkpf: not a voucher QR text or voucher number")
	ErrVoucherForged     = errors.New("mkpf: voucher signature does not verify")
	ErrVoucherUnknownKey = errors.New("mkpf: voucher signed with an unknown key")
)

// VoucherError carries the Japanese message a clerk sees and the cause.
type VoucherError struct {
	Message string
	Err     error
}

func (e *VoucherError) Error() string { return e.Message + " (" + e.Err.Error() + ")" }
func (e *VoucherError) Unwrap() error { return e.Err }

func voucherErr(cause error, detail string) error {
	msg := "ポイント券のQRコードまたは発券番号を読み取れません。もう一度読み取るか、発券番号（8桁）を入力してください。"
	switch cause {
	case ErrVoucherForged:
		msg = "このポイント券は偽造または改ざんされています。受け付けないでください。"
	case ErrVoucherUnknownKey:
		msg = "このポイント券の署名鍵を確認できません。偽造の可能性があります。発行元に確認してください。"
	}
	if detail != "" {
		cause = fmt.Errorf("%w: %s", cause, detail)
	}
	return &VoucherError{Message: msg, Err: cause}
}

// VoucherQR is what a voucher's QR code says. Expiry is the last valid day, "YYYY-MM-DD".
type VoucherQR struct {
	Number     string `json:"number"` // 8 digits, no hyphen
	Points     int64  `json:"points"`
	Expiry     string `json:"expiry"`
	TerminalID string `json:"terminal_id"`
	KeyID      string `json:"key_id"` // 8 hex digits
}

// NewVoucherNumber draws a random 8-digit 発券番号 (10000000-99999999, so it never loses a leading zero in a
// spreadsheet) from crypto/rand. Uniqueness is the issuer's job (it retries on collision).
func NewVoucherNumber() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(90000000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%08d", n.Int64()+10000000), nil
}

// FormatVoucherNumber shows a number as the voucher prints it: 9876-5432.
func FormatVoucherNumber(n string) string {
	if len(n) != 8 {
		return n
	}
	return n[:4] + "-" + n[4:]
}

// NormalizeVoucherNumber accepts a typed 発券番号 (9876-5432, 98765432, full-width digits, spaces) and returns its 8
// digits.
func NormalizeVoucherNumber(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == '-' || r == '－' || r == 'ー' || r == ' ' || r == '　':
		default:
			return "", voucherErr(ErrVoucherFormat, fmt.Sprintf("unexpected character %q", r))
		}
	}
	if b.Len() != 8 {
		return "", voucherErr(ErrVoucherFormat, "a voucher number has 8 digits")
	}
	return b.String(), nil
}

// VoucherKeyID is the key ID a voucher carries for pub: the first 4 bytes of its SHA-256, hex.
func VoucherKeyID(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return fmt.Sprintf("%x", h[:4])
}

func parseDate(s string) (time.Time, error) { return time.Parse("2006-01-02", s) }

// EncodeVoucherQR signs v with the platform key and returns the QR text. v.KeyID is ignored (derived from the key).
func EncodeVoucherQR(v VoucherQR, key ed25519.PrivateKey) (string, error) {
	p, err := voucherPayload(v, key.Public().(ed25519.PublicKey))
	if err != nil {
		return "", err
	}
	sig := ed25519.Sign(key, append([]byte(voucherSignContext), p...))
	return VoucherQRPrefix + voucherB32.EncodeToString(append(p, sig...)), nil
}

func voucherPayload(v VoucherQR, pub ed25519.PublicKey) ([]byte, error) {
	num, err := NormalizeVoucherNumber(v.Number)
	if err != nil {
		return nil, err
	}
	if v.Points <= 0 || v.Points > 0xFFFFFFFF {
		return nil, fmt.Errorf("mkpf: voucher points %d out of range", v.Points)
	}
	d, err := parseDate(v.Expiry)
	if err != nil {
		return nil, fmt.Errorf("mkpf: voucher expiry %q: %w", v.Expiry, err)
	}
	if err := ValidateTerminalID(v.TerminalID); err != nil {
		return nil, err
	}
	p := make([]byte, voucherPayloadLen)
	p[0] = voucherVersion
	h := sha256.Sum256(pub)
	copy(p[1:5], h[:4])
	binary.BigEndian.PutUint32(p[5:], uint32(atoiDigits(num)))
	binary.BigEndian.PutUint32(p[9:], uint32(v.Points))
	binary.BigEndian.PutUint32(p[13:], uint32(d.Year()*10000+int(d.Month())*100+d.Day()))
	binary.BigEndian.PutUint32(p[17:], uint32(atoiDigits(v.TerminalID)))
	return p, nil
}

func atoiDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// ParseVoucherQR decodes a QR text without checking its signature (use VerifyVoucherQR for that). Letter case,
// surrounding spaces and a trailing CR/LF/Tab from a keyboard-wedge reader are ignored.
func ParseVoucherQR(text string) (*VoucherQR, error) {
	v, _, _, err := parseVoucherQR(text)
	return v, err
}

func parseVoucherQR(text string) (v *VoucherQR, payload, sig []byte, err error) {
	t := strings.ToUpper(strings.TrimSpace(text))
	if len(t) != voucherTextLen || !strings.HasPrefix(t, VoucherQRPrefix) {
		return nil, nil, nil, voucherErr(ErrVoucherFormat, fmt.Sprintf("length %d", len(t)))
	}
	raw, err := voucherB32.DecodeString(t[len(VoucherQRPrefix):])
	if err != nil || len(raw) != voucherPayloadLen+ed25519.SignatureSize {
		return nil, nil, nil, voucherErr(ErrVoucherFormat, "bad base32")
	}
	p := raw[:voucherPayloadLen]
	// From here on the text has the exact shape of a voucher, so a field that does not fit means it was altered.
	if p[0] != voucherVersion {
		return nil, nil, nil, voucherErr(ErrVoucherForged, fmt.Sprintf("version %d", p[0]))
	}
	num := binary.BigEndian.Uint32(p[5:])
	pts := binary.BigEndian.Uint32(p[9:])
	exp := binary.BigEndian.Uint32(p[13:])
	term := binary.BigEndian.Uint32(p[17:])
	if num > 99999999 || term > 99999999 || pts == 0 {
		return nil, nil, nil, voucherErr(ErrVoucherForged, "field out of range")
	}
	y, m, d := int(exp/10000), int(exp/100%100), int(exp%100)
	date := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if date.Year() != y || int(date.Month()) != m || date.Day() != d {
		return nil, nil, nil, voucherErr(ErrVoucherForged, "bad expiry date")
	}
	v = &VoucherQR{
		Number:     fmt.Sprintf("%08d", num),
		Points:     int64(pts),
		Expiry:     date.Format("2006-01-02"),
		TerminalID: fmt.Sprintf("%08d", term),
		KeyID:      fmt.Sprintf("%x", p[1:5]),
	}
	return v, p, raw[voucherPayloadLen:], nil
}

// VerifyVoucherQR decodes a QR text and checks its signature against the platform's public keys (the one whose key
// ID the voucher names). It works offline.
func VerifyVoucherQR(text string, keys ...ed25519.PublicKey) (*VoucherQR, error) {
	v, p, sig, err := parseVoucherQR(text)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		h := sha256.Sum256(k)
		if !bytes.Equal(h[:4], p[1:5]) {
			continue
		}
		if ed25519.Verify(k, append([]byte(voucherSignContext), p...), sig) {
			return v, nil
		}
		return nil, voucherErr(ErrVoucherForged, "")
	}
	if len(keys) == 0 {
		return nil, voucherErr(ErrVoucherUnknownKey, "no keys given")
	}
	// An unknown key ID is as good as a forgery for a terminal: a changed key-ID byte lands here too.
	return nil, voucherErr(ErrVoucherForged, "key ID "+v.KeyID+" unknown")
}

// VoucherInput is what the clearing field (screen 35) received: the QR text a reader typed, or a typed number.
type VoucherInput struct {
	Number string     // always set: 8 digits
	QR     *VoucherQR // set when the input was a QR text (signature not yet checked)
	Text   string     // the normalised QR text (upper case), when QR is set
}

// ParseVoucherInput accepts either a voucher QR text or a typed 発券番号.
func ParseVoucherInput(s string) (*VoucherInput, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if strings.HasPrefix(t, VoucherQRPrefix) {
		v, err := ParseVoucherQR(t)
		if err != nil {
			return nil, err
		}
		return &VoucherInput{Number: v.Number, QR: v, Text: t}, nil
	}
	n, err := NormalizeVoucherNumber(t)
	if err != nil {
		return nil, err
	}
	return &VoucherInput{Number: n}, nil
}
