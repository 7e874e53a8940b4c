// Package ledger is the money rows of the platform's points ledger: the balances, the movements with their terminal
// index and aggregation markers, the running totals, the lots of programs whose points expire, the idempotency
// answers and the day totals of points moved without proof of presence. Rows is their interface in the ledger's
// words, inside one store transaction; Of(tx) gives the implementation of tx's store. On bbolt (Bolt) they are the
// buckets they always were; on PostgreSQL (PG, pg.go) they are typed tables with constraints (a balance never below
// zero, an idempotency key once per terminal), changed row by row by single statements, so point uses of every server
// process run side by side with no writer lock (kv.DB.UpdateRows) and no global hot row: the ledger totals are
// computed by the audit from the movements, and a terminal's aggregation marker is its own row.
//
// The domain rules (what a point use, a grant, a voucher or a merge books, the presence floor, the audit's
// invariant) stay in package platform, which calls this one. The tables are made by platform's SQL migrations
// (platform/migrations/003_points_ledger_rows.sql), which platform embeds and registers with the store.
//
// What stays in buckets on both stores (programs, merge set-ups, keys, identity) is read in a point use and written
// only by work that takes the writer lock (kv.DB.UpdateContext); a point use that must write one of them finds out
// with kv.ErrNeedsWriter and runs again under the lock.
//
// The package imports nothing of package platform (cmd/mkpf-server's layout test checks it).
package ledger

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform/httpapi"
	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// Buckets of the ledger on bbolt (and in a database made by the key/value layout, before migration 3 moved them).
var (
	BucketBalances   = []byte("pt_balances")         // MyKey ID + "/" + program ID → int64 (8 bytes, big endian)
	BucketMoves      = []byte("pt_moves")            // sequence (8 bytes, big endian) → Move
	BucketByTerminal = []byte("pt_by_terminal")      // terminal ID + "/" + UTC time (RFC 3339, ms) + "/" + sequence hex → nil
	BucketTotals     = []byte("pt_totals")           // total name → int64
	BucketLots       = []byte("pt_lots")             // MyKey ID/program/last valid day/sequence hex → int64 left (expiring programs)
	BucketTermLast   = []byte("pt_term_last")        // terminal ID → sequence of its latest movement (8 bytes, big endian)
	BucketIdem       = []byte("idempotency")         // terminal ID + "/" + key → IdemRecord
	BucketIdemByTime = []byte("idempotency_by_time") // stored-at (8 bytes, Unix ns, big endian) + terminal ID/key → nil
	// BucketDayTotals holds the day totals ("floor/card/…", "floor/term/…" → DayTotal). It is the platform's
	// throttles bucket: the day totals share it with the login and enrollment throttles, whose records have the same
	// JSON shape.
	BucketDayTotals = []byte("throttles")
)

// Movement kinds of the ledger.
const (
	KindGrant        = "grant"
	KindUse          = "use"
	KindVoucherIssue = "voucher_issue"
	KindVoucherClear = "voucher_clear"
	KindVoucherLapse = "voucher_lapse"
	KindMerge        = "merge"
	KindPointsExpire = "points_expire" // points of a grant reached the program's expiry rule
)

// Totals of the ledger invariant.
const (
	TotalGranted     = "granted"
	TotalUsed        = "used"
	TotalOutstanding = "voucher_outstanding"
	TotalCleared     = "voucher_cleared"
	TotalLapsed      = "voucher_lapsed"
	TotalMerged      = "merged"
	TotalExpired     = "points_expired"
)

// ErrInsufficient refuses a debit past zero (a balance, or the lots of a program whose points expire). The message
// is what the clerk sees.
var ErrInsufficient = httpapi.Errf(http.StatusConflict, mkpf.CodeInsufficientPoints, "ポイント残高が足りません。利用ポイント数を残高以下にしてください。")

// Move is one ledger entry. Points is always positive; Delta is the change of the patron's balance.
type Move struct {
	Seq        uint64    `json:"seq"`
	At         time.Time `json:"at"`
	Kind       string    `json:"kind"`
	MyKeyID    string    `json:"mykey_id,omitempty"`
	ProgramID  string    `json:"program_id"`
	Points     int64     `json:"points"`
	Delta      int64     `json:"delta"`
	TerminalID string    `json:"terminal_id,omitempty"`
	VoucherNo  string    `json:"voucher_no,omitempty"`
	MergeTxn   string    `json:"merge_txn,omitempty"`
	Note       string    `json:"note,omitempty"`
}

// TxnID is the movement's transaction ID as the API shows it.
func (m *Move) TxnID() string { return fmt.Sprintf("T%010d", m.Seq) }

// IdemRecord is a stored answer to a state-changing call.
type IdemRecord struct {
	ReqHash []byte          `json:"req_hash"`
	Status  int             `json:"status"`
	Body    json.RawMessage `json:"body"`
	At      time.Time       `json:"at,omitzero"` // when it was stored (pruned platform.IdempotencyKeep later)
}

// DayTotal is the points moved without proof of presence on one day by a card or a terminal. On bbolt it is kept
// as the throttles' record ({"start", "n"}), in the throttles bucket.
type DayTotal struct {
	Start  time.Time `json:"start"`
	Points int64     `json:"n"`
}

// HeldBalance is one program balance of a patron.
type HeldBalance struct {
	ProgramID string
	Points    int64
}

// Lot is one lot: its last valid day (YYYY-MM-DD, Japan time) and the points left.
type Lot struct {
	LastDay string
	Left    int64
}

// LotSum is a holder's lots of a program, summed.
type LotSum struct {
	MyKeyID, ProgramID string
	Points             int64
}

// Rows is the store of the money rows inside one transaction.
type Rows interface {
	// Balance is the patron's balance of a program (0 when none).
	Balance(mykeyID, programID string) (int64, error)
	// ChangeBalance adds delta, refusing with ErrInsufficient to go below zero; it returns the new balance.
	ChangeBalance(mykeyID, programID string, delta int64) (int64, error)
	// DropBalance removes the patron's balance of a program when it is zero (an ID change moved it away).
	DropBalance(mykeyID, programID string) error
	// HeldBalances lists the patron's balances in program ID order.
	HeldBalances(mykeyID string) ([]HeldBalance, error)
	// AppendMove writes the movement, assigning its sequence, with its terminal's index entry and marker.
	AppendMove(m *Move) error
	// DebitAndBook takes m.Points from m's holder's balance of m's program (ErrInsufficient when it holds fewer)
	// and appends m, in one step; it returns the balance after.
	DebitAndBook(m *Move) (int64, error)
	// SpendLots is DebitAndBook for a program whose points expire: first the holder's lots whose last day is before
	// today leave the balance as one points_expire movement (their points returned as expired), then m's points
	// are taken from the balance and from the lots, oldest first; it returns the balance after.
	SpendLots(m *Move, today string) (bal, expired int64, err error)
	// AddTotal adds d to a running ledger total (bbolt); on PostgreSQL the audit sums the movements instead.
	AddTotal(name string, d int64) error
	// StoredAnswer is the stored answer of (terminal, Idempotency-Key), nil when none.
	StoredAnswer(terminalID, key string) (*IdemRecord, error)
	// StoreAnswer stores an answer; rec.At is when.
	StoreAnswer(terminalID, key string, rec IdemRecord) error
	// DayTotal is the day total without proof under key ("floor/card/…", "floor/term/…"); zero when none.
	DayTotal(key string) (DayTotal, error)
	// PutDayTotal stores it.
	PutDayTotal(key string, rec DayTotal) error
	// TerminalMarker is the terminal's aggregation marker: a value that changes with every movement it makes.
	TerminalMarker(terminalID string) ([]byte, error)
	// TerminalMoves calls fn for the terminal's movements at or after lo and before hi, in time order.
	TerminalMoves(terminalID string, lo, hi time.Time, fn func(m *Move) error) error

	// Lots: the grants of a program with expiring points, each valid through its last day (YYYY-MM-DD, Japan time).
	// AddLot records one.
	AddLot(mykeyID, programID, lastDay string, points int64) error
	// Lots lists the holder's lots of a program, oldest last day first.
	Lots(mykeyID, programID string) ([]Lot, error)
	// ExpireLots removes the holder's lots whose last day is before today and returns their points.
	ExpireLots(mykeyID, programID, today string) (int64, error)
	// DebitLots takes points from the holder's lots, oldest first; ErrInsufficient when they hold fewer.
	DebitLots(mykeyID, programID string, points int64) error
	// LotsDue lists the holders (MyKey ID, program) with a lot whose last day is before today.
	LotsDue(today string) ([][2]string, error)
	// MoveLots gives the lots of MyKey ID old to nu (an ID change).
	MoveLots(old, nu string) error
	// LotSums is every holder's sum of lots (the audit).
	LotSums() ([]LotSum, error)
}

// Of is the money rows of tx's store.
func Of(tx kv.Tx) Rows {
	if r, ok := kv.RowsOf(tx); ok {
		return PG{r}
	}
	return Bolt{tx}
}

// MoveTime is a movement's time as both stores keep it: UTC, to the microsecond (PostgreSQL's precision), so a
// store copied either way holds the same movements.
func MoveTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// MarkTerminal records seq as the terminal's latest movement (AppendMove, in the movement's transaction; a store
// copy on bbolt).
func MarkTerminal(tx kv.Tx, terminalID string, seq uint64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seq)
	return tx.Bucket(BucketTermLast).Put([]byte(terminalID), v[:])
}

// IdemTimeKey is the key of an idempotency answer stored at at in BucketIdemByTime.
func IdemTimeKey(at time.Time, idemKey string) []byte {
	k := make([]byte, 8, 8+len(idemKey))
	binary.BigEndian.PutUint64(k, uint64(at.UnixNano()))
	return append(k, idemKey...)
}
