package platform_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

const mailWait = 60 * time.Second // a safety net, never a measure

func startMailer(t *testing.T, s *platform.Server, smtp *testenv.SMTPEnv) *platform.Mailer {
	t.Helper()
	m, err := s.StartMailer(platform.MailConfig{Addr: smtp.Addr, From: "no-reply@mykey-platform.example",
		RetryMin: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond, Poll: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	return m
}

// sentinel grants yamada the points of a new one-person project: its notice is queued after everything before it,
// so once it has arrived every earlier notice has too, and a doubled one would be there to count.
func sentinel(t *testing.T, w *pointsWorld, office *platformclient.Client, name string) {
	t.Helper()
	id, err := w.srv.AddGrantProject(platform.DemoMunicipality, mkpf.GrantProjectRequest{Name: name, PointsPerPerson: 1, Budget: 1, ProgramID: platform.DemoProgramMunicipal})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.srv.AddParticipants(id, []string{platform.DemoYamadaMyKeyID}); err != nil {
		t.Fatal(err)
	}
	res, err := office.GrantWithoutCard(context.Background(), id, platformclient.NewGrantID(), platform.DemoYamadaMyKeyID)
	if err != nil || len(res.Accepted) != 1 {
		t.Fatalf("sentinel grant: %+v %v", res, err)
	}
}

func countTo(ms []testenv.MailMessage) map[string]int {
	n := map[string]int{}
	for _, m := range ms {
		n[m.To]++
	}
	return n
}

func TestMail_GrantNoticeOncePerOptedInHolderOnly(t *testing.T) {
	w := newPointsWorld(t)
	smtp := testenv.SMTP(t)
	startMailer(t, w.srv, smtp)
	ctx := context.Background()
	// suzuki has an address but chose lapse notices only; yamada (demo) chose grant notices.
	if err := w.srv.SetNotices(platform.DemoSuzukiMyKeyID, "suzuki@example.jp", []string{platform.NoticeLapse}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.srv.AddParticipants(platform.DemoGrantProject, []string{platform.DemoSuzukiMyKeyID}); err != nil {
		t.Fatal(err)
	}
	phone := w.grantTerminal("00053062")
	sync, err := phone.SyncGrantRoster(ctx, platform.DemoGrantProject)
	if err != nil {
		t.Fatal(err)
	}
	items := []mkpf.GrantUploadItem{tap(sync, profile(t, "yamada").Serial), tap(sync, profile(t, "suzuki").Serial), tap(sync, profile(t, "yamada").Serial)}
	res, err := phone.UploadGrants(ctx, items)
	if err != nil || len(res.Accepted) != 2 {
		t.Fatalf("upload %+v %v", res, err)
	}
	if _, err := phone.UploadGrants(ctx, items); err != nil { // the same upload again: no new notice
		t.Fatal(err)
	}
	ms := smtp.WaitMessages(t, 1, mailWait)
	m := ms[0]
	t.Logf("notice: %s\n%s", m.Subject, m.Body)
	if m.To != platform.DemoYamadaEmail || !strings.Contains(m.Subject, "ポイント付与のお知らせ") || !strings.Contains(m.Subject, "川崎市") {
		t.Fatalf("notice: %+v", m)
	}
	for _, want := range []string{platform.DemoGrantProjectName, "川崎市 自治体ポイント", "100ポイント", "有効期限"} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("the notice does not say %q:\n%s", want, m.Body)
		}
	}
	for _, never := range []string{platform.DemoYamadaMyKeyID, "山田", profile(t, "yamada").Serial} {
		if strings.Contains(m.Body, never) || strings.Contains(m.Subject, never) {
			t.Errorf("the notice carries %q", never)
		}
	}
	office := w.grantTerminal(platform.DemoGrantOffice)
	sentinel(t, w, office, "確認用の事業")
	ms = smtp.WaitMessages(t, 2, mailWait)
	if n := countTo(ms); len(ms) != 2 || n[platform.DemoYamadaEmail] != 2 || n["suzuki@example.jp"] != 0 {
		t.Fatalf("messages %v", n)
	}
	if strings.Contains(ms[0].Body, "確認用の事業") == strings.Contains(ms[1].Body, "確認用の事業") || ms[0].MessageID == ms[1].MessageID {
		t.Fatalf("want one notice of each project: %+v", ms)
	}
	waitNoPending(t, w.srv)
}

func TestMail_SMTPDownDelaysNoticesNeverLosesOrDoublesThem(t *testing.T) {
	clk := newClock()
	dbPath := testenv.Store(t) // the platform restarts on it
	open := func() (*platform.Server, *httptest.Server) {
		srv, err := platform.Open(dbPath, platform.Options{Now: clk.Now, Argon2Memory: 1024, Argon2Time: 1})
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.SeedDemo(); err != nil {
			t.Fatal(err)
		}
		return srv, httptest.NewServer(srv.Handler())
	}
	srv, hs := open()
	w := &pointsWorld{t: t, srv: srv, url: hs.URL, hs: hs, clk: clk}
	smtp := testenv.SMTP(t)
	smtp.Stop(t) // the SMTP server is down during the upload
	if err := srv.SetNotices(platform.DemoSuzukiMyKeyID, "suzuki@example.jp", []string{platform.NoticeGrant, platform.NoticeLapse}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.AddParticipants(platform.DemoGrantProject, []string{platform.DemoSuzukiMyKeyID}); err != nil {
		t.Fatal(err)
	}
	m, err := srv.StartMailer(platform.MailConfig{Addr: smtp.Addr, From: "no-reply@mykey-platform.example", RetryMin: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond, Poll: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	phone := w.grantTerminal("00053062")
	sync, err := phone.SyncGrantRoster(ctx, platform.DemoGrantProject)
	if err != nil {
		t.Fatal(err)
	}
	items := []mkpf.GrantUploadItem{tap(sync, profile(t, "yamada").Serial), tap(sync, profile(t, "suzuki").Serial)}
	if res, err := phone.UploadGrants(ctx, items); err != nil || len(res.Accepted) != 2 {
		t.Fatalf("upload %+v %v", res, err)
	}
	// The sender tries and fails; the notices wait in the store.
	deadline := time.Now().Add(mailWait)
	for m.Stats().Failed < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the sender never tried: %+v", m.Stats())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n, _ := srv.PendingNotices(); n != 2 {
		t.Fatalf("%d notices waiting, want 2", n)
	}
	// The platform restarts while the SMTP server is still down: the notices are in the database.
	m.Stop()
	hs.Close()
	srv.Close()
	srv, hs = open()
	t.Cleanup(func() { hs.Close(); srv.Close() })
	w.srv, w.url, w.hs = srv, hs.URL, hs
	if n, _ := srv.PendingNotices(); n != 2 {
		t.Fatalf("%d notices after the restart, want 2", n)
	}
	startMailer(t, srv, smtp)
	smtp.Start(t) // the SMTP server is back
	smtp.WaitMessages(t, 2, mailWait)
	office := w.grantTerminal(platform.DemoGrantOffice)
	sentinel(t, w, office, "確認用の事業")
	ms := smtp.WaitMessages(t, 3, mailWait)
	if n := countTo(ms); len(ms) != 3 || n[platform.DemoYamadaEmail] != 2 || n["suzuki@example.jp"] != 1 {
		t.Fatalf("messages %v (%d)", n, len(ms))
	}
	ids := map[string]bool{}
	for _, x := range ms {
		if ids[x.MessageID] {
			t.Fatalf("a notice came twice: %s", x.MessageID)
		}
		ids[x.MessageID] = true
	}
	waitNoPending(t, srv)
	auditOK(t, srv)
}

func TestMail_LapseNoticeWhenPointsExpire(t *testing.T) {
	w := newPointsWorld(t)
	smtp := testenv.SMTP(t)
	startMailer(t, w.srv, smtp)
	if err := w.srv.SetNotices(platform.DemoSuzukiMyKeyID, "suzuki@example.jp", []string{platform.NoticeLapse}); err != nil {
		t.Fatal(err)
	}
	w.clk.Add(25 * 31 * 24 * time.Hour) // past the demo grants' 24 months
	n, err := w.srv.ExpirePoints()
	if err != nil || n != 10000+3000 {
		t.Fatalf("expired %d %v", n, err)
	}
	// No kick: the sender finds the lapse notices at its next look (Poll).
	ms := smtp.WaitMessages(t, 1, mailWait)
	m := ms[0]
	t.Logf("notice: %s\n%s", m.Subject, m.Body)
	if m.To != "suzuki@example.jp" || !strings.Contains(m.Subject, "ポイント失効のお知らせ") || !strings.Contains(m.Body, "3,000ポイント") ||
		!strings.Contains(m.Body, "川崎市 自治体ポイント") {
		t.Fatalf("lapse notice: %+v", m)
	}
	// yamada chose grant notices only: the sentinel's notice is the next (and only other) message.
	sentinel(t, w, w.grantTerminal(platform.DemoGrantOffice), "確認用の事業")
	ms = smtp.WaitMessages(t, 2, mailWait)
	if c := countTo(ms); len(ms) != 2 || c["suzuki@example.jp"] != 1 || c[platform.DemoYamadaEmail] != 1 {
		t.Fatalf("messages %v", c)
	}
}

func TestMail_ConfigRefusesAnUnsafeServer(t *testing.T) {
	w := newPointsWorld(t)
	for _, c := range []platform.MailConfig{
		{Addr: "smtp.example.jp:587", From: "no-reply@example.jp"},            // not loopback, no auth
		{Addr: "smtp.example.jp:587", From: "no-reply@example.jp", User: "u"}, // user without password
		{Addr: "127.0.0.1", From: "no-reply@example.jp"},                      // no port
		{Addr: "127.0.0.1:25", From: "山田 <no-reply@example.jp>"},              // not a plain sender
		{Addr: "127.0.0.1:70000", From: "no-reply@example.jp"},                // bad port
	} {
		if m, err := w.srv.StartMailer(c); err == nil {
			m.Stop()
			t.Errorf("%+v accepted", c)
		}
	}
	for _, bad := range [][]string{{"not an address"}, {"yamada@example.jp", "sms"}} {
		kinds := bad[1:]
		if err := w.srv.SetNotices(platform.DemoYamadaMyKeyID, bad[0], kinds); err == nil {
			t.Errorf("SetNotices %v accepted", bad)
		}
	}
	if err := w.srv.SetNotices("NOBODY00", "x@example.jp", []string{"grant"}); err == nil {
		t.Error("notices for an unknown MyKey ID accepted")
	}
}

// TestMail_LapseNoticeWithoutAnyCall: a running server applies the expiry rules by itself (its maintenance, once a
// JST day), so a holder who never spends again still gets the lapse notice.
func TestMail_LapseNoticeWithoutAnyCall(t *testing.T) {
	defer func(d time.Duration) { platform.MaintenanceEvery = d }(platform.MaintenanceEvery)
	platform.MaintenanceEvery = 20 * time.Millisecond
	w := newPointsWorld(t)
	smtp := testenv.SMTP(t)
	startMailer(t, w.srv, smtp)
	if err := w.srv.SetNotices(platform.DemoSuzukiMyKeyID, "suzuki@example.jp", []string{platform.NoticeLapse}); err != nil {
		t.Fatal(err)
	}
	w.clk.Add(25 * 31 * 24 * time.Hour) // past the demo grants' 24 months: a new day for the maintenance
	ms := smtp.WaitMessages(t, 1, mailWait)
	if m := ms[0]; m.To != "suzuki@example.jp" || !strings.Contains(m.Subject, "ポイント失効のお知らせ") || !strings.Contains(m.Body, "3,000ポイント") {
		t.Fatalf("lapse notice: %+v", m)
	}
	auditOK(t, w.srv)
}

// waitNoPending waits until the outbox is empty: the sender deletes a notice after the SMTP server's final answer,
// which can come a moment after the message is in the server's mailbox (a generous safety net, not a timing check).
func waitNoPending(t *testing.T, srv *platform.Server) {
	t.Helper()
	for deadline := time.Now().Add(mailWait); ; time.Sleep(20 * time.Millisecond) {
		n, err := srv.PendingNotices()
		if err == nil && n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d notices still waiting (%v)", n, err)
		}
	}
}
