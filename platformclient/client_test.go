package platformclient_test

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func yamada(t testing.TB) []byte {
	p, err := demopki.Get("yamada")
	if err != nil {
		t.Fatal(err)
	}
	return p.AuthCertDER
}

func enroll(t testing.TB, c *platformclient.Client, url, id string) {
	t.Helper()
	dt, _ := platform.DemoTerminalByID(id)
	if _, err := c.Enroll(ctx(t), url, dt.ID, dt.Password); err != nil {
		t.Fatalf("enroll: %v", err)
	}
}

func TestDeviceKey_IsProtectedAtRestAndSurvivesRestart(t *testing.T) {
	env := testenv.Platform(t)
	dir := t.TempDir()
	c, err := platformclient.Open(dir, platformclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	enroll(t, c, env.URL, "00052489")
	fp := c.Fingerprint()
	c.Close()
	state := filepath.Join(dir, platformclient.StateFile)
	fi, err := os.Stat(state)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("the state file holding the device key has mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the terminal's state is one bbolt file, found %v", entries)
	}
	os.Chmod(state, 0o644) // copied in with a looser mode: Open makes it owner-only again
	c, err = platformclient.Open(dir, platformclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !c.Enrolled() || c.Terminal().TerminalID != "00052489" || c.PlatformURL() != env.URL {
		t.Fatalf("state after reopen: %v %+v %s", c.Enrolled(), c.Terminal(), c.PlatformURL())
	}
	if fi, _ := os.Stat(state); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("Open did not restore mode 0600: %v", fi.Mode().Perm())
	}
	if c.Fingerprint() != fp {
		t.Fatal("the fingerprint changed across a restart")
	}
	if r, err := c.Lookup(ctx(t), yamada(t)); err != nil || r.CardNumber != "180000000011" {
		t.Fatalf("lookup after restart (new token from the stored key): %+v %v", r, err)
	}
	// A damaged key file is reported with the clerk message, not a crash.
	c.Close()
	db, err := bbolt.Open(state, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("state")).Put([]byte("device_key"), []byte("x")) })
	db.Close()
	c, _ = platformclient.Open(dir, platformclient.Options{})
	defer c.Close()
	_, err = c.Lookup(ctx(t), yamada(t))
	if !errors.Is(err, platformclient.ErrDeviceKey) || platformclient.Message(err) != platformclient.MsgDeviceKey {
		t.Fatalf("damaged key: %v", err)
	}
}

func TestFingerprint_PerInstall(t *testing.T) {
	a, _ := platformclient.Open(t.TempDir(), platformclient.Options{})
	b, _ := platformclient.Open(t.TempDir(), platformclient.Options{})
	defer a.Close()
	defer b.Close()
	if a.Fingerprint() == b.Fingerprint() {
		t.Fatal("two installs on one machine must differ (per-install value)")
	}
	if platformclient.Fingerprint([]byte("x")) != platformclient.Fingerprint([]byte("x")) {
		t.Fatal("not deterministic")
	}
}

func TestLocalSettings_RoundTripAndPersist(t *testing.T) {
	type rec struct {
		Reader string            `json:"reader"`
		Delay  int               `json:"key_delay_ms"`
		Extra  map[string]string `json:"extra"`
	}
	dir := t.TempDir()
	c, _ := platformclient.Open(dir, platformclient.Options{})
	var fresh rec
	if err := c.LoadLocal(&fresh); err != nil || fresh.Reader != "" {
		t.Fatalf("fresh settings: %+v %v", fresh, err)
	}
	want := rec{Reader: "Virtual PCD 00 00", Delay: 20, Extra: map[string]string{"k": "v"}}
	if err := c.SaveLocal(want); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c, _ = platformclient.Open(dir, platformclient.Options{})
	defer c.Close()
	var got rec
	if err := c.LoadLocal(&got); err != nil || got.Reader != want.Reader || got.Delay != 20 || got.Extra["k"] != "v" {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestOpen_StateLockedByAnotherProgram(t *testing.T) {
	dir := t.TempDir()
	a, err := platformclient.Open(dir, platformclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	_, err = platformclient.Open(dir, platformclient.Options{})
	if !errors.Is(err, platformclient.ErrStateLocked) || !strings.Contains(platformclient.Message(err), "二重に起動") {
		t.Fatalf("%v / %s", err, platformclient.Message(err))
	}
}

func TestNotEnrolled_SaysToEnroll(t *testing.T) {
	c, _ := platformclient.Open(t.TempDir(), platformclient.Options{})
	defer c.Close()
	_, err := c.Lookup(ctx(t), yamada(t))
	if !errors.Is(err, platformclient.ErrNotEnrolled) || platformclient.Message(err) != platformclient.MsgNotEnrolled {
		t.Fatalf("%v", err)
	}
}

func TestMessage_PlatformDown(t *testing.T) {
	env := testenv.Platform(t)
	c := env.Enrolled(t, "00052489")
	env.HTTP.Close()
	start := time.Now()
	_, err := c.Lookup(ctx(t), yamada(t))
	if !errors.Is(err, platformclient.ErrUnavailable) {
		t.Fatalf("%v", err)
	}
	if m := platformclient.Message(err); !strings.HasPrefix(m, "プラットフォームに接続できません") {
		t.Fatalf("message %q", m)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("giving up took %v", time.Since(start))
	}
}

// proxy forwards to the platform and lets a test interfere per request.
type proxy struct {
	target *url.URL
	rp     *httputil.ReverseProxy
	hook   func(w http.ResponseWriter, r *http.Request) bool // true: handled, do not forward
}

func newProxy(t testing.TB, platformURL string, hook func(w http.ResponseWriter, r *http.Request) bool) string {
	u, _ := url.Parse(platformURL)
	p := &proxy{target: u, rp: httputil.NewSingleHostReverseProxy(u), hook: hook}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.hook != nil && p.hook(w, r) {
			return
		}
		p.rp.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	return hs.URL
}

func TestDeadline_EveryCallHasOne(t *testing.T) {
	env := testenv.Platform(t)
	var slow atomic.Bool
	url := newProxy(t, env.URL, func(w http.ResponseWriter, r *http.Request) bool {
		if slow.Load() && r.URL.Path == "/v1/lookup" {
			io.Copy(io.Discard, r.Body) // so the server notices the client hanging up
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return true
		}
		return false
	})
	c, _ := platformclient.Open(t.TempDir(), platformclient.Options{Timeout: time.Second, Retries: -1})
	defer c.Close()
	enroll(t, c, url, "00052489")
	slow.Store(true)
	start := time.Now()
	_, err := c.Lookup(context.Background(), yamada(t))
	if !errors.Is(err, platformclient.ErrTimeout) || platformclient.Message(err) != platformclient.MsgTimeout {
		t.Fatalf("%v", err)
	}
	if el := time.Since(start); el > 4*time.Second {
		t.Fatalf("the deadline did not hold: %v", el)
	}
}

func TestRetry_OnlySafeCallsAreRetried(t *testing.T) {
	env := testenv.Platform(t)
	var mu sync.Mutex
	failNext := map[string]int{}
	hits := map[string]int{}
	url := newProxy(t, env.URL, func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		hits[r.URL.Path]++
		if failNext[r.URL.Path] > 0 {
			failNext[r.URL.Path]--
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	c, _ := platformclient.Open(t.TempDir(), platformclient.Options{Timeout: 5 * time.Second})
	defer c.Close()
	enroll(t, c, url, "00052489")
	mu.Lock()
	failNext["/v1/lookup"] = 2
	mu.Unlock()
	if r, err := c.Lookup(ctx(t), yamada(t)); err != nil || r.CardNumber != "180000000011" {
		t.Fatalf("a lookup is a read: retried through two 503s: %+v %v", r, err)
	}
	// A state-changing call without an idempotency key is not retried.
	mu.Lock()
	failNext["/v1/service-ids"] = 1
	hits["/v1/service-ids"] = 0
	mu.Unlock()
	err := c.RawDo(ctx(t), "POST", "/v1/service-ids", mkpf.RegisterRequest{AuthCert: yamada(t), CardNumber: "1"}, nil, "")
	mu.Lock()
	n := hits["/v1/service-ids"]
	mu.Unlock()
	if err == nil || n != 1 {
		t.Fatalf("unkeyed POST: err=%v hits=%d (want one attempt)", err, n)
	}
}

func TestRetry_LostAnswerOfARegistrationAppliesOnce(t *testing.T) {
	env := testenv.Platform(t)
	var mu sync.Mutex
	var keys []string
	dropped := false
	url := newProxy(t, env.URL, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/v1/service-ids" {
			return false
		}
		mu.Lock()
		keys = append(keys, r.Header.Get(mkpf.IdempotencyHeader))
		drop := !dropped
		dropped = true
		mu.Unlock()
		if !drop {
			return false
		}
		// Forward, let the platform apply it, then lose the answer.
		rec := httptest.NewRecorder()
		u, _ := url.Parse(env.URL)
		httputil.NewSingleHostReverseProxy(u).ServeHTTP(rec, r)
		w.WriteHeader(http.StatusBadGateway)
		return true
	})
	c, _ := platformclient.Open(t.TempDir(), platformclient.Options{Timeout: 5 * time.Second})
	defer c.Close()
	enroll(t, c, url, "00052489")
	suzuki, _ := demopki.Get("suzuki")
	res, err := c.RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: suzuki.AuthCertDER, CardNumber: "555"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unchanged {
		t.Fatal("the retry was applied as a second registration instead of returning the first answer")
	}
	if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
		t.Fatalf("the retry must reuse the idempotency key: %q", keys)
	}
}

func TestTLS_WithConfiguredCAFile(t *testing.T) {
	env := testenv.Platform(t)
	hs := httptest.NewTLSServer(env.Server.Handler())
	defer hs.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw}), 0o600)

	plain, _ := platformclient.Open(t.TempDir(), platformclient.Options{Retries: -1})
	defer plain.Close()
	dt, _ := platform.DemoTerminalByID("00052589")
	_, err := plain.Enroll(ctx(t), hs.URL, dt.ID, dt.Password)
	if !errors.Is(err, platformclient.ErrUnavailable) {
		t.Fatalf("an unknown CA must be refused: %v", err)
	}
	dir := t.TempDir()
	c, err := platformclient.Open(dir, platformclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetCAFile(caFile); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Enroll(ctx(t), hs.URL, dt.ID, dt.Password); err != nil {
		t.Fatalf("with the CA file: %v", err)
	}
	c.Close()
	// Remembered for the next run.
	c, _ = platformclient.Open(dir, platformclient.Options{})
	defer c.Close()
	if _, err := c.Issuers(ctx(t)); err != nil {
		t.Fatalf("after reopen: %v", err)
	}
	if _, err := platformclient.Open(t.TempDir(), platformclient.Options{CAFile: "/nonexistent.pem"}); err == nil || !strings.Contains(platformclient.Message(err), "CA証明書") {
		t.Fatalf("missing CA file: %v", err)
	}
}

func TestMessage_CoversEveryError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&mkpf.APIError{Code: "x", Message: "日本語"}, "日本語"},
		{platformclient.ErrNotEnrolled, platformclient.MsgNotEnrolled},
		{context.DeadlineExceeded, platformclient.MsgTimeout},
		{errors.New("other"), platformclient.MsgGeneric},
	} {
		if got := platformclient.Message(tc.err); got != tc.want {
			t.Errorf("%v: %q", tc.err, got)
		}
	}
}
