package platform

// The money rows on PostgreSQL (ledger_rows.go): typed tables made by the migrations below, one statement per
// method. docs/deploy.md shows the tables as a database team reads them.

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

// moveKinds are the movement kinds the table accepts (its CHECK constraint).
var moveKinds = []string{MoveGrant, MoveUse, MoveVoucherIssue, MoveVoucherClear, MoveVoucherLapse, MoveMerge,
	MovePointsExpire, MoveMyKeyChange, MoveReservedToBase}

// ledgerTables makes the row tables (migration 3).
var ledgerTables = []string{
	`CREATE TABLE pt_balance (
		mykey_id   TEXT   NOT NULL,
		program_id TEXT   NOT NULL,
		points     BIGINT NOT NULL CONSTRAINT pt_balance_never_negative CHECK (points >= 0),
		PRIMARY KEY (mykey_id, program_id))`,
	`CREATE SEQUENCE pt_move_seq`,
	`CREATE TABLE pt_move (
		seq         BIGINT      PRIMARY KEY DEFAULT nextval('pt_move_seq'),
		at          TIMESTAMPTZ NOT NULL,
		kind        TEXT        NOT NULL CONSTRAINT pt_move_kind CHECK (kind IN (` + sqlList(moveKinds) + `)),
		mykey_id    TEXT,
		program_id  TEXT        NOT NULL,
		points      BIGINT      NOT NULL CONSTRAINT pt_move_points_positive CHECK (points > 0),
		delta       BIGINT      NOT NULL CONSTRAINT pt_move_delta CHECK (delta IN (-points, 0, points)),
		terminal_id TEXT,
		voucher_no  TEXT,
		merge_txn   TEXT,
		note        TEXT,
		CONSTRAINT pt_move_balance_has_holder CHECK (delta = 0 OR mykey_id IS NOT NULL))`,
	`ALTER SEQUENCE pt_move_seq OWNED BY pt_move.seq`,
	`CREATE INDEX pt_move_by_terminal ON pt_move (terminal_id, at, seq) WHERE terminal_id IS NOT NULL`,
	`CREATE INDEX pt_move_by_holder ON pt_move (mykey_id, program_id)`,
	`CREATE TABLE pt_terminal_marker (
		terminal_id TEXT   PRIMARY KEY,
		seq         BIGINT NOT NULL)`,
	`CREATE TABLE idempotency (
		terminal_id TEXT        NOT NULL,
		key         TEXT        NOT NULL CONSTRAINT idempotency_key_length CHECK (length(key) BETWEEN 1 AND 128),
		req_hash    BYTEA       NOT NULL CONSTRAINT idempotency_hash_sha256 CHECK (length(req_hash) = 32),
		status      INT         NOT NULL CONSTRAINT idempotency_status CHECK (status BETWEEN 200 AND 599),
		body        BYTEA       NOT NULL,
		stored_at   TIMESTAMPTZ NOT NULL,
		PRIMARY KEY (terminal_id, key))`,
	`CREATE INDEX idempotency_by_time ON idempotency (stored_at)`,
	`CREATE SEQUENCE pt_lot_seq`,
	`CREATE TABLE pt_lot (
		mykey_id   TEXT   NOT NULL,
		program_id TEXT   NOT NULL,
		last_day   DATE   NOT NULL,
		seq        BIGINT NOT NULL DEFAULT nextval('pt_lot_seq'),
		points     BIGINT NOT NULL CONSTRAINT pt_lot_points_positive CHECK (points > 0),
		PRIMARY KEY (mykey_id, program_id, last_day, seq))`,
	`ALTER SEQUENCE pt_lot_seq OWNED BY pt_lot.seq`,
	`CREATE INDEX pt_lot_by_last_day ON pt_lot (last_day)`,
	`CREATE TABLE pt_floor_day_total (
		key       TEXT        PRIMARY KEY,
		day_start TIMESTAMPTZ NOT NULL,
		points    BIGINT      NOT NULL CONSTRAINT pt_floor_day_total_never_negative CHECK (points >= 0))`,
}

// ledgerFromBuckets moves the money rows a database made by the key/value layout holds in its buckets into the
// tables, then deletes those pairs (migration 3, and mkpf-server copy-store into PostgreSQL).
var ledgerFromBuckets = []string{
	`INSERT INTO pt_balance (mykey_id, program_id, points)
		SELECT split_part(kt, '/', 1), substr(kt, strpos(kt, '/') + 1), ('x' || encode(v, 'hex'))::bit(64)::bigint
		FROM (SELECT convert_from(k, 'UTF8') AS kt, v FROM kv WHERE bucket = 'pt_balances' AND length(v) = 8) b`,
	`INSERT INTO pt_move (seq, at, kind, mykey_id, program_id, points, delta, terminal_id, voucher_no, merge_txn, note)
		SELECT (j->>'seq')::bigint, (j->>'at')::timestamptz, j->>'kind', NULLIF(j->>'mykey_id', ''), j->>'program_id',
			(j->>'points')::bigint, (j->>'delta')::bigint, NULLIF(j->>'terminal_id', ''), NULLIF(j->>'voucher_no', ''),
			NULLIF(j->>'merge_txn', ''), NULLIF(j->>'note', '')
		FROM (SELECT convert_from(v, 'UTF8')::jsonb AS j FROM kv WHERE bucket = 'pt_moves') m`,
	`SELECT setval('pt_move_seq', GREATEST(1,
		(SELECT COALESCE(MAX(seq), 0) FROM pt_move),
		(SELECT COALESCE(MAX(seq), 0) FROM kv_buckets WHERE name = 'pt_moves')))`,
	`INSERT INTO pt_terminal_marker (terminal_id, seq)
		SELECT convert_from(k, 'UTF8'), ('x' || encode(v, 'hex'))::bit(64)::bigint FROM kv
		WHERE bucket = 'pt_term_last' AND length(v) = 8`,
	`INSERT INTO idempotency (terminal_id, key, req_hash, status, body, stored_at)
		SELECT split_part(kt, '/', 1), substr(kt, strpos(kt, '/') + 1), decode(j->>'req_hash', 'base64'),
			(j->>'status')::int, convert_to((j->'body')::text, 'UTF8'), COALESCE((j->>'at')::timestamptz, now())
		FROM (SELECT convert_from(k, 'UTF8') AS kt, convert_from(v, 'UTF8')::json AS j FROM kv WHERE bucket = 'idempotency') i`,
	`INSERT INTO pt_floor_day_total (key, day_start, points)
		SELECT convert_from(k, 'UTF8'), (j->>'start')::timestamptz, (j->>'n')::bigint
		FROM (SELECT k, convert_from(v, 'UTF8')::jsonb AS j FROM kv
			WHERE bucket = 'throttles' AND k >= 'floor/'::bytea AND k < 'floor0'::bytea) f`,
	`INSERT INTO pt_lot (mykey_id, program_id, last_day, seq, points)
		SELECT split_part(kt, '/', 1), split_part(kt, '/', 2), split_part(kt, '/', 3)::date,
			('x' || lpad(split_part(kt, '/', 4), 16, '0'))::bit(64)::bigint, ('x' || encode(v, 'hex'))::bit(64)::bigint
		FROM (SELECT convert_from(k, 'UTF8') AS kt, v FROM kv WHERE bucket = 'pt_lots' AND length(v) = 8) l
		WHERE ('x' || encode(v, 'hex'))::bit(64)::bigint > 0`,
	`SELECT setval('pt_lot_seq', GREATEST(1, (SELECT COALESCE(MAX(seq), 0) FROM pt_lot),
		(SELECT COALESCE(MAX(seq), 0) FROM kv_buckets WHERE name = 'pt_lots')))`,
	`DELETE FROM kv WHERE bucket IN ('pt_balances', 'pt_moves', 'pt_by_terminal', 'pt_term_last', 'pt_totals',
		'idempotency', 'idempotency_by_time', 'pt_lots')`,
	`DELETE FROM kv WHERE bucket = 'throttles' AND k >= 'floor/'::bytea AND k < 'floor0'::bytea`,
}

func init() {
	kv.RegisterMigrations(kv.Migration{Version: 3, Name: "points ledger rows: balances, movements, idempotency, day totals",
		Stmts: append(append([]string(nil), ledgerTables...), ledgerFromBuckets...)})
}

func sqlList(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += "'" + s + "'"
	}
	return out
}

// pgRows is ledgerRows on PostgreSQL, in the transaction of r.
type pgRows struct{ r kv.Rows }

func (p pgRows) ctx() context.Context { return p.r.Ctx }

func (p pgRows) balance(mykeyID, programID string) (int64, error) {
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
func (p pgRows) changeBalance(mykeyID, programID string, delta int64) (int64, error) {
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
			return 0, errPtInsufficient
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23514" { // check_violation
		return 0, errPtInsufficient
	}
	return n, err
}

func (p pgRows) dropBalance(mykeyID, programID string) error {
	tag, err := p.r.Tx.Exec(p.ctx(), `DELETE FROM pt_balance WHERE mykey_id = $1 AND program_id = $2 AND points = 0`,
		mykeyID, programID)
	if err == nil && tag.RowsAffected() == 0 {
		var n int64
		if n, err = p.balance(mykeyID, programID); err == nil && n != 0 {
			err = fmt.Errorf("points: the balance %s/%s is not zero", mykeyID, programID)
		}
	}
	return err
}

func (p pgRows) heldBalances(mykeyID string) ([]heldBalance, error) {
	rows, err := p.r.Tx.Query(p.ctx(), `SELECT program_id, points FROM pt_balance WHERE mykey_id = $1 ORDER BY program_id COLLATE "C"`, mykeyID)
	if err != nil {
		return nil, err
	}
	var out []heldBalance
	for rows.Next() {
		var h heldBalance
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
func (p pgRows) appendMove(m *pointMove) error {
	m.At = moveTime(m.At)
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
func (p pgRows) debitAndBook(m *pointMove) (int64, error) {
	m.At = moveTime(m.At)
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
		return 0, errPtInsufficient
	}
	if err != nil {
		return 0, err
	}
	m.Seq = uint64(seq)
	return bal, nil
}

func (p pgRows) addTotal(string, int64) error { return nil }

func (p pgRows) idem(terminalID, key string) (*idemRec, error) {
	var rec idemRec
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

// putIdem inserts the answer with the commit (kv.Defer: the same round trip): a parallel request with the same key
// that got there first makes the commit fail with a unique violation, and kv.DB.UpdateRows runs the request again,
// which then finds that answer.
func (p pgRows) putIdem(terminalID, key string, rec idemRec) error {
	p.r.Defer(`INSERT INTO idempotency (terminal_id, key, req_hash, status, body, stored_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, terminalID, key, rec.ReqHash, rec.Status, []byte(rec.Body), rec.At.UTC())
	return nil
}

func (p pgRows) floorTotal(key string) (throttleRec, error) {
	var rec throttleRec
	var n int64
	err := p.r.Tx.QueryRow(p.ctx(), `SELECT day_start, points FROM pt_floor_day_total WHERE key = $1`, key).Scan(&rec.Start, &n)
	if errors.Is(err, pgx.ErrNoRows) {
		return throttleRec{}, nil
	}
	rec.N = int(n)
	return rec, err
}

func (p pgRows) putFloorTotal(key string, rec throttleRec) error {
	_, err := p.r.Tx.Exec(p.ctx(), `INSERT INTO pt_floor_day_total (key, day_start, points) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET day_start = EXCLUDED.day_start, points = EXCLUDED.points`, key, rec.Start.UTC(), int64(rec.N))
	return err
}

func (p pgRows) termMarker(terminalID string) ([]byte, error) {
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

func (p pgRows) terminalMoves(terminalID string, lo, hi time.Time, fn func(m *pointMove) error) error {
	rows, err := p.r.Tx.Query(p.ctx(), `SELECT seq, at, kind, COALESCE(mykey_id, ''), program_id, points, delta,
			COALESCE(voucher_no, ''), COALESCE(merge_txn, ''), COALESCE(note, '')
		FROM pt_move WHERE terminal_id = $1 AND at >= $2 AND at < $3 ORDER BY at, seq`, terminalID, lo.UTC(), hi.UTC())
	if err != nil {
		return err
	}
	// Read them all first: fn may read the store, on this transaction's connection.
	var ms []pointMove
	for rows.Next() {
		m := pointMove{TerminalID: terminalID}
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

// pgTotals are the ledger totals of the audit, summed from the movements by kind (PostgreSQL keeps no running
// totals: one row every movement updates would make every movement wait for the one before).
const pgTotals = `SELECT
	COALESCE(SUM(points) FILTER (WHERE kind = 'grant'), 0),
	COALESCE(SUM(points) FILTER (WHERE kind = 'use'), 0),
	COALESCE(SUM(points) FILTER (WHERE kind = 'voucher_issue'), 0) - COALESCE(SUM(points) FILTER (WHERE kind IN ('voucher_clear', 'voucher_lapse')), 0),
	COALESCE(SUM(points) FILTER (WHERE kind = 'voucher_clear'), 0),
	COALESCE(SUM(points) FILTER (WHERE kind = 'voucher_lapse'), 0),
	COALESCE(SUM(points) FILTER (WHERE kind = 'merge'), 0),
	COALESCE(SUM(points) FILTER (WHERE kind = 'points_expire'), 0)
	FROM pt_move`

// auditRows fills the parts of the audit the rows hold: totals, the replayed log against the balances.
func (p pgRows) audit(a *LedgerAudit) error {
	var t [7]int64
	if err := p.r.Tx.QueryRow(p.ctx(), pgTotals).Scan(&t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &t[6]); err != nil {
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

// pruneIdem deletes the answers stored before cut, at most limit of them; it returns how many.
func (p pgRows) pruneIdem(cut time.Time, limit int) (int, error) {
	tag, err := p.r.Tx.Exec(p.ctx(), `DELETE FROM idempotency WHERE ctid IN (
		SELECT ctid FROM idempotency WHERE stored_at < $1 LIMIT `+strconv.Itoa(limit)+`)`, cut.UTC())
	return int(tag.RowsAffected()), err
}

// sweepFloor deletes day totals whose day started before cut.
func (p pgRows) sweepFloor(cut time.Time) error {
	_, err := p.r.Tx.Exec(p.ctx(), `DELETE FROM pt_floor_day_total WHERE day_start < $1`, cut.UTC())
	return err
}

func (p pgRows) addLot(mykeyID, programID, lastDay string, points int64) error {
	_, err := p.r.Tx.Exec(p.ctx(), `INSERT INTO pt_lot (mykey_id, program_id, last_day, points) VALUES ($1, $2, $3::date, $4)`,
		mykeyID, programID, lastDay, points)
	return err
}

func (p pgRows) lots(mykeyID, programID string) ([]lotRow, error) {
	return p.lotRows(`SELECT to_char(last_day, 'YYYY-MM-DD'), points FROM pt_lot WHERE mykey_id = $1 AND program_id = $2
		ORDER BY last_day, seq`, mykeyID, programID)
}

func (p pgRows) lotRows(sql string, args ...any) ([]lotRow, error) {
	rows, err := p.r.Tx.Query(p.ctx(), sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []lotRow
	for rows.Next() {
		var l lotRow
		if err := rows.Scan(&l.last, &l.left); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// expireLots is one statement; a parallel one for the same holder waits for this one's rows and then finds them gone.
func (p pgRows) expireLots(mykeyID, programID, today string) (int64, error) {
	var sum int64
	err := p.r.Tx.QueryRow(p.ctx(), `WITH gone AS (DELETE FROM pt_lot WHERE mykey_id = $1 AND program_id = $2 AND last_day < $3::date
		RETURNING points) SELECT COALESCE(SUM(points), 0) FROM gone`, mykeyID, programID, today).Scan(&sum)
	return sum, err
}

// debitLots is one statement: the holder's lots in expiry order with their running sums say what to take from
// each; emptied lots are deleted, the one partly used is updated. Writers of one holder's lots are ordered by the
// holder's balance row, which the movement changed before in the same transaction. Taking fewer points than asked
// (the lots hold less) is errPtInsufficient, and the caller's transaction is rolled back.
func (p pgRows) debitLots(mykeyID, programID string, points int64) error {
	var took int64
	err := p.r.Tx.QueryRow(p.ctx(), `WITH l AS (
			SELECT last_day, seq, points, SUM(points) OVER (ORDER BY last_day, seq) - points AS before
			FROM pt_lot WHERE mykey_id = $1 AND program_id = $2),
		take AS (SELECT last_day, seq, points, LEAST(points, $3 - before) AS n FROM l WHERE before < $3),
		gone AS (DELETE FROM pt_lot p USING take t WHERE p.mykey_id = $1 AND p.program_id = $2
			AND p.last_day = t.last_day AND p.seq = t.seq AND t.n = t.points RETURNING t.n),
		less AS (UPDATE pt_lot p SET points = p.points - t.n FROM take t WHERE p.mykey_id = $1 AND p.program_id = $2
			AND p.last_day = t.last_day AND p.seq = t.seq AND t.n < t.points RETURNING t.n)
		SELECT COALESCE((SELECT SUM(n) FROM gone), 0) + COALESCE((SELECT SUM(n) FROM less), 0)`,
		mykeyID, programID, points).Scan(&took)
	if err != nil {
		return err
	}
	if took < points {
		return errPtInsufficient
	}
	return nil
}

func (p pgRows) lotsDue(today string) ([][2]string, error) {
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

func (p pgRows) moveLots(old, nu string) error {
	_, err := p.r.Tx.Exec(p.ctx(), `UPDATE pt_lot SET mykey_id = $2 WHERE mykey_id = $1`, old, nu)
	return err
}

func (p pgRows) lotSums() ([]lotSum, error) {
	rows, err := p.r.Tx.Query(p.ctx(), `SELECT mykey_id, program_id, SUM(points) FROM pt_lot GROUP BY mykey_id, program_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []lotSum
	for rows.Next() {
		var l lotSum
		if err := rows.Scan(&l.mykeyID, &l.programID, &l.points); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
