package app

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The clerk's typed input on the points screens: points, dates, shop card numbers. Table tests, and fuzz targets
// seeded from the tables.

var pointsInputCases = []struct {
	in   string
	max  int64
	want int64 // 0 = refused
}{
	{"500", 10000, 500},
	{"１，０００", 10000, 1000},
	{" 10,000 ", 10000, 10000},
	{"10001", 10000, 0},
	{"0", 10000, 0},
	{"-5", 10000, 0},
	{"", 10000, 0},
	{"5e3", 10000, 0},
	{"99999999999999999999", 10000, 0},
	{"１２ab", 10000, 0},
}

func TestParsePoints_AcceptsHalfAndFullWidthDigitsUpToTheBalance(t *testing.T) {
	for _, c := range pointsInputCases {
		got, msg := parsePoints(c.in, c.max)
		if got != c.want || (c.want == 0) != (msg != "") {
			t.Errorf("parsePoints(%q, %d) = %d, %q; want %d", c.in, c.max, got, msg, c.want)
		}
	}
}

func FuzzParsePoints(f *testing.F) {
	for _, c := range pointsInputCases {
		f.Add(c.in, c.max)
	}
	f.Fuzz(func(t *testing.T, in string, max int64) {
		n, msg := parsePoints(in, max)
		if msg == "" && (n < 1 || n > max) {
			t.Fatalf("parsePoints(%q, %d) accepted %d", in, max, n)
		}
		if msg != "" && n != 0 {
			t.Fatalf("parsePoints(%q, %d) refused but returned %d", in, max, n)
		}
	})
}

var dayCases = []struct{ in, want string }{
	{"2026-12-10", "2026-12-10"},
	{"2026/12/1", "2026-12-01"},
	{"20261210", "2026-12-10"},
	{"２０２６－１２－１０", "2026-12-10"},
	{"2026-13-01", ""},
	{"12/24", ""},
	{"", ""},
	{"2026-02-30", ""},
}

func TestParseDay_AcceptsTheUsualJapaneseSpellings(t *testing.T) {
	for _, c := range dayCases {
		d, ok := parseDay(c.in)
		got := ""
		if ok {
			got = d.Format("2006-01-02")
		}
		if got != c.want {
			t.Errorf("parseDay(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzParseDay(f *testing.F) {
	for _, c := range dayCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, ok := parseDay(in)
		if ok && (d.Location() != ptJST || d.Hour() != 0 || d.Before(time.Date(0, 1, 1, 0, 0, 0, 0, ptJST))) {
			t.Fatalf("parseDay(%q) = %v", in, d)
		}
	})
}

var shopCardCases = []struct{ in, want string }{
	{"520625", "520625"},
	{"５２０６２５", "520625"},
	{" 5206 25 ", "520625"},
	{"ＡＢｃ１２", "ABc12"},
	{"52-06", "52-06"},
}

func TestNormalizeShopCard_HalfWidthsWhatAKeyboardReaderTypedWithAnIMEOn(t *testing.T) {
	for _, c := range shopCardCases {
		if got := normalizeShopCard(c.in); got != c.want {
			t.Errorf("normalizeShopCard(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzNormalizeShopCard(f *testing.F) {
	for _, c := range shopCardCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := normalizeShopCard(in)
		if utf8.ValidString(in) && !utf8.ValidString(out) || strings.ContainsAny(out, " 　") {
			t.Fatalf("normalizeShopCard(%q) = %q", in, out)
		}
	})
}
