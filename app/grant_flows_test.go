package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/terminal"
	"github.com/mykeyterm/mykeyterm/terminal/grant"
)

// The grant screens (64-66, 71-79) over the real services: the reference platform on loopback (real HTTP, the real
// grant rules) and the in-process virtual card read through cardio. The office and the phone are two terminals with
// their own data directories, as in a municipality.

type grantHarness struct {
	*harness
	src *vcard.Source
	env *testenv.PlatformEnv
	// each, when set (the key-table walk), is called where the flow would compare a golden image, instead of it.
	each func(u *UI, w fyne.Window)
}

// newGrantHarness opens a window on env's platform for a terminal not yet enrolled on this device: the phone layout
// starts at 77, the desktop one is put on screen 71 (the office logs in there; the device is enrolled by it).
func newGrantHarness(t *testing.T, env *testenv.PlatformEnv, src *vcard.Source, phone bool, each func(*UI, fyne.Window)) *grantHarness {
	t.Helper()
	client := env.Client(t)
	svc := RealServices(src, client, terminal.DefaultPatronProfile())
	svc.PlatformURL = env.URL
	svc.Phone = phone && each == nil // the key walk checks the desktop labels, which carry the keys
	hand := &fakeHandoff{}
	svc.Handoff = hand
	a := test.NewTempApp(t)
	a.Settings().SetTheme(NewTheme(1.25))
	w := test.NewTempWindow(t, nil)
	size := WindowSize
	if svc.Phone {
		size = PhoneSize
	}
	w.Resize(size)
	h := &harness{t: t, w: w, hand: hand, set: &memSettings{}}
	h.u = New(w, svc, nil)
	h.u.serial = &h.ui
	t.Cleanup(func() { h.u.Close(); svc.Grant.Close() })
	switch {
	case svc.Phone:
		h.u.showFirst()
	case phone:
		h.locked(func() { h.u.toGrantApp() }) // a point-grant tablet: 22 [持ち歩き用ポイント付与アプリへ]
	default:
		h.locked(func() { h.u.toGrantOffice() })
	}
	h.u.Wait()
	return &grantHarness{harness: h, src: src, env: env, each: each}
}

func (g *grantHarness) golden(name string) {
	g.t.Helper()
	g.u.Wait()
	if g.each != nil {
		g.locked(func() { g.each(g.u, g.w) })
		return
	}
	img := assertSettlesTo(g.t, name+".png", g.w.Canvas().Capture)
	g.locked(func() { assertAboveTheFold(g.t, name, g.u, g.w) })
	if dir := os.Getenv("MYKEYTERM_SCREENS_DIR"); dir != "" {
		if f, err := os.Create(filepath.Join(dir, "golden_"+name+".png")); err == nil {
			_ = encodePNG(f, img)
			f.Close()
		}
	}
}

func (g *grantHarness) login(id, pw string) {
	g.t.Helper()
	s := screenAs[*grantLogin](g.t, g.u)
	g.locked(func() {
		s.id.SetText(id)
		s.password.SetText(pw)
	})
	g.tap(s.login)
}

// waitAnswer waits (generously; never a timing assertion) until screen 79 answers the n-th tap.
func waitAnswer(t *testing.T, g *grantHarness, s *screen79, n int) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var taps int
		var text string
		g.locked(func() { taps, text = s.taps, s.answer.Text })
		if taps >= n {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("screen 79 answered %d taps, want %d (shown: %q)", taps, n, text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const rosterCSV = "ポイント付与事業名,付与ポイント,マイキーID,名前,生年月日,住所,性別,電話番号,メールアドレス,備考\r\n" +
	"健康ポイント教室,300,,山田太郎,1940年1月1日,東京都千代田区A町1-1,男性,03-1234-5678,taro@xx.jp,\r\n" +
	"健康ポイント教室,300,,川崎花子,1950年2月3日,神奈川県川崎市中原区1-1,女性,044-000-0000,,\r\n"

// TestGrantScreens_OfficeAndPhoneEndToEnd walks §V on the screens: 71 → 72 → 73 → 64 → 65 → 66 → 74 (a bad file,
// then a good one) → 75 → 76 (the card registers yamada's MyKey ID; the forgotten-card grant for a typed one) on the
// office; 77 (enrolls the phone) → 78 (sync) → 79 (yamada granted, yamada again refused, suzuki not on the roster) →
// upload on the phone, with goldens of every screen (the phone ones at phone size).
func TestGrantScreens_OfficeAndPhoneEndToEnd(t *testing.T) { grantFlow(t, nil) }

// grantFlow is that walk; with each set, each screen is handed to each instead of compared with its golden.
func grantFlow(t *testing.T, each func(u *UI, w fyne.Window)) {
	env := testenv.Platform(t)
	src := vcard.NewSource()
	office := newGrantHarness(t, env, src, false, each)

	// 71 login (enrolls this PC as the grant office), then 72 the first time.
	office.golden("screen71")
	office.login(platform.DemoGrantOffice, platform.DemoGrantOfficePass)
	s72 := screenAs[*screen72](t, office.u)
	office.golden("screen72")
	office.locked(func() { s72.checks.SetSelected([]string{grant.FieldName, grant.FieldBirth, grant.FieldPhone}) })
	office.tap(s72.set)
	s73 := screenAs[*screen73](t, office.u)
	office.golden("screen73")

	// 64 → 65 → 66: a new project; a wrong entry is shown at its field first.
	office.key(fyne.KeyF1)
	s64 := screenAs[*screen64](t, office.u)
	office.locked(func() {
		s64.name.SetText("健康ポイント教室")
		s64.dept.SetText("健康福祉局 健康増進課")
		s64.points.SetText("３００") // full-width digits from an IME
		s64.budget.SetText("200")
	})
	office.tap(s64.confirm)
	if got := s64.fm.errorText("budget"); !strings.Contains(got, "予算は1人当たり") {
		t.Fatalf("screen 64 budget below the per-person points: %q", got)
	}
	office.locked(func() { s64.budget.SetText("30,000"); s64.fm.clearErrors() })
	office.golden("screen64")
	office.tap(s64.confirm)
	s65 := screenAs[*screen65](t, office.u)
	if s65.req.PointsPerPerson != 300 || s65.req.Budget != 30000 {
		t.Fatalf("screen 65 request %+v", s65.req)
	}
	office.golden("screen65")
	office.tap(s65.reg)
	s66 := screenAs[*screen66](t, office.u)
	if s66.p.ID == "" || s66.p.ProgramID == "" || s66.p.PointsPerPerson != 300 {
		t.Fatalf("screen 66 project %+v", s66.p)
	}
	office.golden("screen66")
	// The office's project is a request: the platform's administrator approves it (mkpf-server admin grant-project approve).
	if _, err := env.Server.ApproveGrantProject(s66.p.ID); err != nil {
		t.Fatal(err)
	}
	office.key(fyne.KeyEscape)
	screenAs[*screen73](t, office.u)
	_ = s73

	// 74: a file with a bad header is refused whole, then the good file (Shift_JIS would do too; terminal/grant's
	// tests cover the encodings) registers two participants without MyKey IDs.
	office.key(fyne.KeyF2)
	s74 := screenAs[*screen74](t, office.u)
	office.locked(func() { s74.pick.sel.SetSelected("健康ポイント教室") })
	office.locked(func() { s74.load("bad.csv", []byte("名前,住所\r\n山田太郎,東京\r\n")) })
	office.tap(s74.reg)
	if got := office.u.LastError(); !strings.Contains(got, "見出し") {
		t.Fatalf("screen 74 bad header: %q", got)
	}
	office.locked(func() { office.u.errDialog.Hide(); s74.load("roster.csv", []byte(rosterCSV)) })
	office.tap(s74.reg)
	if got := s74.result.Text; !strings.Contains(got, "2人を名簿に登録しました") {
		t.Fatalf("screen 74 result: %q", got)
	}
	office.u.Wait()
	if got := s74.pick.info.Text; !strings.Contains(got, "名簿: 2人（マイキーID登録済み 0人）") {
		t.Fatalf("screen 74's project line after the import: %q, want 名簿: 2人", got)
	}
	office.golden("screen74")
	office.key(fyne.KeyEscape)

	// 75: one participant typed by hand, with suzuki's MyKey ID declared at the counter.
	office.key(fyne.KeyF3)
	s75 := screenAs[*screen75](t, office.u)
	office.locked(func() {
		s75.pick.sel.SetSelected("健康ポイント教室")
		s75.person[grant.FieldName].SetText("鈴木一郎")
	})
	office.tap(s75.reg)
	if got := s75.fm.errorText(grant.FieldBirth); got == "" {
		t.Fatalf("screen 75: the birth date chosen on 72 is required; no error shown")
	}
	if len(s75.sex.Options) != len(grant.Sexes) || s75.person[grant.FieldSex] != nil {
		t.Fatalf("screen 75: 性別 is not a choice of %v", grant.Sexes)
	}
	office.locked(func() {
		s75.person[grant.FieldBirth].SetText("1960年4月1日")
		s75.person[grant.FieldPhone].SetText("044-111-2222")
		s75.sex.SetSelected("男性")
		s75.mykeyID.SetText(platform.DemoSuzukiMyKeyID)
	})
	office.tap(s75.reg)
	if got := s75.result.Text; !strings.Contains(got, "鈴木一郎 さん") {
		t.Fatalf("screen 75 result: %q (error %q)", got, office.u.LastError())
	}
	office.golden("screen75")
	office.key(fyne.KeyEscape)

	// 76: search, yamada's card registers his MyKey ID; suzuki forgot the card: granted after the identity check.
	office.key(fyne.KeyF4)
	s76 := screenAs[*screen76](t, office.u)
	office.locked(func() { s76.pick.sel.SetSelected("健康ポイント教室") })
	office.tap(s76.search)
	if len(s76.found) != 3 {
		t.Fatalf("screen 76 found %d participants, want 3", len(s76.found))
	}
	office.locked(func() { s76.name.SetText("山田") })
	office.tap(s76.search)
	if len(s76.found) != 1 || s76.found[0].Person.Name != "山田太郎" {
		t.Fatalf("screen 76 narrowed by name: %+v", s76.found)
	}
	office.locked(func() { test.Tap(s76.list.Objects[0].(*widget.Button)) })
	if _, err := src.Insert("yamada"); err != nil {
		t.Fatal(err)
	}
	office.tap(s76.readCard)
	if got := s76.detail.Text; !strings.Contains(got, platform.DemoYamadaMyKeyID) {
		t.Fatalf("screen 76 after [登録・読取]: %q (error %q)", got, office.u.LastError())
	}
	if got := s76.detail.Text; !s76.noCard.Disabled() || strings.Contains(got, "カードなしで付与") {
		t.Fatalf("screen 76 offers 「カードなしで付与」 right after the card was read: %q", got)
	}
	office.golden("screen76")
	src.Remove()
	// Narrowed by an item chosen on 72 (電話番号), the declared MyKey ID of a participant without one (§V(5)).
	office.locked(func() { s76.name.SetText(""); s76.items[grant.FieldPhone].SetText("044-000-0000") })
	office.tap(s76.search)
	if len(s76.found) != 1 || s76.found[0].Person.Name != "川崎花子" {
		t.Fatalf("screen 76 narrowed by 電話番号: %+v", s76.found)
	}
	office.locked(func() { test.Tap(s76.list.Objects[0].(*widget.Button)) })
	office.locked(func() { s76.declared.SetText("abc") })
	office.tap(s76.register)
	if got := office.u.LastError(); !strings.Contains(got, "マイキーIDは英大文字と数字の8文字") {
		t.Fatalf("screen 76 malformed declared ID: %q", got)
	}
	// 花子 has a MyKey ID (made at the counter earlier, I.6) and states it.
	locked, err := demopki.Get("locked")
	if err != nil {
		t.Fatal(err)
	}
	const hanakoID = "HNK00001"
	if _, err := env.Server.CreateMyKeyID(locked.AuthCertDER, hanakoID); err != nil {
		t.Fatal(err)
	}
	office.locked(func() { office.u.errDialog.Hide(); s76.declared.SetText(hanakoID) })
	office.tap(s76.register)
	if got := s76.detail.Text; !strings.Contains(got, "マイキーID "+hanakoID+" を名簿に登録しました") || !s76.register.Disabled() {
		t.Fatalf("screen 76 declared ID: %q (error %q)", got, office.u.LastError())
	}
	office.locked(func() { s76.items[grant.FieldPhone].SetText("") })
	office.locked(func() { s76.name.SetText("鈴木") })
	office.tap(s76.search)
	office.locked(func() { test.Tap(s76.list.Objects[0].(*widget.Button)) })
	office.tap(s76.noCard) // asks first: the identity check
	office.locked(func() {
		// the confirmation dialog is the window's top overlay: answer はい
		test.Tap(findButton(t, office.w.Canvas().Overlays().Top(), "はい"))
	})
	office.u.Wait()
	if got := s76.detail.Text; !strings.Contains(got, "300ポイントを付与しました（カードなし") {
		t.Fatalf("screen 76 forgotten-card grant: %q (error %q)", got, office.u.LastError())
	}
	if !s76.noCard.Disabled() {
		t.Fatal("screen 76: [カードなしで付与] still enabled after the grant")
	}

	// The phone: 77 enrolls the device and logs in, 78 syncs, 79 grants offline.
	phone := newGrantHarness(t, env, src, true, each)
	phone.golden("screen77_phone")
	if each == nil {
		s77 := screenAs[*grantLogin](t, phone.u)
		if s77.fm.fields[1].label != "端末パスワード" {
			t.Fatalf("screen 77 asks for %q, the documents' 端末パスワード", s77.fm.fields[1].label)
		}
		named := false
		phone.locked(func() {
			for _, o := range visibleObjects(phone.w.Content()) {
				if l, ok := o.(*widget.Label); ok && l.Text == GrantAppName {
					named = true
				}
			}
		})
		if !named {
			t.Fatalf("the phone app does not show its name %s", GrantAppName)
		}
	}
	phone.login("00053062", "8g8k6k2")
	s78 := screenAs[*screen78](t, phone.u)
	phone.locked(func() { s78.pick.sel.SetSelected("健康ポイント教室") })
	phone.golden("screen78_phone")
	phone.tap(s78.set) // not synced yet: says so, stays
	if got := phone.u.LastError(); !strings.Contains(got, "同期されていません") {
		t.Fatalf("screen 78 [設定] before the sync: %q", got)
	}
	phone.locked(func() { phone.u.errDialog.Hide() })
	phone.tap(s78.sync)
	if !s78.synced {
		t.Fatalf("screen 78 after the sync: %q (error %q)", s78.state.Text, phone.u.LastError())
	}
	phone.tap(s78.set)
	s79 := screenAs[*screen79](t, phone.u)
	if got := s79.answer.Text; got != "開始を押すとカードを読み取ります" {
		t.Fatalf("screen 79 idle: %q", got)
	}
	if got := s79.project.Text; !strings.Contains(got, "名簿 3人") { // yamada, suzuki, 花子 (declared): yamada's renewed card's two entries are one person
		t.Fatalf("screen 79's project line: %q", got)
	}
	phone.golden("screen79_phone")

	env.StopHTTP(t) // the field: no network from here to the upload
	phone.tap(s79.start)
	if _, err := src.Insert("yamada"); err != nil {
		t.Fatal(err)
	}
	if got := waitAnswer(t, phone, s79, 1); got != "受け付けました（未送信）" {
		t.Fatalf("yamada's tap: %q", got)
	}
	if got := s79.detail.Text; !strings.Contains(got, "300ポイントの付与を受け付けました") {
		t.Fatalf("yamada's tap, detail: %q", got)
	}
	phone.golden("screen79_granted_phone")
	src.Remove()
	if _, err := src.Insert("yamada"); err != nil {
		t.Fatal(err)
	}
	if got := waitAnswer(t, phone, s79, 2); got != grant.MsgAlreadyGranted {
		t.Fatalf("yamada again: %q", got)
	}
	src.Remove()
	if _, err := src.Insert("tanaka"); err != nil {
		t.Fatal(err)
	}
	if got := waitAnswer(t, phone, s79, 3); got != grant.MsgNotOnRoster {
		t.Fatalf("tanaka (not on the roster): %q", got)
	}
	src.Remove()
	if _, err := src.Insert("suzuki"); err != nil { // granted at the office without the card, before the sync
		t.Fatal(err)
	}
	if got := waitAnswer(t, phone, s79, 4); got != grant.MsgAlreadyGranted {
		t.Fatalf("suzuki (granted without the card): %q", got)
	}
	src.Remove()
	phone.tap(s79.stop)
	if got := s79.pending.Text; !strings.Contains(got, "1件") {
		t.Fatalf("pending after the taps: %q", got)
	}

	// Back in the network: [自治体ポイント管理クラウドへ登録] sends the one stored grant; a second press sends nothing.
	env.StartHTTP(t)
	phone.tap(s79.upload)
	if got := s79.answer.Text; got != "1件を登録しました" {
		t.Fatalf("upload: %q (error %q)", got, phone.u.LastError())
	}
	if got := s79.pending.Text; !strings.Contains(got, "0件") {
		t.Fatalf("pending after the upload: %q", got)
	}
	phone.golden("screen79_uploaded_phone")
	phone.tap(s79.upload)
	if got := s79.answer.Text; got != "0件を登録しました" {
		t.Fatalf("second upload: %q", got)
	}
	_ = s73
}

// findButton finds the button labelled text under o (dialogs in the overlay).
func findButton(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != nil || o == nil {
			return
		}
		if b, ok := o.(*widget.Button); ok && strings.Contains(b.Text, text) {
			found = b
			return
		}
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			r := test.TempWidgetRenderer(t, x)
			for _, c := range r.Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	if found == nil {
		t.Fatalf("no button %q on screen", text)
	}
	return found
}
