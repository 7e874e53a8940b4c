package terminal

// The rules of the point flows (screens 29-39, 87) that the GUI and the CLI share: typed amounts and days, which
// balances can be spent, the balance after an operation, and the voucher's expiry limit.

import (
	"strconv"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// JST is Japan time: dates on screens, vouchers and the aggregation are Japanese calendar days (mkpf.JST).
var JST = mkpf.JST

// Now is the clock of the point flows (tests fix it).
var Now = time.Now

// Today is the current Japanese calendar day at midnight JST.
func Today() time.Time {
	t := Now().In(JST)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, JST)
}

// halfWidth makes a full-width digit or letter (typed with an IME left on) half-width; other runes pass unchanged.
func halfWidth(r rune) rune {
	if r >= '０' && r <= '９' || r >= 'Ａ' && r <= 'Ｚ' || r >= 'ａ' && r <= 'ｚ' {
		return r - 0xFEE0 // full-width ASCII → half-width
	}
	return r
}

// HalfWidth is s with full-width digits and letters made half-width.
func HalfWidth(s string) string { return strings.Map(halfWidth, s) }

// Grouped formats n with thousands separators: 10,000.
func Grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// ParsePoints reads a typed number of points: half- or full-width digits, commas allowed; 1 to max (the balance).
// A mistake comes back as *InputError; nothing is sent.
func ParsePoints(s string, max int64) (int64, error) {
	over := &InputError{Key: "points.points.over", Format: "残高（%s）を超えています。残高以下のポイント数を入力してください。", Args: []any{Grouped(max) + "ポイント"}}
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch r = halfWidth(r); {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ',' || r == '，':
		default:
			return 0, &InputError{Key: "points.points.invalid", Format: "ポイント数は半角数字で入力してください（例: 500）。"}
		}
	}
	if b.Len() == 0 {
		return 0, &InputError{Key: "points.points.empty", Format: "ポイント数を入力してください。"}
	}
	if b.Len() > 12 {
		return 0, over
	}
	n, _ := strconv.ParseInt(b.String(), 10, 64)
	if n <= 0 {
		return 0, &InputError{Key: "points.points.zero", Format: "1以上のポイント数を入力してください。"}
	}
	if n > max {
		return 0, over
	}
	return n, nil
}

// ParseDay reads a day typed as YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or 2026年12月31日 (half- or full-width digits).
func ParseDay(s string) (time.Time, bool) {
	var b strings.Builder
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, "日")
	for _, r := range s {
		switch r = halfWidth(r); {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == '/' || r == '－' || r == '／' || r == '年' || r == '月':
			b.WriteRune('-')
		case r == ' ' || r == '　':
		default:
			return time.Time{}, false
		}
	}
	t := b.String()
	if len(t) == 8 && !strings.Contains(t, "-") {
		t = t[:4] + "-" + t[4:6] + "-" + t[6:]
	}
	d, err := time.ParseInLocation("2006-1-2", t, JST)
	if err != nil {
		return time.Time{}, false
	}
	return d, true
}

// Spendable are the balances a shop may spend: 留保ポイント (reserved points) never are.
func Spendable(bs []mkpf.Balance) []mkpf.Balance {
	var out []mkpf.Balance
	for _, b := range bs {
		if b.Kind == mkpf.PointReserved {
			continue
		}
		out = append(out, b)
	}
	return out
}

// BalanceAfter is the balance left after spending n points of b (use, voucher, merge).
func BalanceAfter(b mkpf.Balance, n int64) int64 { return b.Points - n }

// VoucherLastDay is the latest expiry a voucher issued today may have (mkpf.VoucherMaxDays ahead).
func VoucherLastDay() time.Time { return Today().AddDate(0, 0, mkpf.VoucherMaxDays) }

// CheckVoucherExpiry reads the voucher's expiry typed on screen 32: a day from today to VoucherMaxDays ahead,
// independent of the points' own expiry. It returns the day as YYYY-MM-DD.
func CheckVoucherExpiry(text string) (string, error) {
	d, ok := ParseDay(text)
	if !ok {
		return "", &InputError{Key: "screen32.expires.invalid", Format: "有効期限を「2026年12月31日」の形で入力してください。"}
	}
	t := Today()
	if d.Before(t) {
		return "", &InputError{Key: "screen32.expires.past", Format: "有効期限が過去の日付です。本日以降の日付を入力してください。"}
	}
	if last := VoucherLastDay(); d.After(last) {
		return "", &InputError{Key: "screen32.expires.far", Format: "有効期限は本日から%d日以内（%sまで）にしてください。",
			Args: []any{mkpf.VoucherMaxDays, last.Format("2006年1月2日")}}
	}
	return d.Format("2006-01-02"), nil
}

// CheckPeriod reads the aggregation period of screen 87 (from ≤ to), as YYYY-MM-DD. field is the field at fault:
// 0 the first day, 1 the last day.
func CheckPeriod(fromText, toText string) (from, to string, field int, err error) {
	bad := &InputError{Key: "screen87.date.invalid", Format: "日付を「2026年11月1日」の形で入力してください。"}
	f, ok := ParseDay(fromText)
	if !ok {
		return "", "", 0, bad
	}
	t, ok := ParseDay(toText)
	if !ok {
		return "", "", 1, bad
	}
	if t.Before(f) {
		return "", "", 1, &InputError{Key: "screen87.to.before", Format: "終了日は開始日以降の日付にしてください。"}
	}
	return f.Format("2006-01-02"), t.Format("2006-01-02"), -1, nil
}

// NormalizeCardNumber keeps what a keyboard-interface reader typed for a shop's point card: spaces dropped, full-width
// letters and digits made half-width (an IME left on).
func NormalizeCardNumber(t string) string {
	var b strings.Builder
	for _, r := range t {
		r = halfWidth(r)
		if r == ' ' || r == '　' || r == '\t' || r == '\r' || r == '\n' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
