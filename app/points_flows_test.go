package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// The points screens' flows over the in-process fake (points_fakes_test.go). Each test names the documents' screens.

type ptHarness struct {
	*harness
	pts *fakePoints
}

func newPointsHarness(t *testing.T, kind mkpf.TerminalKind) *ptHarness {
	t.Helper()
	plat := enrolledFake()
	fp := newFakePoints(kind)
	plat.term.Kind, plat.term.TakesPoints, plat.term.TerminalID = kind, fp.takes, fp.terminalID()
	h := newHarness(t, plat)
	h.u.Svc.Points = fp
	old := terminal.Now
	terminal.Now = func() time.Time { return fakeNow }
	t.Cleanup(func() { terminal.Now = old })
	return &ptHarness{harness: h, pts: fp}
}

// login goes menu 22 → [自治体ポイント管理クラウドへ] (F4) → screen 2 → screen 28.
func (h *ptHarness) login() *screen28 {
	h.t.Helper()
	screenAs[*screen22](h.t, h.u)
	h.key(fyne.KeyF4)
	s2 := screenAs[*screen02](h.t, h.u)
	if s2.id.Text != h.pts.terminalID() {
		h.t.Errorf("login ID prefilled %q, want the terminal ID %s", s2.id.Text, h.pts.terminalID())
	}
	test.Type(s2.password, "pw")
	h.tap(s2.login)
	return screenAs[*screen28](h.t, h.u)
}

func (h *ptHarness) readBalances(read *widget.Button, bal *balancePicker) {
	h.t.Helper()
	if h.cards != nil { // the fake reader; the real-platform tests insert a virtual card themselves
		h.cards.put("yamada")
	}
	h.tap(read)
	if len(bal.balances) == 0 {
		h.t.Fatalf("no balances after カード読取; last error %q", h.u.LastError())
	}
}

func (h *ptHarness) toUse() *screen29 {
	h.t.Helper()
	h.login()
	h.key(fyne.KeyF1)
	return screenAs[*screen29](h.t, h.u)
}

// confirmUse reads yamada's card, chooses program and n points and confirms → screen 30.
func (h *ptHarness) confirmUse(program, n string) *screen30 {
	h.t.Helper()
	s := h.toUse()
	h.readBalances(s.read, s.bal)
	s.bal.choose(program)
	s.points.SetText(n)
	h.tap(s.confirm)
	return screenAs[*screen30](h.t, h.u)
}

func (h *ptHarness) wantError(sub string) {
	h.t.Helper()
	if !strings.Contains(h.u.LastError(), sub) {
		h.t.Errorf("error shown %q, want it to contain %q", h.u.LastError(), sub)
	}
}

func buttonTexts(bs []*widget.Button) []string {
	var out []string
	for _, b := range bs {
		out = append(out, strings.Fields(b.Text)[0])
	}
	return out
}

func TestScreen22To02To28_MenuShowsOnlyWhatTheTerminalKindMayDo(t *testing.T) {
	for _, c := range []struct {
		kind mkpf.TerminalKind
		want string
	}{
		{mkpf.KindPointUse, "ポイント利用 ポイント券消込 自治体ポイント集計"},
		{mkpf.KindVoucher, "ポイント券発行 ポイント券消込 自治体ポイント集計"},
		{mkpf.KindServiceID, "ポイント利用 ポイント券消込 商店街ポイント合算 自治体ポイント集計"},
	} {
		t.Run(string(c.kind), func(t *testing.T) {
			h := newPointsHarness(t, c.kind)
			h.t = t
			s := h.login()
			if got := strings.Join(buttonTexts(s.visible()), " "); got != c.want {
				t.Errorf("menu %q, want %q", got, c.want)
			}
			if c.want == "" && !strings.Contains(s.none.Text, "できません") {
				t.Errorf("no explanation on an empty menu: %q", s.none.Text)
			}
			// A function key of an item the terminal may not use does nothing.
			if c.kind == mkpf.KindPointUse {
				h.key(fyne.KeyF2)
				screenAs[*screen28](t, h.u)
			}
		})
	}
}

// Grant terminals reach their own logins from the same menu entry: the grant office its 業務支援システム (71), a
// point-grant terminal the grant app (77); neither opens screen 2.
func TestScreen22_GrantKindsOpenTheirLogin(t *testing.T) {
	for _, c := range []struct {
		kind   mkpf.TerminalKind
		office bool
		label  string
	}{{mkpf.KindGrantOffice, true, "業務支援システムへ"}, {mkpf.KindPointGrant, false, "持ち歩き用ポイント付与アプリへ"}} {
		t.Run(string(c.kind), func(t *testing.T) {
			h := newPointsHarness(t, c.kind)
			h.t = t
			s22 := screenAs[*screen22](t, h.u)
			if !strings.HasPrefix(s22.points.Text, c.label) {
				t.Errorf("menu entry %q, want %q", s22.points.Text, c.label)
			}
			h.key(fyne.KeyF4)
			if s := screenAs[*grantLogin](t, h.u); s.office != c.office {
				t.Errorf("screen %q opened for %s", s.Title(), c.kind)
			}
		})
	}
}

func TestScreen02_WrongPasswordAndPlatformDownSayWhatToDo(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindPointUse)
	h.key(fyne.KeyF4)
	s := screenAs[*screen02](t, h.u)
	h.tap(s.login)
	if !strings.Contains(s.fm.errorText("password"), "パスワードを入力") {
		t.Errorf("empty password: %q", s.fm.errorText("password"))
	}
	test.Type(s.password, "wrong")
	h.tap(s.login)
	h.wantError("パスワードが違います")
	if s.password.Text != "" {
		t.Error("a refused password stays in the field")
	}
	h.pts.down = true
	test.Type(s.password, "pw")
	h.tap(s.login)
	h.wantError("接続できません")
	screenAs[*screen02](t, h.u)
	h.u.Svc.Points = nil
	h.tap(s.login)
	h.wantError("ポイント機能が設定されていません")
}

func TestScreen29To31_UsesPointsShowsExactlyWhatHappensAndPrintsReceipt(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindPointUse)
	s29 := h.toUse()
	h.readBalances(s29.read, s29.bal)
	if got := strings.Join(s29.bal.options, "|"); strings.Contains(got, "留保") || !strings.Contains(got, "川崎市ポイント（自治体ポイント）　10,000ポイント") {
		t.Errorf("balances %q: want the usable ones only, 留保ポイント never", got)
	}
	if s29.bal.selected().ProgramID != "kawasaki" {
		t.Errorf("preselected %+v", s29.bal.selected())
	}
	if h.w.Canvas().Focused() != s29.points {
		t.Error("the points field does not get the focus after カード読取")
	}
	test.Type(s29.points, "５００") // full-width digits from an IME left on
	s29.points.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.u.Wait()
	s30 := screenAs[*screen30](t, h.u)
	want := "ポイントの種類: 川崎市ポイント（自治体ポイント）\n利用ポイント数: 500ポイント（500円分）\n利用前の残高: 10,000ポイント\n利用後の残高: 9,500ポイント\n有効期限の近いポイント: うち 1,500ポイントは 2026年12月31日まで\n"
	if !strings.Contains(s29.bal.expiring.Text, "川崎市ポイント: うち 1,500ポイントは 2026年12月31日まで") {
		t.Errorf("screen 29 expiring note %q", s29.bal.expiring.Text)
	}
	if got := s30.sum.text(); got != want {
		t.Errorf("screen 30 shows\n%s\nwant\n%s", got, want)
	}
	if h.pts.balance("yamada", "kawasaki") != 10000 {
		t.Fatal("points moved before 利用")
	}
	h.tap(s30.use)
	s31 := screenAs[*screen31](t, h.u)
	if h.pts.balance("yamada", "kawasaki") != 9500 {
		t.Errorf("balance %d, want 9500", h.pts.balance("yamada", "kawasaki"))
	}
	if !strings.Contains(s31.sum.text(), "利用後の残高: 9,500ポイント") {
		t.Errorf("screen 31: %s", s31.sum.text())
	}
	h.key(fyne.KeyF9)
	if got := h.pts.printedText(); got != "receipt use T000001 500 on cups:PDF" {
		t.Errorf("printed %q", got)
	}
	h.key(fyne.KeyF1)
	screenAs[*screen29](t, h.u)
}

func TestScreen29_FunctionKeysWorkWhileTheFieldHasTheFocus(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindPointUse)
	s29 := h.toUse()
	h.readBalances(s29.read, s29.bal)
	if h.w.Canvas().Focused() != s29.points {
		t.Fatal("the points field does not have the focus")
	}
	test.Type(s29.points, "300")
	s29.points.TypedKey(&fyne.KeyEvent{Name: fyne.KeyF5}) // F5 pressed in the field
	h.u.Wait()
	s30 := screenAs[*screen30](t, h.u)
	if s30.req.Points != 300 {
		t.Errorf("confirmed %d points", s30.req.Points)
	}
}

func TestScreen29_ErrorPathsSayWhatToDo(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindPointUse)
	s := h.toUse()
	h.tap(s.confirm)
	if !strings.Contains(s.fm.errorText("program_id"), "カード読取") {
		t.Errorf("confirm before reading: %q", s.fm.errorText("program_id"))
	}
	h.tap(s.read) // no card on the reader
	h.wantError("カードが置かれていません")
	h.cards.put("unknown")
	h.tap(s.read)
	h.wantError("マイナンバーカードではない")
	h.cards.put("suzuki") // a card without a MyKey ID
	h.tap(s.read)
	h.wantError("マイキーIDが設定されていません")
	h.pts.down = true
	h.cards.put("yamada")
	h.tap(s.read)
	h.wantError("接続できません")
	h.pts.down = false
	h.readBalances(s.read, s.bal)
	for _, c := range []struct{ in, want string }{
		{"", "入力してください"},
		{"abc", "半角数字"},
		{"0", "1以上"},
		{"10001", "残高（10,000ポイント）を超えています"},
		{"99999999999999", "超えています"},
	} {
		s.points.SetText(c.in)
		h.tap(s.confirm)
		if got := s.fm.errorText("points"); !strings.Contains(got, c.want) {
			t.Errorf("points %q: error %q, want %q", c.in, got, c.want)
		}
		screenAs[*screen29](t, h.u)
	}
}

func TestScreen30_InsufficientBalanceAtThePlatformIsRefusedAndNothingMoves(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindPointUse)
	s30 := h.confirmUse("event1", "2000")
	h.pts.mu.Lock()
	h.pts.bal["yamada"]["event1"] = 1500 // spent elsewhere meanwhile
	h.pts.mu.Unlock()
	h.tap(s30.use)
	h.wantError("残高が足りません")
	screenAs[*screen30](t, h.u)
	if h.pts.balance("yamada", "event1") != 1500 || h.pts.applied["use"] != 0 {
		t.Error("points moved on a refused use")
	}
	h.key(fyne.KeyEscape)
	screenAs[*screen29](t, h.u)
}

// A double click on a confirmation screen's button, with F5 pressed at the same time, applies the request once: the
// button is disabled while its request runs and every press sends the same idempotency key.
func TestConfirmationScreens_DoubleClickAppliesOnce(t *testing.T) {
	for _, c := range []struct {
		name    string
		kind    mkpf.TerminalKind
		confirm func(h *ptHarness) (btn *widget.Button, f5 func())
		done    func(h *ptHarness) // checks the done screen
		applied string             // the fake's count of applied requests
		balance int64
	}{
		{"screen30", mkpf.KindPointUse, func(h *ptHarness) (*widget.Button, func()) {
			s := h.confirmUse("kawasaki", "500")
			return s.use, s.onUse
		}, func(h *ptHarness) { screenAs[*screen31](h.t, h.u) }, "use", 9500},
		{"screen33", mkpf.KindVoucher, func(h *ptHarness) (*widget.Button, func()) {
			s := h.confirmIssue("", "1000")
			return s.issue, s.onIssue
		}, func(h *ptHarness) {
			screenAs[*screen34](h.t, h.u)
			if len(h.pts.vouch) != 1 {
				h.t.Errorf("%d vouchers after a double click, want one", len(h.pts.vouch))
			}
		}, "issue", 9000},
		{"screen38", mkpf.KindServiceID, func(h *ptHarness) (*widget.Button, func()) {
			s := h.confirmMerge("300")
			return s.merge, s.onMerge
		}, func(h *ptHarness) { screenAs[*screen39](h.t, h.u) }, "merge", 9700},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newPointsHarness(t, c.kind)
			btn, f5 := c.confirm(h)
			h.pts.gate = make(chan struct{})
			h.press(btn)
			h.press(btn) // the second click of a double click, while the first request runs
			h.locked(f5) // and F5 pressed at the same time
			if !btn.Disabled() {
				t.Errorf("[%s] is not disabled while its request runs", strings.TrimSuffix(btn.Text, " (F5)"))
			}
			close(h.pts.gate)
			h.u.Wait()
			c.done(h)
			if b := h.pts.balance("yamada", "kawasaki"); b != c.balance || h.pts.applied[c.applied] != 1 {
				t.Errorf("balance %d after a double click, applied %d times; want %d, once", b, h.pts.applied[c.applied], c.balance)
			}
		})
	}
}

func TestScreen30_RetryAfterALostAnswerReusesTheKeyAndAppliesOnce(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindPointUse)
	s30 := h.confirmUse("kawasaki", "500")
	h.pts.lose = 1 // the platform applies the use, the answer is lost (timeout)
	h.tap(s30.use)
	h.wantError("二重に処理されることはありません")
	screenAs[*screen30](t, h.u)
	if s30.use.Disabled() {
		t.Fatal("[利用] stays disabled after a timeout")
	}
	h.tap(s30.use) // the clerk presses again
	screenAs[*screen31](t, h.u)
	if b := h.pts.balance("yamada", "kawasaki"); b != 9500 || h.pts.applied["use"] != 1 {
		t.Errorf("balance %d, applied %d times; want 9500, once", b, h.pts.applied["use"])
	}
}

func TestScreen30_BackAfterALostAnswerAndConfirmingAgainAppliesOnce(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindPointUse)
	s30 := h.confirmUse("kawasaki", "500")
	h.pts.lose = 1
	h.tap(s30.use)
	h.key(fyne.KeyEscape) // [戻る] to screen 29
	s29 := screenAs[*screen29](t, h.u)
	h.tap(s29.confirm)                   // the same request again
	again := screenAs[*screen30](t, h.u) // a new screen draws a new key; the client's journal sends the lost one's
	h.tap(again.use)
	screenAs[*screen31](t, h.u)
	if b := h.pts.balance("yamada", "kawasaki"); b != 9500 || h.pts.applied["use"] != 1 {
		t.Errorf("balance %d, applied %d times; want 9500, once", b, h.pts.applied["use"])
	}
	// A new, different use gets a new key.
	h.key(fyne.KeyF1)
	s29 = screenAs[*screen29](t, h.u)
	h.readBalances(s29.read, s29.bal)
	s29.points.SetText("500")
	h.tap(s29.confirm)
	if screenAs[*screen30](t, h.u).key == s30.key {
		t.Error("a new use reuses the key of an applied one")
	}
}

func TestScreen29_WrongTerminalKindIsRefusedByThePlatform(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindPointUse)
	s := h.toUse()
	h.pts.kind = mkpf.KindPointGrant // the platform's roster changed since login
	h.cards.put("yamada")
	h.tap(s.read)
	h.wantError("この端末の種類ではこのポイント操作はできません")
}

func TestScreen31_ReceiptWithoutPrinterSaysToSetOne(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindPointUse)
	s30 := h.confirmUse("kawasaki", "100")
	h.tap(s30.use)
	s31 := screenAs[*screen31](t, h.u)
	h.set.s.Printer = ""
	h.tap(s31.receipt)
	h.wantError("プリンターが設定されていません")
	if h.pts.printedText() != "" {
		t.Error("printed without a printer")
	}
}

func (h *ptHarness) toIssue() *screen32 {
	h.t.Helper()
	h.login()
	h.key(fyne.KeyF2)
	return screenAs[*screen32](h.t, h.u)
}

// confirmIssue reads yamada's card, enters the expiry (empty: the prefilled one) and n points of the preselected
// program and confirms → screen 33.
func (h *ptHarness) confirmIssue(expires, n string) *screen33 {
	h.t.Helper()
	s := h.toIssue()
	h.readBalances(s.read, s.bal)
	if expires != "" {
		s.expires.SetText(expires)
	}
	s.points.SetText(n)
	h.tap(s.confirm)
	return screenAs[*screen33](h.t, h.u)
}

func TestScreen32To34_IssuesPrintsAndReissuesTheSameVoucher(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindVoucher)
	s32 := h.toIssue()
	if s32.expires.Text != "2026年12月23日" {
		t.Errorf("expiry prefilled %q, want today + 30 days", s32.expires.Text)
	}
	h.readBalances(s32.read, s32.bal)
	s32.points.SetText("1000")
	for _, c := range []struct{ in, want string }{
		{"2026-12-24", "30日以内（2026年12月23日まで）"},
		{"2026-11-22", "過去の日付"},
		{"12/24", "2026年12月31日"},
	} {
		s32.expires.SetText(c.in)
		h.tap(s32.confirm)
		if got := s32.fm.errorText("expires"); !strings.Contains(got, c.want) {
			t.Errorf("expiry %q: error %q, want %q", c.in, got, c.want)
		}
	}
	s32.expires.SetText("2026/12/10")
	h.tap(s32.confirm)
	s33 := screenAs[*screen33](t, h.u)
	want := "ポイントの種類: 川崎市ポイント（自治体ポイント）\nポイント券のポイント数: 1,000ポイント\nポイント券の有効期限: 2026年12月10日まで\n利用前の残高: 10,000ポイント\n発行後の残高: 9,000ポイント\n"
	if got := s33.sum.text(); got != want {
		t.Errorf("screen 33 shows\n%s\nwant\n%s", got, want)
	}
	h.tap(s33.issue)
	s34 := screenAs[*screen34](t, h.u)
	if h.pts.balance("yamada", "kawasaki") != 9000 {
		t.Errorf("balance %d, want 9000 (deducted at issue)", h.pts.balance("yamada", "kawasaki"))
	}
	if got := h.pts.printedText(); got != "voucher 98765432 1000 on cups:PDF" {
		t.Errorf("printed %q", got)
	}
	if !strings.Contains(s34.sum.text(), "発券番号: 9876-5432") || !strings.Contains(s34.sum.text(), "発行場所: 川崎商工会議所") {
		t.Errorf("screen 34: %s", s34.sum.text())
	}
	h.key(fyne.KeyF9)
	h.tap(s34.reissue)
	if got := h.pts.printedText(); strings.Count(got, "voucher 98765432 1000 on cups:PDF 再発行") != 2 {
		t.Errorf("reissues printed %q, want the same voucher twice marked 再発行", got)
	}
	if h.pts.balance("yamada", "kawasaki") != 9000 || h.pts.applied["issue"] != 1 {
		t.Error("a reissue moved points")
	}
}

func TestScreen33_PrinterFailureKeepsTheVoucherAndOffersReissue(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindVoucher)
	s33 := h.confirmIssue("", "1000")
	h.pts.printErr = &ClerkError{Message: "プリンターの用紙がありません。"}
	h.tap(s33.issue)
	s34 := screenAs[*screen34](t, h.u)
	h.wantError("ポイント券は発行されましたが、印字できませんでした。プリンターの用紙がありません。")
	h.wantError("「再発行」ボタン")
	h.pts.printErr = nil
	h.tap(s34.reissue)
	if !strings.Contains(h.pts.printedText(), "再発行") {
		t.Error("reissue did not print")
	}
}

func TestScreen33_WithoutPrinterIssuesNothing(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindVoucher)
	s33 := h.confirmIssue("", "1000")
	h.set.s.Printer = ""
	h.tap(s33.issue)
	h.wantError("発行していません")
	screenAs[*screen33](t, h.u)
	if h.pts.balance("yamada", "kawasaki") != 10000 || len(h.pts.vouch) != 0 {
		t.Error("a voucher was issued with no printer to print it")
	}
}

func (h *ptHarness) toClear() *screen35 {
	h.t.Helper()
	h.login()
	h.key(fyne.KeyF3)
	return screenAs[*screen35](h.t, h.u)
}

// scan types text into whatever has the keyboard focus, then Enter, as a keyboard-wedge QR reader does.
func (h *ptHarness) scan(text string) {
	h.t.Helper()
	f := h.w.Canvas().Focused()
	if f == nil {
		h.t.Fatal("nothing has the keyboard focus: the QR reader's keystrokes would be lost")
	}
	h.ui.Lock()
	test.Type(f, text)
	f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.ui.Unlock()
	h.u.Wait()
}

func TestScreen35To36_ClearsAVoucherFromTheQRReadersKeystrokesOnceOnly(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindPointUse)
	v := h.pts.addVoucher("12345678", 1000, "2026-12-01", mkpf.VoucherOutstanding)
	s35 := h.toClear()
	if h.w.Canvas().Focused() != s35.code {
		t.Fatal("the code field does not have the focus when screen 35 opens")
	}
	h.scan(strings.ToLower(v.QR)) // Caps Lock on: the reader types lower case
	if s35.v == nil || s35.v.Number != "12345678" || s35.clear.Disabled() {
		t.Fatalf("voucher not shown / [消込処理] disabled; last error %q", h.u.LastError())
	}
	if !strings.Contains(s35.sum.text(), "ポイント数: 1,000ポイント") || !strings.Contains(s35.sum.text(), "状態: 未消込") {
		t.Errorf("screen 35 shows %s", s35.sum.text())
	}
	if s35.code.Text != "" || h.w.Canvas().Focused() != s35.code {
		t.Error("after reading, the field is not emptied and focused for the next scan")
	}
	h.tap(s35.clear)
	s36 := screenAs[*screen36](t, h.u)
	if !strings.Contains(s36.sum.text(), "状態: 消込済") {
		t.Errorf("screen 36: %s", s36.sum.text())
	}
	h.tap(s36.receipt)
	if got := h.pts.printedText(); got != "receipt clear 12345678 1000 on cups:PDF" {
		t.Errorf("printed %q", got)
	}
	// The same voucher again: shown as cleared, [消込処理] stays disabled.
	h.key(fyne.KeyF1)
	s35 = screenAs[*screen35](t, h.u)
	h.scan(v.QR)
	if !s35.clear.Disabled() || !strings.Contains(s35.state.Text, "消込済み") {
		t.Errorf("a cleared voucher can be cleared again (state %q)", s35.state.Text)
	}
	if h.pts.applied["clear"] != 1 {
		t.Errorf("cleared %d times", h.pts.applied["clear"])
	}
}

func TestScreen35_TypedNumberForgedExpiredUnknownAndClearedVouchers(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindPointUse)
	good := h.pts.addVoucher("12345678", 1000, "2026-12-01", mkpf.VoucherOutstanding)
	h.pts.addVoucher("22222222", 500, "2026-11-01", mkpf.VoucherOutstanding) // expired
	h.pts.addVoucher("33333333", 500, "2026-12-01", mkpf.VoucherCleared)
	forged := []byte(good.QR)
	i := len(forged) - 10
	if forged[i] == 'A' {
		forged[i] = 'B'
	} else {
		forged[i] = 'A'
	}
	s := h.toClear()
	for _, c := range []struct {
		name, in, field, dialog string
		clearable               bool
	}{
		{"typed number", "1234-5678", "", "", true},
		{"full-width typed number", "１２３４５６７８", "", "", true},
		{"forged QR", string(forged), "偽造または改ざん", "", false},
		{"expired", "22222222", "", "", false},
		{"unknown number", "9999-0000", "見つかりません", "", false},
		{"already cleared", "33333333", "", "", false},
		{"not a voucher", "12AB", "読み取れません", "", false},
		{"empty", "", "入力してください", "", false},
	} {
		h.u.lastError = ""
		s.code.SetText(c.in)
		h.tap(s.read)
		if got := s.fm.errorText("code"); c.field != "" && !strings.Contains(got, c.field) || c.field == "" && got != "" {
			t.Errorf("%s: field error %q, want %q", c.name, got, c.field)
		}
		if c.dialog != "" && !strings.Contains(h.u.LastError(), c.dialog) {
			t.Errorf("%s: dialog %q, want %q", c.name, h.u.LastError(), c.dialog)
		}
		if s.clear.Disabled() == c.clearable {
			t.Errorf("%s: [消込処理] enabled=%v", c.name, !s.clear.Disabled())
		}
	}
	s.code.SetText("22222222")
	h.tap(s.read)
	if !strings.Contains(s.state.Text, "失効") {
		t.Errorf("expired voucher state %q, want 失効", s.state.Text)
	}
	// Cleared meanwhile at another terminal: the platform refuses, the screen says so.
	s.code.SetText("12345678")
	h.tap(s.read)
	h.pts.mu.Lock()
	h.pts.vouch["12345678"].State = mkpf.VoucherCleared
	h.pts.mu.Unlock()
	h.tap(s.clear)
	h.wantError("すでに消込済み")
	screenAs[*screen35](t, h.u)
	if !s.clear.Disabled() {
		t.Error("[消込処理] enabled after the platform said the voucher is cleared")
	}
}

func TestScreen35_DoubleClickOnClearClearsOnce(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindPointUse)
	v := h.pts.addVoucher("12345678", 1000, "2026-12-01", mkpf.VoucherOutstanding)
	s := h.toClear()
	h.scan(v.QR)
	h.pts.gate = make(chan struct{})
	h.press(s.clear)
	h.press(s.clear)
	h.locked(s.onClear)
	close(h.pts.gate)
	h.u.Wait()
	screenAs[*screen36](t, h.u)
	if h.pts.applied["clear"] != 1 {
		t.Errorf("cleared %d times after a double click", h.pts.applied["clear"])
	}
}

func TestScreen35_PlatformDownKeepsTheVoucherClearableWithTheSameKey(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindPointUse)
	v := h.pts.addVoucher("12345678", 1000, "2026-12-01", mkpf.VoucherOutstanding)
	s := h.toClear()
	h.scan(v.QR)
	key := s.key
	h.pts.lose = 1
	h.tap(s.clear)
	h.wantError("二重に処理されることはありません")
	if s.clear.Disabled() || s.key != key {
		t.Fatal("after a timeout [消込処理] must stay pressable with the same key")
	}
	h.tap(s.clear)
	screenAs[*screen36](t, h.u)
	if h.pts.applied["clear"] != 1 {
		t.Errorf("cleared %d times", h.pts.applied["clear"])
	}
}

func (h *ptHarness) toMerge() *screen37 {
	h.t.Helper()
	h.login()
	h.key(fyne.KeyF4)
	return screenAs[*screen37](h.t, h.u)
}

// confirmMerge reads yamada's card, enters n points of the preselected 自治体ポイント and confirms → screen 38.
func (h *ptHarness) confirmMerge(n string) *screen38 {
	h.t.Helper()
	s := h.toMerge()
	h.readBalances(s.read, s.bal)
	s.points.SetText(n)
	h.tap(s.confirm)
	return screenAs[*screen38](h.t, h.u)
}

// A clerk pressing F2 again while the card is still being read must not re-enable [カード読取]: the running read's
// answer does that.
func TestScreen37_F2AgainDuringARunningReadKeepsTheReadButtonsDisabled(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindServiceID)
	s := h.toMerge()
	h.cards.put("yamada")
	h.pts.balGate = make(chan struct{})
	h.u.onKey(&fyne.KeyEvent{Name: fyne.KeyF2}) // the read starts and waits in Balances
	h.u.onKey(&fyne.KeyEvent{Name: fyne.KeyF2}) // pressed again
	if !s.read.Disabled() {
		t.Error("a second F2 re-enabled the read buttons while the first read still runs")
	}
	close(h.pts.balGate)
	h.u.Wait()
	if s.read.Disabled() {
		t.Error("the read buttons stay disabled after the read finished")
	}
	if len(s.bal.balances) == 0 {
		t.Error("no balances after the read")
	}
}

func TestScreen37To39_MergesByMyNumberCardAndByShopCardNumber(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindServiceID)
	// My Number Card path.
	s := h.toMerge()
	h.readBalances(s.read, s.bal)
	if !strings.Contains(s.who.Text, "商店街ポイントID: 520625") || s.bal.selected().Kind != mkpf.PointMunicipal {
		t.Errorf("who %q, selected %+v", s.who.Text, s.bal.selected())
	}
	s.points.SetText("300")
	h.tap(s.confirm)
	s38 := screenAs[*screen38](t, h.u)
	want := "商店街ポイントID: 520625\nポイントの種類: 川崎市ポイント（自治体ポイント）\n合算ポイント数: 300ポイント\n合算前の残高: 10,000ポイント\n合算後の残高: 9,700ポイント\n"
	if got := s38.sum.text(); got != want {
		t.Errorf("screen 38 shows\n%s\nwant\n%s", got, want)
	}
	h.tap(s38.merge)
	s39 := screenAs[*screen39](t, h.u)
	if !strings.Contains(s39.sum.text(), "合算ポイントファイル: merge-") || !strings.Contains(s39.sum.text(), mkpf.MergeFileExt+"\n") || strings.Contains(s39.sum.text(), "/var/lib") || !strings.Contains(s39.sum.text(), "取引済番号: 20261123103000-") {
		t.Errorf("screen 39: %s", s39.sum.text())
	}
	if h.pts.balance("yamada", "kawasaki") != 9700 {
		t.Errorf("balance %d, want 9700", h.pts.balance("yamada", "kawasaki"))
	}
	// Shop card path: the keyboard-interface reader types the number and Enter into the focused field.
	h.key(fyne.KeyF1)
	s = screenAs[*screen37](t, h.u)
	if h.w.Canvas().Focused() != s.shopCard {
		t.Fatal("the shop-card field does not have the focus on screen 37")
	}
	h.cards.put("") // no My Number Card on the reader
	h.scan("５２０６２５")
	if len(s.bal.balances) == 0 || !strings.Contains(s.who.Text, "商店街ポイントカード 520625") {
		t.Fatalf("shop card not read: who %q, error %q", s.who.Text, h.u.LastError())
	}
	s.points.SetText("200")
	h.tap(s.confirm)
	s38 = screenAs[*screen38](t, h.u)
	if s38.req.ShopCard != "520625" || s38.req.AuthCert != nil {
		t.Errorf("merge request names %+v", s38.req.PatronRef)
	}
	h.tap(s38.merge)
	screenAs[*screen39](t, h.u)
	if h.pts.balance("yamada", "kawasaki") != 9500 {
		t.Errorf("balance %d, want 9500", h.pts.balance("yamada", "kawasaki"))
	}
	// An unknown shop card.
	h.key(fyne.KeyF1)
	s = screenAs[*screen37](t, h.u)
	h.scan("999999")
	if !strings.Contains(s.fm.errorText("shop_card"), "登録されていません") || h.w.Canvas().Focused() != s.shopCard {
		t.Errorf("unknown shop card: field error %q, focus on %T", s.fm.errorText("shop_card"), h.w.Canvas().Focused())
	}
}

func TestScreen87_AggregatesThePeriodAndDownloadsTheCSV(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindPointUse)
	s30 := h.confirmUse("kawasaki", "500")
	h.tap(s30.use)
	h.key(fyne.KeyF10)
	h.key(fyne.KeyF6)
	s := screenAs[*screen87](t, h.u)
	if s.from.Text != "2026年11月1日" || s.to.Text != "2026年11月23日" {
		t.Errorf("period prefilled %s ～ %s, want this month", s.from.Text, s.to.Text)
	}
	if !s.download.Disabled() {
		t.Error("[明細ダウンロード] enabled before 集計")
	}
	s.to.SetText("2026-10-01")
	h.tap(s.run)
	if !strings.Contains(s.fm.errorText("to"), "開始日以降") {
		t.Errorf("to before from: %q", s.fm.errorText("to"))
	}
	s.to.SetText("2026-11-23")
	h.tap(s.run)
	want := "端末設置場所: 川崎市市民ミュージアム\n集計対象期間: 2026年11月1日 ～ 2026年11月23日\n取引回数合計: 1回\n利用ポイント数合計: 500ポイント\n"
	if got := s.sum.text(); got != want {
		t.Errorf("screen 87 shows\n%s\nwant\n%s", got, want)
	}
	dir := t.TempDir()
	s.save = func(name string, data []byte, done func(string, error)) {
		p := filepath.Join(dir, name)
		done(p, os.WriteFile(p, data, 0o600))
	}
	h.tap(s.download)
	raw, err := os.ReadFile(s.saved)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(s.saved) != "自治体ポイント明細_00052589_2026-11-01_2026-11-23.csv" {
		t.Errorf("file name %q", filepath.Base(s.saved))
	}
	if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF")) || !bytes.Contains(raw, []byte("利用ポイント数合計,500\r\n")) || bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("CSV is not UTF-8 with BOM and CRLF lines:\n%q", raw)
	}
	h.pts.down = true
	h.tap(s.run)
	h.wantError("接続できません")
}

// Screen 37 has one [カード読取] for both card kinds, as the documents do: with a number in the shop-card field it
// reads that shop card, with the field empty the My Number Card.
func TestScreen37_OneCardReadForBothCardKinds(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindServiceID)
	s := h.toMerge()
	h.cards.put("") // no My Number Card on the reader: a shop card number must not need one
	h.locked(func() { s.shopCard.SetText("520625") })
	h.key(fyne.KeyF2)
	if len(s.bal.balances) == 0 || !strings.Contains(s.who.Text, "商店街ポイントカード 520625") {
		t.Fatalf("F2 with a shop card number: who %q, error %q", s.who.Text, h.u.LastError())
	}
	h.cards.put("yamada")
	h.key(fyne.KeyF2)
	if !strings.HasPrefix(s.who.Text, "マイナンバーカード") {
		t.Errorf("F2 with the field empty: who %q, error %q", s.who.Text, h.u.LastError())
	}
	for _, o := range visibleObjects(h.w.Content()) {
		if b, ok := o.(*widget.Button); ok && strings.Contains(b.Text, "読取") && b != s.read {
			t.Errorf("a second read button 「%s」 on screen 37", b.Text)
		}
	}
}
