package platform_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// testPKI is a throwaway JPKI-like CA issuing many patron certificates (the demo PKI has only a handful of cards).
type testPKI struct {
	caDER []byte
	ca    *x509.Certificate
	key   *ecdsa.PrivateKey
}

func newTestPKI(t testing.TB) *testPKI {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "restart-test JPKI Auth CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	return &testPKI{caDER: der, ca: ca, key: key}
}

func (p *testPKI) patron(t testing.TB, i int) []byte {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(1000 + i)), Subject: pkix.Name{CommonName: fmt.Sprintf("patron %d", i)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &k.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestRestartSafety_SIGKILLMidLoadLosesNoRegistration runs mkpf-server as a subprocess, registers service IDs from
// several terminals at once, kills the server with SIGKILL in the middle, restarts it on the same file and checks that
// every registration a terminal saw succeed is there, that the card-number index agrees with the service IDs
// (nothing half-written), and that bbolt's own consistency check passes (on bbolt; it runs on PostgreSQL too).
func TestRestartSafety_SIGKILLMidLoadLosesNoRegistration(t *testing.T) {
	eachStore(t, testRestartSafety_SIGKILLMidLoadLosesNoRegistration)
}

func testRestartSafety_SIGKILLMidLoadLosesNoRegistration(t *testing.T) {
	const patrons = 160
	db := testenv.Store(t)
	pki := newTestPKI(t)
	certs := make([][]byte, patrons)
	{
		s, err := platform.Open(db, platform.Options{Argon2Time: 1, Argon2Memory: 1024})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SeedDemo(); err != nil {
			t.Fatal(err)
		}
		if err := s.AddRoot("auth", pki.caDER); err != nil {
			t.Fatal(err)
		}
		for i := range certs {
			certs[i] = pki.patron(t, i)
			if _, err := s.CreateMyKeyID(certs[i], ""); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
	}
	addr := freeAddr(t)
	srv := startServer(t, addr, db)
	url := "http://" + addr
	clients := enrollAt(t, url, "00052489", "00052490")
	number := func(term, i int) string { return fmt.Sprintf("R%d%05d", term, i) }
	var (
		mu    sync.Mutex
		acked = map[[2]int]bool{}
		next  atomic.Int64
		wg    sync.WaitGroup
	)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			term := w % 2
			for {
				i := int(next.Add(1)) - 1
				if i >= patrons {
					return
				}
				_, err := clients[term].RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: certs[i], CardNumber: number(term, i)})
				if err == nil {
					mu.Lock()
					acked[[2]int{term, i}] = true
					mu.Unlock()
				}
			}
		}(w)
	}
	// Kill once a good part of the load is through (or after a while on a slow machine).
	deadline := time.Now().Add(20 * time.Second)
	for next.Load() < patrons/3 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	wg.Wait()
	mu.Lock()
	nAcked := len(acked)
	mu.Unlock()
	if nAcked == 0 || nAcked >= patrons {
		t.Fatalf("the kill must land mid-load: %d of %d acknowledged", nAcked, patrons)
	}
	t.Logf("%d registrations acknowledged before SIGKILL", nAcked)

	srv = startServer(t, addr, db)
	present := 0
	for i := 0; i < patrons; i++ {
		for term := 0; term < 2; term++ {
			res, err := clients[term].Lookup(ctx(t), certs[i])
			switch {
			case err == nil:
				if res.CardNumber != number(term, i) {
					t.Fatalf("patron %d at terminal %d: card %q", i, term, res.CardNumber)
				}
				present++
				// The card-number index agrees: the same number for another patron is refused.
				_, err := clients[term].RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: certs[(i+1)%patrons], CardNumber: number(term, i)})
				if codeOf(err) != mkpf.CodeNumberTaken && codeOf(err) != mkpf.CodeReplaceNeedsConfirm {
					t.Fatalf("index lost for patron %d: %v", i, err)
				}
			case codeOf(err) == mkpf.CodeNoServiceID:
				if acked[[2]int{term, i}] {
					t.Fatalf("registration of patron %d at terminal %d was acknowledged but is lost", i, term)
				}
			default:
				t.Fatalf("patron %d: %v", i, err)
			}
		}
	}
	if present < nAcked {
		t.Fatalf("%d present < %d acknowledged", present, nAcked)
	}
	srv.Process.Signal(syscall.SIGTERM)
	srv.Wait()
	s, err := platform.Open(db, platform.Options{})
	if err != nil {
		t.Fatalf("reopen after the crash: %v", err)
	}
	defer s.Close()
	if b := kv.BoltOf(s.DB()); b != nil {
		err = b.View(func(tx *bbolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		})
		if err != nil {
			t.Fatalf("bbolt check: %v", err)
		}
	}
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestPrivacy_LogAuditNoSerialMyKeyIDOrCardNumber runs enrollments, lookups and registrations of every outcome with
// the server logging at debug level, and asserts that its whole log output (and its aggregate counters) holds no
// certificate serial, MyKey ID or card number.
func TestPrivacy_LogAuditNoSerialMyKeyIDOrCardNumber(t *testing.T) {
	eachStore(t, testPrivacy_LogAuditNoSerialMyKeyIDOrCardNumber)
}

func testPrivacy_LogAuditNoSerialMyKeyIDOrCardNumber(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	env := testenv.PlatformWith(t, platform.Options{Logger: logger})
	env.HTTP.Config.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	lib := env.Enrolled(t, "00052489")
	shop := env.Enrolled(t, "00052490")
	env.Client(t).Enroll(ctx(t), env.URL, "00052489", "wrong") // a refused login is logged (by terminal ID)
	var secrets []string
	for _, name := range []string{"yamada", "suzuki", "tanaka", "renewed", "expired", "revoked"} {
		p := profile(t, name)
		secrets = append(secrets, p.Serial, p.SignSerial, strings.ToLower(p.Serial))
		for _, c := range []*platformclient.Client{lib, shop} {
			c.Lookup(ctx(t), p.AuthCertDER)
			c.RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: p.AuthCertDER, CardNumber: "424242" + name[:1]})
			c.RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: p.AuthCertDER, CardNumber: "180000000011"})
			c.RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: p.AuthCertDER, CardNumber: "909090", AddressNotice: true, SignCert: p.SignCertDER})
		}
	}
	env.Server.FeedAddressChange(profile(t, "yamada").SignSerial)
	lib.Lookup(ctx(t), profile(t, "yamada").AuthCertDER)
	lib.Lookup(ctx(t), []byte("garbage"))
	secrets = append(secrets, "MY123456", "KEY34567", platform.DemoRevokedMyKeyID, "180000000011", "520625", "424242", "909090")
	out := logs.String()
	if !strings.Contains(out, "00052489") {
		t.Fatalf("the audit must see the log (enrollment lines carry the terminal ID):\n%s", out)
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("the server log holds %q:\n%s", s, out)
		}
	}
	rows, err := env.Server.Counters()
	if err != nil {
		t.Fatal(err)
	}
	lookups := uint64(0)
	for _, r := range rows {
		for _, s := range secrets {
			if strings.Contains(r.Name, s) || strings.Contains(r.TerminalID, s) {
				t.Errorf("counter %+v holds %q", r, s)
			}
		}
		if strings.HasPrefix(r.Name, "lookup.") {
			lookups += r.N
		}
	}
	if lookups != 14 {
		t.Errorf("aggregate lookup counters: %d, want 14 (%+v)", lookups, rows)
	}
}
