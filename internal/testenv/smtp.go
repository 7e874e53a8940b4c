package testenv

import (
	"bufio"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SMTPEnv is an independent SMTP server on loopback: Debian's aiosmtpd (python3-aiosmtpd) with its Mailbox handler,
// which writes every message it accepts into a maildir. Tests stop and start it to play an SMTP server that is down.
type SMTPEnv struct {
	Addr string // 127.0.0.1:PORT
	Dir  string // the maildir (new/ holds the messages)
	log  string
	cmd  *exec.Cmd
	done chan struct{}
	// RefuseRcpt, when set before Start, makes the server refuse every recipient address that starts with it with a
	// permanent 550 (a mailbox that does not exist); the others are delivered as usual.
	RefuseRcpt string
}

// refusingHandler is aiosmtpd's Mailbox handler refusing the recipients given in $MKT_REFUSE_RCPT with 550.
const refusingHandler = `import os
from aiosmtpd.handlers import Mailbox

class Refusing(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith(os.environ["MKT_REFUSE_RCPT"]):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"
`

// SMTPRefusing is SMTP with a server that refuses the recipients starting with refuse permanently (550).
func SMTPRefusing(t testing.TB, refuse string) *SMTPEnv {
	t.Helper()
	e := smtpEnv(t)
	e.RefuseRcpt = refuse
	e.Start(t)
	t.Cleanup(func() { e.Stop(t) })
	return e
}

// MailMessage is one message the SMTP server received, decoded.
type MailMessage struct {
	File      string
	To        string
	From      string
	Subject   string
	MessageID string
	Body      string
}

const aiosmtpdPython = "/usr/bin/python3"

// SMTP starts aiosmtpd on a free loopback port and stops it at t's cleanup.
func SMTP(t testing.TB) *SMTPEnv {
	t.Helper()
	e := smtpEnv(t)
	e.Start(t)
	t.Cleanup(func() { e.Stop(t) })
	return e
}

// smtpEnv checks aiosmtpd is installed and picks a free loopback address (not started).
func smtpEnv(t testing.TB) *SMTPEnv {
	t.Helper()
	if _, err := os.Stat(aiosmtpdPython); err != nil {
		t.Fatalf("%s is missing: install it with `apt-get install -y python3 python3-aiosmtpd` (or run scripts/install-deps.sh)", aiosmtpdPython)
	}
	if out, err := exec.Command(aiosmtpdPython, "-c", "import aiosmtpd.handlers").CombinedOutput(); err != nil {
		t.Fatalf("aiosmtpd is missing: install it with `apt-get install -y python3-aiosmtpd` (or run scripts/install-deps.sh): %v %s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	return &SMTPEnv{Addr: addr, Dir: filepath.Join(dir, "maildir"), log: filepath.Join(dir, "aiosmtpd.log")}
}

// Start starts the server (again) on the same address; it returns once the server greets.
func (e *SMTPEnv) Start(t testing.TB) {
	t.Helper()
	if e.cmd != nil {
		return
	}
	lf, err := os.OpenFile(e.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	cmd := exec.Command(aiosmtpdPython, "-m", "aiosmtpd", "-n", "-l", e.Addr, "-c", "aiosmtpd.handlers.Mailbox", e.Dir)
	if e.RefuseRcpt != "" {
		mod := filepath.Dir(e.log)
		if err := os.WriteFile(filepath.Join(mod, "mkt_refusing.py"), []byte(refusingHandler), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd = exec.Command(aiosmtpdPython, "-m", "aiosmtpd", "-n", "-l", e.Addr, "-c", "mkt_refusing.Refusing", e.Dir)
		cmd.Env = append(os.Environ(), "PYTHONPATH="+mod, "MKT_REFUSE_RCPT="+e.RefuseRcpt)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, lf, lf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start aiosmtpd: %v", err)
	}
	e.cmd, e.done = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(e.done)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if greets(e.Addr) {
			return
		}
		select {
		case <-e.done:
			log, _ := os.ReadFile(e.log)
			e.cmd = nil
			t.Fatalf("aiosmtpd exited at start: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(e.log)
			t.Fatalf("aiosmtpd did not greet on %s within 30 s: %s", e.Addr, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func greets(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "220") {
		return false
	}
	c.Write([]byte("QUIT\r\n"))
	return true
}

// Stop stops the server (SIGTERM, then SIGKILL after 10 s); connections are refused until Start.
func (e *SMTPEnv) Stop(t testing.TB) {
	t.Helper()
	if e.cmd == nil {
		return
	}
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.done:
	case <-time.After(10 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.done
	}
	e.cmd = nil
}

// Messages reads every message received so far, oldest file first.
func (e *SMTPEnv) Messages(t testing.TB) []MailMessage {
	t.Helper()
	var files []string
	for _, sub := range []string{"new", "cur"} {
		ents, _ := os.ReadDir(filepath.Join(e.Dir, sub))
		for _, en := range ents {
			files = append(files, filepath.Join(e.Dir, sub, en.Name()))
		}
	}
	sort.Strings(files)
	var out []MailMessage
	for _, f := range files {
		raw, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(raw)
		if err != nil {
			raw.Close()
			t.Fatalf("%s: %v", f, err)
		}
		body, err := io.ReadAll(m.Body)
		raw.Close()
		if err != nil {
			t.Fatal(err)
		}
		switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
		case "base64":
			if body, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(body)), "")); err != nil {
				t.Fatalf("%s: body: %v", f, err)
			}
		case "quoted-printable":
			if body, err = io.ReadAll(quotedprintable.NewReader(strings.NewReader(string(body)))); err != nil {
				t.Fatalf("%s: body: %v", f, err)
			}
		}
		dec := new(mime.WordDecoder)
		subj, err := dec.DecodeHeader(m.Header.Get("Subject"))
		if err != nil {
			t.Fatalf("%s: subject: %v", f, err)
		}
		to := m.Header.Get("To")
		if a, err := mail.ParseAddress(to); err == nil {
			to = a.Address
		}
		out = append(out, MailMessage{File: f, To: to, From: m.Header.Get("From"), Subject: subj,
			MessageID: m.Header.Get("Message-Id"), Body: string(body)})
	}
	return out
}

// WaitMessages waits (at most timeout, a safety net) until at least n messages arrived, and returns them all.
func (e *SMTPEnv) WaitMessages(t testing.TB, n int, timeout time.Duration) []MailMessage {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ms := e.Messages(t)
		if len(ms) >= n {
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("the SMTP server received %d messages, want %d (waited %s)", len(ms), n, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Port is the server's port.
func (e *SMTPEnv) Port() int {
	_, p, _ := net.SplitHostPort(e.Addr)
	n, _ := strconv.Atoi(p)
	return n
}
