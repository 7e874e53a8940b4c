package app

import (
	"context"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// The points screens against the real parts: the reference platform with the demo world on a loopback port
// (testenv.Platform), the platform client with its journal, the in-process virtual card source, and the real printing
// back end writing PDF files. These are the issue's "Done when" paths, driven through the screens.

type realPoints struct {
	*ptHarness
	env    *testenv.PlatformEnv
	client *platformclient.Client
	cards  *vcard.Source
	pdf    string // where the "pdf:" printer writes
}

func newRealPoints(t *testing.T, env *testenv.PlatformEnv, terminalID string) *realPoints {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(NewTheme(1.25))
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1100, 900))
	client := env.Enrolled(t, terminalID)
	src := vcard.NewSource()
	svc := RealServices(src, client, nil)
	r := &realPoints{env: env, client: client, cards: src, pdf: filepath.Join(t.TempDir(), "print.pdf")}
	set := svc.Settings.Load()
	set.Printer = "pdf:" + r.pdf
	if err := svc.Settings.Save(set); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, w: w}
	u := New(w, svc, nil)
	h.u = u
	u.serial = &h.ui // the test's clicks and keys take turns with the app's callbacks, as in newHarness
	t.Cleanup(u.Close)
	u.showFirst()
	u.Wait()
	r.ptHarness = &ptHarness{harness: h}
	return r
}

func (r *realPoints) login(terminalID string) *screen28 {
	r.t.Helper()
	screenAs[*screen22](r.t, r.u)
	r.key(fyne.KeyF4)
	s2 := screenAs[*screen02](r.t, r.u)
	dt, _ := platform.DemoTerminalByID(terminalID)
	test.Type(s2.password, dt.Password)
	r.tap(s2.login)
	return screenAs[*screen28](r.t, r.u)
}

func (r *realPoints) insert(profile string) {
	r.t.Helper()
	r.cards.Remove()
	if _, err := r.cards.Insert(profile); err != nil {
		r.t.Fatal(err)
	}
}

// municipal is yamada's 自治体ポイント balance as the platform has it now.
func (r *realPoints) municipal() int64 {
	r.t.Helper()
	p, err := demopki.Get("yamada")
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := r.client.Balances(ctx, mkpf.PatronRef{AuthCert: p.AuthCertDER})
	if err != nil {
		r.t.Fatalf("balances: %v", err)
	}
	for _, b := range res.Balances {
		if b.Kind == mkpf.PointMunicipal {
			return b.Points
		}
	}
	r.t.Fatal("no 自治体ポイント balance")
	return 0
}

func chooseKind(bp *balancePicker, k mkpf.PointKind) {
	for _, b := range bp.balances {
		if b.Kind == k {
			bp.choose(b.ProgramID)
			return
		}
	}
}

func TestPointsOnRealPlatform_PointUseTerminalUses500OnceDespiteADoubleClickAndPrintsAReceipt(t *testing.T) {
	env := testenv.Platform(t)
	r := newRealPoints(t, env, "00052589")
	if got := strings.Join(buttonTexts(r.login("00052589").visible()), " "); got != "ポイント利用 ポイント券消込 自治体ポイント集計" {
		t.Errorf("menu of a point-use terminal: %q", got)
	}
	before := r.municipal()
	r.key(fyne.KeyF1)
	s29 := screenAs[*screen29](t, r.u)
	r.insert("yamada")
	r.readBalances(s29.read, s29.bal)
	chooseKind(s29.bal, mkpf.PointMunicipal)
	s29.points.SetText("500")
	r.tap(s29.confirm)
	s30 := screenAs[*screen30](t, r.u)
	r.press(s30.use)
	r.press(s30.use)
	r.locked(s30.onUse)
	r.u.Wait()
	s31 := screenAs[*screen31](t, r.u)
	if after := r.municipal(); after != before-500 {
		t.Errorf("platform balance %d → %d after a double click on [利用], want -500 once", before, after)
	}
	if s31.res.BalanceAfter != before-500 {
		t.Errorf("screen 31 says balance %d", s31.res.BalanceAfter)
	}
	r.tap(s31.receipt)
	if st, err := os.Stat(r.pdf); err != nil || st.Size() < 500 {
		t.Fatalf("receipt PDF not written: %v; last error %q", err, r.u.LastError())
	}
	// The point-use terminal may not issue vouchers: the platform refuses even if the screen is reached.
	r.locked(func() { r.u.Show(newScreen32(s29.ps)) })
	s32 := screenAs[*screen32](t, r.u)
	r.tap(s32.read)
	r.tap(s32.confirm) // balances were read (use terminals may read them) …
	if s33, ok := r.u.Current().(*screen33); ok {
		r.tap(s33.issue) // … but issuing is refused
		r.wantError("この端末の種類ではこのポイント操作はできません")
	}
	if r.municipal() != before-500 {
		t.Error("a refused voucher issue moved points")
	}
}

func TestPointsOnRealPlatform_VoucherTerminalIssuesPrintsAndClearsFromTheScannedQR(t *testing.T) {
	zbar := testenv.Need(t, "zbarimg", "zbar-tools")
	env := testenv.Platform(t)
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
	r.press(s33.issue)
	r.press(s33.issue)
	r.u.Wait()
	s34 := screenAs[*screen34](t, r.u)
	if r.u.LastError() != "" {
		t.Fatalf("issue showed %q", r.u.LastError())
	}
	if after := r.municipal(); after != before-1000 {
		t.Errorf("balance %d → %d after a double click on [発行], want -1000 once", before, after)
	}
	// The printed voucher → PNG → zbarimg → the text a QR reader would type.
	png := testenv.Rasterize(t, r.pdf, 300)
	out, err := exec.Command(zbar, "-q", "--raw", png).Output()
	if err != nil {
		t.Fatalf("zbarimg found no QR code in the printed voucher: %v", err)
	}
	qr := strings.TrimSpace(string(out))
	if !strings.HasPrefix(qr, mkpf.VoucherQRPrefix) || qr != s34.v.QR {
		t.Fatalf("decoded %q, want the voucher's QR text %q", qr, s34.v.QR)
	}
	r.tap(s34.reissue)
	if r.u.LastError() != "" || r.municipal() != before-1000 {
		t.Errorf("reissue: error %q, balance %d", r.u.LastError(), r.municipal())
	}
	// Clearing on screen 35: a forged copy first, then the real one (typed in lower case), then again.
	r.key(fyne.KeyF10)
	r.key(fyne.KeyF3)
	s35 := screenAs[*screen35](t, r.u)
	forged := []rune(qr)
	if forged[20] == 'A' {
		forged[20] = 'B'
	} else {
		forged[20] = 'A'
	}
	r.scan(string(forged))
	if !s35.clear.Disabled() || !strings.Contains(s35.fm.errorText("code"), "偽造") {
		t.Errorf("forged voucher: error %q / %q, [消込処理] enabled=%v", r.u.LastError(), s35.fm.errorText("code"), !s35.clear.Disabled())
	}
	r.scan(strings.ToLower(qr))
	if s35.v == nil || s35.clear.Disabled() {
		t.Fatalf("voucher not shown for clearing; error %q", r.u.LastError())
	}
	r.press(s35.clear)
	r.press(s35.clear)
	r.u.Wait()
	s36 := screenAs[*screen36](t, r.u)
	if s36.v.State != mkpf.VoucherCleared {
		t.Errorf("state %q after 消込処理", s36.v.State)
	}
	r.key(fyne.KeyF1)
	s35 = screenAs[*screen35](t, r.u)
	r.scan(qr)
	if !s35.clear.Disabled() || !strings.Contains(s35.state.Text, "消込済み") {
		t.Errorf("a cleared voucher offered again: state %q", s35.state.Text)
	}
}

func TestPointsOnRealPlatform_ShopTerminalMergesByMyNumberCardAndShopCard(t *testing.T) {
	env := testenv.Platform(t)
	r := newRealPoints(t, env, "00052490")
	if got := strings.Join(buttonTexts(r.login("00052490").visible()), " "); !strings.Contains(got, "商店街ポイント合算") {
		t.Fatalf("menu of the ブレーメン商店街 terminal: %q", got)
	}
	before := r.municipal()
	key, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f")
	for _, c := range []struct {
		name, shopCard string
		points         int64
	}{{"My Number Card", "", 300}, {"shop card", "520625", 200}} {
		r.key(fyne.KeyF10)
		r.key(fyne.KeyF4)
		s37 := screenAs[*screen37](t, r.u)
		if c.shopCard == "" {
			r.insert("yamada")
			r.readBalances(s37.read, s37.bal)
		} else {
			r.cards.Remove()
			r.scan(c.shopCard)
		}
		if len(s37.bal.balances) == 0 {
			t.Fatalf("%s: no balances; error %q", c.name, r.u.LastError())
		}
		s37.points.SetText(strconv.FormatInt(c.points, 10))
		r.tap(s37.confirm)
		s38 := screenAs[*screen38](t, r.u)
		r.press(s38.merge)
		r.press(s38.merge)
		r.u.Wait()
		s39 := screenAs[*screen39](t, r.u)
		raw, err := os.ReadFile(s39.path)
		if err != nil {
			t.Fatalf("%s: merge file: %v", c.name, err)
		}
		rec, err := mkpf.DecodeMergeFile(raw, key, "demo-secret")
		if err != nil {
			t.Fatalf("%s: the delivered file does not decode with the demo key and secret: %v", c.name, err)
		}
		if rec.ID != "520625" || rec.Points != c.points {
			t.Errorf("%s: merge record %+v, want 520625 / %d", c.name, rec, c.points)
		}
	}
	if after := r.municipal(); after != before-500 {
		t.Errorf("balance %d → %d after merging 300 + 200 with double clicks, want -500", before, after)
	}
	files, _ := filepath.Glob(filepath.Join(r.client.MergeFolder(""), "*"+mkpf.MergeFileExt))
	if len(files) != 2 {
		t.Errorf("merge folder holds %d files, want 2: %v", len(files), files)
	}
	// Aggregation of this terminal's transactions today, and the CSV.
	r.key(fyne.KeyF10)
	r.key(fyne.KeyF6)
	s87 := screenAs[*screen87](t, r.u)
	r.tap(s87.run)
	if s87.agg == nil || s87.agg.Count != 2 || s87.agg.Total != 500 {
		t.Errorf("aggregate %+v; error %q", s87.agg, r.u.LastError())
	}
}

func TestPointsOnRealPlatform_PlatformDownSaysSoAndNothingIsLost(t *testing.T) {
	env := testenv.Platform(t)
	r := newRealPoints(t, env, "00052589")
	r.login("00052589")
	r.key(fyne.KeyF1)
	s29 := screenAs[*screen29](t, r.u)
	r.insert("yamada")
	r.readBalances(s29.read, s29.bal)
	s29.points.SetText("100")
	r.tap(s29.confirm)
	s30 := screenAs[*screen30](t, r.u)
	env.HTTP.Close()
	r.tap(s30.use)
	if r.u.LastError() == "" || !strings.Contains(r.u.LastError(), "二重に処理されることはありません") {
		t.Errorf("platform down: %q", r.u.LastError())
	}
	if s30.use.Disabled() {
		t.Error("[利用] stays disabled after the platform was unreachable")
	}
}
