package main

import (
	"bytes"
	"context"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// startServe runs `mkpf-server serve args…` as a process and waits until addr answers; logs collects its stderr.
func startServe(t *testing.T, addr string, logs *syncBuf, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), "MKPF_SERVER_MAIN=1")
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 400; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server did not start: %s", logs.String())
	return nil
}

// syncBuf is a buffer the process's stderr copier writes while the test may read it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// Finding 6: serve listened in clear on any address. A non-loopback address needs a certificate or an explicit
// --insecure-http, which logs a warning.
func TestServe_PlainHTTPOnlyOnLoopbackOrWithInsecureHTTP(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := runServer("serve", "--addr", "0.0.0.0:0", "--db", filepath.Join(dir, "a.db"))
	if code != 2 || !strings.Contains(errs, "--tls-cert") {
		t.Fatalf("plain HTTP on 0.0.0.0 without --insecure-http: exit %d %s", code, errs)
	}
	port := freePort(t)
	_, p, _ := net.SplitHostPort(port)
	var logs syncBuf
	srv := startServe(t, "127.0.0.1:"+p, &logs, "--addr", "0.0.0.0:"+p, "--db", testStore(t, filepath.Join(dir, "b.db")), "--insecure-http")
	srv.Process.Signal(syscall.SIGTERM)
	srv.Wait()
	if !strings.Contains(logs.String(), "insecure-http") || !strings.Contains(logs.String(), "WARN") {
		t.Fatalf("--insecure-http must log a warning:\n%s", logs.String())
	}
}

// Finding 9: there was no hot backup. `mkpf-server backup` copies the store through the running server's admin socket.
func TestBackup_WhileTheServerRuns(t *testing.T) {
	testenv.BboltOnly(t, "a bbolt copy through the admin socket; PostgreSQL's backup is pg_dump's")
	dir := t.TempDir()
	addr := freePort(t)
	db := filepath.Join(dir, "data", "p.db")
	var logs syncBuf
	startServe(t, addr, &logs, "--demo", "--addr", addr, "--db", db)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := platformclient.Open(t.TempDir(), platformclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Enroll(ctx, "http://"+addr, "00052489", "8912k41a"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "backup.db")
	code, stdout, errs := runServer("backup", "--db", db, "--out", out)
	if code != 0 || !strings.Contains(stdout, "written") {
		t.Fatalf("backup while running: exit %d %s %s", code, stdout, errs)
	}
	if _, err := c.Issuers(ctx); err != nil {
		t.Fatalf("the server still serves after the backup: %v", err)
	}
	s, err := platform.Open(out, platform.Options{})
	if err != nil {
		t.Fatalf("the backup opens: %v", err)
	}
	defer s.Close()
	rows, err := s.Terminals()
	if err != nil {
		t.Fatal(err)
	}
	enrolled := false
	for _, r := range rows {
		if r.Info.TerminalID == "00052489" && r.Enrolled {
			enrolled = true
		}
	}
	if !enrolled {
		t.Fatal("the backup does not hold the enrollment made while the server ran")
	}
}

// Finding 7: reset kept the old roster password; there was no disable, enable or set-password.
func TestAdmin_TerminalResetDisableEnableSetPasswordSetIssuer(t *testing.T) {
	db := testStore(t, filepath.Join(t.TempDir(), "p.db"))
	s, err := platform.Open(db, platform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SeedDemo(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	out := mustAdmin(t, "terminal", "reset", "--db", db, "--id", "00052489")
	if !strings.Contains(out, "new terminal password: ") {
		t.Fatalf("reset prints the new password: %s", out)
	}
	newPW := strings.TrimSpace(out[strings.Index(out, "password: ")+len("password: "):])
	if len(newPW) < 8 || newPW == "8912k41a" {
		t.Fatalf("new password %q", newPW)
	}
	mustAdmin(t, "terminal", "disable", "--db", db, "--id", "00052489")
	if out := mustAdmin(t, "terminal", "list", "--db", db); !regexp.MustCompile(`00052489\s+service_id\s+141305\s+000001\s+false\s+true`).MatchString(out) {
		t.Fatalf("terminal list shows the disabled terminal:\n%s", out)
	}
	mustAdmin(t, "terminal", "enable", "--db", db, "--id", "00052489")
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("chosen-pass-1\n"), 0o600)
	mustAdmin(t, "terminal", "set-password", "--db", db, "--id", "00052489", "--password-file", pwFile)
	mustAdmin(t, "terminal", "set-issuer", "--db", db, "--id", "00052489", "--issuer", platform.DemoShoppingStreet)
	mustAdmin(t, "program", "floor-limit", "--db", db, "--program", platform.DemoProgramMunicipal, "--points", "3000", "--card-day", "5000", "--terminal-day", "90000")
	mustAdmin(t, "program", "floor-limit", "--db", db, "--program", platform.DemoProgramMunicipal, "--points", "3000") // keeps the day totals
	if out := mustAdmin(t, "voucher-key", "rotate", "--db", db); !strings.Contains(out, "is current") {
		t.Fatalf("voucher-key rotate: %s", out)
	}
	if code, _, _ := runServer("admin", "terminal", "set-issuer", "--db", db, "--id", "00052589", "--issuer", platform.DemoLibrary); code == 0 {
		t.Fatal("an issuer for a point-use terminal was accepted")
	}
	s, err = platform.Open(db, platform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := httptest.NewRequest("POST", "/", nil)
	if _, err := s.CheckPassword(r, "00052489", "chosen-pass-1"); err != nil {
		t.Fatalf("the password set from the file: %v", err)
	}
	if _, err := s.CheckPassword(r, "00052489", newPW); err == nil {
		t.Fatal("the reset's password still works after set-password")
	}
	progs, _ := s.Programs()
	for _, p := range progs {
		if p.ID == platform.DemoProgramMunicipal && (p.FloorLimit != 3000 || p.FloorDayLimit != 5000 || p.FloorTerminalDayLimit != 90000) {
			t.Fatalf("floor limit: %+v", p)
		}
	}
	rows, _ := s.Terminals()
	for _, row := range rows {
		if row.Info.TerminalID == "00052489" && row.Info.IssuerID != platform.DemoShoppingStreet {
			t.Fatalf("set-issuer: %+v", row.Info)
		}
	}
}
