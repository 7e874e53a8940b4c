package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"
)

var t0 = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

// issue makes a certificate valid [t0, t0+1 year) signed by parent's key (self-signed when parent is nil).
func issue(t *testing.T, serial int64, ca bool, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, []byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "test"},
		NotBefore: t0, NotAfter: t0.AddDate(1, 0, 0), IsCA: ca, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, der, key
}

// TestVerifyChain_ExpiredOnlyForACertificateThatChains: a chained certificate outside its validity is ErrExpired, a
// forged one (another CA) is ErrInvalid at any time, so a forgery never gets the friendlier answer.
func TestVerifyChain_ExpiredOnlyForACertificateThatChains(t *testing.T) {
	root, _, rootKey := issue(t, 1, true, nil, nil)
	other, _, otherKey := issue(t, 2, true, nil, nil)
	pool := x509.NewCertPool()
	pool.AddCert(root)
	good, _, _ := issue(t, 0x1a2b, false, root, rootKey)
	forged, _, _ := issue(t, 0x1a2b, false, other, otherKey)

	for _, tc := range []struct {
		name string
		c    *x509.Certificate
		at   time.Time
		want error
	}{
		{"chained, inside its validity", good, t0.Add(time.Hour), nil},
		{"chained, after its validity", good, t0.AddDate(2, 0, 0), ErrExpired},
		{"chained, before its validity", good, t0.Add(-time.Hour), ErrExpired},
		{"forged, inside its validity", forged, t0.Add(time.Hour), ErrInvalid},
		{"forged, after its validity", forged, t0.AddDate(2, 0, 0), ErrInvalid},
	} {
		if err := VerifyChain(tc.c, pool, tc.at); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: VerifyChain = %v, want %v", tc.name, err, tc.want)
		}
	}
	if SerialHex(good) != "1A2B" {
		t.Errorf("SerialHex = %q, want 1A2B", SerialHex(good))
	}
}

func TestParse_RefusesEmptyOversizedAndGarbage(t *testing.T) {
	_, der, _ := issue(t, 3, true, nil, nil)
	if _, err := Parse(der); err != nil {
		t.Fatalf("Parse(valid) = %v", err)
	}
	for name, b := range map[string][]byte{"empty": nil, "oversized": make([]byte, MaxCertSize+1), "garbage": []byte("not a certificate")} {
		if _, err := Parse(b); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%s) = %v, want ErrInvalid", name, err)
		}
	}
}

// TestChainCache_ReusedOnlyWithinTTLValidityAndForwardClock: a cached check is given back within ChainCacheTTL while
// the certificate is valid; never after the TTL, after NotAfter, or when the clock was set back before the check.
func TestChainCache_ReusedOnlyWithinTTLValidityAndForwardClock(t *testing.T) {
	var c ChainCache
	der := []byte("a certificate")
	notAfter := t0.Add(time.Hour)
	if _, ok := c.Get(der, t0); ok {
		t.Fatal("an empty cache answered")
	}
	c.Put(der, Checked{Serial: "AB", NotAfter: notAfter}, t0)
	if cc, ok := c.Get(der, t0.Add(ChainCacheTTL-time.Second)); !ok || cc.Serial != "AB" {
		t.Fatalf("within the TTL: %v %v", cc, ok)
	}
	if _, ok := c.Get([]byte("another certificate"), t0); ok {
		t.Error("another certificate answered from the cache")
	}
	for name, at := range map[string]time.Time{
		"after the TTL":           t0.Add(ChainCacheTTL),
		"clock set back":          t0.Add(-time.Second),
		"after the cert's expiry": notAfter.Add(time.Second),
	} {
		if _, ok := c.Get(der, at); ok {
			t.Errorf("%s: the cached check was reused", name)
		}
	}
	c.Put(der, Checked{Serial: "AB", NotAfter: t0.Add(time.Minute)}, t0)
	if _, ok := c.Get(der, t0.Add(2*time.Minute)); ok {
		t.Error("reused past NotAfter (within the TTL)")
	}
}

// TestRoots_LoadedOnceThenForgotten: Pools loads once within RootsTTL, a load error caches nothing, Forget reloads.
func TestRoots_LoadedOnceThenForgotten(t *testing.T) {
	var r Roots
	loads := 0
	load := func() (*x509.CertPool, *x509.CertPool, error) {
		loads++
		return x509.NewCertPool(), x509.NewCertPool(), nil
	}
	fail := func() (*x509.CertPool, *x509.CertPool, error) { return nil, nil, errors.New("store down") }
	if _, _, err := r.Pools(fail); err == nil {
		t.Fatal("a load error was not returned")
	}
	for range 3 {
		if _, _, err := r.Pools(load); err != nil {
			t.Fatal(err)
		}
	}
	if loads != 1 {
		t.Fatalf("loads = %d, want 1", loads)
	}
	r.Forget()
	if _, _, err := r.Pools(load); err != nil || loads != 2 {
		t.Fatalf("after Forget: loads = %d, err %v", loads, err)
	}
}
