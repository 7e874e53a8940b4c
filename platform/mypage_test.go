package platform_test

import (
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// makeTanaka makes tanaka's MyKey ID at the desk with a password and base municipality.
func makeTanaka(t *testing.T, desk *platformclient.Client, base string) {
	t.Helper()
	cs := signAs(t, profile(t, "tanaka"), platform.DemoPatronDesk, mkpf.MyKeyOpCreate, deskChallenge(t, desk, mkpf.MyKeyOpCreate))
	if _, err := desk.CreateMyKeyID(ctx(t), mkpf.MyKeyCreateRequest{Card: cs, MyKeyID: "TANAKA01", Password: "tanaka2026", BaseMunicipality: base}); err != nil {
		t.Fatal(err)
	}
}

// Screen 18 through real HTTP: a wrong password and an unknown MyKey ID get the same answer; failures count per
// MyKey ID in the store, so after LoginFailures even the right password waits for the window; another patron is not
// locked out; a session works at its desk only, not after [ログアウト], not after its expiry.
func TestSecurity_MyPageLoginThrottledPerMyKeyID(t *testing.T) {
	clk := newClock()
	env := testenv.PlatformWith(t, platform.Options{Now: clk.Now})
	desk := env.Enrolled(t, platform.DemoPatronDesk)
	lib := env.Enrolled(t, "00052489")
	makeTanaka(t, desk, platform.DemoMunicipality)
	login := func(id, pw string) (*mkpf.MyPageLoginResult, error) {
		return desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{MyKeyID: id, Password: pw})
	}
	_, wrong := login("TANAKA01", "wrong2026")
	_, unknown := login("NOBODY01", "tanaka2026")
	aw, au := apiErr(t, wrong), apiErr(t, unknown)
	if aw.Code != mkpf.CodeMyPageLogin || aw.Code != au.Code || aw.Message != au.Message || aw.Status != au.Status {
		t.Fatalf("wrong password %+v, unknown ID %+v: want one answer", aw, au)
	}
	for i := 1; i < 5; i++ {
		if _, err := login("TANAKA01", "wrong2026"); codeOf(err) != mkpf.CodeMyPageLogin {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	if _, err := login("TANAKA01", "tanaka2026"); codeOf(err) != mkpf.CodeThrottled {
		t.Fatalf("the right password after 5 failures: %v", err)
	}
	// Another patron at the same desk is not locked out (by card).
	y := profile(t, "yamada")
	if res, err := desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{Card: ptr(signAs(t, y, platform.DemoPatronDesk, mkpf.MyKeyOpLogin, deskChallenge(t, desk, mkpf.MyKeyOpLogin)))}); err != nil || res.MyKeyID != platform.DemoYamadaMyKeyID || !res.ByCard {
		t.Fatalf("yamada by card: %+v %v", res, err)
	}
	clk.Add(16 * time.Minute)
	res, err := login("TANAKA01", "tanaka2026")
	if err != nil || res.MyKeyID != "TANAKA01" || res.ByCard {
		t.Fatalf("after the window: %+v %v", res, err)
	}
	if p, err := desk.MyPage(ctx(t), res.Session); err != nil || p.MyKeyID != "TANAKA01" {
		t.Fatalf("page: %+v %v", p, err)
	}
	if _, err := lib.MyPage(ctx(t), res.Session); codeOf(err) != mkpf.CodeForbidden {
		t.Fatalf("a library terminal with the session: %v", err)
	}
	if _, err := desk.MyPage(ctx(t), res.Session+"x"); codeOf(err) != mkpf.CodeMyPageSession {
		t.Fatalf("a forged session: %v", err)
	}
	if err := desk.MyPageLogout(ctx(t), res.Session); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.MyPage(ctx(t), res.Session); codeOf(err) != mkpf.CodeMyPageSession {
		t.Fatalf("after ログアウト: %v", err)
	}
	res, _ = login("TANAKA01", "tanaka2026")
	clk.Add(platform.MyPageSessionTTL + time.Second)
	if _, err := desk.MyPage(ctx(t), res.Session); codeOf(err) != mkpf.CodeMyPageSession {
		t.Fatalf("after the session's expiry: %v", err)
	}
	// A card login needs the card's signature for "login": one made for "create" does not log in.
	cs := signAs(t, y, platform.DemoPatronDesk, mkpf.MyKeyOpCreate, deskChallenge(t, desk, mkpf.MyKeyOpLogin))
	if _, err := desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{Card: &cs}); codeOf(err) != mkpf.CodeCardSignature {
		t.Fatalf("signed for create: %v", err)
	}
	// Tanaka's card, certificate only (no PIN): nothing.
	tc := mkpf.CardSignature{AuthCert: profile(t, "tanaka").AuthCertDER, Challenge: deskChallenge(t, desk, mkpf.MyKeyOpLogin)}
	if _, err := desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{Card: &tc}); codeOf(err) != mkpf.CodeCardSignature {
		t.Fatalf("certificate without signature: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// Screens 19 and 58: 留保ポイント first, 自治体ポイント with the base municipality's first then by balance, event points
// by balance; the service IDs with the issuer's name (the documents' example for yamada).
func TestScreen19and58_BalancesInOrderAndServiceIDs(t *testing.T) {
	eachStore(t, testScreen19and58_BalancesInOrderAndServiceIDs)
}

func testScreen19and58_BalancesInOrderAndServiceIDs(t *testing.T) {
	env := testenv.Platform(t)
	desk := env.Enrolled(t, platform.DemoPatronDesk)
	makeTanaka(t, desk, platform.DemoForeign) // base: 横浜市
	for _, g := range []struct {
		prog string
		n    int64
	}{{platform.DemoProgramMunicipal, 5000}, {platform.DemoProgramForeign, 100}, {platform.DemoProgramReserved, 300}, {platform.DemoProgramEvent, 50}} {
		if err := env.Server.GrantPoints("TANAKA01", g.prog, g.n, "test"); err != nil {
			t.Fatal(err)
		}
	}
	res, err := desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{MyKeyID: "TANAKA01", Password: "tanaka2026"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := desk.MyPage(ctx(t), res.Session)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{platform.DemoProgramReserved, platform.DemoProgramForeign, platform.DemoProgramMunicipal, platform.DemoProgramEvent}
	if len(p.Balances) != len(want) {
		t.Fatalf("balances %+v", p.Balances)
	}
	for i, b := range p.Balances {
		if b.ProgramID != want[i] || b.Base != (b.ProgramID == platform.DemoProgramForeign) {
			t.Fatalf("balance %d: %+v, want %s first-to-last %v", i, b, want[i], want)
		}
	}
	if p.BaseMunicipalityName != platform.DemoForeignName || len(p.ServiceIDs) != 0 {
		t.Fatalf("page %+v", p)
	}
	y := signAs(t, profile(t, "yamada"), platform.DemoPatronDesk, mkpf.MyKeyOpLogin, deskChallenge(t, desk, mkpf.MyKeyOpLogin))
	res, err = desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{Card: &y})
	if err != nil {
		t.Fatal(err)
	}
	p, err = desk.MyPage(ctx(t), res.Session)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.ServiceIDs) != 2 || p.ServiceIDs[0] != (mkpf.MyPageServiceID{IssuerName: "川崎市立図書館", CardNumber: "180000000011"}) ||
		p.ServiceIDs[1] != (mkpf.MyPageServiceID{IssuerName: "ブレーメン商店街", CardNumber: "520625"}) {
		t.Fatalf("screen 58: %+v", p.ServiceIDs)
	}
	if len(p.Balances) != 3 || p.Balances[0].Kind != mkpf.PointReserved || p.Balances[1].Points != 10000 || p.Balances[2].Kind != mkpf.PointEvent {
		t.Fatalf("yamada's balances: %+v", p.Balances)
	}
}
