package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// newDeskHarness opens the app as the demo patron desk, enrolled on env's real loopback platform, with the in-process
// virtual card src read through cardio (the real card session), at the real window size, on the menu (22).
func newDeskHarness(t *testing.T, env *testenv.PlatformEnv, src *vcard.Source) *harness {
	t.Helper()
	client := env.Enrolled(t, platform.DemoPatronDesk)
	svc := RealServices(src, client, terminal.DefaultPatronProfile())
	svc.PlatformURL = env.URL
	hand := &fakeHandoff{}
	svc.Handoff = hand
	a := test.NewTempApp(t)
	a.Settings().SetTheme(NewTheme(1.25))
	w := test.NewTempWindow(t, nil)
	w.Resize(WindowSize)
	h := &harness{t: t, w: w, hand: hand, set: &memSettings{}}
	h.u = New(w, svc, nil)
	h.u.serial = &h.ui
	t.Cleanup(func() { h.u.Close(); svc.Grant.Close() })
	h.locked(func() { h.u.ShowMenu() })
	h.u.Wait()
	return h
}

// deskFlow walks screens 22 → 14 → 15 (a wrong PIN first) → 16 → 17 for tanaka, who has no MyKey ID, calling each
// where a screen (or the PIN dialog) is to be looked at.
func deskFlow(t *testing.T, each func(name string, h *harness)) (*testenv.PlatformEnv, string) {
	env := testenv.Platform(t)
	src := vcard.NewSource()
	if _, err := src.Insert("tanaka"); err != nil {
		t.Fatal(err)
	}
	h := newDeskHarness(t, env, src)
	each("screen22_patron_desk", h)
	h.key(fyne.KeyF1)
	s14 := screenAs[*screen14](t, h.u)
	each("screen14", h)
	h.key(fyne.KeyF5)
	if h.u.pinDialog == nil || !strings.Contains(h.u.pinLead, "残り回数: 3回") {
		t.Fatalf("screen 15 lead %q: the tries left first", h.u.pinLead)
	}
	each("screen15", h)
	h.locked(func() { test.Type(h.u.pinEntry, "9999") })
	h.locked(func() { h.u.pinDialog.Submit() })
	h.u.Wait()
	if !strings.Contains(h.u.LastError(), "あと2回") {
		t.Fatalf("wrong PIN: %q", h.u.LastError())
	}
	screenAs[*screen14](t, h.u)
	if st, _ := env.Server.Stats(); st.MyKeyIDs != 3 {
		t.Fatalf("a wrong PIN registered something: %d MyKey IDs", st.MyKeyIDs)
	}
	h.tap(s14.input)
	if !strings.Contains(h.u.pinLead, "残り回数: 2回") {
		t.Fatalf("lead %q", h.u.pinLead)
	}
	h.locked(func() { test.Type(h.u.pinEntry, "1234") })
	h.locked(func() { h.u.pinDialog.Submit() })
	h.u.Wait()
	s16 := screenAs[*screen16](t, h.u)
	each("screen16", h)
	// Typed candidates: two duplicates, then a free one.
	for i, id := range []string{platform.DemoYamadaMyKeyID, platform.DemoSuzukiMyKeyID} {
		h.locked(func() { s16.candidate.SetText(id) })
		h.tap(s16.check)
		if e := s16.fm.errorText("mykey_id"); !strings.Contains(e, "既に他の人に使用") {
			t.Fatalf("duplicate %d: %q", i+1, e)
		}
	}
	each("screen16_duplicate", h)
	h.locked(func() { s16.candidate.SetText("TANAKA01") })
	h.tap(s16.check)
	if e := s16.fm.errorText("mykey_id"); e != "" || !s16.ds.cand.Ready() {
		t.Fatalf("free candidate: %q", e)
	}
	// [登録] with the confirmation different: said at its field, nothing sent.
	h.locked(func() {
		s16.password.SetText("tanaka2026")
		s16.passwordConfirm.SetText("tanaka2027")
		s16.email.SetText("tanaka@example.jp")
		s16.emailConfirm.SetText("tanaka@example.jp")
		s16.notices[3].SetChecked(true)
		s16.base.SetSelectedIndex(2) // 川崎市 (141305) after （設定しない） and 横浜市 (141003)
	})
	h.key(fyne.KeyF5)
	if e := s16.fm.errorText("password_confirm"); !strings.Contains(e, "一致しません") {
		t.Fatalf("confirmation: %q", e)
	}
	h.locked(func() { s16.passwordConfirm.SetText("tanaka2026") })
	h.key(fyne.KeyF5)
	s17 := screenAs[*screen17](t, h.u)
	if s17.res.MyKeyID != "TANAKA01" {
		t.Fatalf("registered %q", s17.res.MyKeyID)
	}
	each("screen17", h)
	return env, s17.res.MyKeyID
}

// Issue 19 "Done when", first half: a patron with no MyKey ID makes one at the desk entirely through the app, and a
// library terminal then knows them (no card number yet: screen 23 can register one). Goldens of 14-17 at the real
// window size.
func TestScreens14to17_PatronMakesAMyKeyIDAtTheDesk(t *testing.T) {
	env, id := deskFlow(t, func(name string, h *harness) {
		h.u.Wait()
		assertSettlesTo(t, name+".png", h.w.Canvas().Capture)
	})
	lib := env.Enrolled(t, "00052489")
	p, _ := demopki.Get("tanaka")
	if _, err := lib.Lookup(t.Context(), p.AuthCertDER); terminal.APICode(err) != mkpf.CodeNoServiceID {
		t.Fatalf("the library after %s was made: %v", id, err)
	}
	if n, _ := env.Server.PendingNotices(); n != 1 {
		t.Fatalf("the registered notice: %d", n)
	}
}

// Screen 16 in English (the terminal's language setting), at the real window size: nothing clipped.
func TestScreen16_English(t *testing.T) {
	t.Cleanup(func() { SetLanguage("ja") })
	if err := SetLanguage("en"); err != nil {
		t.Fatal(err)
	}
	env := testenv.Platform(t)
	h := newDeskHarness(t, env, vcard.NewSource())
	h.locked(func() { newDeskSession(h.u).toForm() })
	h.u.Wait()
	screenAs[*screen16](t, h.u)
	assertSettlesTo(t, "screen16_en.png", h.w.Canvas().Capture)
}
