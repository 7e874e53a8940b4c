package platform_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// TestRequestContext_ClientThatHangsUpLeavesNoOpenTransaction: a request's context reaches its database transaction.
// Another session holds the store's writer lock and the ledger's balance rows, so a write request's transaction
// waits in PostgreSQL (the contact for the writer lock, the point use, which takes no writer lock, for the patron's
// balance row); the client
// then hangs up. Before, the server's transaction went on waiting (until the lock came free or its 60 s safety
// timeout) with no one to answer; now PostgreSQL shows no transaction of the server's left in the database, and once
// the lock is free the server serves again. Through real HTTP, for an idempotent call (the contact of screen 10) and
// for a point use (the group committer), and for screen 2's login (the password throttle, reserveAttempt).
func TestRequestContext_ClientThatHangsUpLeavesNoOpenTransaction(t *testing.T) {
	testenv.ChoosesItsStores(t, "PostgreSQL only: its backends and transactions")
	testenv.UseStore(t, "postgres")
	dbURL := testenv.Store(t)
	srv, err := platform.Open(dbURL, platform.Options{Argon2Memory: 1024, Argon2Time: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.SeedDemo(); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	shop := hangingClient(t, hs.URL, "00052589")
	calls := map[string]func(ctx context.Context) error{
		"contact": func(ctx context.Context) error {
			dt, _ := platform.DemoTerminalByID("00052589")
			return shop.SetContact(ctx, testenv.DemoContact(dt))
		},
		"login": func(ctx context.Context) error { // screen 2: the password throttle's transaction (authsec.go)
			dt, _ := platform.DemoTerminalByID("00052589")
			_, err := shop.Login(ctx, dt.ID, dt.Password)
			return err
		},
		"point use": func(ctx context.Context) error {
			_, err := shop.Use(ctx, mkpf.UseRequest{PatronRef: cardOf(t, "yamada"), ProgramID: platform.DemoProgramMunicipal, Points: 1}, "")
			return err
		},
	}
	for _, name := range []string{"contact", "login", "point use"} {
		t.Run(name, func(t *testing.T) {
			if err := calls[name](context.Background()); err != nil { // the token and the points session are there
				t.Fatal(err)
			}
			admin := pgConnect(t, dbURL)
			db := currentDB(t, admin)
			locker := pgConnect(t, dbURL)
			tx, err := locker.Begin(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(context.Background())
			// Both forms of the writer lock (advisory, or the kv_locks row where advisory locks are unavailable).
			if _, err := tx.Exec(context.Background(), `SELECT pg_advisory_xact_lock(x'6d6b7066'::bigint)`); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(context.Background(), `SELECT name FROM kv_locks WHERE name = 'writer' FOR UPDATE`); err != nil {
				t.Fatal(err)
			}
			// And the points ledger's rows, which a point use locks one by one instead (platform/ledger/pg.go).
			if _, err := tx.Exec(context.Background(), `SELECT points FROM pt_balance FOR UPDATE`); err != nil {
				t.Fatal(err)
			}
			lockerPID := locker.PgConn().PID()

			ctx, hangUp := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- calls[name](ctx) }()
			// Until the server's transaction waits for a lock (a condition).
			waitFor(t, "the server's transaction waiting for a lock", func() bool {
				return serverTxns(t, admin, db, lockerPID, "AND wait_event_type = 'Lock'") > 0
			})
			hangUp()
			if err := <-done; err == nil {
				t.Fatal("the call succeeded while the lock it waits for was held")
			}
			// Until PostgreSQL shows no transaction of the server's any more. The deadline is below the server's own
			// 60 s transaction timeout: the old code's transaction waits on past it.
			deadline := time.Now().Add(45 * time.Second)
			for serverTxns(t, admin, db, lockerPID, "") > 0 {
				if time.Now().After(deadline) {
					logSessions(t, admin, db)
					t.Fatalf("a transaction of the server's is still open in PostgreSQL 45 s after its client hung up")
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := tx.Rollback(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := calls[name](context.Background()); err != nil {
				t.Fatalf("after the lock is free: %v", err)
			}
		})
	}
}

// hangingClient is a terminal client that waits as long as the test needs and never retries by itself.
func hangingClient(t *testing.T, url, id string) *platformclient.Client {
	t.Helper()
	dt, _ := platform.DemoTerminalByID(id)
	c, err := testenv.OpenClient(t.TempDir(), platformclient.Options{Timeout: 10 * time.Minute, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Enroll(context.Background(), url, dt.ID, dt.Password); err != nil {
		t.Fatalf("enroll %s: %v", id, err)
	}
	return c
}

func pgConnect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(c, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func currentDB(t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	var db string
	if err := conn.QueryRow(context.Background(), `SELECT current_database()`).Scan(&db); err != nil {
		t.Fatal(err)
	}
	return db
}

// serverTxns counts the sessions in database db, other than the test's own, with a transaction open.
func serverTxns(t *testing.T, admin *pgx.Conn, db string, lockerPID uint32, extra string) int {
	t.Helper()
	var n int
	err := admin.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = $1 AND pid <> pg_backend_pid() AND pid <> $2 AND xact_start IS NOT NULL `+extra,
		db, int32(lockerPID)).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// logSessions logs the sessions of database db (what a failure left open).
func logSessions(t *testing.T, admin *pgx.Conn, db string) {
	rows, err := admin.Query(context.Background(), `SELECT pid, coalesce(state, ''), coalesce(wait_event_type, ''),
		left(query, 200) FROM pg_stat_activity WHERE datname = $1`, db)
	if err != nil {
		t.Logf("pg_stat_activity: %v", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var pid int32
		var st, we, q string
		if err := rows.Scan(&pid, &st, &we, &q); err != nil {
			t.Logf("pg_stat_activity: %v", err)
			return
		}
		t.Logf("session %d: %s %s %s", pid, st, we, q)
	}
}
