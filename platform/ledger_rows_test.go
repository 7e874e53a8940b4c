package platform_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// writerLockKey is the advisory lock every key/value write transaction takes on PostgreSQL (kv/postgres.go).
const writerLockKey = 0x6d6b7066

// TestLedgerRows_PointUseOnPostgreSQLTakesNoWriterLock: while another session holds the key/value store's writer
// lock, a point use, a voucher issue, its reissue, its clearing and an expired voucher's lapse through real HTTP
// still go through (their rows are locked one by one: the ledger's and the voucher's), and an admin's grant, which
// still takes the writer lock, waits for it and goes through once it is free.
func TestLedgerRows_PointUseOnPostgreSQLTakesNoWriterLock(t *testing.T) {
	url := testenv.PostgresURL(t)
	w := newPointsWorldAt(t, url)
	ctx := context.Background()
	// Clients that wait as long as the test needs and never retry by themselves: the deadline below is the test's.
	shop := hangingClient(t, w.url, "00052589")
	issuer := hangingClient(t, w.url, "00053059")
	yamada := cardOf(t, "yamada")
	before := balanceOf(t, shop, yamada, platform.DemoProgramMunicipal)
	balanceOf(t, issuer, yamada, platform.DemoProgramMunicipal) // its session is made now, not under the lock

	holder := pgConnect(t, url)
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(writerLockKey)); err != nil {
		t.Fatal(err)
	}
	released := false
	release := func() {
		if !released {
			released = true
			if _, err := holder.Exec(ctx, `SELECT pg_advisory_unlock($1)`, int64(writerLockKey)); err != nil {
				t.Error(err)
			}
		}
	}
	defer release()

	// A safety net, not a measurement: with the lock needed these would wait until the holder lets go.
	useCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	res, err := shop.Use(useCtx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 300},
		platformclient.NewIdempotencyKey())
	if err != nil {
		t.Fatalf("a point use while the writer lock is held: %v (it must not need the lock)", err)
	}
	if res.BalanceAfter != before-300 {
		t.Fatalf("balance after %d, want %d", res.BalanceAfter, before-300)
	}
	jst := time.FixedZone("JST", 9*3600)
	v, err := issuer.IssueVoucher(useCtx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal,
		Points: 100, Expires: w.clk.Now().In(jst).AddDate(0, 0, 10).Format("2006-01-02")}, platformclient.NewIdempotencyKey())
	if err != nil {
		t.Fatalf("a voucher issue while the writer lock is held: %v (it must not need the lock)", err)
	}
	if re, err := issuer.ReissueVoucher(useCtx, v.Number, platformclient.NewIdempotencyKey()); err != nil || !re.Reissued {
		t.Fatalf("a voucher reissue while the writer lock is held: %+v %v (it must not need the lock)", re, err)
	}
	if cl, err := shop.ClearVoucher(useCtx, v.QR, platformclient.NewIdempotencyKey()); err != nil || cl.State != mkpf.VoucherCleared {
		t.Fatalf("a voucher clearing while the writer lock is held: %+v %v (it must not need the lock)", cl, err)
	}
	_, err = issuer.IssueVoucher(useCtx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal,
		Points: 50, Expires: w.clk.Now().In(jst).AddDate(0, 0, 1).Format("2006-01-02")}, platformclient.NewIdempotencyKey())
	if err != nil {
		t.Fatal(err)
	}
	w.clk.Add(3 * 24 * time.Hour) // the maintenance's lapse sweep (a terminal's token would also have expired by now)
	lapsed := make(chan error, 1)
	go func() {
		n, err := w.srv.LapseExpiredVouchers()
		if err == nil && n != 1 {
			err = fmt.Errorf("%d vouchers lapsed, want 1", n)
		}
		lapsed <- err
	}()
	select {
	case err := <-lapsed:
		if err != nil {
			t.Fatalf("the lapse sweep while the writer lock is held: %v", err)
		}
	case <-useCtx.Done():
		t.Fatal("the lapse sweep waited for the writer lock (it must not need it)")
	}

	done := make(chan error, 1)
	go func() {
		done <- w.srv.GrantPoints(platform.DemoYamadaMyKeyID, platform.DemoProgramEvent, 50, "admin grant")
	}()
	// The admin's grant waits for the lock: seen in pg_locks, not guessed from time.
	watcher := pgConnect(t, url)
	for {
		var waiting int
		if err := watcher.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the admin's grant finished while the writer lock was held (%v): it takes the lock", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	release()
	if err := <-done; err != nil {
		t.Fatalf("the admin's grant after the lock was released: %v", err)
	}
	if b := balanceOf(t, shop, yamada, platform.DemoProgramMunicipal); b != before-450 {
		t.Fatalf("balance %d, want %d", b, before-450)
	}
	if a, err := w.srv.AuditLedger(); err != nil || !a.OK || a.Totals[platform.TotalCleared] != 100 || a.Totals[platform.TotalLapsed] != 50 {
		t.Fatalf("audit %+v %v", a, err)
	}
}

// TestLedgerRows_TheDatabaseRefusesWhatTheLedgerForbids: a database team (or an attacker with SQL access short of
// the owner's) writing the tables directly meets the constraints: no balance below zero, an idempotency key once
// per terminal, only the ledger's movement kinds, a movement's delta its points or nothing.
func TestLedgerRows_TheDatabaseRefusesWhatTheLedgerForbids(t *testing.T) {
	url := testenv.PostgresURL(t)
	w := newPointsWorldAt(t, url)
	shop := w.terminal("00052589")
	yamada := cardOf(t, "yamada")
	if _, err := shop.Use(context.Background(), mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 1},
		platformclient.NewIdempotencyKey()); err != nil {
		t.Fatal(err)
	}
	conn := pgConnect(t, url)
	ctx := context.Background()
	for _, c := range []struct{ what, sql, code string }{
		{"a balance below zero", `UPDATE pt_balance SET points = -1`, "23514"},
		{"the same idempotency key twice", `INSERT INTO idempotency SELECT terminal_id, key, req_hash, status, body, stored_at FROM idempotency LIMIT 1`, "23505"},
		{"an unknown movement kind", `INSERT INTO pt_move (at, kind, mykey_id, program_id, points, delta) VALUES (now(), 'gift', 'x', 'p', 1, 1)`, "23514"},
		{"a delta other than the points", `INSERT INTO pt_move (at, kind, mykey_id, program_id, points, delta) VALUES (now(), 'use', 'x', 'p', 1, -5)`, "23514"},
		{"a movement of no points", `INSERT INTO pt_move (at, kind, mykey_id, program_id, points, delta) VALUES (now(), 'use', 'x', 'p', 0, 0)`, "23514"},
	} {
		_, err := conn.Exec(ctx, c.sql)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != c.code {
			t.Errorf("%s: %v, want SQLSTATE %s", c.what, err, c.code)
		}
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM idempotency`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("idempotency rows %d %v", n, err)
	}
}

// TestLedgerRows_UpgradeFromTheKeyValueLayout: a town whose PostgreSQL database was made by the key/value layout
// (the ledger's balances, movements, idempotency records and day totals as pairs in kv) is upgraded by migration 3
// when a server opens it: the rows move into the tables, the pairs are gone, the audit holds and the balances are
// the town's; movement numbers go on where they were.
func TestLedgerRows_UpgradeFromTheKeyValueLayout(t *testing.T) {
	file := t.TempDir() + "/town.db"
	s, err := platform.Open(file, platform.Options{Argon2Time: 1, Argon2Memory: 1024})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SeedDemo(); err != nil {
		t.Fatal(err)
	}
	want, err := s.AuditLedger()
	s.Close()
	if err != nil || !want.OK || want.Moves == 0 {
		t.Fatalf("town audit %+v %v", want, err)
	}
	// The key/value layout: the town's pairs copied as they are into kv, and the database marked as before
	// migration 3 (its tables dropped).
	url := testenv.PostgresURL(t)
	dst, err := platform.OpenStoreDB(url)
	if err != nil {
		t.Fatal(err)
	}
	src, err := platform.OpenStoreDB(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := kv.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	src.Close()
	dst.Close()
	conn := pgConnect(t, url)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `DROP TABLE pt_balance, pt_move, pt_terminal_marker, idempotency, pt_floor_day_total, pt_lot, pt_voucher, coupon, coupon_partner;
		DROP TABLE `+identityTables+`;
		DROP TABLE mkpf_schema_version;`+oldRunnerTable+`
		INSERT INTO kv_migrations (version, name) VALUES (1, 'buckets and pairs'), (2, 'lock rows (for databases without advisory locks)')`); err != nil {
		t.Fatal(err)
	}
	var pairs int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM kv WHERE bucket IN ('pt_balances', 'pt_moves')`).Scan(&pairs); err != nil || pairs == 0 {
		t.Fatalf("the key/value layout holds %d ledger pairs (%v)", pairs, err)
	}

	w := newPointsWorldAt(t, url) // opens (migrates) and seeds: the demo world is there already, nothing is added
	got, err := w.srv.AuditLedger()
	if err != nil || !got.OK {
		t.Fatalf("audit after the upgrade %+v %v", got, err)
	}
	if got.Moves != want.Moves || got.BalanceSum != want.BalanceSum || fmt.Sprint(got.Totals) != fmt.Sprint(want.Totals) {
		t.Fatalf("after the upgrade %+v\nthe town %+v", got, want)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM kv WHERE bucket IN ('pt_balances', 'pt_moves', 'pt_totals', 'idempotency', 'pt_lots')`).Scan(&pairs); err != nil || pairs != 0 {
		t.Fatalf("%d ledger pairs left in kv (%v)", pairs, err)
	}
	// Migration 4 moved the identity pairs into their tables: the demo world's patrons, serials and service IDs.
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM kv WHERE bucket IN ('issuers', 'patrons', 'serials', 'service_ids', 'card_numbers')`).Scan(&pairs); err != nil || pairs != 0 {
		t.Fatalf("%d identity pairs left in kv (%v)", pairs, err)
	}
	var patrons, services int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM id_patron), (SELECT count(*) FROM id_service)`).Scan(&patrons, &services); err != nil || patrons == 0 || services == 0 {
		t.Fatalf("after the upgrade: %d patrons, %d service IDs (%v)", patrons, services, err)
	}
	var version, legacy int
	if err := conn.QueryRow(ctx, `SELECT (SELECT version FROM mkpf_schema_version), (SELECT max(version) FROM kv_migrations)`).
		Scan(&version, &legacy); err != nil || version != schemaVersion() || legacy != schemaVersion() {
		t.Fatalf("after the upgrade the schema is at %d, kv_migrations at %d (%v)", version, legacy, err)
	}
	// The migrated identity rows answer a lookup (one statement on PostgreSQL) as the town's buckets did.
	if res, err := w.terminal("00052489").Lookup(ctx, profile(t, "yamada").AuthCertDER); err != nil || res.CardNumber != platform.DemoYamadaLibCard {
		t.Fatalf("lookup after the upgrade: %+v %v", res, err)
	}
	shop := w.terminal("00052589")
	yamada := cardOf(t, "yamada")
	res, err := shop.Use(ctx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 10}, platformclient.NewIdempotencyKey())
	if err != nil {
		t.Fatal(err)
	}
	var seq int64
	if _, err := fmt.Sscanf(res.TxnID, "T%d", &seq); err != nil || seq <= int64(want.Moves) {
		t.Fatalf("the first movement after the upgrade is %s: numbers must go on after the town's %d", res.TxnID, want.Moves)
	}
}

// identityTables are migration 4's tables, in an order DROP TABLE takes.
const identityTables = `id_service, id_serial, id_card_validity, id_patron, id_issuer, id_revoked, id_address_notice`

// oldRunnerTable is the version table of the store's migration runner before tern, as it made it.
const oldRunnerTable = `
	CREATE TABLE IF NOT EXISTS kv_migrations (version INT PRIMARY KEY, name TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now());`

// TestLedgerRows_UpgradeOfADatabaseAtVersion3AppliesNothing: a database the runner before tern brought to version 3
// (the ledger's tables there, kv_migrations 1..3; no identity or voucher tables yet) is taken over by tern at 3: nothing up to 3 runs again (a CREATE
// TABLE would fail), the later migrations do, and the ledger stays as it was.
func TestLedgerRows_UpgradeOfADatabaseAtVersion3AppliesNothing(t *testing.T) {
	url := testenv.PostgresURL(t)
	w := newPointsWorldAt(t, url)
	want, err := w.srv.AuditLedger()
	if err != nil || !want.OK || want.Moves == 0 {
		t.Fatalf("audit %+v %v", want, err)
	}
	conn := pgConnect(t, url)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `DROP TABLE mkpf_schema_version, pt_voucher, coupon, coupon_partner, `+identityTables+`; DROP INDEX pt_move_one_per_voucher;`+oldRunnerTable+`
		INSERT INTO kv_migrations (version, name) VALUES (1, 'buckets and pairs'),
			(2, 'lock rows (for databases without advisory locks)'), (3, 'points ledger rows: balances, movements, idempotency, day totals')`); err != nil {
		t.Fatal(err)
	}
	if got, err := kv.Migrate(ctx, url); err != nil || fmt.Sprint(got) != fmt.Sprint(laterThan3()) {
		t.Fatalf("migrate of a database at 3 applied %v (%v), want %v", got, err, laterThan3())
	}
	var version int
	if err := conn.QueryRow(ctx, `SELECT version FROM mkpf_schema_version`).Scan(&version); err != nil || version != schemaVersion() {
		t.Fatalf("version %d %v", version, err)
	}
	srv, err := platform.Open(url, platform.Options{Argon2Memory: 1024, Argon2Time: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	got, err := srv.AuditLedger()
	if err != nil || !got.OK || got.Moves != want.Moves || got.BalanceSum != want.BalanceSum {
		t.Fatalf("after taking over %+v %v, before %+v", got, err, want)
	}
}

// TestLedgerMigration_KindsMatch: the movement kinds migration 3's CHECK constraint accepts are the platform's.
func TestLedgerMigration_KindsMatch(t *testing.T) {
	b, err := os.ReadFile("migrations/003_points_ledger_rows.sql")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`CHECK \(kind IN \(([^)]*)\)\)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no kind constraint in migration 3")
	}
	kinds := []string{platform.MoveGrant, platform.MoveUse, platform.MoveVoucherIssue, platform.MoveVoucherClear,
		platform.MoveVoucherLapse, platform.MoveMerge, platform.MovePointsExpire, platform.MoveMyKeyChange, platform.MoveReservedToBase}
	var quoted []string
	for _, k := range kinds {
		quoted = append(quoted, "'"+k+"'")
	}
	if got, want := string(m[1]), strings.Join(quoted, ", "); got != want {
		t.Fatalf("migration 3 accepts %s, the platform moves %s", got, want)
	}
}

// TestIdempotency_RetryOfAUseWhosePointsAreSpentSinceGetsItsAnswer: a terminal that lost the answer of a point use
// sends it again with the same key after other uses have spent the balance. On PostgreSQL the first run of a use
// does not read the stored answers (it meets one at the commit); here the retry is refused by the balance before
// that, and must still get its stored answer, not 残高不足, with nothing moved. Both stores.
func TestIdempotency_RetryOfAUseWhosePointsAreSpentSinceGetsItsAnswer(t *testing.T) {
	eachStore(t, func(t *testing.T) {
		w := newPointsWorld(t)
		ctx := context.Background()
		shop := w.terminal("00052589")
		yamada := cardOf(t, "yamada")
		have := balanceOf(t, shop, yamada, platform.DemoProgramMunicipal)
		key := platformclient.NewIdempotencyKey()
		req := mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: have / 2}
		first, err := shop.Use(ctx, req, key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := shop.Use(ctx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: have - have/2},
			platformclient.NewIdempotencyKey()); err != nil {
			t.Fatal(err)
		}
		again, err := shop.Use(ctx, req, key)
		if err != nil || *again != *first {
			t.Fatalf("retry after the balance was spent: %+v %v, want the stored answer %+v", again, err, first)
		}
		if b := balanceOf(t, shop, yamada, platform.DemoProgramMunicipal); b != 0 {
			t.Fatalf("balance %d, want 0: the retry moved points", b)
		}
		// Another request under the same key is still refused.
		req.Points = 1
		_, err = shop.Use(ctx, req, key)
		wantCode(t, err, mkpf.CodeIdemMismatch)
		if a, err := w.srv.AuditLedger(); err != nil || !a.OK {
			t.Fatalf("audit %+v %v", a, err)
		}
	})
}

// schemaVersion is the newest migration this program carries.
func schemaVersion() int {
	steps, err := kv.Steps()
	if err != nil || len(steps) == 0 {
		panic(fmt.Sprint("the program's migrations: ", err))
	}
	return steps[len(steps)-1].Version
}

// laterThan3 are the migrations after 3 this program carries.
func laterThan3() []int {
	var out []int
	for v := 4; v <= schemaVersion(); v++ {
		out = append(out, v)
	}
	return out
}
