package httpapi

import "unicode"

// badTextRune reports a character no stored text field may hold: C0/C1 controls (NUL, CR, LF, BEL, tab …), DEL, and
// the bidirectional formatting characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C) that make a
// receipt or a CSV show something other than what is stored. Such text would travel to other shops' vouchers,
// receipts and exports.
func badTextRune(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	case r == unicode.ReplacementChar:
		return true
	}
	return false
}

// HasBadText reports whether s holds a character badTextRune refuses (invalid UTF-8 decodes as U+FFFD and is
// refused too).
func HasBadText(s string) bool {
	for _, r := range s {
		if badTextRune(r) {
			return true
		}
	}
	return false
}

// BadTextMessage is the field error of a text with control or bidi characters.
func BadTextMessage(label string) string {
	return label + "に使えない文字（制御文字や文字の向きを変える記号）が含まれています。入力し直してください。"
}
