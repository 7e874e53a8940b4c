package platform_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
)

// swapHandler serves whichever server is current, so a server can be replaced on the same URL (a restart).
type swapHandler struct{ h atomic.Pointer[http.Handler] }

func (s *swapHandler) set(h http.Handler) { s.h.Store(&h) }
func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// Issue 17 H4/L6: sealing neither rotated the secrets nor wiped the plaintext, so a backup taken while sealed still
// held the plain auth key and a forged token worked on the sealed server; a plain value planted in a sealed store was
// accepted. Now the first start with an operator key replaces the auth key and the current voucher key and compacts
// the file; backups are compacted copies; a plain value in a sealed store stops the server at start.
func TestSecurity_SealingReplacesTheAuthKeyAndLeavesNoPlaintext(t *testing.T) {
	testenv.BboltOnly(t, "a bbolt file's compaction and its backup files")
	path := filepath.Join(t.TempDir(), "mkpf.db")
	opts := platform.Options{Argon2Time: 1, Argon2Memory: 1024}
	plainSrv, err := platform.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := plainSrv.SeedDemo(); err != nil {
		t.Fatal(err)
	}
	sw := &swapHandler{}
	sw.set(plainSrv.Handler())
	hs := httptest.NewServer(sw)
	defer hs.Close()
	env := &testenv.PlatformEnv{URL: hs.URL, Server: plainSrv, DBPath: path, HTTP: hs}
	c := env.Enrolled(t, "00052489")
	d := newRawDevice(t, hs.URL, "00052589")
	tok := d.token(t)
	if st, raw := d.do(t, "GET", "/v1/points/voucher-keys", tok, nil, nil); st != 200 {
		t.Fatalf("before sealing: %d %s", st, raw)
	}
	old, err := plainSrv.SecretsForTest()
	if err != nil {
		t.Fatal(err)
	}
	oldAuth := old["auth_hmac_key"]
	if len(oldAuth) != 32 {
		t.Fatalf("plain auth key: %x", oldAuth)
	}
	plainSrv.Close()
	plainFile, _ := os.ReadFile(path)
	if !bytes.Contains(plainFile, oldAuth) {
		t.Fatal("the plain store should hold its auth key in clear (the test would prove nothing)")
	}
	start := time.Now()

	// First start with the operator key: the one-time sealing.
	key := bytes.Repeat([]byte{0x42}, 32)
	sealed, err := platform.Open(path, platform.Options{Argon2Time: 1, Argon2Memory: 1024, SecretKey: key})
	if err != nil {
		t.Fatal(err)
	}
	defer sealed.Close()
	sealTime := time.Since(start)
	sw.set(sealed.Handler())
	now, _ := sealed.SecretsForTest()
	if bytes.Equal(now["auth_hmac_key"], oldAuth) {
		t.Fatal("the auth key was not replaced at the sealing")
	}
	var backup bytes.Buffer
	if _, err := sealed.Backup(&backup); err != nil {
		t.Fatal(err)
	}
	file, _ := os.ReadFile(path)
	t.Logf("FIGURE sealing the demo store: %v (open, seal, compact, reopen); file %d → %d bytes; backup %d bytes",
		sealTime, len(plainFile), len(file), backup.Len())
	for name, v := range old {
		if name == "auth_hmac_key" || len(v) >= 16 && bytes.HasPrefix([]byte(name), []byte("voucher/")) {
			if bytes.Contains(backup.Bytes(), v) {
				t.Errorf("a backup taken after the sealing holds the old plain %s", name)
			}
			if bytes.Contains(file, v) {
				t.Errorf("the store after the sealing holds the old plain %s", name)
			}
		}
	}
	// The backup is a store that opens with the key (and its secrets are the sealed ones).
	restored := filepath.Join(t.TempDir(), "restored.db")
	if err := os.WriteFile(restored, backup.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := platform.Open(restored, platform.Options{SecretKey: key}); err != nil {
		t.Fatalf("the compacted backup does not open: %v", err)
	} else {
		s.Close()
	}

	// A token signed with the pre-sealing key is refused through HTTP; points sessions likewise.
	if st, raw := d.do(t, "GET", "/v1/points/voucher-keys", tok, nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("pre-sealing token on the sealed server: %d %s", st, raw)
	}
	if st, raw := d.do(t, "POST", "/v1/points/balances", tok, mkpf.PatronRef{AuthCert: profile(t, "yamada").AuthCertDER}, nil); st != http.StatusUnauthorized {
		t.Fatalf("pre-sealing token and points session: %d %s", st, raw)
	}
	// The terminal fetches a new token with its device key by itself (no clerk action).
	if _, err := c.Issuers(ctx(t)); err != nil {
		t.Fatalf("the enrolled client after the sealing: %v", err)
	}
	// The vouchers' keys: a new current key, the old one still listed (vouchers issued before still verify).
	keys, err := c.VoucherKeys(ctx(t))
	if err != nil || len(keys) < 2 {
		t.Fatalf("voucher keys after the sealing: %d %v", len(keys), err)
	}
	sealed.Close()

	// A plain value planted in the sealed store is refused at start.
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	planted := append([]byte("plain1:"), bytes.Repeat([]byte{9}, 32)...)
	if err := db.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("secrets")).Put([]byte("auth_hmac_key"), planted) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := platform.Open(path, platform.Options{SecretKey: key}); err == nil || !strings.Contains(err.Error(), platform.ErrPlainSecret.Error()) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("a planted plain auth key with the operator key set: %v", err)
	}
}
