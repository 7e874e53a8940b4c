package kv_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// oldRunnerSchema is what the store's runner before tern made, statement for statement: kv_migrations and the
// tables of migrations 1 and 2.
var oldRunnerSchema = map[int][]string{
	0: {`CREATE TABLE IF NOT EXISTS kv_migrations (version INT PRIMARY KEY, name TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`},
	1: {`CREATE TABLE kv_buckets (name TEXT PRIMARY KEY, seq BIGINT NOT NULL DEFAULT 0)`,
		`CREATE TABLE kv (bucket TEXT NOT NULL, k BYTEA NOT NULL, v BYTEA NOT NULL, PRIMARY KEY (bucket, k))`,
		`INSERT INTO kv_migrations (version, name) VALUES (1, 'buckets and pairs')`},
	2: {`CREATE TABLE kv_locks (name TEXT PRIMARY KEY)`,
		`INSERT INTO kv_locks (name) VALUES ('writer')`,
		`INSERT INTO kv_migrations (version, name) VALUES (2, 'lock rows (for databases without advisory locks)')`},
}

// makeOldDatabase lays out the database at url as the old runner left it at version upTo, with one pair stored.
func makeOldDatabase(t *testing.T, url string, upTo int) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	for v := 0; v <= upTo; v++ {
		for _, s := range oldRunnerSchema[v] {
			if _, err := conn.Exec(ctx, s); err != nil {
				t.Fatalf("old schema %d: %v", v, err)
			}
		}
	}
	if _, err := conn.Exec(ctx, `INSERT INTO kv_buckets (name, seq) VALUES ('town', 7);
		INSERT INTO kv (bucket, k, v) VALUES ('town', 'k', 'old value')`); err != nil {
		t.Fatal(err)
	}
	return conn
}

func schemaVersionRow(t *testing.T, conn *pgx.Conn) int {
	t.Helper()
	var v int
	if err := conn.QueryRow(context.Background(), `SELECT version FROM mkpf_schema_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMigrate_DatabaseOfTheOldRunnerIsTakenOver: a database the hand-written runner migrated (kv_migrations) is
// taken over by tern at its version: nothing is applied twice (a CREATE TABLE run again would fail), what came after
// is applied, the pairs stay, and kv_migrations follows so that an older mkpf-server refuses the newer schema.
func TestMigrate_DatabaseOfTheOldRunnerIsTakenOver(t *testing.T) {
	ctx := context.Background()
	top := kv.SchemaVersion() // 3 and on are the platform's (linked here through testenv)
	if top < 2 {
		t.Fatalf("this program knows %d migrations", top)
	}
	t.Run("at 1..2 (open)", func(t *testing.T) {
		url := testenv.PostgresURL(t)
		conn := makeOldDatabase(t, url, 2)
		if v, err := kv.CurrentVersion(ctx, url); err != nil || v != 2 {
			t.Fatalf("status before: %d %v", v, err)
		}
		db, err := kv.OpenPostgres(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if v := schemaVersionRow(t, conn); v != top {
			t.Fatalf("version %d after taking over, want %d", v, top)
		}
		var legacy int
		if err := conn.QueryRow(ctx, `SELECT max(version) FROM kv_migrations`).Scan(&legacy); err != nil || legacy != top {
			t.Fatalf("kv_migrations at %d (%v), want %d", legacy, err, top)
		}
		if err := db.View(func(tx kv.Tx) error {
			if v := tx.Bucket([]byte("town")).Get([]byte("k")); string(v) != "old value" {
				t.Errorf("the pair after the upgrade: %q", v)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got, err := kv.Migrate(ctx, url); err != nil || len(got) != 0 {
			t.Fatalf("migrate after: %v %v", got, err)
		}
	})
	t.Run("at 1 (migrate)", func(t *testing.T) {
		url := testenv.PostgresURL(t)
		conn := makeOldDatabase(t, url, 1)
		got, err := kv.Migrate(ctx, url)
		if err != nil || len(got) != top-1 || got[0] != 2 || got[len(got)-1] != top {
			t.Fatalf("applied %v %v, want 2..%d", got, err, top)
		}
		if v := schemaVersionRow(t, conn); v != top {
			t.Fatalf("version %d", v)
		}
		var n int
		if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM kv_locks WHERE name = 'writer') * 10 +
			(SELECT count(*) FROM kv_migrations WHERE version = 2)`).Scan(&n); err != nil || n != 11 {
			t.Fatalf("lock row and kv_migrations' row 2: %d %v", n, err)
		}
	})
	t.Run("newer than the program", func(t *testing.T) {
		url := testenv.PostgresURL(t)
		conn := makeOldDatabase(t, url, 2)
		if _, err := conn.Exec(ctx, `INSERT INTO kv_migrations (version, name) SELECT v, 'future' FROM generate_series(3, $1) v`,
			top+2); err != nil {
			t.Fatal(err)
		}
		_, err := kv.OpenPostgres(ctx, url)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("version %d, newer than this program's %d", top+2, top)) {
			t.Fatalf("a newer database opened: %v", err)
		}
		if v := schemaVersionRow(t, conn); v != top+2 {
			t.Fatalf("version %d", v)
		}
	})
}

// TestMigrate_ProcessesStartingTogetherTakeTurns: eight processes' worth of connections opening one empty
// database at once apply each migration once between them.
func TestMigrate_ProcessesStartingTogetherTakeTurns(t *testing.T) {
	url := testenv.PostgresURL(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied := map[int]int{}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := kv.Migrate(ctx, url)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			for _, v := range got {
				applied[v]++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(applied) != kv.SchemaVersion() {
		t.Fatalf("applied %v", applied)
	}
	for v, n := range applied {
		if n != 1 {
			t.Fatalf("migration %d applied %d times", v, n)
		}
	}
}

// TestMigrationFiles: the store's migrations load (tern: numbered 1, 2, … with no gap) and are listed in order.
func TestMigrationFiles(t *testing.T) {
	steps, err := kv.Steps()
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range steps {
		if s.Version != i+1 || !strings.HasPrefix(s.Name, "00") || !strings.HasSuffix(s.Name, ".sql") {
			t.Fatalf("step %d: %+v", i, s)
		}
	}
}
