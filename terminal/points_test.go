package terminal

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mykeyterm/mykeyterm/mkpf"
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
		got, err := ParsePoints(c.in, c.max)
		if got != c.want || (c.want == 0) != (err != nil) {
			t.Errorf("ParsePoints(%q, %d) = %d, %v; want %d", c.in, c.max, got, err, c.want)
		}
	}
}

func FuzzParsePoints(f *testing.F) {
	for _, c := range pointsInputCases {
		f.Add(c.in, c.max)
	}
	f.Fuzz(func(t *testing.T, in string, max int64) {
		n, err := ParsePoints(in, max)
		if err == nil && (n < 1 || n > max) {
			t.Fatalf("ParsePoints(%q, %d) accepted %d", in, max, n)
		}
		if err != nil && n != 0 {
			t.Fatalf("ParsePoints(%q, %d) refused but returned %d", in, max, n)
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
	{"2026年12月24日", "2026-12-24"},
	{"２０２６年１月２日", "2026-01-02"},
}

func TestParseDay_AcceptsTheUsualJapaneseSpellings(t *testing.T) {
	for _, c := range dayCases {
		d, ok := ParseDay(c.in)
		got := ""
		if ok {
			got = d.Format("2006-01-02")
		}
		if got != c.want {
			t.Errorf("ParseDay(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzParseDay(f *testing.F) {
	for _, c := range dayCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, ok := ParseDay(in)
		if ok && (d.Location() != JST || d.Hour() != 0 || d.Before(time.Date(0, 1, 1, 0, 0, 0, 0, JST))) {
			t.Fatalf("ParseDay(%q) = %v", in, d)
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
		if got := NormalizeCardNumber(c.in); got != c.want {
			t.Errorf("NormalizeCardNumber(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzNormalizeShopCard(f *testing.F) {
	for _, c := range shopCardCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := NormalizeCardNumber(in)
		if utf8.ValidString(in) && !utf8.ValidString(out) || strings.ContainsAny(out, " 　") {
			t.Fatalf("NormalizeCardNumber(%q) = %q", in, out)
		}
	})
}

func TestParsePoints_AnOverdraftSaysTheBalance(t *testing.T) {
	_, err := ParsePoints("1,500", 1200)
	var ie *InputError
	if !errors.As(err, &ie) || ie.Key != "points.points.over" || !strings.Contains(Message(err), "1,200ポイント") {
		t.Fatalf("ParsePoints over the balance: %v", err)
	}
}

func TestSpendable_ReservedPointsAreNeverSpendable(t *testing.T) {
	bs := []mkpf.Balance{{ProgramID: "m", Kind: mkpf.PointMunicipal, Points: 100}, {ProgramID: "r", Kind: mkpf.PointReserved, Points: 900},
		{ProgramID: "e", Kind: mkpf.PointEvent, Points: 5}}
	got := Spendable(bs)
	if len(got) != 2 || got[0].ProgramID != "m" || got[1].ProgramID != "e" {
		t.Fatalf("Spendable = %+v", got)
	}
	if BalanceAfter(bs[0], 30) != 70 {
		t.Fatalf("BalanceAfter = %d", BalanceAfter(bs[0], 30))
	}
}

func TestCheckVoucherExpiry_TodayToThirtyDaysAhead(t *testing.T) {
	old := Now
	Now = func() time.Time { return time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC) } // 2026-12-02 08:30 JST
	t.Cleanup(func() { Now = old })
	for in, want := range map[string]string{
		"2026-12-02": "2026-12-02", "2027-01-01": "2027-01-01", "2027年1月1日": "2027-01-01",
		"2026-12-01": "", "2027-01-02": "", "12/31": "",
	} {
		got, err := CheckVoucherExpiry(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("CheckVoucherExpiry(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := CheckVoucherExpiry("2027-01-02"); !strings.Contains(Message(err), "30日以内（2027年1月1日まで）") {
		t.Errorf("too far: %q", Message(err))
	}
}

func TestCheckPeriod_NamesTheFieldAtFault(t *testing.T) {
	if f, to, field, err := CheckPeriod("2026-11-01", "2026/11/30"); err != nil || f != "2026-11-01" || to != "2026-11-30" || field != -1 {
		t.Fatalf("CheckPeriod = %q %q %d %v", f, to, field, err)
	}
	if _, _, field, err := CheckPeriod("2026-11-01", "x"); err == nil || field != 1 {
		t.Fatalf("bad last day: field %d, %v", field, err)
	}
	if _, _, field, err := CheckPeriod("2026-11-30", "2026-11-01"); err == nil || field != 1 {
		t.Fatalf("reversed period: field %d, %v", field, err)
	}
}

func TestValidCardNumber_IsThePlatformsRule(t *testing.T) {
	for n, want := range map[string]bool{"180000000011": true, "A-1": true, "": false, "１２": false, "12 3": false,
		strings.Repeat("1", 32): true, strings.Repeat("1", 33): false} {
		if ValidCardNumber(n) != want {
			t.Errorf("ValidCardNumber(%q) = %v", n, !want)
		}
	}
}
