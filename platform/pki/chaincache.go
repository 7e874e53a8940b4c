package pki

// A short-lived cache of certificate chain checks for the points routes and the service-ID lookup: a patron's card
// is read once and its certificate sent with every call of a screen flow (balances, then use), and a busy counter
// sends the same few certificates all day. The RSA chain verification is the costliest CPU step of a lookup or a
// point transaction; a cached answer is reused for ChainCacheTTL while the certificate is inside its validity
// period. The cache holds no revocation answer: the caller consults the revocation list on every call (in the call's
// own transaction), so a revocation applies at once.

import (
	"crypto/sha256"
	"sync"
	"time"
)

const (
	// ChainCacheTTL is how long a chain check is reused.
	ChainCacheTTL = 10 * time.Minute
	// chainCacheSize bounds the cache; when full it starts over.
	chainCacheSize = 4096
)

type chainCacheEntry struct {
	cc         Checked
	notBefore  time.Time // the check's own time: a clock set back re-verifies
	verifiedAt time.Time
}

// ChainCache remembers certificates (by the SHA-256 of their DER) that passed the chain and validity check. The
// zero value is ready to use; it is safe for concurrent use.
type ChainCache struct {
	mu sync.Mutex
	m  map[[32]byte]chainCacheEntry
}

// Get is the cached chain and validity check of der at now, if there is a usable one: checked less than
// ChainCacheTTL ago, not at a later time than now, and now inside the certificate's validity.
func (c *ChainCache) Get(der []byte, now time.Time) (*Checked, bool) {
	k := sha256.Sum256(der)
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && now.Sub(e.verifiedAt) < ChainCacheTTL && !now.Before(e.notBefore) && !now.After(e.cc.NotAfter) {
		cc := e.cc
		return &cc, true
	}
	return nil, false
}

// Put remembers that der passed the check at now.
func (c *ChainCache) Put(der []byte, cc Checked, now time.Time) {
	k := sha256.Sum256(der)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= chainCacheSize {
		c.m = map[[32]byte]chainCacheEntry{}
	}
	c.m[k] = chainCacheEntry{cc: cc, notBefore: now, verifiedAt: now}
	c.mu.Unlock()
}
