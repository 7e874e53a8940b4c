// Package pki holds the JPKI certificate checks that need no store: the serial's spelling, the chain and validity
// check against a pool of trusted roots at a given time, the cache of trusted root pools (filled by a loader the
// server gives), and the cache of certificates that passed the chain check. The revocation list and the stored
// roots live in the platform's store; package platform reads them and maps this package's errors to the API's.
//
// This package imports nothing of platform.
package pki

import (
	"crypto/x509"
	"errors"
	"strings"
	"sync"
	"time"
)

// SerialHex is the serial spelling used everywhere (same as demopki.SerialHex and cardio.SerialHex).
func SerialHex(c *x509.Certificate) string { return strings.ToUpper(c.SerialNumber.Text(16)) }

// Checked is a certificate that passed the chain and validity checks (and, where the platform says so, the
// revocation check).
type Checked struct {
	Serial   string
	NotAfter time.Time
}

// MaxCertSize is the largest DER certificate Verify accepts.
const MaxCertSize = 16 << 10

// The refusals of Parse and VerifyChain.
var (
	ErrInvalid = errors.New("pki: the certificate does not parse or does not chain to a trusted root")
	ErrExpired = errors.New("pki: the certificate chains but now is outside its validity period")
)

// Parse parses a DER certificate of at most MaxCertSize bytes; ErrInvalid otherwise.
func Parse(der []byte) (*x509.Certificate, error) {
	if len(der) == 0 || len(der) > MaxCertSize {
		return nil, ErrInvalid
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, ErrInvalid
	}
	return c, nil
}

// VerifyChain checks that c chains to a root of pool (any key usage) and that now is within its validity period.
// ErrExpired is given only for a certificate that chains (at a time inside its validity), so a forged certificate
// never gets the friendlier "expired" answer; a certificate that does not chain is ErrInvalid.
func VerifyChain(c *x509.Certificate, pool *x509.CertPool, now time.Time) error {
	if now.After(c.NotAfter) || now.Before(c.NotBefore) {
		at := c.NotAfter.Add(-time.Second)
		if now.Before(c.NotBefore) {
			at = c.NotBefore
		}
		if _, err := c.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			return ErrInvalid
		}
		return ErrExpired
	}
	if _, err := c.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return ErrInvalid
	}
	return nil
}

// RootsTTL is how long Roots keeps pools before loading them again: another server process or an admin command on
// a shared PostgreSQL may have added a root.
const RootsTTL = time.Minute

// Roots caches the trusted root pools for user-authentication ("auth") and signing ("sign") certificates. The zero
// value is ready to use; it is safe for concurrent use.
type Roots struct {
	mu         sync.Mutex
	auth, sign *x509.CertPool
	loaded     time.Time
}

// Pools returns the cached pools, or those load makes when none are cached or they are older than RootsTTL. A load
// error is returned and nothing is cached.
func (r *Roots) Pools(load func() (auth, sign *x509.CertPool, err error)) (auth, sign *x509.CertPool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.auth != nil && time.Since(r.loaded) < RootsTTL {
		return r.auth, r.sign, nil
	}
	auth, sign, err = load()
	if err != nil {
		return nil, nil, err
	}
	r.auth, r.sign, r.loaded = auth, sign, time.Now()
	return auth, sign, nil
}

// Forget drops the cached pools: the next Pools loads them (a root was added).
func (r *Roots) Forget() {
	r.mu.Lock()
	r.auth, r.sign = nil, nil
	r.mu.Unlock()
}
