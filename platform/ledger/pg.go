package ledger

// The money rows on PostgreSQL (ledger.go): typed tables made by platform's migration 3
// (platform/migrations/003_points_ledger_rows.sql), one round trip per method (a statement, or two sent as one
// batch). docs/deploy.md shows the tables as a database team reads them.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// PG is Rows on PostgreSQL, in the transaction of r.
type PG struct{ r kv.Rows }

// NewPG is the money rows of a PostgreSQL transaction's SQL side.
func NewPG(r kv.Rows) PG { return PG{r} }

func (p PG) ctx() context.Context { return p.r.Ctx }

func (p PG) Balance(mykeyID, programID string) (int64, error) {
	var n int64
	err := p.r.Tx.QueryRow(p.ctx(), `SELECT points FROM pt_balance WHERE mykey_id = $1 AND program_id = $2`,
		mykeyID, programID).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// changeBalance is one statement: the row is locked by it, and a debit past zero changes nothing (the WHERE) or,
// should another writer get around it, breaks the CHECK constraint.
func (p PG) ChangeBalance(mykeyID, programID string, delta int64) (int64, error) {
	var n int64
	var err error
	if delta >= 0 {
		err = p.r.Tx.QueryRow(p.ctx(), `INSERT INTO pt_balance AS b (mykey_id, program_id, points) VALUES ($1, $2, $3)
			ON CONFLICT (mykey_id, program_id) DO UPDATE SET points = b.points + EXCLUDED.points RETURNING points`,
			mykeyID, programID, delta).Scan(&n)
	} else {
		err = p.r.Tx.QueryRow(p.ctx(), `UPDATE pt_balance SET points = points + $3
			WHERE mykey_id = $1 AND program_id = $2 AND points + $3 >= 0 RETURNING points`,
			mykeyID, programID, delta).Scan(&n)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, ErrInsufficient
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23514" { // check_violation
		return 0, ErrInsufficient
	}
	return n, err
}

func (p PG) DropBalance(mykeyID, programID string) error {
	tag, err := p.r.Tx.Exec(p.ctx(), `DELETE FROM pt_balance WHERE mykey_id = $1 AND program_id = $2 AND points = 0`,
		mykeyID, programID)
	if err == nil && tag.RowsAffected() == 0 {
		var n int64
		if n, err = p.Balance(mykeyID, programID); err == nil && n != 0 {
			err = fmt.Errorf("points: the balance %s/%s is not zero", mykeyID, programID)
		}
	}
	return err
}

func (p PG) HeldBalances(mykeyID string) ([]HeldBalance, error) {
	rows, err := p.r.Tx.Query(p.ctx(), `SELECT program_id, points FROM pt_balance WHERE mykey_id = $1 ORDER BY program_id COLLATE "C"`, mykeyID)
	if err != nil {
		return nil, err
	}
	var out []HeldBalance
	for rows.Next() {
		var h HeldBalance
		if err := rows.Scan(&h.ProgramID, &h.Points); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// appendMove inserts the movement and, for a terminal's, moves its marker, in one round trip (a data-modifying CTE).
func (p PG) AppendMove(m *Move) error {
	m.At = MoveTime(m.At)
	var seq int64
	err := p.r.Tx.QueryRow(p.ctx(), `WITH mv AS (
			INSERT INTO pt_move (at, kind, mykey_id, program_id, points, delta, terminal_id, voucher_no, merge_txn, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq, terminal_id),
		mark AS (
			INSERT INTO pt_terminal_marker (terminal_id, seq) SELECT terminal_id, seq FROM mv WHERE terminal_id IS NOT NULL
			ON CONFLICT (terminal_id) DO UPDATE SET seq = EXCLUDED.seq)
		SELECT seq FROM mv`,
		m.At, m.Kind, nullable(m.MyKeyID), m.ProgramID, m.Points, m.Delta, nullable(m.TerminalID),
		nullable(m.VoucherNo), nullable(m.MergeTxn), nullable(m.Note)).Scan(&seq)
	if err != nil {
		return err
	}
	m.Seq = uint64(seq)
	return nil
}

// debitAndBook is one statement: the balance row's conditional update and the movement's insert (with the terminal's
// marker) in data-modifying CTEs; when the balance is short nothing is inserted and no row comes back.
func (p PG) DebitAndBook(m *Move) (int64, error) {
	m.At = MoveTime(m.At)
	var bal, seq int64
	err := p.r.Tx.QueryRow(p.ctx(), `WITH b AS (
			UPDATE pt_balance SET points = points - $5 WHERE mykey_id = $3 AND program_id = $4 AND points >= $5
			RETURNING points),
		mv AS (
			INSERT INTO pt_move (at, kind, mykey_id, program_id, points, delta, terminal_id, voucher_no, merge_txn, note)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM b RETURNING seq, terminal_id),
		mark AS (
			INSERT INTO pt_terminal_marker (terminal_id, seq) SELECT terminal_id, seq FROM mv WHERE terminal_id IS NOT NULL
			ON CONFLICT (terminal_id) DO UPDATE SET seq = EXCLUDED.seq)
		SELECT b.points, mv.seq FROM b, mv`,
		m.At, m.Kind, m.MyKeyID, m.ProgramID, m.Points, m.Delta, nullable(m.TerminalID),
		nullable(m.VoucherNo), nullable(m.MergeTxn), nullable(m.Note)).Scan(&bal, &seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrInsufficient
	}
	if err != nil {
		return 0, err
	}
	m.Seq = uint64(seq)
	return bal, nil
}

// spendLots is two statements sent together (one round trip): the first deletes the expired lots, debits the
// balance by them and by m's points in one conditional update and books the expiry and m; the second takes m's
// points from the lots left, oldest first (debitLots' statement). The second must be a statement of its own: it
// reads the lots after the first has locked the balance row, which orders every writer of the holder's lots, so it
// sees what the writer before it left (one statement reads one snapshot, taken before it waited for the lock).
// When the balance is short the first gives no row and the caller's transaction is rolled back, the second's
// changes with it.
func (p PG) SpendLots(m *Move, today string) (int64, int64, error) {
	m.At = MoveTime(m.At)
	b := &pgx.Batch{}
	b.Queue(`WITH gone AS (
			DELETE FROM pt_lot WHERE mykey_id = $3 AND program_id = $4 AND last_day < $11::date RETURNING points),
		exp AS (SELECT COALESCE(SUM(points), 0) AS n FROM gone),
		b AS (
			UPDATE pt_balance SET points = points - (SELECT n FROM exp) - $5
			WHERE mykey_id = $3 AND program_id = $4 AND points - (SELECT n FROM exp) >= $5 RETURNING points),
		xmv AS (
			INSERT INTO pt_move (at, kind, mykey_id, program_id, points, delta)
			SELECT $1, 'points_expire', $3, $4, exp.n, -exp.n FROM exp, b WHERE exp.n > 0 RETURNING seq),
		mv AS (
			INSERT INTO pt_move (at, kind, mykey_id, program_id, points, delta, terminal_id, voucher_no, merge_txn, note)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM b RETURNING seq, terminal_id),
		mark AS (
			INSERT INTO pt_terminal_marker (terminal_id, seq) SELECT terminal_id, seq FROM mv WHERE terminal_id IS NOT NULL
			ON CONFLICT (terminal_id) DO UPDATE SET seq = EXCLUDED.seq)
		SELECT b.points, mv.seq, (SELECT n FROM exp) FROM b, mv`,
		m.At, m.Kind, m.MyKeyID, m.ProgramID, m.Points, m.Delta, nullable(m.TerminalID),
		nullable(m.VoucherNo), nullable(m.MergeTxn), nullable(m.Note), today)
	b.Queue(debitLotsSQL, m.MyKeyID, m.ProgramID, m.Points)
	br := p.r.Tx.SendBatch(p.ctx(), b)
	var bal, seq, expired, took int64
	err := br.QueryRow().Scan(&bal, &seq, &expired)
	short := errors.Is(err, pgx.ErrNoRows)
	if err == nil || short {
		err = br.QueryRow().Scan(&took)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if short || (err == nil && took < m.Points) {
		return 0, 0, ErrInsufficient
	}
	if err != nil {
		return 0, 0, err
	}
	m.Seq = uint64(seq)
	return bal, expired, nil
}

func (p PG) AddTotal(string, int64) error { return nil }

func (p PG) StoredAnswer(terminalID, key string) (*IdemRecord, error) {
	var rec IdemRecord
	var body []byte
	err := p.r.Tx.QueryRow(p.ctx(), `SELECT req_hash, status, body, stored_at FROM idempotency WHERE terminal_id = $1 AND key = $2`,
		terminalID, key).Scan(&rec.ReqHash, &rec.Status, &body, &rec.At)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rec.Body = body
	return &rec, nil
}

// putIdem inserts the answer with the commit (kv.Rows.Defer: the same round trip): a parallel request with the same key
// that got there first makes the commit fail with a unique violation, and kv.DB.UpdateRows runs the request again,
// which then finds that answer.
func (p PG) StoreAnswer(terminalID, key string, rec IdemRecord) error {
	p.r.Defer(`INSERT INTO idempotency (terminal_id, key, req_hash, status, body, stored_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, terminalID, key, rec.ReqHash, rec.Status, []byte(rec.Body), rec.At.UTC())
	return nil
}

func (p PG) DayTotal(key string) (DayTotal, error) {
	var rec DayTotal
	q := `SELECT day_start, points FROM pt_floor_day_total WHERE key = $1`
	if p.r.Writes() { // read to be raised (presenceGate.count): made if missing and locked, so that parallel movements
		// of one card or terminal add to each other's totals, not each to the same old one (a day_start of 1970 is no day)
		q = `INSERT INTO pt_floor_day_total (key, day_start, points) VALUES ($1, 'epoch', 0)
			ON CONFLICT (key) DO UPDATE SET points = pt_floor_day_total.points RETURNING day_start, points`
	}
	err := p.r.Tx.QueryRow(p.ctx(), q, key).Scan(&rec.Start, &rec.Points)
	if errors.Is(err, pgx.ErrNoRows) {
		return DayTotal{}, nil
	}
	return rec, err
}

func (p PG) PutDayTotal(key string, rec DayTotal) error {
	_, err := p.r.Tx.Exec(p.ctx(), `INSERT INTO pt_floor_day_total (key, day_start, points) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET day_start = EXCLUDED.day_start, points = EXCLUDED.points`, key, rec.Start.UTC(), rec.Points)
	return err
}

func (p PG) TerminalMarker(terminalID string) ([]byte, error) {
	var seq int64
	err := p.r.Tx.QueryRow(p.ctx(), `SELECT seq FROM pt_terminal_marker WHERE terminal_id = $1`, terminalID).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(seq))
	return v[:], nil
}

func (p PG) TerminalMoves(terminalID string, lo, hi time.Time, fn func(m *Move) error) error {
	rows, err := p.r.Tx.Query(p.ctx(), `SELECT seq, at, kind, COALESCE(mykey_id, ''), program_id, points, delta,
			COALESCE(voucher_no, ''), COALESCE(merge_txn, ''), COALESCE(note, '')
		FROM pt_move WHERE terminal_id = $1 AND at >= $2 AND at < $3 ORDER BY at, seq`, terminalID, lo.UTC(), hi.UTC())
	if err != nil {
		return err
	}
	// Read them all first: fn may read the store, on this transaction's connection.
	var ms []Move
	for rows.Next() {
		m := Move{TerminalID: terminalID}
		var seq int64
		if err := rows.Scan(&seq, &m.At, &m.Kind, &m.MyKeyID, &m.ProgramID, &m.Points, &m.Delta, &m.VoucherNo, &m.MergeTxn, &m.Note); err != nil {
			rows.Close()
			return err
		}
		m.Seq, m.At = uint64(seq), m.At.UTC()
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range ms {
		if err := fn(&ms[i]); err != nil {
			return err
		}
	}
	return nil
}

// TotalsSQL gives the ledger totals of the audit, summed from the movements by kind (PostgreSQL keeps no running
// totals: one row every movement updates would make every movement wait for the one before), in the columns
// TotalGranted, TotalUsed, TotalOutstanding, TotalCleared, TotalLapsed, TotalMerged, TotalExpired.
const TotalsSQL = `SELECT
	COALESCE(SUM(points) FILTER (WHERE kind = 'grant'), 0),
	COALESCE(SUM(points) FILTER (WHERE kind = 'use'), 0),
	COALESCE(SUM(points) FILTER (WHERE kind = 'voucher_issue'), 0) - COALESCE(SUM(points) FILTER (WHERE kind IN ('voucher_clear', 'voucher_lapse')), 0),
	COALESCE(SUM(points) FILTER (WHERE kind = 'voucher_clear'), 0),
	COALESCE(SUM(points) FILTER (WHERE kind = 'voucher_lapse'), 0),
	COALESCE(SUM(points) FILTER (WHERE kind = 'merge'), 0),
	COALESCE(SUM(points) FILTER (WHERE kind = 'points_expire'), 0)
	FROM pt_move`

// Audit is the part of the ledger audit the rows hold on PostgreSQL.
type Audit struct {
	Totals       map[string]int64 // by Total…, summed from the movements
	BalanceSum   int64
	Negative     int
	Moves        int
	ReplaySum    int64    // sum of all deltas in the log
	Inconsistent []string // balances that differ from the log
}

// Audit fills the parts of the audit the rows hold: totals, the replayed log against the balances. a.Totals must
// be made.
func (p PG) Audit(a *Audit) error {
	var t [7]int64
	if err := p.r.Tx.QueryRow(p.ctx(), TotalsSQL).Scan(&t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &t[6]); err != nil {
		return err
	}
	for i, n := range []string{TotalGranted, TotalUsed, TotalOutstanding, TotalCleared, TotalLapsed, TotalMerged, TotalExpired} {
		a.Totals[n] = t[i]
	}
	var moves int64
	if err := p.r.Tx.QueryRow(p.ctx(), `SELECT count(*), COALESCE(SUM(delta), 0) FROM pt_move`).Scan(&moves, &a.ReplaySum); err != nil {
		return err
	}
	a.Moves = int(moves)
	if err := p.r.Tx.QueryRow(p.ctx(), `SELECT COALESCE(SUM(points), 0), count(*) FILTER (WHERE points < 0) FROM pt_balance`).
		Scan(&a.BalanceSum, &a.Negative); err != nil {
		return err
	}
	rows, err := p.r.Tx.Query(p.ctx(), `SELECT COALESCE(b.mykey_id, l.mykey_id), COALESCE(b.program_id, l.program_id)
		FROM pt_balance b FULL JOIN (SELECT mykey_id, program_id, SUM(delta) AS points FROM pt_move
			WHERE delta <> 0 GROUP BY mykey_id, program_id) l USING (mykey_id, program_id)
		WHERE COALESCE(b.points, 0) <> COALESCE(l.points, 0)`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, prog string
		if err := rows.Scan(&id, &prog); err != nil {
			return err
		}
		a.Inconsistent = append(a.Inconsistent, "balance "+id+"/"+prog+" differs from the log")
	}
	return rows.Err()
}

// PruneAnswers deletes the answers stored before cut, at most limit of them; it returns how many.
func (p PG) PruneAnswers(cut time.Time, limit int) (int, error) {
	tag, err := p.r.Tx.Exec(p.ctx(), `DELETE FROM idempotency WHERE ctid IN (
		SELECT ctid FROM idempotency WHERE stored_at < $1 LIMIT `+strconv.Itoa(limit)+`)`, cut.UTC())
	return int(tag.RowsAffected()), err
}

// SweepDayTotals deletes day totals whose day started before cut.
func (p PG) SweepDayTotals(cut time.Time) error {
	_, err := p.r.Tx.Exec(p.ctx(), `DELETE FROM pt_floor_day_total WHERE day_start < $1`, cut.UTC())
	return err
}

func (p PG) AddLot(mykeyID, programID, lastDay string, points int64) error {
	_, err := p.r.Tx.Exec(p.ctx(), `INSERT INTO pt_lot (mykey_id, program_id, last_day, points) VALUES ($1, $2, $3::date, $4)`,
		mykeyID, programID, lastDay, points)
	return err
}

func (p PG) Lots(mykeyID, programID string) ([]Lot, error) {
	return p.lotRows(`SELECT to_char(last_day, 'YYYY-MM-DD'), points FROM pt_lot WHERE mykey_id = $1 AND program_id = $2
		ORDER BY last_day, seq`, mykeyID, programID)
}

func (p PG) lotRows(sql string, args ...any) ([]Lot, error) {
	rows, err := p.r.Tx.Query(p.ctx(), sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Lot])
}

// expireLots is one statement; a parallel one for the same holder waits for this one's rows and then finds them gone.
func (p PG) ExpireLots(mykeyID, programID, today string) (int64, error) {
	var sum int64
	err := p.r.Tx.QueryRow(p.ctx(), `WITH gone AS (DELETE FROM pt_lot WHERE mykey_id = $1 AND program_id = $2 AND last_day < $3::date
		RETURNING points) SELECT COALESCE(SUM(points), 0) FROM gone`, mykeyID, programID, today).Scan(&sum)
	return sum, err
}

// debitLotsSQL takes $3 points from the lots of MyKey ID $1's program $2 and returns how many it took.
const debitLotsSQL = `WITH l AS (
			SELECT last_day, seq, points, SUM(points) OVER (ORDER BY last_day, seq) - points AS before
			FROM pt_lot WHERE mykey_id = $1 AND program_id = $2),
		take AS (SELECT last_day, seq, points, LEAST(points, $3 - before) AS n FROM l WHERE before < $3),
		gone AS (DELETE FROM pt_lot p USING take t WHERE p.mykey_id = $1 AND p.program_id = $2
			AND p.last_day = t.last_day AND p.seq = t.seq AND t.n = t.points RETURNING t.n),
		less AS (UPDATE pt_lot p SET points = p.points - t.n FROM take t WHERE p.mykey_id = $1 AND p.program_id = $2
			AND p.last_day = t.last_day AND p.seq = t.seq AND t.n < t.points RETURNING t.n)
		SELECT COALESCE((SELECT SUM(n) FROM gone), 0) + COALESCE((SELECT SUM(n) FROM less), 0)`

// debitLots is one statement: the holder's lots in expiry order with their running sums say what to take from
// each; emptied lots are deleted, the one partly used is updated. Writers of one holder's lots are ordered by the
// holder's balance row, which the movement changed before in the same transaction. Taking fewer points than asked
// (the lots hold less) is ErrInsufficient, and the caller's transaction is rolled back.
func (p PG) DebitLots(mykeyID, programID string, points int64) error {
	var took int64
	err := p.r.Tx.QueryRow(p.ctx(), debitLotsSQL,
		mykeyID, programID, points).Scan(&took)
	if err != nil {
		return err
	}
	if took < points {
		return ErrInsufficient
	}
	return nil
}

func (p PG) LotsDue(today string) ([][2]string, error) {
	rows, err := p.r.Tx.Query(p.ctx(), `SELECT DISTINCT mykey_id, program_id FROM pt_lot WHERE last_day < $1::date`, today)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var h [2]string
		if err := rows.Scan(&h[0], &h[1]); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func (p PG) MoveLots(old, nu string) error {
	_, err := p.r.Tx.Exec(p.ctx(), `UPDATE pt_lot SET mykey_id = $2 WHERE mykey_id = $1`, old, nu)
	return err
}

func (p PG) LotSums() ([]LotSum, error) {
	rows, err := p.r.Tx.Query(p.ctx(), `SELECT mykey_id, program_id, SUM(points) FROM pt_lot GROUP BY mykey_id, program_id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[LotSum])
}
