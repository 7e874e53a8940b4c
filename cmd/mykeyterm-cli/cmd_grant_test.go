package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/terminal/grant"
)

// tapProcess is `mykeyterm-cli grant tap --json` running as its own process.
type tapProcess struct {
	cmd   *exec.Cmd
	lines chan string
}

func startTap(t *testing.T, dir string, args ...string) *tapProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"--data-dir", dir, "grant", "tap", "--json"}, args...)...)
	cmd.Env = append(os.Environ(), subprocessEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &testWriter{t: t, prefix: "grant tap: "}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &tapProcess{cmd: cmd, lines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return p
}

// next is the process's next answer (generous safety timeout; no timing is asserted).
func (p *tapProcess) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			t.Fatal("grant tap ended without an answer")
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("grant tap printed %q: %v", l, err)
		}
		return m
	case <-time.After(60 * time.Second):
		t.Fatal("grant tap gave no answer within 60 s")
	}
	return nil
}

type testWriter struct {
	t      *testing.T
	prefix string
}

func (w *testWriter) Write(b []byte) (int, error) {
	w.t.Log(w.prefix + strings.TrimSpace(string(b)))
	return len(b), nil
}

func wantTap(t *testing.T, got map[string]any, result string, pending int) {
	t.Helper()
	if got["result"] != result || got["pending"] != float64(pending) {
		t.Fatalf("tap answered %v, want result %s pending %d", got, result, pending)
	}
}

func municipalPoints(t *testing.T, shop, cert string) int64 {
	t.Helper()
	var bal mkpf.BalancesResult
	if err := json.Unmarshal([]byte(mustCLI(t, shop, "points", "balance", "--cert", cert, "--json")), &bal); err != nil {
		t.Fatal(err)
	}
	for _, b := range bal.Balances {
		if b.ProgramID == platform.DemoProgramMunicipal {
			return b.Points
		}
	}
	t.Fatalf("no municipal balance: %+v", bal)
	return 0
}

// TestSectionV_GrantFlowThroughPcscdAndHTTP is the whole flow of seed 004 §V through the CLI, real HTTP on loopback
// and the virtual card through pcscd: the grant office registers a project (64-66) and imports its roster (74, UTF-8
// and Shift_JIS files; a bad header and a bad row refused whole), registers yamada's card (76); the phone syncs (78),
// the server goes away, and the phone grants on taps (79): yamada granted, yamada again refused, suzuki not on the
// roster; the tapping process is killed with SIGKILL and restarted (the grant survived, yamada is still refused);
// the server comes back, the upload applies the grant once; the same upload again applies nothing.
func TestSectionV_GrantFlowThroughPcscdAndHTTP(t *testing.T) {
	env := testenv.Platform(t)
	pcsc := testenv.PCSCD(t)
	files := t.TempDir()

	// 64-66: the grant office registers the project.
	oc := env.Enrolled(t, platform.DemoGrantOffice)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pr, err := oc.CreateGrantProject(ctx, mkpf.GrantProjectRequest{Name: "健康づくり教室", Department: "健康福祉局",
		PointsPerPerson: 100, ProgramID: platform.DemoProgramMunicipal, Budget: 10000}, "")
	if err != nil {
		t.Fatalf("project: %v", err)
	}
	office := oc.DataDir()
	oc.Close()
	// The office's project applies once the administrator approved it; the grant commands log in like screen 71.
	if _, err := env.Server.ApproveGrantProject(pr.ID); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(passwordFileOf(office), []byte(platform.DemoGrantOfficePass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	phone := enrolledDir(t, env, "00053062")
	shop := enrolledDir(t, env, "00052589")
	yamadaCert, suzukiCert := certFile(t, "yamada"), certFile(t, "suzuki")

	var projects []mkpf.GrantProject
	json.Unmarshal([]byte(mustCLI(t, phone, "grant", "projects", "--json")), &projects)
	if !hasProject(projects, pr.ID) {
		t.Fatalf("grant projects: %+v", projects)
	}

	// 74: the template, then a UTF-8 file and a Shift_JIS one; a bad header and a bad row change nothing.
	tpl := filepath.Join(files, "template.csv")
	mustCLI(t, office, "roster", "template", "--project", pr.ID, "--out", tpl)
	if b, _ := os.ReadFile(tpl); !strings.HasPrefix(string(b), "\uFEFF"+strings.Join(grant.Columns, ",")+"\r\n健康づくり教室,100,") {
		t.Fatalf("template:\n%s", b)
	}
	head := strings.Join(grant.Columns, ",") + "\r\n"
	utf8File := writeFile(t, files, "utf8.csv", []byte(head+"健康づくり教室,100,,山田太郎,1940年1月1日,川崎市川崎区1-1,男性,044-000-0001,,\r\n"))
	sjisText, _ := japanese.ShiftJIS.NewEncoder().Bytes([]byte(head + "健康づくり教室,100,,佐藤花子,1952年3月4日,川崎市幸区2-2,女性,,,\r\n"))
	sjisFile := writeFile(t, files, "sjis.csv", sjisText)
	badHead := writeFile(t, files, "badhead.csv", []byte("名前,生年月日\r\n高橋,1950/1/1\r\n"))
	badRow := writeFile(t, files, "badrow.csv", []byte(head+"健康づくり教室,100,,高橋一郎,1950/1/1,,,,,\r\n健康づくり教室,100,,高橋二郎,1950/2/30,,,,,\r\n"))
	mustCLI(t, office, "roster", "import", utf8File, "--project", pr.ID)
	mustCLI(t, office, "roster", "import", sjisFile, "--project", pr.ID)
	if _, e, code := cli(t, office, "roster", "import", badHead, "--project", pr.ID); code == 0 || !strings.Contains(e, "期待する見出し: "+strings.Join(grant.Columns, ",")) {
		t.Fatalf("bad header: %d %s", code, e)
	}
	if _, e, code := cli(t, office, "roster", "import", badRow, "--project", pr.ID); code == 0 || !strings.Contains(e, "3行目: 生年月日") || !strings.Contains(e, "1件も取り込んでいません") {
		t.Fatalf("bad row: %d %s", code, e)
	}
	var roster []grant.Participant
	json.Unmarshal([]byte(mustCLI(t, office, "roster", "search", "--project", pr.ID, "--json")), &roster)
	if len(roster) != 2 || roster[0].Person.Name != "佐藤花子" || roster[1].Person.Name != "山田太郎" || roster[0].Person.Birth != "1952-03-04" {
		t.Fatalf("roster after the imports: %+v", roster)
	}

	// 76: search yamada by the identifying items, [登録・読取] with the card through pcscd.
	json.Unmarshal([]byte(mustCLI(t, office, "roster", "search", "--name", "山田", "--birth", "1940/1/1", "--json")), &roster)
	if len(roster) != 1 {
		t.Fatalf("search: %+v", roster)
	}
	remove := pcsc.InsertVirtual(t, "yamada", 0)
	var reg grant.Participant
	json.Unmarshal([]byte(mustCLI(t, office, "roster", "register-card", "--id", roster[0].ID, "--json")), &reg)
	remove()
	if reg.MyKeyID != platform.DemoYamadaMyKeyID {
		t.Fatalf("register-card: %+v", reg)
	}
	if ps, _ := env.Server.GrantProjects(platform.DemoMunicipality); !hasParticipants(ps, pr.ID, 1) {
		t.Fatalf("platform roster: %+v", ps)
	}

	// 78: sync, then the server goes away.
	var s map[string]any
	json.Unmarshal([]byte(mustCLI(t, phone, "grant", "sync", "--project", pr.ID, "--json")), &s)
	if s["entries"] == float64(0) || s["project_id"] != pr.ID {
		t.Fatalf("sync: %v", s)
	}
	before := municipalPoints(t, shop, yamadaCert)
	env.StopHTTP(t)

	// 79 offline: continuous taps in one process.
	tap := startTap(t, phone)
	remove = pcsc.InsertVirtual(t, "yamada", 0)
	wantTap(t, tap.next(t), grant.ResultGranted, 1)
	remove()
	remove = pcsc.InsertVirtual(t, "yamada", 1)
	wantTap(t, tap.next(t), grant.ResultAlreadyGranted, 1)
	remove()
	remove = pcsc.InsertVirtual(t, "suzuki", 0)
	wantTap(t, tap.next(t), grant.ResultNotOnRoster, 1)
	remove()

	// Killed, restarted: the stored grant is there and yamada is still refused.
	tap.cmd.Process.Signal(syscall.SIGKILL)
	tap.cmd.Wait()
	tap = startTap(t, phone, "--count", "1")
	remove = pcsc.InsertVirtual(t, "yamada", 1)
	wantTap(t, tap.next(t), grant.ResultAlreadyGranted, 1)
	remove()
	if err := tap.cmd.Wait(); err != nil {
		t.Fatalf("grant tap --count 1 did not end well: %v", err)
	}
	var pend struct {
		Pending int `json:"pending"`
	}
	json.Unmarshal([]byte(mustCLI(t, phone, "grant", "pending", "--json")), &pend)
	if pend.Pending != 1 {
		t.Fatalf("pending %d", pend.Pending)
	}
	// Uploading without the server fails in Japanese and keeps the grant.
	if _, e, code := cli(t, phone, "grant", "upload", "--json"); code == 0 || !strings.Contains(e, "端末に残っています") {
		t.Fatalf("upload offline: %d %s", code, e)
	}

	// The server is back: upload, balances, the same upload again.
	env.StartHTTP(t)
	var up struct {
		Accepted int `json:"accepted"`
		Refused  int `json:"refused"`
		Pending  int `json:"pending"`
	}
	json.Unmarshal([]byte(mustCLI(t, phone, "grant", "upload", "--json")), &up)
	if up.Accepted != 1 || up.Refused != 0 || up.Pending != 0 {
		t.Fatalf("upload: %+v", up)
	}
	if got := municipalPoints(t, shop, yamadaCert); got != before+100 {
		t.Fatalf("yamada has %d, want %d", got, before+100)
	}
	suzukiBefore := municipalPoints(t, shop, suzukiCert)
	json.Unmarshal([]byte(mustCLI(t, phone, "grant", "upload", "--json")), &up)
	if up.Accepted != 0 || up.Refused != 0 {
		t.Fatalf("second upload: %+v", up)
	}
	// The same grants sent again, as after a lost answer: answered the same, nothing applied.
	d, err := grant.OpenDevice(phone)
	if err != nil {
		t.Fatal(err)
	}
	sent := d.Grants(grant.StateAccepted)
	d.Close()
	pc, err := platformclient.Open(phone, platformclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	dt, _ := platform.DemoTerminalByID("00053062")
	if _, err := pc.Login(ctx, "00053062", dt.Password); err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 {
		t.Fatalf("accepted on the device: %+v", sent)
	}
	again, err := pc.UploadGrants(ctx, []mkpf.GrantUploadItem{sent[0].GrantUploadItem})
	if err != nil || len(again.Accepted) != 1 || again.Accepted[0].TxnID != sent[0].TxnID {
		t.Fatalf("the same upload again: %+v %v", again, err)
	}
	if got := municipalPoints(t, shop, yamadaCert); got != before+100 {
		t.Fatalf("yamada has %d after the repeated upload, want %d", got, before+100)
	}
	if got := municipalPoints(t, shop, suzukiCert); got != suzukiBefore {
		t.Fatalf("suzuki's points moved: %d → %d", suzukiBefore, got)
	}
	// The office's report: one tap of the phone (issue 17 M1).
	var taps mkpf.GrantTapReport
	json.Unmarshal([]byte(mustCLI(t, office, "roster", "taps", "--project", pr.ID, "--json")), &taps)
	if len(taps.Rows) != 1 || taps.Rows[0].TerminalID != "00053062" || taps.Rows[0].Taps != 1 {
		t.Fatalf("roster taps: %+v", taps)
	}
}

func hasProject(ps []mkpf.GrantProject, id string) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}

func hasParticipants(ps []mkpf.GrantProject, id string, n int) bool {
	for _, p := range ps {
		if p.ID == id {
			return p.Participants == n
		}
	}
	return false
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	f := filepath.Join(dir, name)
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}
