package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// The same screens over the real services: the reference platform on loopback (real HTTP, real certificate checks)
// and the in-process virtual card read through cardio (the APDUs of a real card). The wedge and printers are the
// fakes here; the Xvfb tests at the root cover them for real.
func realHarness(t *testing.T) (*harness, *vcard.Source, *testenv.PlatformEnv) {
	t.Helper()
	env := testenv.Platform(t)
	client := env.Client(t)
	src := vcard.NewSource()
	svc := RealServices(src, client, terminal.DefaultPatronProfile())
	svc.PlatformURL = env.URL
	hand := &fakeHandoff{}
	svc.Handoff = hand
	a := test.NewTempApp(t)
	a.Settings().SetTheme(NewTheme(1.25))
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1100, 900))
	h := &harness{t: t, w: w, hand: hand, set: &memSettings{}}
	h.u = New(w, svc, nil)
	h.u.serial = &h.ui // the test's clicks and keys take turns with the app's callbacks, as in newHarness
	t.Cleanup(h.u.Close)
	h.u.showFirst()
	h.u.Wait()
	return h, src, env
}

func TestReal_EnrollContactRegisterAndLookUpWithTheVirtualCard(t *testing.T) {
	h, src, env := realHarness(t)
	s9 := screenAs[*screen09](t, h.u)
	test.Type(s9.id, "00052489")
	test.Type(s9.password, "8912k41a")
	h.tap(s9.register)

	s10 := screenAs[*screen10](t, h.u)
	s10.phone.SetText("abc")
	h.tap(s10.register)
	if got := s10.fm.errorText("phone"); !strings.Contains(got, "電話番号") {
		t.Errorf("platform's phone error not at the field: %q", got)
	}
	for e, v := range map[*noPasteEntry]string{s10.emailConfirm: "lib@example.jp"} {
		e.SetText(v)
	}
	s10.location.SetText("中央図書館")
	s10.name.SetText("貸出カウンター1")
	s10.person.SetText("川崎花子")
	s10.org.SetText("川崎市教育委員会")
	s10.zip1.SetText("210")
	s10.zip2.SetText("0011")
	s10.address.SetText("川崎市川崎区富士見2-1-4")
	s10.phone.SetText("044-233-6341")
	s10.email.SetText("lib@example.jp")
	h.tap(s10.register)
	screenAs[*screen22](t, h.u)

	// suzuki has a MyKey ID but no library card number yet: register it with the address-change notice.
	if _, err := src.Insert("suzuki"); err != nil {
		t.Fatal(err)
	}
	h.key(fyne.KeyF1)
	s23 := screenAs[*screen23](t, h.u)
	s23.number.SetText("180000000022")
	s23.notice.SetSelected("はい")
	h.tap(s23.register)
	if h.u.pinDialog == nil || !strings.Contains(h.u.pinLead, "残り回数: 5回") {
		t.Fatalf("sign PIN tries not shown first: %q", h.u.pinLead)
	}
	test.Type(h.u.pinEntry, "ABC123")
	h.u.pinDialog.Submit()
	h.u.Wait()
	s24 := screenAs[*screen24](t, h.u)
	if s24.res.CardNumber != "180000000022" || s24.res.IssuerName != "川崎市立図書館" || s24.res.MyKeyID != "" {
		t.Errorf("screen 24 %+v", s24.res)
	}

	// Look it up in each mode the demo library can be switched to.
	for _, m := range []mkpf.HandoffMode{mkpf.HandoffNumber, mkpf.HandoffBarcode, mkpf.HandoffWedge, mkpf.HandoffLabel} {
		if err := env.Server.SetHandoffMode("000001", m); err != nil {
			t.Fatal(err)
		}
		h.locked(h.u.ShowMenu)
		h.key(fyne.KeyF2)
		h.key(fyne.KeyF5)
		s26 := screenAs[*screen26](t, h.u)
		if s26.res.CardNumber != "180000000022" || s26.mode() != m {
			t.Errorf("%s: %+v", m, s26.res)
		}
	}
	if len(h.hand.typed) != 1 || h.hand.typed[0] != "180000000022+enter" {
		t.Errorf("wedge typed %v", h.hand.typed)
	}
}

func TestReal_ErrorPathsFromTheRealParts(t *testing.T) {
	h, src, env := realHarness(t)
	_ = env
	c := env.Enrolled(t, "00052489")
	h.u.Svc.Platform = c
	h.u.Svc.Settings = &ClientSettings{C: c}
	for _, tc := range []struct{ profile, want string }{
		{"", "カード"}, // no card
		{"libcard-180000000011", "読み取れません"}, // not a My Number Card
		{"expired", "有効期限"},
		{"tanaka", ""}, // no MyKey ID: the platform's message
		{"suzuki", ""}, // no card number at this library
		{"revoked", ""},
	} {
		src.Remove()
		if tc.profile != "" {
			if _, err := src.Insert(tc.profile); err != nil {
				t.Fatal(err)
			}
		}
		h.locked(func() { h.u.Show(newScreen25(h.u)) })
		h.key(fyne.KeyF5)
		screenAs[*screen25](t, h.u)
		if h.u.LastError() == "" || !strings.Contains(h.u.LastError(), tc.want) {
			t.Errorf("%s: error %q, want %q", tc.profile, h.u.LastError(), tc.want)
		}
		t.Logf("%-22s → %s", tc.profile, h.u.LastError())
		h.u.lastError = ""
	}

	// Platform down: the card reads, the platform does not answer.
	env.HTTP.Close()
	src.Remove()
	if _, err := src.Insert("yamada"); err != nil {
		t.Fatal(err)
	}
	h.locked(func() { h.u.Show(newScreen25(h.u)) })
	h.key(fyne.KeyF5)
	screenAs[*screen25](t, h.u)
	if status := h.statusText(); !strings.Contains(h.u.LastError(), "接続できません") || !strings.Contains(status, "接続できません") {
		t.Errorf("platform down: error %q, status %q", h.u.LastError(), status)
	}
	t.Logf("%-22s → %s", "platform down", h.u.LastError())
}
