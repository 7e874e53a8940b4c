package mkpf

import (
	"errors"
	"fmt"
)

// TerminalKind is the kind a terminal ID was issued for (seed 004 §I.3). A terminal that is both (ア) and (イ) counts
// as (ア) and carries TakesPoints in its TerminalInfo.
type TerminalKind string

const (
	KindServiceID  TerminalKind = "service_id"  // (ア) サービスID利用端末: library counters, shopping-district shop terminals
	KindPointUse   TerminalKind = "point_use"   // (イ) ポイント利用端末: museums, shops
	KindVoucher    TerminalKind = "voucher"     // (ウ) ポイント券発行端末: chambers of commerce
	KindPointGrant TerminalKind = "point_grant" // (エ) ポイント付与端末: municipal office PC, mobile grant phones
)

// Valid reports whether k is one of the four kinds.
func (k TerminalKind) Valid() bool {
	switch k {
	case KindServiceID, KindPointUse, KindVoucher, KindPointGrant, KindGrantOffice, KindPatronDesk:
		return true
	}
	return false
}

// LabelJA is the kind's name as the documents write it.
func (k TerminalKind) LabelJA() string {
	switch k {
	case KindServiceID:
		return "サービスID利用端末"
	case KindPointUse:
		return "ポイント利用端末"
	case KindVoucher:
		return "ポイント券発行端末"
	case KindPointGrant:
		return "ポイント付与端末"
	case KindGrantOffice:
		return "ポイント付与事業 業務支援システム"
	case KindPatronDesk:
		return "利用者窓口端末"
	}
	return string(k)
}

var (
	ErrMunicipalityCode = errors.New("mkpf: invalid municipality code")
	ErrIssuerID         = errors.New("mkpf: invalid ID issuer ID")
	ErrMyKeyID          = errors.New("mkpf: invalid MyKey ID")
	ErrTerminalID       = errors.New("mkpf: invalid terminal ID")
)

// MunicipalityCheckDigit computes the 6th digit of a 全国地方公共団体コード from its first five digits: weights
// 6,5,4,3,2, remainder r of the sum by 11, check digit (11-r) mod 10. Example: 14130 → 5 (川崎市 141305).
func MunicipalityCheckDigit(first5 string) (byte, error) {
	if len(first5) != 5 || !allDigits(first5) {
		return 0, ErrMunicipalityCode
	}
	sum := 0
	for i := 0; i < 5; i++ {
		sum += int(first5[i]-'0') * (6 - i)
	}
	return byte('0' + (11-sum%11)%10), nil
}

// ValidateMunicipalityCode checks a 6-digit 全国地方公共団体コード including its check digit.
func ValidateMunicipalityCode(code string) error {
	if len(code) != 6 || !allDigits(code) {
		return fmt.Errorf("%w: %q is not 6 digits", ErrMunicipalityCode, code)
	}
	d, _ := MunicipalityCheckDigit(code[:5])
	if code[5] != d {
		return fmt.Errorf("%w: %q check digit should be %c", ErrMunicipalityCode, code, d)
	}
	return nil
}

// ValidateIssuerID checks an ID付与事業者ID: 6 digits (e.g. 000001).
func ValidateIssuerID(id string) error {
	if len(id) != 6 || !allDigits(id) {
		return fmt.Errorf("%w: %q is not 6 digits", ErrIssuerID, id)
	}
	return nil
}

// ValidateTerminalID checks a 端末ID: 8 digits (e.g. 00052489).
func ValidateTerminalID(id string) error {
	if len(id) != 8 || !allDigits(id) {
		return fmt.Errorf("%w: %q is not 8 digits", ErrTerminalID, id)
	}
	return nil
}

// MyKeyIDAlphabet is the alphabet of generated and chosen MyKey IDs.
const MyKeyIDAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// ValidateMyKeyID checks a MyKey ID: 8 characters of A-Z and 0-9 (e.g. MY123456).
func ValidateMyKeyID(id string) error {
	if len(id) != 8 {
		return fmt.Errorf("%w: %q is not 8 characters", ErrMyKeyID, id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return fmt.Errorf("%w: %q has a character outside A-Z0-9", ErrMyKeyID, id)
		}
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
