package mkpf

import "testing"

// TestPointName_OneFormForPointKinds: ポイントの種類 reads the same on every screen and print; a name that already says
// its kind is not repeated (「自治体ポイント　川崎市 自治体ポイント」 was).
func TestPointName_OneFormForPointKinds(t *testing.T) {
	for _, c := range []struct {
		kind       PointKind
		name, want string
	}{
		{PointMunicipal, "川崎市 自治体ポイント", "川崎市 自治体ポイント"},
		{PointMunicipal, "川崎市ポイント", "川崎市ポイント（自治体ポイント）"},
		{PointEvent, "かわさき子育て応援イベントポイント", "かわさき子育て応援イベントポイント"},
		{PointEvent, "夏祭り", "夏祭り（特定支援イベントポイント）"},
		{PointMunicipal, "", "自治体ポイント"},
		{"", "川崎市 自治体ポイント", "川崎市 自治体ポイント"},
	} {
		if got := PointName(c.kind, c.name); got != c.want {
			t.Errorf("PointName(%q, %q) = %q, want %q", c.kind, c.name, got, c.want)
		}
	}
}

// TestVoucherTitle_NamedAfterTheChosenPoint: an event's voucher is not a 自治体ポイント券.
func TestVoucherTitle_NamedAfterTheChosenPoint(t *testing.T) {
	for name, want := range map[string]string{
		"川崎市 自治体ポイント":       "川崎市 自治体ポイント券",
		"かわさき子育て応援イベントポイント": "かわさき子育て応援イベントポイント券",
		"夏祭り": "夏祭り ポイント券",
		"":    "ポイント券",
	} {
		if got := VoucherTitle(name); got != want {
			t.Errorf("VoucherTitle(%q) = %q, want %q", name, got, want)
		}
	}
}
