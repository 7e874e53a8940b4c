package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// Proof of card presence on the confirmation screens (docs/security.md) over the real parts: the reference platform
// on loopback with the municipal program's floor limit at 500 points, the platform client, and the virtual card
// read through cardio (its JPKI applet verifies the PIN and signs with the authentication key).

// authPIN answers the user-authentication PIN dialog with pin (under the harness's UI lock) and waits for the work
// it starts.
func (r *realPoints) authPIN(pin string) {
	r.t.Helper()
	d, e := r.u.pinDialog, r.u.pinEntry
	if d == nil {
		r.t.Fatalf("no PIN dialog; error %q", r.u.LastError())
	}
	r.locked(func() {
		test.Type(e, pin)
		d.Submit()
	})
	r.u.Wait()
}

// authTries reads the card's user-authentication PIN tries left through the terminal layer (no try spent).
func (r *realPoints) authTries() int {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := r.u.Svc.Cards.(*CardService).AuthPINTries(ctx, "")
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

// wantPINDialog checks the dialog is up and shows tries left first, after what the PIN confirms (want: the
// operation and the amount, issue 17 H2).
func (r *realPoints) wantPINDialog(tries string, want ...string) {
	r.t.Helper()
	if r.u.pinDialog == nil {
		r.t.Fatalf("no PIN dialog above the floor limit; error %q", r.u.LastError())
	}
	for _, w := range want {
		if i, j := strings.Index(r.u.pinLead, w), strings.Index(r.u.pinLead, "残り回数"); i < 0 || i > j {
			r.t.Errorf("PIN dialog lead %q, want %q before the tries", r.u.pinLead, w)
		}
	}
	if !strings.Contains(r.u.pinLead, "利用者証明用電子証明書の暗証番号") || !strings.Contains(r.u.pinLead, "残り回数: "+tries) {
		r.t.Errorf("PIN dialog lead %q, want the tries left %s first", r.u.pinLead, tries)
	}
}

func TestScreen30_ProofOfCardPresenceAboveTheFloorLimitOnRealPlatform(t *testing.T) {
	env := testenv.Platform(t)
	if err := env.Server.SetFloorLimit(platform.DemoProgramMunicipal, 500); err != nil {
		t.Fatal(err)
	}
	r := newRealPoints(t, env, "00052589")
	r.login("00052589")
	r.insert("yamada")
	confirm := func(n string) *screen30 {
		t.Helper()
		r.key(fyne.KeyF1) // screen 28 [ポイント利用], screen 31 [続けてポイント利用]
		s29 := screenAs[*screen29](t, r.u)
		r.readBalances(s29.read, s29.bal)
		chooseKind(s29.bal, mkpf.PointMunicipal)
		s29.points.SetText(n)
		r.tap(s29.confirm)
		return screenAs[*screen30](t, r.u)
	}

	// At the floor limit the tap is enough: no PIN is asked.
	before := r.municipal()
	s30 := confirm("500")
	r.key(fyne.KeyF5)
	screenAs[*screen31](t, r.u)
	if r.u.pinDialog != nil {
		t.Error("a PIN dialog at the floor limit")
	}
	if after := r.municipal(); after != before-500 {
		t.Fatalf("balance %d → %d at the floor limit, want -500", before, after)
	}
	_ = s30

	// Above it: the dialog shows the tries left first; nothing moves until the card proves itself.
	before = r.municipal()
	s30 = confirm("600")
	r.key(fyne.KeyF5)
	screenAs[*screen30](t, r.u)
	r.wantPINDialog("3回", "確認する操作: ポイント利用", "ポイント数: 600ポイント")
	if r.municipal() != before {
		t.Fatal("points moved before the PIN")
	}

	// A wrong PIN: one try spent, the tries left shown, not retried, nothing applied, the clerk decides.
	r.authPIN("9999")
	screenAs[*screen30](t, r.u)
	r.wantError("あと2回")
	if r.u.pinDialog != nil {
		t.Error("the PIN dialog came back by itself after a wrong PIN")
	}
	if n := r.authTries(); n != 2 {
		t.Errorf("card's auth PIN tries %d after one wrong PIN, want 2 (not retried)", n)
	}
	if r.municipal() != before {
		t.Fatal("a wrong PIN moved points")
	}

	// A PIN of the wrong form is not sent to the card: no try spent.
	r.key(fyne.KeyF5)
	r.wantPINDialog("2回")
	r.authPIN("12")
	r.wantError("数字4桁")
	if n := r.authTries(); n != 2 {
		t.Errorf("a malformed PIN spent a try: %d left", n)
	}

	// Cancel sends nothing; while the dialog is open, F5 waits for it and Esc is its [やめる (Esc)].
	r.key(fyne.KeyF5)
	r.wantPINDialog("2回")
	d := r.u.pinDialog
	r.key(fyne.KeyF5)
	if r.u.pinDialog != d {
		t.Error("F5 with the PIN dialog open opened another")
	}
	r.key(fyne.KeyEscape)
	r.u.Wait()
	if r.u.pinDialog != nil {
		t.Error("Esc did not close the PIN dialog")
	}
	screenAs[*screen30](t, r.u)

	// The right PIN: the card signs the challenge, the same request goes again with the same key, applied once.
	key := s30.key
	r.key(fyne.KeyF5)
	r.wantPINDialog("2回")
	r.authPIN("1234")
	s31 := screenAs[*screen31](t, r.u)
	if r.u.LastError() != "" && !strings.Contains(r.u.LastError(), "数字4桁") {
		t.Errorf("error after the right PIN: %q", r.u.LastError())
	}
	if after := r.municipal(); after != before-600 {
		t.Errorf("balance %d → %d after the right PIN, want -600 once", before, after)
	}
	if s31.res.BalanceAfter != before-600 || s30.key != key || s30.req.PatronRef.Presence == nil {
		t.Errorf("screen 31 %+v; key kept %v; proof kept %v", s31.res, s30.key == key, s30.req.PatronRef.Presence != nil)
	}
	if n := r.authTries(); n != 3 {
		t.Errorf("tries %d after the right PIN, want 3 (reset)", n)
	}
}

func TestScreen33_VoucherAboveTheFloorLimitAsksThePINOnRealPlatform(t *testing.T) {
	env := testenv.Platform(t)
	if err := env.Server.SetFloorLimit(platform.DemoProgramMunicipal, 500); err != nil {
		t.Fatal(err)
	}
	r := newRealPoints(t, env, "00053059")
	r.login("00053059")
	before := r.municipal()
	r.key(fyne.KeyF2)
	s32 := screenAs[*screen32](t, r.u)
	r.insert("yamada")
	r.readBalances(s32.read, s32.bal)
	chooseKind(s32.bal, mkpf.PointMunicipal)
	s32.expires.SetText(time.Now().In(terminal.JST).AddDate(0, 0, 10).Format("2006-01-02"))
	s32.points.SetText("1000")
	r.tap(s32.confirm)
	s33 := screenAs[*screen33](t, r.u)
	r.key(fyne.KeyF5)
	r.wantPINDialog("3回", "確認する操作: ポイント券発行", "ポイント数: 1,000ポイント", "ポイント券の有効期限: "+s33.req.Expires)
	r.authPIN("0000")
	screenAs[*screen33](t, r.u)
	r.wantError("あと2回")
	if r.municipal() != before {
		t.Fatal("a wrong PIN issued a voucher")
	}
	r.key(fyne.KeyF5)
	r.wantPINDialog("2回")
	r.authPIN("1234")
	s34 := screenAs[*screen34](t, r.u)
	if after := r.municipal(); after != before-1000 || s34.v == nil || s34.v.Points != 1000 {
		t.Errorf("balance %d → %d, voucher %+v: want one voucher of 1000", before, after, s34.v)
	}
	_ = s33
}

func TestScreen38_MergeAboveTheFloorLimitByCardAndShopCardOnRealPlatform(t *testing.T) {
	env := testenv.Platform(t)
	if err := env.Server.SetFloorLimit(platform.DemoProgramMunicipal, 500); err != nil {
		t.Fatal(err)
	}
	r := newRealPoints(t, env, "00052490")
	r.login("00052490")
	before := r.municipal()

	// A shop card cannot prove presence: above the limit the platform's refusal is shown, no PIN is asked.
	r.key(fyne.KeyF4)
	s37 := screenAs[*screen37](t, r.u)
	r.cards.Remove()
	r.scan("520625")
	s37.points.SetText("600")
	r.tap(s37.confirm)
	screenAs[*screen38](t, r.u)
	r.key(fyne.KeyF5)
	if r.u.pinDialog != nil || r.u.LastError() == "" {
		t.Errorf("shop card above the limit: dialog %v, error %q", r.u.pinDialog != nil, r.u.LastError())
	}
	if r.municipal() != before {
		t.Fatal("a shop card moved points above the floor limit")
	}

	// The My Number Card with the right PIN merges once.
	r.key(fyne.KeyEscape)
	r.key(fyne.KeyF10)
	r.key(fyne.KeyF4)
	s37 = screenAs[*screen37](t, r.u)
	r.insert("yamada")
	r.readBalances(s37.read, s37.bal)
	s37.points.SetText("600")
	r.tap(s37.confirm)
	screenAs[*screen38](t, r.u)
	r.key(fyne.KeyF5)
	r.wantPINDialog("3回", "確認する操作: 商店街ポイントへの合算", "ポイント数: 600ポイント")
	r.authPIN("1234")
	s39 := screenAs[*screen39](t, r.u)
	if after := r.municipal(); after != before-600 || s39.path == "" {
		t.Errorf("balance %d → %d, file %q: want one merge of 600", before, after, s39.path)
	}
}
