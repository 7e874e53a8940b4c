package platform

// A short-lived cache of certificate chain checks for the points routes and the service-ID lookup: a patron's card
// is read once and its certificate sent with every call of a screen flow (balances, then use), and a busy counter
// sends the same few certificates all day. The RSA chain verification is the costliest CPU step of a lookup or a
// point transaction; a cached answer is reused for certCacheTTL while the certificate is inside its validity period,
// and the revocation list is still consulted on every call (in the call's own transaction), so a revocation applies
// at once.

import (
	"crypto/sha256"
	"sync"
	"time"
)

const (
	certCacheTTL  = 10 * time.Minute
	certCacheSize = 4096
)

type certCacheEntry struct {
	cc         checkedCert
	notBefore  time.Time // the check's own time: a clock set back re-verifies
	verifiedAt time.Time
}

type certCache struct {
	mu sync.Mutex
	m  map[[32]byte]certCacheEntry
}

func (s *Server) certCache() *certCache {
	if c := s.certs.Load(); c != nil { // the common case allocates nothing
		return c
	}
	s.certs.CompareAndSwap(nil, &certCache{m: map[[32]byte]certCacheEntry{}})
	return s.certs.Load()
}

// verifyAuthChainCached is verifyCert(der, false) with the chain and validity check cached. On a cache hit the
// revocation list is NOT read: the caller checks it (identityRows.holder) in the transaction it runs anyway (the lookup, the
// points calls through resolveRef), which saves a read transaction per call: a tenth of a lookup's cost on bbolt,
// a round trip on PostgreSQL.
func (s *Server) verifyAuthChainCached(der []byte) (*checkedCert, error) {
	if cc, ok := s.cachedChain(der); ok {
		return cc, nil
	}
	return s.verifyAndCache(der)
}

// cachedChain is the cached chain and validity check of der, if there is a usable one.
func (s *Server) cachedChain(der []byte) (*checkedCert, bool) {
	k := sha256.Sum256(der)
	now := s.now()
	cache := s.certCache()
	cache.mu.Lock()
	e, ok := cache.m[k]
	cache.mu.Unlock()
	if ok && now.Sub(e.verifiedAt) < certCacheTTL && !now.Before(e.notBefore) && !now.After(e.cc.NotAfter) {
		cc := e.cc
		return &cc, true
	}
	return nil, false
}

// verifyAndCache runs the full check (verifyCert) and caches a success.
func (s *Server) verifyAndCache(der []byte) (*checkedCert, error) {
	now := s.now()
	cc, err := s.verifyCert(der, false)
	if err != nil {
		return nil, err
	}
	k := sha256.Sum256(der)
	cache := s.certCache()
	cache.mu.Lock()
	if len(cache.m) >= certCacheSize {
		cache.m = map[[32]byte]certCacheEntry{}
	}
	cache.m[k] = certCacheEntry{cc: *cc, notBefore: now, verifiedAt: now}
	cache.mu.Unlock()
	return cc, nil
}
