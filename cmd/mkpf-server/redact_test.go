package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// TestServe_LogOfAPostgresURLNeverShowsItsPassword: `serve --store postgres://u:SECRET@…` (and a password=
// parameter) logs the store without the password, from start to stop, a refused login included; it derives no
// admin socket from the URL (it used to warn with the URL, password and all, as a socket path); and a database out
// of reach is reported without the password either.
func TestServe_LogOfAPostgresURLNeverShowsItsPassword(t *testing.T) {
	testenv.ChoosesItsStores(t, "PostgreSQL URLs")
	db := testenv.PostgresURL(t) // trust authentication: the passwords below are given but not needed
	withPW := strings.Replace(db, "postgres://postgres@", "postgres://postgres:Hunter2user@", 1) + "&password=Hunter2param"
	if withPW == db+"&password=Hunter2param" {
		t.Fatalf("unexpected test URL form %s", db)
	}
	dir := t.TempDir()
	addr := freePort(t)
	cmd := exec.Command(os.Args[0], "serve", "--demo", "--addr", addr, "--store", withPW)
	cmd.Env = append(os.Environ(), "MKPF_SERVER_MAIN=1")
	cmd.Dir = dir
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	for deadline := time.Now().Add(2 * time.Minute); ; { // until it listens (the deadline is a safety net)
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			t.Fatalf("serve exited: %s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not listen in 2 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	c, err := platformclient.Open(t.TempDir(), platformclient.Options{Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.Enroll(ctx, "http://"+addr, "00052489", "wrong-password"); err == nil {
		t.Fatal("a wrong password enrolled")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	<-exited
	out := logs.String()
	if !strings.Contains(out, "mkpf-server listening") || !strings.Contains(out, "login refused") {
		t.Fatalf("the log lacks the lines this test reads:\n%s", out)
	}
	if strings.Contains(out, "Hunter2") {
		t.Fatalf("the log shows a password:\n%s", out)
	}
	if strings.Contains(out, "admin socket") {
		t.Fatalf("an admin socket was derived from the URL:\n%s", out)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("serve left files in its directory: %v", ents)
	}

	// A database that does not exist: the message says so, without the password.
	gone := strings.Replace(withPW, "/mkpf_", "/nosuch_", 1)
	code, stdout, stderr := runServer("serve", "--addr", freePort(t), "--store", gone)
	if code == 0 || strings.Contains(stdout+stderr, "Hunter2") || !strings.Contains(stderr, "nosuch_") {
		t.Fatalf("serve on a missing database: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
