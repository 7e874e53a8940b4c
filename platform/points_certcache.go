package platform

// A short-lived cache of certificate chain checks for the points routes: a patron's card is read once and its
// certificate sent with every call of a screen flow (balances, then use), and a busy shop terminal sends the same few
// certificates all day. The RSA chain verification is the costliest CPU step of a point transaction; a cached answer
// is reused for certCacheTTL while the certificate is inside its validity period, and the revocation list is still
// consulted on every call, so a revocation applies at once.

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
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

var certCaches sync.Map // *Server → *certCache

func (s *Server) certCache() *certCache {
	v, _ := certCaches.LoadOrStore(s, &certCache{m: map[[32]byte]certCacheEntry{}})
	return v.(*certCache)
}

// verifyAuthCertCached is verifyCert(der, false) with the chain check cached.
func (s *Server) verifyAuthCertCached(der []byte) (*checkedCert, error) {
	k := sha256.Sum256(der)
	now := s.now()
	cache := s.certCache()
	cache.mu.Lock()
	e, ok := cache.m[k]
	cache.mu.Unlock()
	if ok && now.Sub(e.verifiedAt) < certCacheTTL && !now.Before(e.notBefore) && !now.After(e.cc.NotAfter) {
		revoked := false
		if err := s.db.View(func(tx kv.Tx) error {
			revoked = tx.Bucket(bRevoked).Get([]byte(e.cc.Serial)) != nil
			return nil
		}); err != nil {
			return nil, err
		}
		if !revoked {
			cc := e.cc
			return &cc, nil
		}
	}
	cc, err := s.verifyCert(der, false)
	if err != nil {
		return nil, err
	}
	cache.mu.Lock()
	if len(cache.m) >= certCacheSize {
		cache.m = map[[32]byte]certCacheEntry{}
	}
	cache.m[k] = certCacheEntry{cc: *cc, notBefore: now, verifiedAt: now}
	cache.mu.Unlock()
	return cc, nil
}
