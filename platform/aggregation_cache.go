package platform

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/ledger"
)

// Screen 87 answers are kept per server, keyed by terminal and period, and served again only when the store says
// nothing they show has changed. Every movement that adds a row to a terminal's index (appendMove) also writes the
// movement's sequence under the terminal's ID in bPtTermLast, in the same transaction. An aggregation reads that
// marker, the terminal's place and the names of the programs it shows in one read transaction; when all equal the
// cached answer's, the cached rows are exactly what the index holds in that snapshot, so they are served. Otherwise
// the rows are read in that same transaction and cached. Several server processes sharing one PostgreSQL each keep
// their own cache; each checks the shared marker, so a movement made through any of them is always seen.
//
// Sequences are never reused (a rolled-back sequence is never committed), so a marker names one movement. Restoring
// a store from a backup under running servers could bring back an older marker: restart the servers after a restore
// (docs/deploy.md says so for every restore).

// bPtTermLast maps a terminal ID to the sequence of its latest movement (8 bytes, big endian).
var bPtTermLast = ledger.BucketTermLast

// aggCacheRows bounds the rows a server's cached answers hold together (some 60 MB with their JSON); when a new
// answer would pass it the cache starts over. An answer with more rows than that is not cached.
const aggCacheRows = 200000

type aggEntry struct {
	marker []byte            // bPtTermLast's value when read (nil: no movement recorded)
	place  string            // the terminal's place
	names  map[string]string // program ID → name shown
	agg    *mkpf.Aggregate   // never changed once cached

	once sync.Once
	body []byte // the JSON answer, encoded once
}

type aggCache struct {
	mu   sync.Mutex
	m    map[string]*aggEntry
	rows int // rows held by the answers in m
}

func (s *Server) aggCache() *aggCache {
	if c := s.aggs.Load(); c != nil {
		return c
	}
	s.aggs.CompareAndSwap(nil, &aggCache{m: map[string]*aggEntry{}})
	return s.aggs.Load()
}

// aggregateEntry is the screen-87 answer for terminalID over from..to (JST days, inclusive), from the cache when the
// store shows no change, else read afresh; both in one read transaction.
func (s *Server) aggregateEntry(terminalID, from, to string) (*aggEntry, error) {
	f, err1 := time.ParseInLocation("2006-01-02", from, jst)
	t, err2 := time.ParseInLocation("2006-01-02", to, jst)
	if err1 != nil || err2 != nil || t.Before(f) {
		return nil, Errf(http.StatusBadRequest, mkpf.CodeValidation, "集計対象期間を正しく入力してください（開始日 ≦ 終了日、YYYY-MM-DD）。")
	}
	lo, hi := f, t.AddDate(0, 0, 1)
	key := terminalID + "|" + from + "|" + to
	c := s.aggCache()
	c.mu.Lock()
	old := c.m[key]
	c.mu.Unlock()
	var e *aggEntry
	err := s.db.View(func(tx kv.Tx) error {
		marker, err := ledger.Of(tx).TerminalMarker(terminalID)
		if err != nil {
			return err
		}
		place := s.terminalPlace(tx, terminalID)
		if old != nil && bytes.Equal(old.marker, marker) && old.place == place && namesUnchanged(tx, old.names) {
			e = old
			return nil
		}
		e = &aggEntry{marker: marker, place: place, names: map[string]string{},
			agg: &mkpf.Aggregate{From: from, To: to, TerminalID: terminalID, Location: place, Rows: []mkpf.AggregateRow{}}}
		return aggregateRows(tx, e.agg, terminalID, lo, hi, e.names)
	})
	if err != nil {
		return nil, err
	}
	if n := len(e.agg.Rows); e != old && n <= aggCacheRows {
		c.mu.Lock()
		if prev := c.m[key]; prev != nil {
			c.rows -= len(prev.agg.Rows)
		}
		if c.rows+n > aggCacheRows {
			c.m, c.rows = map[string]*aggEntry{}, 0
		}
		c.m[key] = e
		c.rows += n
		c.mu.Unlock()
	}
	return e, nil
}

// namesUnchanged tells whether every program still has the name an answer shows.
func namesUnchanged(tx kv.Tx, names map[string]string) bool {
	for id, name := range names {
		now := ""
		if p, _ := getProgram(tx, id); p != nil {
			now = p.Name
		}
		if now != name {
			return false
		}
	}
	return true
}

// aggregateJSON is the screen-87 answer encoded as JSON (with WriteJSON's trailing newline), encoded once per
// cached answer.
func (s *Server) aggregateJSON(terminalID, from, to string) ([]byte, error) {
	e, err := s.aggregateEntry(terminalID, from, to)
	if err != nil {
		return nil, err
	}
	e.once.Do(func() {
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(e.agg); err == nil {
			e.body = buf.Bytes()
		}
	})
	if e.body == nil {
		return nil, errInternal
	}
	return e.body, nil
}
