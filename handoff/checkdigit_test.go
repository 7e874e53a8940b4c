package handoff_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/handoff"
	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Worked examples of the check-digit schemes Japanese library cards use on NW-7 (and the other symbologies).
var checkDigitCases = []struct {
	scheme mkpf.CheckDigitScheme
	num    string
	want   string
}{
	{mkpf.CheckNone, "180000000011", ""},
	{mkpf.CheckMod10W21, "12345678", "2"},     // (1+6)+7+(1+2)+5+8+3+4+1 = 38 → 10-8
	{mkpf.CheckMod10W21, "180000000011", "9"}, // 1·2 + 1·1 + (8·2 → 1+6) + 1·1 = 11 → 10-1
	{mkpf.CheckMod10W21, "0", "0"},            // remainder 0 → 0, never "10"
	{mkpf.CheckMod10W21, "7992739871", "3"},   // the Luhn reference example (79927398713)
	{mkpf.CheckMod16, "A37859B", "+"},         // 16+3+7+8+5+9+17 = 65, 65 mod 16 = 1, 16-1 = 15 = "+"
	{mkpf.CheckMod16, "a37859b", "+"},         // start/stop read case-insensitively
	{mkpf.CheckMod16, "A180000000011A", "5"},  // 16+1+8+1+1+16 = 43 → 16-11 = 5
	{mkpf.CheckMod16, "A0A", "0"},             // 32 → remainder 0 → "0"
	{mkpf.Check7DR, "123456", "4"},            // 123456 = 7·17636 + 4
	{mkpf.Check7DR, "12345678", "2"},          // 12345678 = 7·1763668 + 2
	{mkpf.Check7DR, "7", "0"},
	{mkpf.Check7DSR, "123456", "3"}, // 7-4
	{mkpf.Check7DSR, "12345678", "5"},
	{mkpf.Check7DSR, "7", "7"},                         // remainder 0 → 7 (7DSR digits are 1-7)
	{mkpf.Check7DR, "99999999999999999999999999", "1"}, // 10^26-1: longer than any integer type, computed digit by digit
}

func TestCheckDigit_WorkedExamples(t *testing.T) {
	for _, c := range checkDigitCases {
		got, err := handoff.CheckDigit(c.scheme, c.num)
		if err != nil || got != c.want {
			t.Errorf("CheckDigit(%s, %q) = %q, %v; want %q", c.scheme, c.num, got, err, c.want)
		}
	}
}

func TestCheckDigit_RefusesWhatItCannotCompute(t *testing.T) {
	for _, c := range []struct {
		scheme mkpf.CheckDigitScheme
		num    string
		want   error
	}{
		{mkpf.CheckMod10W21, "12A4", handoff.ErrNumber},
		{mkpf.Check7DR, "", handoff.ErrNumber},
		{mkpf.Check7DSR, "１２３", handoff.ErrNumber},
		{mkpf.CheckMod16, "A12*B", handoff.ErrNumber},
		{"mod11", "123", handoff.ErrSettings},
	} {
		_, err := handoff.CheckDigit(c.scheme, c.num)
		var he *handoff.Error
		if !errors.Is(err, c.want) || !errors.As(err, &he) || he.Message == "" {
			t.Errorf("CheckDigit(%s, %q) error %v, want %v with a Japanese message", c.scheme, c.num, err, c.want)
		}
	}
}

// Every scheme catches every single-character misreading: changing one character of the number changes the check
// character, for every input the fuzzer finds.
func FuzzCheckDigit(f *testing.F) {
	for _, c := range checkDigitCases {
		f.Add(string(c.scheme), c.num, uint8(0))
	}
	f.Fuzz(func(t *testing.T, scheme, num string, pos uint8) {
		s := mkpf.CheckDigitScheme(scheme)
		cd, err := handoff.CheckDigit(s, num)
		if err != nil || s == mkpf.CheckNone || s == "" || num == "" {
			return
		}
		const nw7 = "0123456789-$:/.+ABCD"
		b := []byte(strings.ToUpper(num))
		i := int(pos) % len(b)
		if s == mkpf.CheckMod16 {
			v := strings.IndexByte(nw7, b[i])
			b[i] = nw7[(v+1)%16+(v/16)*16] // stay within the data characters or within A-D
			if v >= 16 {
				b[i] = nw7[16+(v-16+1)%4]
			}
		} else {
			b[i] = '0' + (b[i]-'0'+1)%10
		}
		cd2, err := handoff.CheckDigit(s, string(b))
		if err != nil {
			t.Fatalf("CheckDigit(%s, %q): %v", s, b, err)
		}
		if cd2 == cd {
			t.Errorf("%s: %q and %q share the check character %q", s, num, b, cd)
		}
	})
}

func TestGroup_ForReadingAloud(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"180000000011", "1800 0000 0011"},
		{"1234567890", "1234 5678 90"},
		{" 1234 ", "1234"},
		{"", ""},
		{"図書123456", "図書12 3456"},
	} {
		if got := handoff.Group(c.in); got != c.want {
			t.Errorf("Group(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
