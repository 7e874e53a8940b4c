package platform

import (
	"encoding/binary"
	"strings"
	"sync"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// counters are the only trace lookups and registrations leave: how many per terminal per day and outcome code.
// They are kept in memory and flushed every Options.CounterFlush and on Close, so a lookup costs no disk write; a
// crash loses at most one flush interval of counts (they are statistics, never evidence).
type counters struct {
	mu sync.Mutex
	m  map[string]uint64 // day/terminal/name
}

func newCounters() *counters { return &counters{m: map[string]uint64{}} }

// Count adds one to the aggregate counter name (e.g. "lookup.ok", "lookup.no_service_id") of terminal today.
func (s *Server) Count(terminalID, name string) {
	k := s.now().Format("2006-01-02") + "/" + terminalID + "/" + name
	s.counters.mu.Lock()
	s.counters.m[k]++
	s.counters.mu.Unlock()
}

func (s *Server) flushCounters() {
	s.counters.mu.Lock()
	m := s.counters.m
	s.counters.m = map[string]uint64{}
	s.counters.mu.Unlock()
	if len(m) == 0 {
		return
	}
	err := s.db.Update(func(tx kv.Tx) error {
		b := tx.Bucket(bCounters)
		for k, n := range m {
			var cur uint64
			if v := b.Get([]byte(k)); len(v) == 8 {
				cur = binary.BigEndian.Uint64(v)
			}
			var buf [8]byte
			binary.BigEndian.PutUint64(buf[:], cur+n)
			if err := b.Put([]byte(k), buf[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.log.Error("counter flush failed", "err", err)
	}
}

// CounterRow is one aggregate counter.
type CounterRow struct {
	Day, TerminalID, Name string
	N                     uint64
}

// Counters returns the stored aggregate counters (after flushing the in-memory ones).
func (s *Server) Counters() ([]CounterRow, error) {
	s.flushCounters()
	var rows []CounterRow
	err := s.db.View(func(tx kv.Tx) error {
		return tx.Bucket(bCounters).ForEach(func(k, v []byte) error {
			p := strings.SplitN(string(k), "/", 3)
			if len(p) != 3 || len(v) != 8 {
				return nil
			}
			rows = append(rows, CounterRow{Day: p[0], TerminalID: p[1], Name: p[2], N: binary.BigEndian.Uint64(v)})
			return nil
		})
	})
	return rows, err
}
