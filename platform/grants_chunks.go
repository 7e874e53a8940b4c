package platform

// Grant uploads in chunks (screen 79, handleGrantUpload): at most grantUploadChunk items per transaction, each item
// idempotent by its device GrantID (gr_ids), so an upload whose chunk fails keeps the chunks before it and a retry
// answers those from their stored outcomes and applies the rest: nothing twice, nothing lost. On PostgreSQL a
// chunk first reads what its items will look up in one round trip (kv.PrefetchVia): each item's stored answer, its
// sync entry and, through the MyKey ID that entry names, the membership, the once-only record and the month's count
// (the patron is a row of id_patron since migration 4: one primary-key read per granted item); the chunk's bucket
// writes go to the database as one batch with its commit.

import (
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// grantChunkHooks (a field of the server's pointsState) counts the upload chunks committed and, when fault is set
// (tests), fails a chunk: the observable and the fault of TestGrants_UploadOf1201ItemsIn3ChunksEachGrantedOnce.
type grantChunkHooks struct {
	committed atomic.Int64
	fault     atomic.Pointer[func(chunk int) error]
}

// chunkFault is the test's fault for the upload's chunk n (counted from 0), nil without one.
func (h *grantChunkHooks) chunkFault(n int) error {
	if f := h.fault.Load(); f != nil {
		return (*f)(n)
	}
	return nil
}

// prefetchUpload reads in one round trip what uploadTx will look up for items (a no-op on bbolt).
func prefetchUpload(tx kv.Tx, c *Caller, items []mkpf.GrantUploadItem, now time.Time) {
	month, day := jstMonth(now), jstDayKey(now)
	keys := make([]kv.BucketKey, 0, 2*len(items))
	vias := make([]kv.Via, 0, 3*len(items))
	syncs := map[string]bool{}
	for _, it := range items {
		if !validGrantID(it.GrantID) {
			continue
		}
		keys = append(keys, kv.BucketKey{Bucket: bGrIDs, Key: c.TerminalID + "/" + strings.ToLower(it.GrantID)})
		if !syncs[it.SyncID] && it.SyncID != "" {
			syncs[it.SyncID] = true
			keys = append(keys, kv.BucketKey{Bucket: bGrSyncs, Key: it.SyncID})
		}
		entry := kv.BucketKey{Bucket: bGrSyncMap, Key: it.SyncID + "/" + strings.ToLower(it.Hash)}
		keys = append(keys, entry)
		vias = append(vias, kv.Via{From: entry, Bucket: bGrMembers, Prefix: it.ProjectID + "/"},
			kv.Via{From: entry, Bucket: bGrDone, Prefix: it.ProjectID + "/"},
			kv.Via{From: entry, Bucket: bGrCounts, Prefix: "cap/", Suffix: "/" + month},
			kv.Via{From: entry, Bucket: bGrCounts, Prefix: "notice/", Suffix: "/" + day},
			kv.Via{From: entry, Bucket: bNotices})
	}
	kv.PrefetchVia(tx, keys, vias...)
}

// chunkGrants collects an upload chunk's grants on PostgreSQL and books them all with one statement at the chunk's
// end; nil (bbolt) books each grant at once (grant). Movement numbers are drawn from the sequence in one round trip
// at the chunk's first grant, so each item's answer has its TxnID before the statement runs.
type chunkGrants struct {
	rows     kv.Rows
	n        int // the chunk's items: the most grants it can make
	seqs     []int64
	seq      []int64
	mykeyID  []string
	program  []string
	points   []int64
	terminal []*string
	note     []string
	at       []time.Time
	lastDay  []*string
}

func newChunkGrants(tx kv.Tx, items int) *chunkGrants {
	r, ok := kv.RowsOf(tx)
	if !ok {
		return nil
	}
	return &chunkGrants{rows: r, n: items}
}

// grant is grant (points_ledger.go) for the chunk: the same checks, the rows booked by book.
func (g *chunkGrants) grant(tx kv.Tx, now time.Time, prog *mkpf.Program, mykeyID string, points int64, terminalID, note string) (*pointMove, error) {
	if g == nil {
		m, _, err := grant(tx, now, mykeyID, prog.ID, points, terminalID, note)
		return m, err
	}
	if points <= 0 || points > maxGrant {
		return nil, errPtPoints
	}
	if ok, err := patronExists(tx, mykeyID); err != nil {
		return nil, err
	} else if !ok {
		return nil, errPtNoPatron
	}
	if len(g.seqs) == 0 {
		rows, err := g.rows.Tx.Query(g.rows.Ctx, `SELECT nextval('pt_move_seq') FROM generate_series(1, $1)`, g.n-len(g.seq))
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var s int64
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return nil, err
			}
			g.seqs = append(g.seqs, s)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(g.seqs) == 0 {
			return nil, errors.New("points: no movement numbers drawn")
		}
	}
	m := &pointMove{Seq: uint64(g.seqs[0]), At: moveTime(now), Kind: MoveGrant, MyKeyID: mykeyID, ProgramID: prog.ID, Points: points,
		Delta: points, TerminalID: terminalID, Note: note}
	g.seqs = g.seqs[1:]
	var last *string
	if prog.ExpiryMonths > 0 {
		d := now.In(jst).AddDate(0, prog.ExpiryMonths, 0).Format("2006-01-02")
		last = &d
	}
	g.seq, g.mykeyID, g.program, g.points = append(g.seq, int64(m.Seq)), append(g.mykeyID, mykeyID), append(g.program, prog.ID), append(g.points, points)
	g.terminal, g.note, g.at, g.lastDay = append(g.terminal, nullable(terminalID)), append(g.note, note), append(g.at, m.At), append(g.lastDay, last)
	return m, nil
}

// book queues the chunk's grants as one statement sent with the commit (kv.Rows.Defer): a failure fails the
// commit, and the chunk is rolled back whole.
func (g *chunkGrants) book() {
	if g == nil || len(g.seq) == 0 {
		return
	}
	g.rows.Defer(`WITH g AS (
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::timestamptz[], $8::date[])
				AS g(seq, mykey_id, program_id, points, terminal_id, note, at, last_day)),
		mv AS (
			INSERT INTO pt_move (seq, at, kind, mykey_id, program_id, points, delta, terminal_id, note)
			SELECT seq, at, 'grant', mykey_id, program_id, points, points, terminal_id, note FROM g),
		bal AS (
			INSERT INTO pt_balance AS b (mykey_id, program_id, points)
			SELECT mykey_id, program_id, SUM(points) FROM g GROUP BY mykey_id, program_id
			ON CONFLICT (mykey_id, program_id) DO UPDATE SET points = b.points + EXCLUDED.points),
		lot AS (
			INSERT INTO pt_lot (mykey_id, program_id, last_day, points)
			SELECT mykey_id, program_id, last_day, points FROM g WHERE last_day IS NOT NULL),
		mark AS (
			INSERT INTO pt_terminal_marker (terminal_id, seq)
			SELECT terminal_id, MAX(seq) FROM g WHERE terminal_id IS NOT NULL GROUP BY terminal_id
			ON CONFLICT (terminal_id) DO UPDATE SET seq = EXCLUDED.seq)
		SELECT count(*) FROM g`,
		g.seq, g.mykeyID, g.program, g.points, g.terminal, g.note, g.at, g.lastDay)
}
