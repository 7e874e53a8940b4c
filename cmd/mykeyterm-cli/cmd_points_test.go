package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
)

// cli runs mykeyterm-cli in-process with the terminal data directory dir.
func cli(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	pre := []string{"--data-dir", dir}
	if _, err := os.Stat(passwordFileOf(dir)); err == nil {
		pre = append(pre, "--password-file", passwordFileOf(dir))
	}
	code, stdout, stderr = runCLI(append(pre, args...)...)
	return stdout, stderr, code
}

// passwordFileOf is where enrolledDir keeps the terminal password of a data directory (beside it, mode 0600): the
// points commands read it for their screen-2 login.
func passwordFileOf(dir string) string { return dir + ".password" }

func mustCLI(t *testing.T, dir string, args ...string) string {
	t.Helper()
	o, e, code := cli(t, dir, args...)
	if code != 0 {
		t.Fatalf("mykeyterm-cli %s: exit %d\n%s%s", strings.Join(args, " "), code, o, e)
	}
	return o
}

// enrolledDir enrolls a demo terminal and returns its data directory (the client is closed so the CLI can open it).
func enrolledDir(t *testing.T, env *testenv.PlatformEnv, id string) string {
	c := env.Enrolled(t, id)
	dir := c.DataDir()
	c.Close()
	dt, _ := platform.DemoTerminalByID(id)
	if err := os.WriteFile(passwordFileOf(dir), []byte(dt.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// certFile writes a demopki profile's auth certificate (DER) for --cert.
func certFile(t *testing.T, profile string) string { return demoCertFile(t, profile, false) }

func needTool(t *testing.T, tools ...string) {
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run scripts/install-deps.sh (Debian packages poppler-utils zbar-tools)", tool)
		}
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestIssue5_DoneWhen follows the issue's "Done when" path through the CLI: a point-use terminal uses 500 points and
// prints a receipt; a voucher terminal issues a 1,000-point voucher, prints it, and it is cleared by feeding the QR
// text decoded from the printed PDF to `voucher clear` (then refused again, refused when forged, refused and counted
// 失効 when expired); the shop terminal merges 300 points for 520625 and `merge receive` accepts the file once.
func TestIssue5_DoneWhen(t *testing.T) {
	needTool(t, "pdftoppm", "zbarimg", "pdftotext")
	clk := &clock{t: time.Now()}
	env := testenv.PlatformWith(t, platform.Options{Now: clk.now})
	yamada := certFile(t, "yamada")
	jst := time.FixedZone("JST", 9*3600)
	out := t.TempDir()

	// 00052589 (point use): login, balances, use 500 with a receipt.
	shop := enrolledDir(t, env, "00052589")
	if o := mustCLI(t, shop, "points", "login", "--login-id", "00052589", "--password", "15ad3z09a"); !strings.Contains(o, "ポイント利用") {
		t.Fatalf("login menu: %s", o)
	}
	var bal mkpf.BalancesResult
	json.Unmarshal([]byte(mustCLI(t, shop, "points", "balance", "--cert", yamada, "--json")), &bal)
	if len(bal.Balances) != 2 || bal.Balances[0].Points != 10000 || bal.Balances[1].Points != 2000 {
		t.Fatalf("balances %+v", bal)
	}
	receipt := filepath.Join(out, "receipt.pdf")
	var use mkpf.UseResult
	json.Unmarshal([]byte(mustCLI(t, shop, "points", "use", "--cert", yamada, "--program", platform.DemoProgramMunicipal,
		"--points", "500", "--out", receipt, "--json")), &use)
	if use.BalanceAfter != 9500 {
		t.Fatalf("use %+v", use)
	}
	text, _ := exec.Command("pdftotext", "-layout", receipt, "-").Output()
	if !strings.Contains(string(text), "500 ポイント") || !strings.Contains(string(text), "9,500 ポイント") {
		t.Fatalf("receipt text:\n%s", text)
	}
	if _, e, code := cli(t, shop, "voucher", "issue", "--cert", yamada, "--program", platform.DemoProgramMunicipal, "--points", "1", "--expires", "2099-01-01"); code == 0 || !strings.Contains(e, "この端末の種類") {
		t.Fatalf("a point-use terminal issued a voucher: %d %s", code, e)
	}

	// 00053059 (voucher): issue 1,000 points, printed as PDF.
	vt := enrolledDir(t, env, "00053059")
	exp := clk.now().In(jst).AddDate(0, 0, 30).Format("2006-01-02")
	vpdf := filepath.Join(out, "voucher.pdf")
	var v mkpf.Voucher
	json.Unmarshal([]byte(mustCLI(t, vt, "voucher", "issue", "--cert", yamada, "--program", platform.DemoProgramMunicipal,
		"--points", "1000", "--expires", exp, "--out", vpdf, "--json")), &v)
	if v.Points != 1000 || v.State != mkpf.VoucherOutstanding {
		t.Fatalf("voucher %+v", v)
	}
	// The printed voucher → pdftoppm → zbarimg → the text a QR reader would type.
	if o, err := exec.Command("pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", vpdf, filepath.Join(out, "voucher")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, o)
	}
	zb, err := exec.Command("zbarimg", "--nodbus", "-q", "--raw", filepath.Join(out, "voucher.png")).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	qr := strings.TrimSpace(string(zb))
	if qr != v.QR {
		t.Fatalf("decoded %q, issued %q", qr, v.QR)
	}
	// A keyboard-wedge reader with Caps Lock on types it in lower case: still the same voucher.
	if o := mustCLI(t, shop, "voucher", "show", strings.ToLower(qr)); !strings.Contains(o, v.Display) || !strings.Contains(o, "未消込") {
		t.Fatalf("show: %s", o)
	}
	var cleared mkpf.Voucher
	json.Unmarshal([]byte(mustCLI(t, vt, "voucher", "clear", qr, "--json")), &cleared)
	if cleared.State != mkpf.VoucherCleared {
		t.Fatalf("clear: %+v", cleared)
	}
	if _, e, code := cli(t, shop, "voucher", "clear", qr); code == 0 || !strings.Contains(e, "消込済み") {
		t.Fatalf("second clearing: %d %s", code, e)
	}
	forged := []byte(qr)
	if forged[50] == 'A' {
		forged[50] = 'B'
	} else {
		forged[50] = 'A'
	}
	if _, e, code := cli(t, shop, "voucher", "clear", string(forged)); code == 0 || !strings.Contains(e, "偽造") {
		t.Fatalf("forged: %d %s", code, e)
	}
	// An expired voucher is refused and counted as 失効.
	var old mkpf.Voucher
	json.Unmarshal([]byte(mustCLI(t, vt, "voucher", "issue", "--cert", yamada, "--program", platform.DemoProgramMunicipal,
		"--points", "700", "--expires", clk.now().In(jst).Format("2006-01-02"), "--json")), &old)
	clk.add(48 * time.Hour)
	if _, e, code := cli(t, shop, "voucher", "clear", old.QR); code == 0 || !strings.Contains(e, "失効") {
		t.Fatalf("expired: %d %s", code, e)
	}
	if o := mustCLI(t, shop, "voucher", "show", old.Display); !strings.Contains(o, "失効") {
		t.Fatalf("expired voucher shows: %s", o)
	}

	// 00052490 (shop of ブレーメン商店街): merge 300 for 520625; the shop system accepts the file once.
	mt := enrolledDir(t, env, "00052490")
	var m struct {
		ID, Txn, File string
		Points        int64
	}
	json.Unmarshal([]byte(mustCLI(t, mt, "merge", "--cert", yamada, "--points", "300", "--json")), &m)
	if m.ID != platform.DemoYamadaShopCard || m.Points != 300 || m.File == "" {
		t.Fatalf("merge %+v", m)
	}
	seen := filepath.Join(out, "seen.db")
	recv := []string{"merge", "receive", m.File, "--key", platform.DemoMergeKeyHex, "--secret", platform.DemoMergeSecret, "--seen-db", seen, "--json"}
	var rec mkpf.MergeRecord
	json.Unmarshal([]byte(mustCLI(t, t.TempDir(), recv...)), &rec)
	if rec.ID != "520625" || rec.Points != 300 || rec.Txn != m.Txn {
		t.Fatalf("received %+v", rec)
	}
	if _, e, code := cli(t, t.TempDir(), recv...); code == 0 || !strings.Contains(e, "受取済み") {
		t.Fatalf("second receive: %d %s", code, e)
	}
	// A flipped byte is refused.
	b, _ := os.ReadFile(m.File)
	b[len(b)/2] ^= 0x01
	flipped := filepath.Join(out, "flipped.mkpm")
	os.WriteFile(flipped, b, 0o644)
	if _, e, code := cli(t, t.TempDir(), "merge", "receive", flipped, "--key", platform.DemoMergeKeyHex, "--secret", platform.DemoMergeSecret, "--seen-db", seen); code == 0 || !strings.Contains(e, "改ざん") {
		t.Fatalf("flipped byte: %d %s", code, e)
	}
	// The shop card path (keyboard-interface reader) reaches the same patron.
	json.Unmarshal([]byte(mustCLI(t, mt, "merge", "--shop-card", "520625", "--points", "100", "--json")), &m)
	if m.ID != "520625" || m.Points != 100 {
		t.Fatalf("shop-card merge %+v", m)
	}

	// Screen 87 with the CSV.
	csvFile := filepath.Join(out, "detail.csv")
	today := clk.now().In(jst).Format("2006-01-02")
	var agg mkpf.Aggregate
	json.Unmarshal([]byte(mustCLI(t, shop, "points", "aggregate", "--from", today[:8]+"01", "--to", today, "--csv", csvFile, "--json")), &agg)
	if agg.Count != 1 || agg.Total != 500 {
		t.Fatalf("aggregate %+v", agg)
	}
	if c, _ := os.ReadFile(csvFile); !bytes.HasPrefix(c, []byte("\xEF\xBB\xBF")) || !bytes.Contains(c, []byte("\r\n")) {
		t.Fatalf("csv %q", c)
	}
	a, err := env.Server.AuditLedger()
	if err != nil || !a.OK || a.Totals[platform.TotalLapsed] != 700 || a.Totals[platform.TotalCleared] != 1000 || a.Totals[platform.TotalMerged] != 400 {
		t.Fatalf("audit %+v %v", a, err)
	}
}

// TestIssue5_DoneWhen_VirtualCardThroughPCSC reads yamada's certificate from the virtual My Number Card through the
// real pcscd (vpcd) instead of --cert, as the clerk's reader would: the point use and the merge find the patron.
func TestIssue5_DoneWhen_VirtualCardThroughPCSC(t *testing.T) {
	pc := testenv.PCSCD(t)
	remove := pc.InsertVirtual(t, "yamada", 0)
	defer remove()
	env := testenv.Platform(t)
	shop := enrolledDir(t, env, "00052589")
	var use mkpf.UseResult
	json.Unmarshal([]byte(mustCLI(t, shop, "points", "use", "--reader", pc.Reader(0), "--program", platform.DemoProgramMunicipal,
		"--points", "500", "--json")), &use)
	if use.BalanceAfter != 9500 {
		t.Fatalf("use through the card: %+v", use)
	}
	mt := enrolledDir(t, env, "00052490")
	var m struct {
		ID   string
		File string
	}
	json.Unmarshal([]byte(mustCLI(t, mt, "merge", "--points", "300", "--json")), &m)
	if m.ID != platform.DemoYamadaShopCard {
		t.Fatalf("merge through the card: %+v", m)
	}
	if _, err := os.Stat(m.File); err != nil {
		t.Fatal(err)
	}
}
