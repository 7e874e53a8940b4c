package handoff

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

var (
	// ErrNumber means the card number has characters the chosen barcode or check scheme cannot carry.
	ErrNumber = errors.New("handoff: card number not encodable")
	// ErrSettings means the issuer's hand-off settings are inconsistent (unknown scheme, start character, symbology).
	ErrSettings = errors.New("handoff: invalid hand-off settings")
)

// Error is a hand-off failure with the clerk-facing Japanese message and its cause.
type Error = mkpf.ClerkError

func errf(cause error, format string, a ...any) error {
	return &Error{Message: fmt.Sprintf(format, a...), Err: cause}
}

// nw7Values are the NW-7 character values of the modulus 16 check: 0-9, - 10, $ 11, : 12, / 13, . 14, + 15, A-D 16-19.
const nw7Chars = "0123456789-$:/.+ABCD"

// CheckDigit computes the check character of num under scheme:
//
//	none      ""
//	mod10w21  modulus 10, weights 2,1 from the rightmost digit, two-digit products split (12345678 → "2")
//	mod16     NW-7 modulus 16 over the character values, start/stop included when num has them (A37859B → "+")
//	7dr       the number modulo 7 (123456 → "4")
//	7dsr      7 minus the number modulo 7, in 1-7 (123456 → "3")
//
// Every scheme but mod16 needs num to be decimal digits only.
func CheckDigit(scheme mkpf.CheckDigitScheme, num string) (string, error) {
	switch scheme {
	case "", mkpf.CheckNone:
		return "", nil
	case mkpf.CheckMod16:
		sum := 0
		for _, r := range strings.ToUpper(num) {
			v := strings.IndexRune(nw7Chars, r)
			if v < 0 {
				return "", errf(fmt.Errorf("%w: %q has %q", ErrNumber, num, r), "利用カード番号「%s」に NW-7 で使えない文字「%c」があります", num, r)
			}
			sum += v
		}
		return string(nw7Chars[(16-sum%16)%16]), nil
	case mkpf.CheckMod10W21, mkpf.Check7DR, mkpf.Check7DSR:
	default:
		return "", errf(fmt.Errorf("%w: check digit scheme %q", ErrSettings, scheme), "チェックデジットの方式「%s」は使えません。ID付与事業者の設定を確認してください", scheme)
	}
	if num == "" || strings.Trim(num, "0123456789") != "" {
		return "", errf(fmt.Errorf("%w: %q is not all digits", ErrNumber, num), "利用カード番号「%s」は数字だけでなければチェックデジットを計算できません", num)
	}
	switch scheme {
	case mkpf.CheckMod10W21:
		sum := 0
		for i := 0; i < len(num); i++ {
			d := int(num[len(num)-1-i] - '0')
			if i%2 == 0 {
				d *= 2
			}
			sum += d/10 + d%10
		}
		return string(rune('0' + (10-sum%10)%10)), nil
	default: // 7dr, 7dsr
		r := 0
		for i := 0; i < len(num); i++ {
			r = (r*10 + int(num[i]-'0')) % 7
		}
		if scheme == mkpf.Check7DSR {
			r = 7 - r
		}
		return string(rune('0' + r)), nil
	}
}
