package platform_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
)

// Screens 59-61 through real HTTP and the real SMTP server (aiosmtpd): the password changes (the old one stops
// working), the "password changed" notice arrives once, says nothing personal, and its footer points to
// 利用者マイページ; the e-mail, notices and base municipality change with the same rules as screen 16.
func TestScreen59to61_PasswordChangedNoticeThroughSMTP(t *testing.T) {
	env := testenv.Platform(t)
	smtp := testenv.SMTP(t)
	startMailer(t, env.Server, smtp)
	desk := env.Enrolled(t, platform.DemoPatronDesk)
	cs := signAs(t, profile(t, "tanaka"), platform.DemoPatronDesk, mkpf.MyKeyOpCreate, deskChallenge(t, desk, mkpf.MyKeyOpCreate))
	if _, err := desk.CreateMyKeyID(ctx(t), mkpf.MyKeyCreateRequest{Card: cs, MyKeyID: "TANAKA01", Password: "tanaka2026",
		Email: "tanaka@example.jp", Notices: []string{mkpf.NoticeKindPassword}}); err != nil {
		t.Fatal(err)
	}
	res, err := desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{MyKeyID: "TANAKA01", Password: "tanaka2026"})
	if err != nil {
		t.Fatal(err)
	}
	upd := mkpf.MyPageUpdateRequest{Session: res.Session, Email: "tanaka@example.jp", Notices: []string{mkpf.NoticeKindPassword, mkpf.NoticeKindMyKeyID},
		BaseMunicipality: platform.DemoForeign, NewPassword: "short"}
	if _, err := desk.UpdateMyPage(ctx(t), upd); fieldsOf(apiErr(t, err))["password"] == "" {
		t.Fatalf("short password: %v", err)
	}
	upd.NewPassword = "tanaka2027"
	p, err := desk.UpdateMyPage(ctx(t), upd)
	if err != nil || p.BaseMunicipality != platform.DemoForeign || len(p.Notices) != 2 {
		t.Fatalf("update: %+v %v", p, err)
	}
	ms := smtp.WaitMessages(t, 1, mailWait)
	m := ms[0]
	if m.To != "tanaka@example.jp" || !strings.Contains(m.Subject, "パスワード変更のお知らせ") || !strings.Contains(m.Body, "利用者マイページ") {
		t.Fatalf("notice: %+v", m)
	}
	if strings.Contains(m.Body, "TANAKA01") || strings.Contains(m.Body, "tanaka2027") {
		t.Fatalf("the notice carries the MyKey ID or the password:\n%s", m.Body)
	}
	if _, err := desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{MyKeyID: "TANAKA01", Password: "tanaka2026"}); codeOf(err) != mkpf.CodeMyPageLogin {
		t.Fatalf("the old password: %v", err)
	}
	if _, err := desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{MyKeyID: "TANAKA01", Password: "tanaka2027"}); err != nil {
		t.Fatalf("the new password: %v", err)
	}
	// Without a new password nothing is sent; removing the address removes every notice.
	upd.NewPassword, upd.Email, upd.Notices = "", "", nil
	if p, err := desk.UpdateMyPage(ctx(t), upd); err != nil || p.Email != "" || len(p.Notices) != 0 {
		t.Fatalf("no address: %+v %v", p, err)
	}
	waitNoPending(t, env.Server)
	if got := smtp.Messages(t); len(got) != 1 {
		t.Fatalf("%d messages, want the one password notice", len(got))
	}
}

// Screen 63 through real HTTP: only the logged-in patron's own card revokes; afterwards the ID is gone for good (never
// given again), the library no longer finds the card, the session is dead, and the certificate can make a new one.
func TestScreen63_RevokeForGood(t *testing.T) { eachStore(t, testScreen63_RevokeForGood) }

func testScreen63_RevokeForGood(t *testing.T) {
	env := testenv.Platform(t)
	desk := env.Enrolled(t, platform.DemoPatronDesk)
	lib := env.Enrolled(t, "00052489")
	makeTanaka(t, desk, "")
	tanaka := profile(t, "tanaka")
	if _, err := lib.RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: tanaka.AuthCertDER, CardNumber: "180000000099"}); err != nil {
		t.Fatal(err)
	}
	res, err := desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{MyKeyID: "TANAKA01", Password: "tanaka2026"})
	if err != nil {
		t.Fatal(err)
	}
	other := signAs(t, profile(t, "yamada"), platform.DemoPatronDesk, mkpf.MyKeyOpRevoke, deskChallenge(t, desk, mkpf.MyKeyOpRevoke))
	if err := desk.RevokeMyKeyID(ctx(t), mkpf.MyKeyRevokeRequest{Session: res.Session, Card: other}); codeOf(err) != mkpf.CodeNotYourCard {
		t.Fatalf("someone else's card: %v", err)
	}
	login := signAs(t, tanaka, platform.DemoPatronDesk, mkpf.MyKeyOpLogin, deskChallenge(t, desk, mkpf.MyKeyOpRevoke))
	if err := desk.RevokeMyKeyID(ctx(t), mkpf.MyKeyRevokeRequest{Session: res.Session, Card: login}); codeOf(err) != mkpf.CodeCardSignature {
		t.Fatalf("signed for login: %v", err)
	}
	own := signAs(t, tanaka, platform.DemoPatronDesk, mkpf.MyKeyOpRevoke, deskChallenge(t, desk, mkpf.MyKeyOpRevoke))
	if err := desk.RevokeMyKeyID(ctx(t), mkpf.MyKeyRevokeRequest{Session: res.Session, Card: own}); err != nil {
		t.Fatalf("own card: %v", err)
	}
	if _, err := desk.MyPage(ctx(t), res.Session); codeOf(err) != mkpf.CodeMyPageSession {
		t.Fatalf("the session after 失効: %v", err)
	}
	if _, err := lib.Lookup(ctx(t), tanaka.AuthCertDER); codeOf(err) != mkpf.CodeUnknownCert {
		t.Fatalf("the library after 失効: %v", err)
	}
	if _, err := desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{MyKeyID: "TANAKA01", Password: "tanaka2026"}); codeOf(err) != mkpf.CodeMyPageLogin {
		t.Fatalf("password login after 失効: %v", err)
	}
	if r, err := desk.MyKeyCandidate(ctx(t), "TANAKA01", false); err != nil || r.Free {
		t.Fatalf("a revoked ID is never free again: %+v %v", r, err)
	}
	cs := signAs(t, tanaka, platform.DemoPatronDesk, mkpf.MyKeyOpCreate, deskChallenge(t, desk, mkpf.MyKeyOpCreate))
	if _, err := desk.CreateMyKeyID(ctx(t), mkpf.MyKeyCreateRequest{Card: cs, MyKeyID: "TANAKA01", Password: "tanaka2026"}); codeOf(err) != mkpf.CodeMyKeyIDTaken {
		t.Fatalf("the revoked ID again: %v", err)
	}
	cs = signAs(t, tanaka, platform.DemoPatronDesk, mkpf.MyKeyOpCreate, deskChallenge(t, desk, mkpf.MyKeyOpCreate))
	if _, err := desk.CreateMyKeyID(ctx(t), mkpf.MyKeyCreateRequest{Card: cs, MyKeyID: "TANAKA02", Password: "tanaka2026"}); err != nil {
		t.Fatalf("the certificate makes a new one: %v", err)
	}
	if _, err := lib.RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: tanaka.AuthCertDER, CardNumber: "180000000099"}); err != nil {
		t.Fatalf("the old card number is free again for the new ID: %v", err)
	}
}

// Screen 62 through real HTTP: yamada changes the MyKey ID with the own card; the service IDs (the library's lookup,
// the shop's MyKey ID display), the balances and the ledger follow; the old ID is retired and its session dead;
// someone else's card or a taken ID changes nothing.
func TestScreen62_MyKeyIDChangeCarriesServiceIDsAndBalances(t *testing.T) {
	eachStore(t, testScreen62_MyKeyIDChangeCarriesServiceIDsAndBalances) // on PostgreSQL the balances are rows
}

func testScreen62_MyKeyIDChangeCarriesServiceIDsAndBalances(t *testing.T) {
	env := testenv.Platform(t)
	desk := env.Enrolled(t, platform.DemoPatronDesk)
	lib := env.Enrolled(t, "00052489")
	y := profile(t, "yamada")
	login := signAs(t, y, platform.DemoPatronDesk, mkpf.MyKeyOpLogin, deskChallenge(t, desk, mkpf.MyKeyOpLogin))
	res, err := desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{Card: &login})
	if err != nil {
		t.Fatal(err)
	}
	before, err := desk.MyPage(ctx(t), res.Session)
	if err != nil {
		t.Fatal(err)
	}
	change := func(p string, id string) error {
		cs := signAs(t, profile(t, p), platform.DemoPatronDesk, mkpf.MyKeyOpChange, deskChallenge(t, desk, mkpf.MyKeyOpChange))
		_, err := desk.ChangeMyKeyID(ctx(t), mkpf.MyKeyChangeRequest{Session: res.Session, Card: cs, NewID: id})
		return err
	}
	if err := change("suzuki", "YAMADA26"); codeOf(err) != mkpf.CodeNotYourCard {
		t.Fatalf("someone else's card: %v", err)
	}
	if err := change("yamada", platform.DemoSuzukiMyKeyID); codeOf(err) != mkpf.CodeMyKeyIDTaken {
		t.Fatalf("a taken ID: %v", err)
	}
	if err := change("yamada", "YAMADA26"); err != nil {
		t.Fatalf("change: %v", err)
	}
	if _, err := desk.MyPage(ctx(t), res.Session); codeOf(err) != mkpf.CodeMyPageSession {
		t.Fatalf("the old session after the change: %v", err)
	}
	login = signAs(t, y, platform.DemoPatronDesk, mkpf.MyKeyOpLogin, deskChallenge(t, desk, mkpf.MyKeyOpLogin))
	res, err = desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{Card: &login})
	if err != nil || res.MyKeyID != "YAMADA26" {
		t.Fatalf("login after: %+v %v", res, err)
	}
	after, err := desk.MyPage(ctx(t), res.Session)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Balances) != len(before.Balances) || len(after.ServiceIDs) != 2 {
		t.Fatalf("before %+v\nafter %+v", before, after)
	}
	for i := range before.Balances {
		if before.Balances[i] != after.Balances[i] {
			t.Fatalf("balance %d: %+v → %+v", i, before.Balances[i], after.Balances[i])
		}
	}
	if l, err := lib.Lookup(ctx(t), y.AuthCertDER); err != nil || l.CardNumber != platform.DemoYamadaLibCard {
		t.Fatalf("the library's lookup after the change: %+v %v", l, err)
	}
	if a, err := env.Server.AuditLedger(); err != nil || !a.OK {
		t.Fatalf("ledger after the change: %+v %v", a, err)
	}
	if r, err := desk.MyKeyCandidate(ctx(t), platform.DemoYamadaMyKeyID, false); err != nil || r.Free {
		t.Fatalf("the old ID is never given again: %+v %v", r, err)
	}
}

// Screens 20-21 through real HTTP: a code is worth its points, is credited to 留保ポイント of the base municipality once
// (the second use refused, the ledger stays OK), a code needs the base account, unknown codes count against the desk.
func TestScreen20to21_CouponCreditedOnceAndGuessesThrottled(t *testing.T) {
	eachStore(t, testCouponCreditedOnceAndGuessesThrottled)
}

func testCouponCreditedOnceAndGuessesThrottled(t *testing.T) {
	env := testenv.Platform(t)
	desk := env.Enrolled(t, platform.DemoPatronDesk)
	makeTanaka(t, desk, "")
	codes, err := env.Server.IssueCoupons("みらい航空", 500, 2)
	if err != nil {
		t.Fatal(err)
	}
	res, err := desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{MyKeyID: "TANAKA01", Password: "tanaka2026"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.Coupon(ctx(t), res.Session, codes[0], true); codeOf(err) != mkpf.CodeNoBase {
		t.Fatalf("without a base account: %v", err)
	}
	if _, err := desk.UpdateMyPage(ctx(t), mkpf.MyPageUpdateRequest{Session: res.Session, BaseMunicipality: platform.DemoMunicipality}); err != nil {
		t.Fatal(err)
	}
	c, err := desk.Coupon(ctx(t), res.Session, strings.ToLower(codes[0]), false)
	if err != nil || c.Partner != "みらい航空" || c.Points != 500 || c.Used {
		t.Fatalf("screen 21: %+v %v", c, err)
	}
	c, err = desk.Coupon(ctx(t), res.Session, codes[0], true)
	if err != nil || !c.Used || c.BalanceAfter != 500 {
		t.Fatalf("use: %+v %v", c, err)
	}
	if _, err := desk.Coupon(ctx(t), res.Session, codes[0], true); codeOf(err) != mkpf.CodeCouponUsed {
		t.Fatalf("the second use: %v", err)
	}
	p, _ := desk.MyPage(ctx(t), res.Session)
	if len(p.Balances) == 0 || p.Balances[0].ProgramID != platform.DemoProgramReserved || p.Balances[0].Points != 500 {
		t.Fatalf("留保ポイント: %+v", p.Balances)
	}
	if a, err := env.Server.AuditLedger(); err != nil || !a.OK {
		t.Fatalf("ledger: %+v %v", a, err)
	}
	for i := 0; i < platform.VoucherLookupLimit; i++ {
		if _, err := desk.Coupon(ctx(t), res.Session, "AAAA-BBBB-CCCC-DDDD", false); codeOf(err) != mkpf.CodeCouponUnknown {
			t.Fatalf("guess %d: %v", i+1, err)
		}
	}
	if _, err := desk.Coupon(ctx(t), res.Session, codes[1], false); codeOf(err) != mkpf.CodeThrottled {
		t.Fatalf("after %d guesses even a good code waits: %v", platform.VoucherLookupLimit, err)
	}
}

// 留保ポイント not moved within ReservedKeep go to the base account by the daily maintenance: not a day early, once, as a
// pair of ledger movements (the audit stays OK), with a notice when chosen.
func TestReservedPointsMoveToTheBaseAccountAfter21Days(t *testing.T) {
	clk := newClock()
	env := testenv.PlatformWith(t, platform.Options{Now: clk.Now})
	desk := env.Enrolled(t, platform.DemoPatronDesk)
	cs := signAs(t, profile(t, "tanaka"), platform.DemoPatronDesk, mkpf.MyKeyOpCreate, deskChallenge(t, desk, mkpf.MyKeyOpCreate))
	if _, err := desk.CreateMyKeyID(ctx(t), mkpf.MyKeyCreateRequest{Card: cs, MyKeyID: "TANAKA01", Password: "tanaka2026",
		Email: "tanaka@example.jp", Notices: []string{mkpf.NoticeKindGrant}, BaseMunicipality: platform.DemoMunicipality}); err != nil {
		t.Fatal(err)
	}
	codes, _ := env.Server.IssueCoupons("みらい航空", 500, 1)
	res, err := desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{MyKeyID: "TANAKA01", Password: "tanaka2026"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.Coupon(ctx(t), res.Session, codes[0], true); err != nil {
		t.Fatal(err)
	}
	balances := func() map[string]int64 {
		res, err := desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{MyKeyID: "TANAKA01", Password: "tanaka2026"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := desk.MyPage(ctx(t), res.Session)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int64{}
		for _, b := range p.Balances {
			m[b.ProgramID] = b.Points
		}
		return m
	}
	clk.Add(platform.ReservedKeep - time.Hour)
	if n, err := env.Server.MoveReservedToBase(); err != nil || n != 0 {
		t.Fatalf("a day early: %d %v", n, err)
	}
	before, _ := env.Server.PendingNotices()
	clk.Add(2 * time.Hour)
	if n, err := env.Server.MoveReservedToBase(); err != nil || n != 500 {
		t.Fatalf("after %v: %d %v", platform.ReservedKeep, n, err)
	}
	if n, err := env.Server.MoveReservedToBase(); err != nil || n != 0 {
		t.Fatalf("the second run: %d %v", n, err)
	}
	if b := balances(); b[platform.DemoProgramReserved] != 0 || b[platform.DemoProgramMunicipal] != 500 {
		t.Fatalf("balances after: %v", b)
	}
	if after, _ := env.Server.PendingNotices(); after != before+1 {
		t.Fatalf("the notice: %d → %d", before, after)
	}
	if a, err := env.Server.AuditLedger(); err != nil || !a.OK {
		t.Fatalf("ledger: %+v %v", a, err)
	}
}

// The admin's MyKey ID creation never gives a revoked ID again either.
func TestAdminCreateMyKeyID_RefusesARetiredID(t *testing.T) {
	eachStore(t, testAdminCreateMyKeyID_RefusesARetiredID)
}

func testAdminCreateMyKeyID_RefusesARetiredID(t *testing.T) {
	env := testenv.Platform(t)
	desk := env.Enrolled(t, platform.DemoPatronDesk)
	makeTanaka(t, desk, "")
	res, err := desk.MyPageLogin(ctx(t), mkpf.MyPageLoginRequest{MyKeyID: "TANAKA01", Password: "tanaka2026"})
	if err != nil {
		t.Fatal(err)
	}
	own := signAs(t, profile(t, "tanaka"), platform.DemoPatronDesk, mkpf.MyKeyOpRevoke, deskChallenge(t, desk, mkpf.MyKeyOpRevoke))
	if err := desk.RevokeMyKeyID(ctx(t), mkpf.MyKeyRevokeRequest{Session: res.Session, Card: own}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Server.CreateMyKeyID(profile(t, "tanaka").AuthCertDER, "TANAKA01"); err != platform.ErrMyKeyIDTaken {
		t.Fatalf("admin create of a revoked ID: %v", err)
	}
}

// Every patron desk endpoint belongs to the patron desk: every other kind of the demo roster is refused, before
// anything is looked at.
func TestAuthorisation_PatronDeskEndpointsOnlyForThePatronDesk(t *testing.T) {
	env := testenv.Platform(t)
	paths := []string{"/v1/mykey/challenge", "/v1/mykey/candidate", "/v1/mykey/create", "/v1/mykey/login", "/v1/mykey/page",
		"/v1/mykey/logout", "/v1/mykey/update", "/v1/mykey/change", "/v1/mykey/revoke", "/v1/mykey/coupon/lookup", "/v1/mykey/coupon/use"}
	for _, dt := range platform.DemoTerminals {
		c := env.Enrolled(t, dt.ID)
		for _, p := range paths {
			err := testenv.RawCall(ctx(t), c, "POST", p, map[string]any{}, nil, "")
			if dt.Kind == mkpf.KindPatronDesk {
				if codeOf(err) == mkpf.CodeForbidden {
					t.Errorf("the desk refused %s", p)
				}
				continue
			}
			if codeOf(err) != mkpf.CodeForbidden {
				t.Errorf("%s (%s) POST %s: want forbidden, got %v", dt.ID, dt.Kind, p, err)
			}
		}
		if dt.Kind != mkpf.KindPatronDesk {
			if err := testenv.RawCall(ctx(t), c, "GET", "/v1/mykey/municipalities", nil, nil, ""); codeOf(err) != mkpf.CodeForbidden {
				t.Errorf("%s GET municipalities: %v", dt.ID, err)
			}
		}
	}
}
