package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
)

// writeSecret writes a one-line secret file (mode 0600) and returns its path.
func writeSecret(t *testing.T, s string) string {
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(s+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Issue 19's path through pcscd with the demo card that has no MyKey ID (tanaka): at the patron desk a wrong PIN
// shows the tries left and registers nothing; a taken candidate costs no PIN try; the right PIN makes the MyKey ID
// (the "registered" notice goes to the outbox); a second one for the same person is refused; then a library terminal
// registers a library card for it (screens 23-24) and looks it up (25-26).
func TestScreen14to17_TanakaMakesAMyKeyIDAtThePatronDeskAndTheLibraryFindsIt(t *testing.T) {
	pc := testenv.PCSCD(t)
	defer pc.InsertVirtual(t, "tanaka", 0)()
	env := testenv.Platform(t)
	desk := enrolledDir(t, env, platform.DemoPatronDesk)
	lib := enrolledDir(t, env, "00052489")
	reader := pc.Reader(0)
	pw := writeSecret(t, "tanaka2026")
	create := []string{"mykeyid", "create", "--reader", reader, "--mypage-password-file", pw, "--email", "tanaka@example.jp",
		"--notify", "mykeyid,password", "--base-municipality", platform.DemoMunicipality, "--json"}
	countIDs := func() int {
		st, err := env.Server.Stats()
		if err != nil {
			t.Fatal(err)
		}
		return st.MyKeyIDs
	}
	before := countIDs()

	// Before: the library does not know the patron.
	if _, e, code := cli(t, lib, "lookup", "--reader", reader); code == 0 || !strings.Contains(e, "マイキーIDが設定されていません") {
		t.Fatalf("lookup before: exit %d %s", code, e)
	}
	// A wrong PIN: the tries are shown first, one is spent, nothing is registered.
	t.Setenv(authPINEnv, "9999")
	if _, e, code := cli(t, desk, append(create, "--id", "TANAKA01")...); code == 0 || !strings.Contains(e, "残り回数: 3") || !strings.Contains(e, "2回") {
		t.Fatalf("wrong PIN: exit %d %s", code, e)
	}
	if countIDs() != before {
		t.Fatal("a wrong PIN registered a MyKey ID")
	}
	t.Setenv(authPINEnv, "1234")
	// A taken candidate: refused before the card is asked (the tries stay at 2).
	if _, e, code := cli(t, desk, append(create, "--id", platform.DemoYamadaMyKeyID)...); code == 0 || !strings.Contains(e, "既に他の人に使用") || strings.Contains(e, "残り回数") {
		t.Fatalf("taken candidate: exit %d %s", code, e)
	}
	// A PIN that is not 4 digits is never sent.
	t.Setenv(authPINEnv, "12a")
	if _, e, code := cli(t, desk, append(create, "--id", "TANAKA01")...); code == 0 || !strings.Contains(e, "残り回数: 2") || !strings.Contains(e, "数字4桁") {
		t.Fatalf("PIN form: exit %d %s", code, e)
	}
	t.Setenv(authPINEnv, "1234")
	o, e, code := cli(t, desk, append(create, "--id", "TANAKA01")...)
	if code != 0 || !strings.Contains(e, "残り回数: 2") {
		t.Fatalf("create: exit %d\n%s%s", code, o, e)
	}
	var res mkpf.MyKeyCreateResult
	if err := json.Unmarshal([]byte(o), &res); err != nil || res.MyKeyID != "TANAKA01" {
		t.Fatalf("create answer: %s %v", o, err)
	}
	if n, _ := env.Server.PendingNotices(); n != 1 {
		t.Fatalf("the registered notice in the outbox: %d", n)
	}
	// One MyKey ID per person: the same card again is refused, and says so.
	if _, e, code := cli(t, desk, append(create, "--auto")...); code == 0 || !strings.Contains(e, "既にマイキーIDが登録されています") {
		t.Fatalf("second MyKey ID: exit %d %s", code, e)
	}
	if countIDs() != before+1 {
		t.Fatalf("MyKey IDs: %d, want %d", countIDs(), before+1)
	}
	// The library registers a card for the new MyKey ID and finds it.
	mustCLI(t, lib, "service-id", "register", "--reader", reader, "--card-number", "180000000099")
	o = mustCLI(t, lib, "lookup", "--reader", reader, "--json")
	var l struct {
		CardNumber string `json:"card_number"`
	}
	if json.Unmarshal([]byte(o), &l); l.CardNumber != "180000000099" {
		t.Fatalf("lookup after: %s", o)
	}
	// 利用者マイページ: by password (a wrong one refused), and by card; 58 shows the library card.
	if _, e, code := cli(t, desk, "mykeyid", "login", "--mykey-id", "TANAKA01", "--mypage-password-file", writeSecret(t, "wrong2026")); code == 0 || !strings.Contains(e, "正しくありません") {
		t.Fatalf("wrong password: exit %d %s", code, e)
	}
	if o := mustCLI(t, desk, "mykeyid", "login", "--mykey-id", "tanaka01", "--mypage-password-file", pw); !strings.Contains(o, "TANAKA01") {
		t.Fatalf("login by password: %s", o)
	}
	o = mustCLI(t, desk, "mykeyid", "show", "--card", "--reader", reader, "--json")
	var page mkpf.MyPage
	if err := json.Unmarshal([]byte(o), &page); err != nil || page.MyKeyID != "TANAKA01" || len(page.ServiceIDs) != 1 ||
		page.ServiceIDs[0] != (mkpf.MyPageServiceID{IssuerName: "川崎市立図書館", CardNumber: "180000000099"}) {
		t.Fatalf("show by card: %s %v", o, err)
	}
	if len(page.Balances) != 1 || !page.Balances[0].Base || page.Balances[0].ProgramID != platform.DemoProgramMunicipal {
		t.Fatalf("the base municipal account shown even at 0: %+v", page.Balances)
	}
	// 59-61: a new password (the old one stops working); 63: revoked with the card, confirmed; the library then no
	// longer knows the card.
	pw2 := writeSecret(t, "tanaka2027")
	mustCLI(t, desk, "mykeyid", "update", "--mykey-id", "TANAKA01", "--mypage-password-file", pw, "--new-password-file", pw2,
		"--email", "tanaka@example.jp", "--notify", "password,mykeyid", "--base-municipality", platform.DemoMunicipality)
	if _, _, code := cli(t, desk, "mykeyid", "login", "--mykey-id", "TANAKA01", "--mypage-password-file", pw); code == 0 {
		t.Fatal("the old password still logs in")
	}
	// 20-21: a partner's coupon code is credited to 留保ポイント once.
	codes, err := env.Server.IssueCoupons("みらい航空", 500, 1)
	if err != nil {
		t.Fatal(err)
	}
	o = mustCLI(t, desk, "coupon", "use", codes[0], "--mykey-id", "TANAKA01", "--mypage-password-file", pw2, "--json")
	var cr mkpf.CouponResult
	if json.Unmarshal([]byte(o), &cr); !cr.Used || cr.BalanceAfter != 500 {
		t.Fatalf("coupon: %s", o)
	}
	if _, e, code := cli(t, desk, "coupon", "use", codes[0], "--mykey-id", "TANAKA01", "--mypage-password-file", pw2); code == 0 || !strings.Contains(e, "既に利用") {
		t.Fatalf("the coupon again: exit %d %s", code, e)
	}
	// 62: the MyKey ID changes (the card signs); the library finds the same card number for the new ID.
	o = mustCLI(t, desk, "mykeyid", "change", "--mykey-id", "TANAKA01", "--mypage-password-file", pw2, "--reader", reader, "--id", "TANAKA09", "--json")
	if !strings.Contains(o, "TANAKA09") {
		t.Fatalf("change: %s", o)
	}
	if o := mustCLI(t, lib, "lookup", "--reader", reader, "--json"); !strings.Contains(o, "180000000099") {
		t.Fatalf("lookup after the change: %s", o)
	}
	if _, e, code := cli(t, desk, "mykeyid", "revoke", "--mykey-id", "TANAKA09", "--mypage-password-file", pw2, "--reader", reader); code == 0 || !strings.Contains(e, "元に戻せません") {
		t.Fatalf("revoke without --yes: exit %d %s", code, e)
	}
	if o := mustCLI(t, desk, "mykeyid", "revoke", "--mykey-id", "TANAKA09", "--mypage-password-file", pw2, "--reader", reader, "--yes"); !strings.Contains(o, "失効しました") {
		t.Fatalf("revoke: %s", o)
	}
	if _, e, code := cli(t, lib, "lookup", "--reader", reader); code == 0 || !strings.Contains(e, "マイキーIDが設定されていません") {
		t.Fatalf("lookup after 失効: exit %d %s", code, e)
	}
}

// The patron desk's commands belong to the patron desk: a library terminal is refused by the platform.
func TestScreen16_OnlyThePatronDeskMakesMyKeyIDs(t *testing.T) {
	env := testenv.Platform(t)
	lib := enrolledDir(t, env, "00052489")
	pw := writeSecret(t, "tanaka2026")
	if _, e, code := cli(t, lib, "mykeyid", "create", "--auto", "--mypage-password-file", pw); code == 0 || !strings.Contains(e, "この端末の種類") {
		t.Fatalf("library terminal: exit %d %s", code, e)
	}
	desk := enrolledDir(t, env, platform.DemoPatronDesk)
	bad := writeSecret(t, "short")
	if _, e, code := cli(t, desk, "mykeyid", "create", "--auto", "--mypage-password-file", bad); code == 0 || !strings.Contains(e, "6～16ケタ") {
		t.Fatalf("short password: exit %d %s", code, e)
	}
	if _, e, code := cli(t, desk, "mykeyid", "create", "--id", "tanaka01", "--mypage-password-file", pw); code == 0 || !strings.Contains(e, "半角大文字英数字") {
		t.Fatalf("lower-case candidate: exit %d %s", code, e)
	}
}
