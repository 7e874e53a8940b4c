package platform

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// The hot records (terminals, read by every authenticated request; programs and issuers, read by every point
// movement and lookup) are decoded from JSON once per version instead of once per request. A cached record is only a
// shortcut: every read still reads the record's raw bytes in the caller's transaction, and the decoded value is used
// only when those bytes are exactly the ones it was decoded from. So a record changed by any transaction, in this
// process or another one sharing the PostgreSQL store, is decoded afresh, and a rolled-back or not-yet-committed
// change is never seen by a transaction that does not see it in the store.

// recordCacheMax bounds each cache; when full it starts over (the records are re-decoded on their next read).
const recordCacheMax = 8192

type cachedRecord[T any] struct {
	raw []byte
	val T
}

// recordCache maps a bucket key to its last decoded record.
type recordCache[T any] struct {
	mu sync.RWMutex
	m  map[string]*cachedRecord[T]
}

var (
	terminalCache = &recordCache[terminalRec]{}
	programCache  = &recordCache[mkpf.Program]{}
	issuerCache   = &recordCache[mkpf.Issuer]{}
)

// get decodes the record under key in b into a value the caller owns (found false when absent), using the cached
// decoding when the raw bytes are unchanged. clone copies what the value shares by reference (nil: a plain copy).
func (c *recordCache[T]) get(b kv.Bucket, key string, clone func(*T)) (v T, found bool, err error) {
	raw := b.Get([]byte(key))
	if raw == nil {
		return v, false, nil
	}
	v, err = c.decode(key, raw, clone)
	return v, true, err
}

// decode is get for the raw bytes of the record under key, read by the caller (nil: absent is the caller's to tell).
func (c *recordCache[T]) decode(key string, raw []byte, clone func(*T)) (v T, err error) {
	c.mu.RLock()
	e := c.m[key]
	c.mu.RUnlock()
	if e != nil && bytes.Equal(e.raw, raw) {
		v = e.val
		if clone != nil {
			clone(&v)
		}
		return v, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, err
	}
	ne := &cachedRecord[T]{raw: bytes.Clone(raw), val: v}
	if clone != nil {
		clone(&ne.val) // the cache keeps its own copy: the caller may change v
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= recordCacheMax {
		c.m = make(map[string]*cachedRecord[T])
	}
	c.m[key] = ne
	c.mu.Unlock()
	return v, nil
}

// cloneTerminal gives a terminal record its own device key, fingerprint and contact.
func cloneTerminal(t *terminalRec) {
	t.DeviceKey = slices.Clone(t.DeviceKey)
	t.Fingerprint = slices.Clone(t.Fingerprint)
	if t.Contact != nil {
		c := *t.Contact
		t.Contact = &c
	}
}
