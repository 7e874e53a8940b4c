package app

import (
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

type harness struct {
	t     *testing.T
	u     *UI
	w     fyne.Window
	cards *fakeCards
	plat  *fakePlatform
	hand  *fakeHandoff
	set   *memSettings
	ui    sync.Mutex // the "UI goroutine": the test's clicks and keys and the app's callbacks take turns (UI.serial)
}

func newHarness(t *testing.T, plat *fakePlatform) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(NewTheme(1.25))
	w := test.NewTempWindow(t, nil)
	w.Resize(WindowSize)
	h := &harness{t: t, w: w, cards: newFakeCards(), plat: plat, hand: &fakeHandoff{},
		set: &memSettings{s: Settings{Printer: "cups:PDF", LabelSize: "62x29", WedgeSuffix: SuffixEnter}}}
	svc := &Services{Cards: h.cards, Platform: plat, Handoff: h.hand, Settings: h.set, Message: fakeMessage,
		PlatformURL: "http://127.0.0.1:8080", ReaderState: func() string { return "Fake Reader 0" }}
	h.u = New(w, svc, nil)
	h.u.serial = &h.ui
	t.Cleanup(h.u.Close)
	h.u.showFirst()
	h.u.Wait()
	return h
}

func (h *harness) tap(b *widget.Button) {
	h.t.Helper()
	if b.Disabled() {
		h.t.Fatalf("button %q is disabled", b.Text)
	}
	h.ui.Lock()
	test.Tap(b)
	h.ui.Unlock()
	h.u.Wait()
}

// press clicks b while holding the harness's UI lock, without waiting for the work it starts: double-click tests
// click again while the first click's request runs.
func (h *harness) press(b *widget.Button) {
	h.ui.Lock()
	test.Tap(b)
	h.ui.Unlock()
}

// locked runs fn (the test's own widget calls) while holding the harness's UI lock, taking turns with the app's
// callbacks.
func (h *harness) locked(fn func()) {
	h.ui.Lock()
	defer h.ui.Unlock()
	fn()
}

// statusText reads the status line under the harness's UI lock (pollStatus refreshes it every 2 s through UI.do).
func (h *harness) statusText() string {
	h.ui.Lock()
	defer h.ui.Unlock()
	return h.u.status.Text
}

func (h *harness) key(k fyne.KeyName) {
	h.ui.Lock()
	h.u.onKey(&fyne.KeyEvent{Name: k})
	h.ui.Unlock()
	h.u.Wait()
}

// toRegister opens screen 23 from the menu (F1).
func (h *harness) toRegister() *screen23 {
	h.t.Helper()
	h.key(fyne.KeyF1)
	return screenAs[*screen23](h.t, h.u)
}

// register puts patron's card on the reader, types number on screen 23, answers the address-change notice and clicks
// [登録].
func (h *harness) register(patron, number, notice string) *screen23 {
	h.t.Helper()
	s23 := h.toRegister()
	h.cards.put(patron)
	test.Type(s23.number, number)
	s23.notice.SetSelected(notice)
	h.tap(s23.register)
	return s23
}

func screenAs[T Screen](t *testing.T, u *UI) T {
	t.Helper()
	s, ok := u.Current().(T)
	if !ok {
		var want T
		t.Fatalf("on %T (%q), want %T; last error %q", u.Current(), u.Current().Title(), want, u.LastError())
	}
	return s
}

func TestScreen09To10To22_FirstStartRegistersTerminalAndContact(t *testing.T) {
	h := newHarness(t, newFakePlatform())
	s9 := screenAs[*screen09](t, h.u)
	if h.u.menuBtn.Visible() {
		t.Error("screen 9 shows the menu button before the terminal is registered")
	}
	test.Type(s9.id, "00052489")
	test.Type(s9.password, "8912k41a")
	h.tap(s9.register)

	s10 := screenAs[*screen10](t, h.u)
	if s10.Title() != "連絡先の登録" {
		t.Errorf("title %q", s10.Title())
	}
	if s10.issuer.Text != "川崎市立図書館" {
		t.Errorf("issuer shown %q, want the terminal's fixed issuer as text", s10.issuer.Text)
	}
	for e, v := range map[*fkeyEntry]string{s10.location: "中央図書館", s10.name: "貸出カウンター1", s10.person: "川崎花子",
		s10.org: "川崎市教育委員会", s10.zip1: "210", s10.zip2: "0007", s10.address: "川崎市川崎区宮本町1", s10.phone: "044-200-2111",
		s10.email: "lib@example.jp"} {
		test.Type(e, v)
	}
	test.Type(s10.emailConfirm, "lib@example.jp")
	h.tap(s10.register)

	screenAs[*screen22](t, h.u)
	if got := h.u.terminal.Text; got != "端末ID:00052489" {
		t.Errorf("header %q, want 端末ID:00052489", got)
	}
	if h.plat.contact == nil || h.plat.contact.PostalCode != "210-0007" || h.plat.contact.IssuerID != "" {
		t.Errorf("contact sent %+v (the issuer is the municipality's: none sent)", h.plat.contact)
	}
}

func TestScreen09_RefusesMalformedIDAtTheFieldAndWrongPasswordWithMessage(t *testing.T) {
	h := newHarness(t, newFakePlatform())
	s9 := screenAs[*screen09](t, h.u)
	test.Type(s9.id, "1234")
	test.Type(s9.password, "x")
	h.tap(s9.register)
	if got := s9.fm.errorText("terminal_id"); !strings.Contains(got, "8桁") {
		t.Errorf("terminal_id field error %q", got)
	}
	s9.id.SetText("00052489")
	h.tap(s9.register)
	screenAs[*screen09](t, h.u)
	if got := h.u.LastError(); !strings.Contains(got, "様式II") {
		t.Errorf("error %q does not say what to check", got)
	}
}

func TestScreen10_ShowsPlatformFieldErrorsAtTheirFields(t *testing.T) {
	p := newFakePlatform()
	p.enrolled, p.term = true, demoTerminal()
	h := newHarness(t, p)
	s10 := screenAs[*screen10](t, h.u)
	test.Type(s10.location, "中央図書館")
	test.Type(s10.email, "a@example.jp")
	test.Type(s10.emailConfirm, "b@example.jp")
	h.tap(s10.register)
	screenAs[*screen10](t, h.u)
	for field, want := range map[string]string{"name": "必須", "person": "必須", "email_confirm": "一致しません", "location": ""} {
		if got := s10.fm.errorText(field); want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("field %s shows %q, want %q", field, got, want)
		}
	}
}

func TestScreen10_ConfirmationEmailRefusesPaste(t *testing.T) {
	p := newFakePlatform()
	p.enrolled, p.term = true, demoTerminal()
	h := newHarness(t, p)
	s10 := screenAs[*screen10](t, h.u)
	fyne.CurrentApp().Clipboard().SetContent("pasted@example.jp")
	s10.emailConfirm.TypedShortcut(&fyne.ShortcutPaste{Clipboard: fyne.CurrentApp().Clipboard()})
	if s10.emailConfirm.Text != "" {
		t.Errorf("paste arrived: %q", s10.emailConfirm.Text)
	}
}

func TestScreen22To23To24AndBack_RegistersServiceIDAndKeepsNumberForCorrection(t *testing.T) {
	h := newHarness(t, enrolledFake())
	h.register("suzuki", "180000000022", "いいえ")
	s24 := screenAs[*screen24](t, h.u)
	if s24.res.CardNumber != "180000000022" || s24.res.IssuerName != "川崎市立図書館" {
		t.Errorf("screen 24 shows %+v", s24.res)
	}
	if s24.res.MyKeyID != "" {
		t.Error("MyKey ID shown although the library does not allow it")
	}
	h.tap(s24.back)
	back := screenAs[*screen23](t, h.u)
	if back.number.Text != "180000000022" || back.notice.Selected != "いいえ" {
		t.Errorf("screen 23 after 前の画面に戻る: %q %q", back.number.Text, back.notice.Selected)
	}
	h.tap(h.u.menuBtn)
	screenAs[*screen22](t, h.u)
}

func TestScreen23_RequiresNumberAndNoticeChoiceAtTheirFields(t *testing.T) {
	h := newHarness(t, enrolledFake())
	s23 := h.toRegister()
	h.tap(s23.register)
	if s23.fm.errorText("card_number") == "" || s23.fm.errorText("address_notice") == "" {
		t.Errorf("field errors %q / %q", s23.fm.errorText("card_number"), s23.fm.errorText("address_notice"))
	}
	screenAs[*screen23](t, h.u)
}

func TestScreen23_ReadButtonReadsPatronCardNumber(t *testing.T) {
	h := newHarness(t, enrolledFake())
	s23 := h.toRegister()
	h.cards.put("libcard")
	h.tap(s23.read)
	if s23.number.Text != "180000000011" {
		t.Errorf("number %q", s23.number.Text)
	}
	h.cards.put("yamada")
	s23.number.SetText("")
	h.tap(s23.read)
	if !strings.Contains(h.u.LastError(), "利用カードを読み取れません") {
		t.Errorf("error %q", h.u.LastError())
	}
}

func TestScreen23_AddressNoticeShowsSignPINTriesFirstAndNeverRetries(t *testing.T) {
	h := newHarness(t, enrolledFake())
	h.cards.signTries = 3
	s23 := h.register("suzuki", "180000000033", "はい")
	if h.u.pinDialog == nil || !strings.Contains(h.u.pinLead, "残り回数: 3回") {
		t.Fatalf("PIN dialog lead %q, want the tries left shown before asking", h.u.pinLead)
	}
	test.Type(h.u.pinEntry, "WRONG1")
	h.u.pinDialog.Submit()
	h.u.Wait()
	if len(h.cards.pinsSent) != 1 {
		t.Fatalf("PIN sent %d times, want exactly once (never retried)", len(h.cards.pinsSent))
	}
	if !strings.Contains(h.u.LastError(), "残り2回") {
		t.Errorf("error %q, want the tries left", h.u.LastError())
	}
	screenAs[*screen23](t, h.u)

	// The clerk tries again deliberately: tries are read again and shown, the right PIN registers with the sign cert.
	h.tap(s23.register)
	if !strings.Contains(h.u.pinLead, "残り回数: 2回") {
		t.Errorf("lead %q", h.u.pinLead)
	}
	test.Type(h.u.pinEntry, "ABC123")
	h.u.pinDialog.Submit()
	h.u.Wait()
	screenAs[*screen24](t, h.u)
	if !h.plat.lastReg.AddressNotice || string(h.plat.lastReg.SignCert) != "sign:suzuki" {
		t.Errorf("register request %+v", h.plat.lastReg)
	}
}

func TestScreen23_BlockedSignPINIsNotAskedFor(t *testing.T) {
	h := newHarness(t, enrolledFake())
	h.cards.signTries = 0
	h.register("suzuki", "180000000033", "はい")
	if h.u.pinDialog != nil {
		t.Error("PIN asked for although it is blocked")
	}
	if !strings.Contains(h.u.LastError(), "ロック") {
		t.Errorf("error %q", h.u.LastError())
	}
}

func TestScreen23_ReplacingAnotherNumberNeedsConfirmation(t *testing.T) {
	h := newHarness(t, enrolledFake())
	h.register("yamada", "180000000099", "いいえ")
	screenAs[*screen23](t, h.u)
	if h.plat.registered["yamada"] != "180000000011" {
		t.Fatal("number replaced without confirmation")
	}
}

func TestScreen25To26_EachHandoffMode(t *testing.T) {
	for _, c := range []struct {
		mode  mkpf.HandoffMode
		check func(t *testing.T, h *harness, s *screen26)
	}{
		{mkpf.HandoffNumber, func(t *testing.T, h *harness, s *screen26) {
			h.tap(s.copyBtn)
			if got := fyne.CurrentApp().Clipboard().Content(); got != "180000000011" {
				t.Errorf("clipboard %q", got)
			}
		}},
		{mkpf.HandoffBarcode, func(t *testing.T, h *harness, s *screen26) {
			if s.barcodeText != "A180000000011A" {
				t.Errorf("barcode encodes %q", s.barcodeText)
			}
		}},
		{mkpf.HandoffWedge, func(t *testing.T, h *harness, s *screen26) {
			if len(h.hand.typed) != 1 || h.hand.typed[0] != "180000000011+enter" {
				t.Errorf("typed %v", h.hand.typed)
			}
			if !strings.Contains(s.state.Text, "入力しました") {
				t.Errorf("state %q", s.state.Text)
			}
		}},
		{mkpf.HandoffLabel, func(t *testing.T, h *harness, s *screen26) {
			if len(h.hand.printed) != 0 {
				t.Error("label printed before [印刷]")
			}
			h.tap(s.printBtn)
			if len(h.hand.printed) != 1 || h.hand.printed[0] != "180000000011@cups:PDF/62x29" {
				t.Errorf("printed %v", h.hand.printed)
			}
		}},
	} {
		t.Run(string(c.mode), func(t *testing.T) {
			p := enrolledFake()
			p.handoff.Mode = c.mode
			h := newHarness(t, p)
			h.u.SetForeground(false) // the clerk's cursor is in the library system
			h.key(fyne.KeyF2)
			s25 := screenAs[*screen25](t, h.u)
			h.cards.put("yamada")
			h.tap(s25.lookup)
			s26 := screenAs[*screen26](t, h.u)
			if s26.res.CardNumber != "180000000011" || s26.mode() != c.mode {
				t.Fatalf("result %+v", s26.res)
			}
			c.check(t, h, s26)
			h.tap(s26.again)
			screenAs[*screen25](t, h.u)
		})
	}
}

func TestScreen26_MyKeyIDOnlyWhereIssuerAllows(t *testing.T) {
	for _, allow := range []bool{false, true} {
		p := enrolledFake()
		p.showMyKey = allow
		h := newHarness(t, p)
		h.key(fyne.KeyF2)
		h.cards.put("yamada")
		h.key(fyne.KeyF5)
		s26 := screenAs[*screen26](t, h.u)
		shown := false
		for _, o := range test.LaidOutObjects(s26.u.body) {
			if l, ok := o.(*widget.Label); ok && l.Text == "マイキーID" {
				shown = true
			}
		}
		if shown != allow {
			t.Errorf("allow=%v: MyKey ID row shown=%v", allow, shown)
		}
	}
}

func TestScreen26_WedgeWaitsUntilTheClerkClicksIntoTheLibrarySystem(t *testing.T) {
	p := enrolledFake()
	p.handoff.Mode = mkpf.HandoffWedge
	h := newHarness(t, p)
	h.u.SetForeground(true) // the clerk just clicked [照会]: this app has the keyboard
	h.key(fyne.KeyF2)
	h.cards.put("yamada")
	s25 := screenAs[*screen25](t, h.u)
	h.press(s25.lookup)
	deadline := time.Now().Add(5 * time.Second)
	for {
		var waiting bool
		h.locked(func() {
			s, ok := h.u.Current().(*screen26)
			waiting = ok && strings.Contains(s.state.Text, "クリックしてください")
		})
		if waiting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no instruction to click into the library system")
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.hand.mu.Lock()
	n := len(h.hand.typed)
	h.hand.mu.Unlock()
	if n != 0 {
		t.Fatal("typed into this app's own window")
	}
	h.u.SetForeground(false)
	h.u.Wait()
	if len(h.hand.typed) != 1 {
		t.Errorf("typed %v after the focus left", h.hand.typed)
	}
}

func TestScreen25_ErrorPathsSayWhatToDo(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(h *harness)
		want  string
	}{
		{"no reader", func(h *harness) { h.cards.noReader = true }, "カードリーダーが見つかりません"},
		{"no card", func(h *harness) {}, "カードが置かれていません"},
		{"unknown card", func(h *harness) { h.cards.put("unknown") }, "マイナンバーカードではない"},
		{"expired", func(h *harness) { h.cards.put("expired") }, "有効期限が切れています"},
		{"revoked", func(h *harness) { h.cards.put("revoked") }, "失効"},
		{"not registered", func(h *harness) { h.cards.put("tanaka") }, "マイキーIDの設定を案内"},
		{"no service ID here", func(h *harness) { h.cards.put("suzuki") }, "「サービスIDの登録」で登録"},
		{"platform down", func(h *harness) { h.cards.put("yamada"); h.plat.down = true }, "プラットフォームに接続できません"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, enrolledFake())
			h.key(fyne.KeyF2)
			c.setup(h)
			h.tap(screenAs[*screen25](t, h.u).lookup)
			screenAs[*screen25](t, h.u)
			if !strings.Contains(h.u.LastError(), c.want) {
				t.Errorf("error %q, want %q", h.u.LastError(), c.want)
			}
			if status := h.statusText(); c.name == "platform down" && !strings.Contains(status, "接続できません") {
				t.Errorf("status line %q", status)
			}
		})
	}
}

func TestScreen25_ContinuousLookupHandsOffEachTappedCardWithoutAClick(t *testing.T) {
	p := enrolledFake()
	p.handoff.Mode = mkpf.HandoffWedge
	p.registered["suzuki"] = "180000000022"
	h := newHarness(t, p)
	h.u.SetForeground(false)
	h.key(fyne.KeyF2)
	s25 := screenAs[*screen25](t, h.u)
	h.locked(func() { s25.continuous.SetChecked(true) })
	for i, who := range []string{"yamada", "suzuki"} {
		h.cards.put(who)
		h.cards.events <- CardEvent{Reader: "Fake Reader 0", Present: true}
		waitFor(t, func() bool { h.hand.mu.Lock(); defer h.hand.mu.Unlock(); return len(h.hand.typed) == i+1 })
		h.cards.events <- CardEvent{Reader: "Fake Reader 0", Present: false}
	}
	if h.hand.typed[0] != "180000000011+enter" || h.hand.typed[1] != "180000000022+enter" {
		t.Errorf("typed %v", h.hand.typed)
	}
	if !h.u.Continuous() {
		t.Error("continuous lookup stopped between patrons")
	}
	h.u.Wait()
	h.ui.Lock()
	h.u.ShowMenu()
	h.ui.Unlock()
	if h.u.Continuous() {
		t.Error("continuous lookup still on at the menu")
	}
}

func TestSettings_SavesWedgeSuffixDelayAndPrinter(t *testing.T) {
	h := newHarness(t, enrolledFake())
	h.key(fyne.KeyF11)
	s := screenAs[*settingsScreen](t, h.u)
	s.suffix.SetSelected("Tab")
	s.delay.SetText("500")
	h.tap(s.save)
	if !strings.Contains(s.fm.errorText("key_delay"), "0～200") {
		t.Errorf("delay error %q", s.fm.errorText("key_delay"))
	}
	s.delay.SetText("20")
	s.printer.SetText("ql:cups:QL800")
	s.language.SetSelected("English")
	h.tap(s.save)
	got := h.set.Load()
	if got.WedgeSuffix != SuffixTab || got.KeyDelay != 20*time.Millisecond || got.Printer != "ql:cups:QL800" || got.Language != "en" {
		t.Errorf("saved %+v", got)
	}
	screenAs[*screen22](t, h.u)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
