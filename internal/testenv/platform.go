package testenv

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// PlatformEnv is a reference platform server with the demo world, serving real HTTP on a loopback port, backed by a
// temporary store (a bbolt file; a PostgreSQL database after UseStore). Each call of Platform gets its own (no global resource, no lock).
type PlatformEnv struct {
	URL    string           // http://127.0.0.1:PORT
	Server *platform.Server // for admin operations in tests (SetHandoffMode, Revoke, FeedAddressChange …)
	DBPath string           // the bbolt file, or the PostgreSQL URL
	HTTP   *httptest.Server
}

// Platform starts the server on 127.0.0.1:0 with the demo world (platform.DemoTerminals, the demopki patrons) and
// stops it at t's cleanup. Passwords are hashed with a cheap argon2id cost to keep tests fast.
func Platform(t testing.TB) *PlatformEnv {
	t.Helper()
	return PlatformWith(t, platform.Options{})
}

// PlatformWith is Platform with options (a clock, throttle limits, a logger for log audits).
func PlatformWith(t testing.TB, opts platform.Options) *PlatformEnv {
	t.Helper()
	if opts.Argon2Memory == 0 {
		opts.Argon2Time, opts.Argon2Memory = 1, 1024
	}
	dbPath := Store(t) // a bbolt file, or PostgreSQL after UseStore(t, "postgres")
	srv, err := platform.Open(dbPath, opts)
	if err != nil {
		t.Fatalf("testenv: platform: %v", err)
	}
	if err := srv.SeedDemo(); err != nil {
		srv.Close()
		t.Fatalf("testenv: platform demo world: %v", err)
	}
	hs := httptest.NewUnstartedServer(srv.Handler())
	hs.Config.ReadHeaderTimeout = 10 * time.Second
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return &PlatformEnv{URL: hs.URL, Server: srv, DBPath: dbPath, HTTP: hs}
}

// Client opens a platformclient in a fresh temporary data directory, not enrolled.
func (p *PlatformEnv) Client(t testing.TB) *platformclient.Client {
	t.Helper()
	c, err := OpenClient(t.TempDir(), platformclient.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("testenv: platform client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Enrolled returns a client enrolled as the demo roster terminal terminalID (e.g. "00052489"), with its contact
// registered (screen 10 done) so every screen works at once.
func (p *PlatformEnv) Enrolled(t testing.TB, terminalID string) *platformclient.Client {
	t.Helper()
	dt, ok := platform.DemoTerminalByID(terminalID)
	if !ok {
		t.Fatalf("testenv: %s is not a demo roster terminal", terminalID)
	}
	c := p.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.Enroll(ctx, p.URL, dt.ID, dt.Password); err != nil {
		t.Fatalf("testenv: enroll %s: %v (%s)", terminalID, err, platformclient.Message(err))
	}
	if err := c.SetContact(ctx, DemoContact(dt)); err != nil {
		t.Fatalf("testenv: contact of %s: %v (%s)", terminalID, err, platformclient.Message(err))
	}
	return c
}

// DemoContact is a valid screen-10 contact for a demo terminal.
func DemoContact(dt platform.DemoTerminal) platformclient.Contact {
	return platformclient.Contact{
		Location: dt.Location, Name: "端末" + dt.ID[4:], IssuerID: dt.IssuerID, Person: "川崎 太郎",
		Organization: "川崎市 市民文化局", PostalCode: "210-8577", Address: "神奈川県川崎市川崎区宮本町1番地",
		Phone: "044-200-2111", Email: "counter@example.jp", EmailConfirm: "counter@example.jp",
	}
}
