package handoff

import "strings"

// Group splits a card number into blocks of four from the left for reading aloud: "180000000011" → "1800 0000 0011".
func Group(number string) string {
	number = strings.TrimSpace(number)
	var b strings.Builder
	for i, r := range []rune(number) {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
