package platform_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/platform"
)

// waitFor polls cond until it holds (a safety-net deadline only).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(mailWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not reached within %v: %s", mailWait, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func counts(t *testing.T, s *platform.Server) (pending, dead int) {
	t.Helper()
	var err error
	if pending, err = s.PendingNotices(); err != nil {
		t.Fatal(err)
	}
	if dead, err = s.DeadNotices(); err != nil {
		t.Fatal(err)
	}
	return
}

// Issue 17 L3: a notice refused for good (5xx) was retried every 10 minutes for ever, and every poll decoded the
// whole outbox. With the real aiosmtpd refusing one mailbox with 550: that notice is dead-lettered after one try while
// the other is delivered; with the server down, a notice is given up after MaxAttempts; and notices waiting for a
// retry are not read by the poll (the outbox is indexed by next try).
func TestMail_PermanentRefusalIsDeadLetteredAndThePollReadsDueNoticesOnly(t *testing.T) {
	env := testenv.Platform(t)
	srv := env.Server
	smtp := testenv.SMTPRefusing(t, "gone")
	if err := srv.SetNotices(platform.DemoYamadaMyKeyID, "gone@example.jp", []string{platform.NoticeGrant}); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetNotices(platform.DemoSuzukiMyKeyID, "ok@example.jp", []string{platform.NoticeGrant}); err != nil {
		t.Fatal(err)
	}
	queue := func(who string, i int) {
		t.Helper()
		if err := platform.QueueNoticeForTest(srv, who, platform.NoticeGrant, fmt.Sprintf("お知らせ %d", i), "本文"); err != nil {
			t.Fatal(err)
		}
	}
	queue(platform.DemoYamadaMyKeyID, 1)
	queue(platform.DemoSuzukiMyKeyID, 2)
	m := startMailer(t, srv, smtp)
	if ms := smtp.WaitMessages(t, 1, mailWait); ms[0].To != "ok@example.jp" {
		t.Fatalf("delivered: %+v", ms)
	}
	waitFor(t, "the refused notice dead-lettered", func() bool { p, d := counts(t, srv); return p == 0 && d == 1 })
	// The sender counts a notice after the store has it (dead or sent): wait for its counters, then check them.
	waitFor(t, "the sender's counters", func() bool { st := m.Stats(); return st.Failed+st.Sent >= 2 && st.Dead >= 1 })
	if st := m.Stats(); st.Failed != 1 || st.Dead != 1 || st.Sent != 1 {
		t.Fatalf("a 550 must be tried once and given up: %+v", st)
	}
	m.Stop()

	// The SMTP server down: a notice is given up after MaxAttempts.
	smtp.Stop(t)
	m2, err := srv.StartMailer(platform.MailConfig{Addr: smtp.Addr, From: "no-reply@mykey-platform.example",
		RetryMin: 10 * time.Millisecond, RetryMax: 20 * time.Millisecond, Poll: time.Second, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	queue(platform.DemoSuzukiMyKeyID, 3)
	waitFor(t, "out of attempts", func() bool { p, d := counts(t, srv); return p == 0 && d == 2 })
	waitFor(t, "the sender's counters", func() bool { st := m2.Stats(); return st.Failed >= 3 && st.Dead >= 1 })
	if st := m2.Stats(); st.Failed != 3 || st.Dead != 1 {
		t.Fatalf("three attempts, then dead: %+v", st)
	}
	m2.Stop()

	// 300 notices waiting for a retry an hour away; a new one is read alone.
	m3, err := srv.StartMailer(platform.MailConfig{Addr: smtp.Addr, From: "no-reply@mykey-platform.example",
		RetryMin: time.Hour, RetryMax: time.Hour, Poll: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer m3.Stop()
	for i := 0; i < 300; i++ {
		queue(platform.DemoSuzukiMyKeyID, 100+i)
	}
	waitFor(t, "300 failed first tries", func() bool { return m3.Stats().Failed == 300 })
	smtp.Start(t)
	read := m3.Stats().Read
	queue(platform.DemoSuzukiMyKeyID, 999)
	waitFor(t, "the new notice delivered", func() bool { return m3.Stats().Sent == 1 })
	if n := m3.Stats().Read - read; n != 1 {
		t.Fatalf("the sender read %d outbox records to send one new notice (300 wait for their retry)", n)
	}
	if p, _ := counts(t, srv); p != 300 {
		t.Fatalf("pending %d, want the 300 waiting", p)
	}
}
