package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

func TestAdminGrants_ProjectAddListCloseAndMyKeyIDNotices(t *testing.T) {
	db := testStore(t, filepath.Join(t.TempDir(), "p.db"))
	mustAdmin(t, "demo", "--db", db)
	y, _ := demopki.Get("expired")
	if code, _, errs := runServer("admin", "mykeyid", "create", "--db", db, "--cert", writeTemp(t, "e.der", y.AuthCertDER), "--email", "not-an-address", "--notify", "grant"); code == 0 || !strings.Contains(errs, "not a plain address") {
		t.Fatalf("bad e-mail: %d %s", code, errs)
	}
	id := strings.TrimSpace(mustAdmin(t, "grant-project", "add", "--db", db, "--municipality", "141305", "--program", "141305-jichitai",
		"--name", "市民清掃活動", "--points", "300", "--budget", "30000", "--department", "環境局"))
	if id != "GP000002" {
		t.Fatalf("project ID %q", id)
	}
	for _, bad := range [][]string{
		{"--municipality", "141305", "--program", "141305-ryuho", "--name", "留保", "--points", "1", "--budget", "1"},
		{"--municipality", "141305", "--program", "141003-jichitai", "--name", "横浜の", "--points", "1", "--budget", "1"},
		{"--municipality", "141305", "--program", "141305-jichitai", "--name", "", "--points", "1", "--budget", "1"},
		{"--municipality", "141305", "--program", "141305-jichitai", "--name", "x", "--points", "ten", "--budget", "1"},
		{"--municipality", "999999", "--program", "141305-jichitai", "--name", "x", "--points", "1", "--budget", "1"},
	} {
		if code, _, errs := runServer(append([]string{"admin", "grant-project", "add", "--db", db}, bad...)...); code == 0 || errs == "" {
			t.Errorf("%v: exit %d %q", bad, code, errs)
		}
	}
	mustAdmin(t, "grant-project", "participants", "--db", db, "--id", id, "--mykey-ids", "MY123456,KEY34567")
	if code, _, errs := runServer("admin", "grant-project", "participants", "--db", db, "--id", id, "--mykey-ids", "NOBODY00"); code == 0 || !strings.Contains(errs, "NOBODY00") {
		t.Fatalf("unknown MyKey ID: %d %s", code, errs)
	}
	mustAdmin(t, "grant-project", "close", "--db", db, "--id", id)
	var ps []mkpf.GrantProject
	if err := json.Unmarshal([]byte(mustAdmin(t, "grant-project", "list", "--db", db, "--json")), &ps); err != nil || len(ps) != 2 {
		t.Fatalf("list %v %v", ps, err)
	}
	if ps[0].ID != platform.DemoGrantProject || ps[0].Closed || ps[1].ID != id || !ps[1].Closed || ps[1].Participants != 2 || ps[1].PointsPerPerson != 300 {
		t.Fatalf("list %+v", ps)
	}
	// Reopen (the phones' refused uploads then apply), approve, and the per-MyKey-ID cap.
	mustAdmin(t, "grant-project", "reopen", "--db", db, "--id", id)
	if out := mustAdmin(t, "grant-project", "list", "--db", db); !strings.Contains(out, "GP000002") || strings.Contains(out, "closed") {
		t.Fatalf("after reopen: %s", out)
	}
	if out := mustAdmin(t, "grant-project", "approve", "--db", db, "--id", id); !strings.Contains(out, "300 points per person, budget 30000") {
		t.Fatalf("approve: %s", out)
	}
	if out := mustAdmin(t, "grant-cap", "--db", db); !strings.Contains(out, "10 grants per MyKey ID per month") {
		t.Fatalf("grant-cap: %s", out)
	}
	if out := mustAdmin(t, "grant-cap", "--db", db, "--per-month", "4", "--items-per-day", "5000"); !strings.Contains(out, "4 grants per MyKey ID per month; 5000 upload items") {
		t.Fatalf("grant-cap set: %s", out)
	}
	if code, _, errs := runServer("admin", "grant-cap", "--db", db, "--per-month", "0"); code == 0 || errs == "" {
		t.Fatalf("a cap of 0: %d %q", code, errs)
	}
	mustAdmin(t, "grant-project", "close", "--db", db, "--id", id)
	if out := mustAdmin(t, "grant-project", "list", "--db", db, "--municipality", "141003"); strings.Contains(out, "GP0") {
		t.Fatalf("横浜市's list: %s", out)
	}
	mustAdmin(t, "mykeyid", "notices", "--db", db, "--id", "KEY34567", "--email", "suzuki@example.jp", "--notify", "grant,lapse")
	if code, _, _ := runServer("admin", "mykeyid", "notices", "--db", db, "--id", "KEY34567", "--notify", "grant"); code == 0 {
		t.Fatal("notices without an address accepted")
	}
}

func TestServe_SMTPFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	code, _, errs := runServer("serve", "--addr", "127.0.0.1:0", "--db", db, "--smtp", "smtp.example.jp:587")
	if code != 2 || !strings.Contains(errs, "not on loopback") {
		t.Fatalf("non-loopback SMTP without auth: %d %s", code, errs)
	}
	code, _, errs = runServer("serve", "--addr", "127.0.0.1:0", "--db", db, "--smtp", "smtp.example.jp:587", "--smtp-user", "u",
		"--smtp-password-file", filepath.Join(t.TempDir(), "missing"))
	if code != 2 || !strings.Contains(errs, "smtp-password-file") {
		t.Fatalf("missing password file: %d %s", code, errs)
	}
	code, _, errs = runServer("serve", "--addr", "127.0.0.1:0", "--db", db, "--smtp-user", "u")
	if code != 2 || !strings.Contains(errs, "need --smtp") {
		t.Fatalf("user without server: %d %s", code, errs)
	}
}

// TestServe_DemoGrantNoticeThroughSMTP runs `mkpf-server serve --demo --smtp` as a process with aiosmtpd on loopback:
// the demo phone uploads yamada's tap and yamada@example.jp gets the notice.
func TestServe_DemoGrantNoticeThroughSMTP(t *testing.T) {
	smtp := testenv.SMTP(t)
	addr := freePort(t)
	cmd := exec.Command(os.Args[0], "serve", "--demo", "--addr", addr, "--db", testStore(t, filepath.Join(t.TempDir(), "p.db")), "--smtp", smtp.Addr)
	cmd.Env = append(os.Environ(), "MKPF_SERVER_MAIN=1")
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if i > 400 {
			t.Fatalf("server did not start: %s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := platformclient.Open(t.TempDir(), platformclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dt, _ := platform.DemoTerminalByID("00053062")
	if _, err := c.Enroll(ctx, "http://"+addr, dt.ID, dt.Password); err != nil {
		t.Fatal(err)
	}
	sync, err := c.SyncGrantRoster(ctx, platform.DemoGrantProject)
	if err != nil {
		t.Fatal(err)
	}
	y, _ := demopki.Get("yamada")
	item := mkpf.GrantUploadItem{GrantID: platformclient.NewGrantID(), ProjectID: sync.Project.ID, SyncID: sync.SyncID,
		Hash: platform.SyncHash(sync.Key, y.Serial), At: time.Now()}
	if item.Card, err = mkpf.SealTapCert(sync.SealKey, item, y.AuthCertDER); err != nil { // the card's certificate, as a phone's tap seals it
		t.Fatal(err)
	}
	res, err := c.UploadGrants(ctx, []mkpf.GrantUploadItem{item})
	if err != nil || len(res.Accepted) != 1 {
		t.Fatalf("upload %+v %v", res, err)
	}
	ms := smtp.WaitMessages(t, 1, 60*time.Second)
	if ms[0].To != platform.DemoYamadaEmail || !strings.Contains(ms[0].Body, platform.DemoGrantProjectName) {
		t.Fatalf("notice %+v", ms[0])
	}
	if strings.Contains(logs.String(), platform.DemoYamadaEmail) || strings.Contains(logs.String(), platform.DemoYamadaMyKeyID) {
		t.Fatalf("the server log names the holder:\n%s", logs.String())
	}
}
