package platform_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// pointsWorld is the demo platform on loopback with a movable clock.
type pointsWorld struct {
	t   *testing.T
	srv *platform.Server
	url string
	hs  *httptest.Server
	clk *testClock
}

func newPointsWorld(t *testing.T) *pointsWorld {
	t.Helper()
	return newPointsWorldAt(t, testenv.Store(t))
}

// newPointsWorldAt is newPointsWorld on the store at store (a bbolt file or a PostgreSQL URL the test keeps).
func newPointsWorldAt(t *testing.T, store string) *pointsWorld {
	t.Helper()
	w := &pointsWorld{t: t, clk: newClock()}
	srv, err := platform.Open(store, platform.Options{Now: w.clk.Now, Argon2Memory: 1024, Argon2Time: 1,
		PointsSessionTTL: 10 * 365 * 24 * time.Hour}) // the tests move the clock by days within one screen-2 login
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.SeedDemo(); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	w.srv, w.url, w.hs = srv, hs.URL, hs
	return w
}

// terminal enrolls a demo roster terminal from a fresh data directory.
func (w *pointsWorld) terminal(id string) *platformclient.Client {
	w.t.Helper()
	pw := ""
	if dt, ok := platform.DemoTerminalByID(id); ok {
		pw = dt.Password
	} else if id == platform.DemoForeignPointUse {
		pw = platform.DemoForeignPointPass
	}
	c, err := testenv.OpenClient(w.t.TempDir(), platformclient.Options{Timeout: 5 * time.Second})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { c.Close() })
	if _, err := c.Enroll(context.Background(), w.url, id, pw); err != nil {
		w.t.Fatalf("enroll %s: %v", id, err)
	}
	return c
}

func cardOf(t testing.TB, profile string) mkpf.PatronRef {
	p, err := demopki.Get(profile)
	if err != nil {
		t.Fatal(err)
	}
	return mkpf.PatronRef{AuthCert: p.AuthCertDER}
}

func balanceOf(t *testing.T, c *platformclient.Client, ref mkpf.PatronRef, prog string) int64 {
	t.Helper()
	res, err := c.Balances(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range res.Balances {
		if b.ProgramID == prog {
			return b.Points
		}
	}
	return -1
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if platformclient.Code(err) != code {
		t.Fatalf("got %v, want code %s", err, code)
	}
	if platformclient.Message(err) == "" {
		t.Fatalf("no Japanese message for %v", err)
	}
}

func TestScreen02_PointsLoginUsesTerminalPasswordAndGivesTheMenu(t *testing.T) {
	w := newPointsWorld(t)
	ctx := context.Background()
	for _, c := range []struct {
		id   string
		menu mkpf.PointsMenu
	}{
		{"00052589", mkpf.PointsMenu{Use: true, Clear: true, Aggregate: true}},
		{"00053059", mkpf.PointsMenu{Issue: true, Clear: true, Aggregate: true}},
		{"00052490", mkpf.PointsMenu{Use: true, Clear: true, Merge: true, Aggregate: true}},
	} {
		cl := w.terminal(c.id)
		dt, _ := platform.DemoTerminalByID(c.id)
		res, err := cl.Login(ctx, c.id, dt.Password)
		if err != nil {
			t.Fatal(err)
		}
		if res.Menu != c.menu || res.Terminal.TerminalID != c.id {
			t.Errorf("%s: %+v", c.id, res)
		}
		_, err = cl.Login(ctx, c.id, "wrong")
		wantCode(t, err, mkpf.CodeBadCredentials)
	}
	lib := w.terminal("00052489")
	_, err := lib.Login(ctx, "00052489", "8912k41a")
	wantCode(t, err, mkpf.CodeForbidden)
}

func TestScreen29_31_UseShowsOnlyUsableBalancesDeductsOnceAndRefusesOverdraft(t *testing.T) {
	eachStore(t, testScreen29_31_UseShowsOnlyUsableBalancesDeductsOnceAndRefusesOverdraft)
}

func testScreen29_31_UseShowsOnlyUsableBalancesDeductsOnceAndRefusesOverdraft(t *testing.T) {
	w := newPointsWorld(t)
	ctx := context.Background()
	shop := w.terminal("00052589")
	yamada := cardOf(t, "yamada")
	res, err := shop.Balances(ctx, yamada)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, b := range res.Balances {
		got[b.ProgramID] = b.Points
	}
	want := map[string]int64{platform.DemoProgramMunicipal: 10000, platform.DemoProgramEvent: 2000}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("balances %v, want %v (留保ポイント must not show)", got, want)
	}
	key := platformclient.NewIdempotencyKey()
	req := mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 500}
	r1, err := shop.Use(ctx, req, key)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := shop.Use(ctx, req, key) // a double click / a retry with the same key
	if err != nil {
		t.Fatal(err)
	}
	if r1.BalanceAfter != 9500 || *r1 != *r2 {
		t.Fatalf("first %+v, again %+v", r1, r2)
	}
	if b := balanceOf(t, shop, yamada, platform.DemoProgramMunicipal); b != 9500 {
		t.Fatalf("balance %d after one use of 500, want 9500", b)
	}
	_, err = shop.Use(ctx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 9501}, "")
	wantCode(t, err, mkpf.CodeInsufficientPoints)
	_, err = shop.Use(ctx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramReserved, Points: 1}, "")
	wantCode(t, err, mkpf.CodeProgramNotUsable)
	_, err = shop.Use(ctx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 0}, "")
	wantCode(t, err, mkpf.CodeValidation)
	// The same key with another request is refused, not applied.
	_, err = shop.Use(ctx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 1}, key)
	wantCode(t, err, mkpf.CodeIdemMismatch)
	// The event's points are usable only in its service period.
	w.clk.Add(200 * 24 * time.Hour)
	_, err = shop.Use(ctx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramEvent, Points: 1}, "")
	wantCode(t, err, mkpf.CodeProgramNotUsable)
	if a, _ := w.srv.AuditLedger(); !a.OK {
		t.Fatalf("ledger: %+v", a)
	}
}

func TestAuthorisation_ByTerminalKindAndMunicipality(t *testing.T) {
	eachStore(t, testAuthorisation_ByTerminalKindAndMunicipality)
}

func testAuthorisation_ByTerminalKindAndMunicipality(t *testing.T) {
	w := newPointsWorld(t)
	ctx := context.Background()
	yamada := cardOf(t, "yamada")
	shop := w.terminal("00052589")
	exp := w.clk.Now().In(time.FixedZone("JST", 9*3600)).AddDate(0, 0, 7).Format("2006-01-02")
	_, err := shop.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 100, Expires: exp}, "")
	wantCode(t, err, mkpf.CodeForbidden)
	_, _, err = shop.Merge(ctx, mkpf.MergeRequest{PatronRef: yamada, Points: 1}, "", "")
	wantCode(t, err, mkpf.CodeForbidden)
	lib := w.terminal("00052489")
	_, err = lib.Balances(ctx, yamada)
	wantCode(t, err, mkpf.CodeForbidden)
	err = testenv.RawCall(ctx, shop, http.MethodPost, "/v1/points/grants", mkpf.GrantRequest{MyKeyID: platform.DemoYamadaMyKeyID, ProgramID: platform.DemoProgramMunicipal, Points: 1}, nil, "")
	wantCode(t, err, mkpf.CodeForbidden)

	foreign := w.terminal(platform.DemoForeignPointUse)
	res, err := foreign.Balances(ctx, yamada)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Balances) != 0 {
		t.Fatalf("横浜市's terminal sees %+v", res.Balances)
	}
	_, err = foreign.Use(ctx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 1}, "")
	wantCode(t, err, mkpf.CodeProgramNotUsable)
	// 川崎市's voucher is unknown to 横浜市's terminal.
	issuer := w.terminal("00053059")
	v, err := issuer.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 100, Expires: exp}, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = foreign.ShowVoucher(ctx, v.QR)
	wantCode(t, err, mkpf.CodeVoucherUnknown)
	_, err = foreign.ClearVoucher(ctx, v.Number, "")
	wantCode(t, err, mkpf.CodeVoucherUnknown)
	agg, err := foreign.Aggregate(ctx, "2020-01-01", "2099-12-31")
	if err != nil || agg.Count != 0 {
		t.Fatalf("foreign aggregate %+v %v", agg, err)
	}
}

func TestScreen32_36_VoucherIssueClearOnceForgedAndExpired(t *testing.T) {
	eachStore(t, testScreen32_36_VoucherIssueClearOnceForgedAndExpired)
}

func testScreen32_36_VoucherIssueClearOnceForgedAndExpired(t *testing.T) {
	w := newPointsWorld(t)
	ctx := context.Background()
	yamada := cardOf(t, "yamada")
	issuer := w.terminal("00053059")
	shop := w.terminal("00052589")
	jst := time.FixedZone("JST", 9*3600)
	day := func(d int) string { return w.clk.Now().In(jst).AddDate(0, 0, d).Format("2006-01-02") }
	_, err := issuer.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 100, Expires: day(31)}, "")
	wantCode(t, err, mkpf.CodeValidation)
	_, err = issuer.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 100, Expires: day(-1)}, "")
	wantCode(t, err, mkpf.CodeValidation)

	v, err := issuer.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 1000, Expires: day(30)}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Number) != 8 || v.Display != v.Number[:4]+"-"+v.Number[4:] || v.State != mkpf.VoucherOutstanding || v.Points != 1000 {
		t.Fatalf("voucher %+v", v)
	}
	if b := balanceOf(t, issuer, yamada, platform.DemoProgramMunicipal); b != 9000 {
		t.Fatalf("balance %d after issuing 1000, want 9000 (deducted at issue)", b)
	}
	re, err := issuer.ReissueVoucher(ctx, v.Number, "")
	if err != nil || !re.Reissued || re.QR != v.QR || re.Number != v.Number {
		t.Fatalf("reissue %+v %v", re, err)
	}
	if b := balanceOf(t, issuer, yamada, platform.DemoProgramMunicipal); b != 9000 {
		t.Fatalf("reissue moved points: %d", b)
	}
	// Offline check with the cached key.
	if _, err := shop.VerifyVoucherOffline(ctx, strings.ToLower(v.QR)); err != nil {
		t.Fatal(err)
	}
	forged := []byte(v.QR)
	i := len(forged) - 10
	if forged[i] == 'A' {
		forged[i] = 'B'
	} else {
		forged[i] = 'A'
	}
	_, err = shop.ClearVoucher(ctx, string(forged), "")
	if !errors.Is(err, mkpf.ErrVoucherForged) {
		t.Fatalf("forged voucher: %v", err)
	}
	shown, err := shop.ShowVoucher(ctx, strings.ToLower(v.QR))
	if err != nil || shown.State != mkpf.VoucherOutstanding || shown.Points != 1000 || shown.IssuedPlace == "" {
		t.Fatalf("show %+v %v", shown, err)
	}
	cl, err := shop.ClearVoucher(ctx, v.QR, "")
	if err != nil || cl.State != mkpf.VoucherCleared || cl.ClearedBy != "00052589" {
		t.Fatalf("clear %+v %v", cl, err)
	}
	_, err = shop.ClearVoucher(ctx, v.QR, "")
	wantCode(t, err, mkpf.CodeVoucherCleared)
	_, err = issuer.ClearVoucher(ctx, v.Display, "")
	wantCode(t, err, mkpf.CodeVoucherCleared)

	// Expired: refused and counted as 失効, never settled.
	old, err := issuer.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 700, Expires: day(1)}, "")
	if err != nil {
		t.Fatal(err)
	}
	w.clk.Add(3 * 24 * time.Hour)
	_, err = shop.ClearVoucher(ctx, old.QR, "")
	wantCode(t, err, mkpf.CodeVoucherExpired)
	shown, err = shop.ShowVoucher(ctx, old.Number)
	if err != nil || shown.State != mkpf.VoucherLapsed {
		t.Fatalf("expired voucher shows %+v %v", shown, err)
	}
	a, err := w.srv.AuditLedger()
	if err != nil || !a.OK || a.Totals[platform.TotalLapsed] != 700 || a.Totals[platform.TotalCleared] != 1000 {
		t.Fatalf("audit %+v %v", a, err)
	}
	agg, err := shop.Aggregate(ctx, day(-5), day(0))
	if err != nil || agg.Count != 1 || agg.Total != 1000 || agg.Rows[0].Kind != platform.MoveVoucherClear {
		t.Fatalf("aggregate %+v %v", agg, err)
	}
}

func TestScreen35_VoucherNumberGuessingIsThrottled(t *testing.T) {
	w := newPointsWorld(t)
	ctx := context.Background()
	shop := w.terminal("00052589")
	var last error
	for i := 0; i < platform.VoucherLookupLimit+1; i++ {
		_, last = shop.ShowVoucher(ctx, fmt.Sprintf("%08d", 10000000+i))
	}
	wantCode(t, last, mkpf.CodeThrottled)
	other := w.terminal("00053059")
	_, err := other.ShowVoucher(ctx, "12345678")
	wantCode(t, err, mkpf.CodeVoucherUnknown) // per terminal
	w.clk.Add(platform.VoucherLookupWindow + time.Second)
	_, err = shop.ShowVoucher(ctx, "12345678")
	wantCode(t, err, mkpf.CodeVoucherUnknown)
}

func TestScreen37_39_MergeByMyNumberCardAndByShopCard(t *testing.T) {
	eachStore(t, testScreen37_39_MergeByMyNumberCardAndByShopCard)
}

func testScreen37_39_MergeByMyNumberCardAndByShopCard(t *testing.T) {
	w := newPointsWorld(t)
	ctx := context.Background()
	shop := w.terminal("00052490")
	yamada := cardOf(t, "yamada")
	key, _ := hex.DecodeString(platform.DemoMergeKeyHex)
	res, err := shop.Balances(ctx, yamada)
	if err != nil || res.ShopPointID != platform.DemoYamadaShopCard {
		t.Fatalf("balances %+v %v", res, err)
	}
	d, path, err := shop.Merge(ctx, mkpf.MergeRequest{PatronRef: yamada, Points: 300}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(file, d.File) || filepath.Dir(path) != shop.MergeFolder("") {
		t.Fatalf("delivered %s: %v", path, err)
	}
	rec, err := mkpf.DecodeMergeFile(file, key, platform.DemoMergeSecret)
	if err != nil || rec.ID != platform.DemoYamadaShopCard || rec.Points != 300 || rec.Txn != d.Txn {
		t.Fatalf("record %+v %v", rec, err)
	}
	d2, _, err := shop.Merge(ctx, mkpf.MergeRequest{PatronRef: mkpf.PatronRef{ShopCard: platform.DemoYamadaShopCard}, Points: 200}, "", "")
	if err != nil || d2.Txn == d.Txn || d2.BalanceAfter != 10000-500 {
		t.Fatalf("shop-card merge %+v %v", d2, err)
	}
	_, _, err = shop.Merge(ctx, mkpf.MergeRequest{PatronRef: mkpf.PatronRef{ShopCard: "999999"}, Points: 1}, "", "")
	wantCode(t, err, mkpf.CodeNotFound)
	suzuki := cardOf(t, "suzuki") // no service ID at ブレーメン商店街
	_, _, err = shop.Merge(ctx, mkpf.MergeRequest{PatronRef: suzuki, Points: 1}, "", "")
	wantCode(t, err, mkpf.CodeNoServiceID)
	if a, _ := w.srv.AuditLedger(); !a.OK || a.Totals[platform.TotalMerged] != 500 {
		t.Fatalf("audit %+v", a)
	}
	// §17: a shop system that stores MyKey IDs gets the MyKey ID in field 1, for a patron without a shop card too.
	if err := w.srv.SetMergeConfig(platform.DemoShoppingStreet, platform.MergeConfig{Key: key, Secret: "s17", IDMode: "mykey_id"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ref mkpf.PatronRef
		id  string
	}{{yamada, platform.DemoYamadaMyKeyID}, {suzuki, platform.DemoSuzukiMyKeyID}} {
		d3, path, err := shop.Merge(ctx, mkpf.MergeRequest{PatronRef: c.ref, Points: 1}, "", "")
		if err != nil {
			t.Fatal(err)
		}
		file, _ := os.ReadFile(path)
		rec, err := mkpf.DecodeMergeFile(file, key, "s17")
		if err != nil || rec.ID != c.id || d3.IDKind != "mykey_id" {
			t.Fatalf("§17 merge %+v %+v %v", d3, rec, err)
		}
	}
}

func TestScreen87_AggregateCSVOpensInExcel(t *testing.T) {
	w := newPointsWorld(t)
	ctx := context.Background()
	shop := w.terminal("00052589")
	yamada := cardOf(t, "yamada")
	for _, p := range []int64{100, 250} {
		if _, err := shop.Use(ctx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: p}, ""); err != nil {
			t.Fatal(err)
		}
	}
	today := w.clk.Now().In(time.FixedZone("JST", 9*3600)).Format("2006-01-02")
	agg, err := shop.Aggregate(ctx, today, today)
	if err != nil || agg.Count != 2 || agg.Total != 350 || agg.Location == "" {
		t.Fatalf("aggregate %+v %v", agg, err)
	}
	csv, err := shop.AggregateCSV(ctx, today, today)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(csv, []byte("\xEF\xBB\xBF")) || !bytes.Contains(csv, []byte("利用ポイント数合計,350\r\n")) ||
		bytes.Count(csv, []byte("\n")) != bytes.Count(csv, []byte("\r\n")) || !bytes.Contains(csv, []byte("ポイント利用")) {
		t.Fatalf("csv:\n%s", csv)
	}
	_, err = shop.Aggregate(ctx, today, "2000-01-01")
	wantCode(t, err, mkpf.CodeValidation)
}

// lossyProxy forwards everything to the platform; while drop is set, it lets the platform apply a point use and then
// cuts the connection instead of returning the answer (the answer is lost on the way back).
type lossyProxy struct {
	target  string
	drop    atomic.Bool
	applied atomic.Int64
}

func (p *lossyProxy) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	req.Header = r.Header.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if r.URL.Path == "/v1/points/use" && p.drop.Load() {
		p.applied.Add(1)
		conn, _, err := rw.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	for k, v := range res.Header {
		rw.Header()[k] = v
	}
	rw.WriteHeader(res.StatusCode)
	rw.Write(out)
}

func TestIdempotency_RetryAfterLostAnswerAppliesOnceThroughTheJournal(t *testing.T) {
	eachStore(t, testIdempotency_RetryAfterLostAnswerAppliesOnceThroughTheJournal)
}

func testIdempotency_RetryAfterLostAnswerAppliesOnceThroughTheJournal(t *testing.T) {
	w := newPointsWorld(t)
	ctx := context.Background()
	proxy := &lossyProxy{target: w.url}
	ps := httptest.NewServer(proxy)
	t.Cleanup(ps.Close)
	shop, err := testenv.OpenClient(t.TempDir(), platformclient.Options{Timeout: 5 * time.Second, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shop.Close() })
	if _, err := shop.Enroll(ctx, ps.URL, "00052589", "15ad3z09a"); err != nil {
		t.Fatal(err)
	}
	yamada := cardOf(t, "yamada")
	req := mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 123}
	proxy.drop.Store(true)
	_, err = shop.Use(ctx, req, "")
	if err == nil {
		t.Fatal("the answer was dropped, yet the call succeeded")
	}
	if proxy.applied.Load() < 1 {
		t.Fatal("the platform never saw the call")
	}
	j, _ := shop.Journal()
	if len(j) != 1 || j[0].State != platformclient.JournalPending {
		t.Fatalf("journal %+v", j)
	}
	// The clerk presses 利用 again (a new call): the journal reuses the pending key, the platform answers with the
	// first result, and the points moved once although the platform saw the request several times.
	proxy.drop.Store(false)
	res, err := shop.Use(ctx, req, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.BalanceAfter != 10000-123 || balanceOf(t, shop, yamada, platform.DemoProgramMunicipal) != 10000-123 {
		t.Fatalf("applied more than once: %+v", res)
	}
	j, _ = shop.Journal()
	if len(j) != 1 || j[0].State != platformclient.JournalDone {
		t.Fatalf("journal %+v", j)
	}
	// A new operation after a resolved one gets a new key and is applied.
	if _, err := shop.Use(ctx, req, ""); err != nil {
		t.Fatal(err)
	}
	if b := balanceOf(t, shop, yamada, platform.DemoProgramMunicipal); b != 10000-246 {
		t.Fatalf("balance %d", b)
	}
	// A lost answer, then the program restarted (the GUI draws a new key for the new screen): still applied once.
	proxy.drop.Store(true)
	k1 := platformclient.NewIdempotencyKey()
	if _, err := shop.Use(ctx, req, k1); err == nil {
		t.Fatal("the answer was dropped, yet the call succeeded")
	}
	proxy.drop.Store(false)
	if res, err := shop.Use(ctx, req, platformclient.NewIdempotencyKey()); err != nil || res.BalanceAfter != 10000-369 {
		t.Fatalf("retry with a new screen key: %+v %v", res, err)
	}
	if b := balanceOf(t, shop, yamada, platform.DemoProgramMunicipal); b != 10000-369 {
		t.Fatalf("balance %d after a retry with a new key", b)
	}
	// Every state-changing call answers the same to the same key.
	key := platformclient.NewIdempotencyKey()
	exp := w.clk.Now().In(time.FixedZone("JST", 9*3600)).AddDate(0, 0, 3).Format("2006-01-02")
	issuer := w.terminal("00053059")
	v1, err1 := issuer.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 50, Expires: exp}, key)
	v2, err2 := issuer.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 50, Expires: exp}, key)
	if err1 != nil || err2 != nil || v1.Number != v2.Number || v1.QR != v2.QR {
		t.Fatalf("voucher issue not idempotent: %v %v %v %v", v1, v2, err1, err2)
	}
	ck := platformclient.NewIdempotencyKey()
	c1, err1 := shop.ClearVoucher(ctx, v1.QR, ck)
	c2, err2 := shop.ClearVoucher(ctx, v1.QR, ck)
	if err1 != nil || err2 != nil || *c1.ClearedAt != *c2.ClearedAt {
		t.Fatalf("clearing not idempotent: %v %v", err1, err2)
	}
	merger := w.terminal("00052490")
	mk := platformclient.NewIdempotencyKey()
	m1, _, err1 := merger.Merge(ctx, mkpf.MergeRequest{PatronRef: yamada, Points: 10}, mk, "")
	m2, _, err2 := merger.Merge(ctx, mkpf.MergeRequest{PatronRef: yamada, Points: 10}, mk, "")
	if err1 != nil || err2 != nil || m1.Txn != m2.Txn || !bytes.Equal(m1.File, m2.File) {
		t.Fatalf("merge not idempotent: %v %v", err1, err2)
	}
	if b := balanceOf(t, shop, yamada, platform.DemoProgramMunicipal); b != 10000-369-50-10 {
		t.Fatalf("balance %d", b)
	}
	rk := platformclient.NewIdempotencyKey()
	v3, _ := issuer.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 20, Expires: exp}, "")
	r1, err1 := issuer.ReissueVoucher(ctx, v3.Number, rk)
	r2, err2 := issuer.ReissueVoucher(ctx, v3.Number, rk)
	if err1 != nil || err2 != nil || r1.Reissues != 1 || r2.Reissues != 1 {
		t.Fatalf("reissue not idempotent: %+v %+v %v %v", r1, r2, err1, err2)
	}
	// Grants are idempotent by their device GrantID: grants_test.go.
}

// TestLedger_InvariantUnderConcurrentRandomUse drives grant, use, voucher issue and clear, and merge from many
// goroutines through HTTP and checks that the sum of balances + outstanding vouchers + used + cleared + merged +
// lapsed equals the sum granted, and that no balance went negative.
func TestLedger_InvariantUnderConcurrentRandomUse(t *testing.T) {
	eachStore(t, testLedger_InvariantUnderConcurrentRandomUse)
}

func testLedger_InvariantUnderConcurrentRandomUse(t *testing.T) {
	w := newPointsWorld(t)
	ctx := context.Background()
	shop := w.terminal("00052589")
	issuer := w.terminal("00053059")
	merger := w.terminal("00052490")
	cards := []mkpf.PatronRef{cardOf(t, "yamada"), cardOf(t, "suzuki")}
	ids := []string{platform.DemoYamadaMyKeyID, platform.DemoSuzukiMyKeyID}
	exp := w.clk.Now().In(time.FixedZone("JST", 9*3600)).AddDate(0, 0, 10).Format("2006-01-02")
	var vouchers sync.Map
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(g)))
			for i := 0; i < 40; i++ {
				who := rng.Intn(len(cards))
				card := cards[who]
				pts := int64(1 + rng.Intn(900))
				var err error
				switch rng.Intn(5) {
				case 0:
					err = w.srv.GrantPoints(ids[who], platform.DemoProgramMunicipal, pts, "admin") // the admin's grant (terminals grant through projects)
				case 1:
					_, err = shop.Use(ctx, mkpf.UseRequest{PatronRef: card, ProgramID: platform.DemoProgramMunicipal, Points: pts}, "")
				case 2:
					var v *mkpf.Voucher
					v, err = issuer.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: card, ProgramID: platform.DemoProgramMunicipal, Points: pts, Expires: exp}, "")
					if err == nil {
						vouchers.Store(v.Number, v.QR)
					}
				case 3:
					vouchers.Range(func(k, v any) bool {
						_, err = shop.ClearVoucher(ctx, v.(string), "")
						return false
					})
				case 4:
					_, _, err = merger.Merge(ctx, mkpf.MergeRequest{PatronRef: card, Points: pts}, "", "")
				}
				if err == nil {
					ok.Add(1)
				} else {
					c := platformclient.Code(err)
					if c != mkpf.CodeInsufficientPoints && c != mkpf.CodeVoucherCleared && c != mkpf.CodeNoServiceID {
						t.Errorf("unexpected error: %v", err)
						return
					}
					refused.Add(1)
				}
			}
		}(g)
	}
	wg.Wait()
	a, err := w.srv.AuditLedger()
	if err != nil {
		t.Fatal(err)
	}
	if !a.OK || a.Negative != 0 {
		t.Fatalf("ledger invariant broken: %+v", a)
	}
	t.Logf("%d applied, %d refused, totals %v", ok.Load(), refused.Load(), a.Totals)
	if ok.Load() < 100 {
		t.Fatalf("only %d operations applied", ok.Load())
	}
}

func TestScreen35_ForgedVoucherRefusedOfflineWithTheCachedKey(t *testing.T) {
	w := newPointsWorld(t)
	ctx := context.Background()
	issuer := w.terminal("00053059")
	shop := w.terminal("00052589")
	exp := w.clk.Now().In(time.FixedZone("JST", 9*3600)).AddDate(0, 0, 5).Format("2006-01-02")
	v, err := issuer.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: cardOf(t, "yamada"), ProgramID: platform.DemoProgramMunicipal, Points: 300, Expires: exp}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := shop.VoucherKeys(ctx); err != nil { // fetched and cached while online
		t.Fatal(err)
	}
	w.hs.Close() // the network is gone
	got, err := shop.VerifyVoucherOffline(ctx, strings.ToLower(v.QR))
	if err != nil || got.Number != v.Number || got.Points != 300 || got.TerminalID != "00053059" {
		t.Fatalf("genuine voucher offline: %+v %v", got, err)
	}
	fb := []byte(v.QR)
	if fb[60] == 'A' {
		fb[60] = 'B'
	} else {
		fb[60] = 'A'
	}
	forged := string(fb)
	if _, err := shop.VerifyVoucherOffline(ctx, forged); !errors.Is(err, mkpf.ErrVoucherForged) {
		t.Fatalf("forged voucher offline: %v", err)
	}
	if _, err := shop.ClearVoucher(ctx, forged, ""); !errors.Is(err, mkpf.ErrVoucherForged) {
		t.Fatalf("clearing a forged voucher offline: %v", err)
	}
}

func TestPoints_ExpiryRuleSpendsOldestFirstAndExpiresEachGrant(t *testing.T) {
	eachStore(t, testPoints_ExpiryRuleSpendsOldestFirstAndExpiresEachGrant)
}

func testPoints_ExpiryRuleSpendsOldestFirstAndExpiresEachGrant(t *testing.T) {
	w := newPointsWorld(t) // demo: 10,000 自治体ポイント granted now, expiring after 24 months
	ctx := context.Background()
	shop := w.terminal("00052589")
	yamada := cardOf(t, "yamada")
	w.clk.Add(13 * 30 * 24 * time.Hour)
	if err := w.srv.GrantPoints(platform.DemoYamadaMyKeyID, platform.DemoProgramMunicipal, 1000, "second grant"); err != nil {
		t.Fatal(err)
	}
	if _, err := shop.Use(ctx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 500}, ""); err != nil {
		t.Fatal(err)
	}
	res, _ := shop.Balances(ctx, yamada)
	if b := res.Balances[0]; b.Points != 10500 || b.NextExpiryPoints != 9500 {
		t.Fatalf("before expiry: %+v (the oldest grant is spent first)", b)
	}
	w.clk.Add(12 * 30 * 24 * time.Hour) // the first grant is now past 24 months, the second is not
	res, _ = shop.Balances(ctx, yamada)
	if b := res.Balances[0]; b.Points != 1000 || b.NextExpiryPoints != 1000 {
		t.Fatalf("after the first grant expired: %+v", b)
	}
	_, err := shop.Use(ctx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 1001}, "")
	wantCode(t, err, mkpf.CodeInsufficientPoints)
	r, err := shop.Use(ctx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 1000}, "")
	if err != nil || r.BalanceAfter != 0 {
		t.Fatalf("use the rest: %+v %v", r, err)
	}
	if n, err := w.srv.ExpirePoints(); err != nil || n != 3000 { // suzuki's demo grant expired too
		t.Fatalf("sweep expired %d %v", n, err)
	}
	a, err := w.srv.AuditLedger()
	if err != nil || !a.OK || a.Totals[platform.TotalExpired] != 9500+3000 {
		t.Fatalf("audit %+v %v", a, err)
	}
}

func TestPoints_RevocationAppliesAtOnceDespiteTheCertificateCache(t *testing.T) {
	w := newPointsWorld(t)
	ctx := context.Background()
	shop := w.terminal("00052589")
	yamada := cardOf(t, "yamada")
	if _, err := shop.Balances(ctx, yamada); err != nil { // verified and cached
		t.Fatal(err)
	}
	if err := w.srv.RevokeCert(yamada.AuthCert, "lost"); err != nil {
		t.Fatal(err)
	}
	_, err := shop.Use(ctx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 1}, "")
	wantCode(t, err, mkpf.CodeCertRevoked)
}
