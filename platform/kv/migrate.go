package kv

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"
)

// The PostgreSQL schema is versioned by jackc/tern v2's migrate package (pgx-native: its Migrator runs on the
// *pgx.Conn the store already has, where goose drives database/sql): numbered SQL files, NNN_name.sql, each applied in
// a transaction of its own that also sets the version. The store's own files are migrations/ here; a package that
// keeps row tables beside the buckets (the platform's points ledger) adds its files with RegisterMigrations, and all
// of them form one sequence 1, 2, 3, … (tern refuses a gap or a number used twice). Files in a subdirectory are
// templates that migrations may include ({{ template "shared/x.sql" . }}), tern's shared SQL.

//go:embed migrations/*.sql
var ownMigrations embed.FS

// versionTable is the table where tern keeps the schema version (one row).
const versionTable = "mkpf_schema_version"

// legacyTable is where the store's own runner before tern recorded the applied versions (one row each).
const legacyTable = "kv_migrations"

// migrateLock serialises migrations of processes starting at the same time (a session advisory lock held around the
// bridge from kv_migrations and tern's run; tern takes a lock of its own inside).
const migrateLock = 0x6d6b7067

var (
	migMu   sync.Mutex
	migFSes []fs.FS
)

// RegisterMigrations adds a package's migration files (from its init): fsys holds NNN_name.sql at its root,
// numbered after the store's own and the other packages' so that all make one sequence, and optionally shared
// templates in subdirectories.
func RegisterMigrations(fsys fs.FS) {
	migMu.Lock()
	defer migMu.Unlock()
	migFSes = append(migFSes, fsys)
}

// steps are all migrations this program knows, in order.
func steps() ([]*migrate.Migration, error) {
	own, err := fs.Sub(ownMigrations, "migrations")
	if err != nil {
		return nil, err
	}
	migMu.Lock()
	u := append(unionFS{own}, migFSes...)
	migMu.Unlock()
	m, err := migrate.NewMigratorEx(context.Background(), nil, versionTable, &migrate.MigratorOptions{})
	if err != nil {
		return nil, err
	}
	if err := m.LoadMigrations(u); err != nil {
		return nil, fmt.Errorf("kv: the migrations this program carries: %w", err)
	}
	return m.Migrations, nil
}

// Step is one migration this program knows.
type Step struct {
	Version int
	Name    string // its file's name
}

// Steps lists the migrations this program knows, in order (for mkpf-server migrate --status).
func Steps() ([]Step, error) {
	ms, err := steps()
	if err != nil {
		return nil, err
	}
	out := make([]Step, len(ms))
	for i, m := range ms {
		out[i] = Step{int(m.Sequence), m.Name}
	}
	return out, nil
}

// SchemaVersion is the newest migration this program knows.
func SchemaVersion() int {
	ms, err := steps()
	if err != nil {
		panic(err) // the embedded files are broken: TestMigrationFiles fails first
	}
	return len(ms)
}

// Migrate applies the migrations the database at url lacks and returns their versions (none when up to date). It is
// safe to run while servers use the database, and from several processes at once.
func Migrate(ctx context.Context, url string) ([]int, error) {
	conn, mode, err := connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	return migrateConn(ctx, conn, mode)
}

// CurrentVersion reads the schema version of the database at url without changing anything: 0 for an empty
// database; for one the runner before tern migrated, its newest version in kv_migrations.
func CurrentVersion(ctx context.Context, url string) (int, error) {
	conn, _, err := connect(ctx, url)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	return readVersion(ctx, conn)
}

func connect(ctx context.Context, url string) (*pgx.Conn, string, error) {
	url, mode, err := splitLockMode(url)
	if err != nil {
		return nil, "", err
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, "", fmt.Errorf("kv: postgres URL: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, "", fmt.Errorf("kv: cannot connect to PostgreSQL: %w", err)
	}
	if mode == "" {
		if mode, err = lockModeOf(ctx, conn); err != nil {
			conn.Close(context.Background())
			return nil, "", err
		}
	}
	return conn, mode, nil
}

// tableExists is tern's own test for its version table (an unqualified name, found along search_path).
func tableExists(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, name string) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM pg_catalog.pg_class WHERE relname = $1 AND relkind = 'r' AND pg_table_is_visible(oid)`,
		name).Scan(&n)
	return n > 0, err
}

func readVersion(ctx context.Context, conn *pgx.Conn) (int, error) {
	for _, q := range []struct{ table, sql string }{
		{versionTable, `SELECT version FROM ` + versionTable},
		{legacyTable, `SELECT COALESCE(MAX(version), 0) FROM ` + legacyTable},
	} {
		ok, err := tableExists(ctx, conn, q.table)
		if err != nil {
			return 0, err
		}
		if ok {
			var v int
			err := conn.QueryRow(ctx, q.sql).Scan(&v)
			return v, err
		}
	}
	return 0, nil
}

// migrateConn applies what is missing. With advisory locks, processes starting together take turns; without (lock
// mode row), run `mkpf-server migrate` once before starting the servers.
func migrateConn(ctx context.Context, conn *pgx.Conn, mode string) (applied []int, err error) {
	ms, err := steps()
	if err != nil {
		return nil, err
	}
	if mode == lockAdvisory {
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLock)); err != nil {
			return nil, err
		}
		defer func() {
			if _, uerr := conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(migrateLock)); uerr != nil {
				conn.Close(context.Background()) // a session lock dies with its connection
				if err == nil {
					err = uerr
				}
			}
		}()
	}
	legacy, err := bridge(ctx, conn)
	if err != nil {
		return nil, err
	}
	m, err := migrate.NewMigrator(ctx, conn, versionTable)
	if err != nil {
		return nil, err
	}
	m.Migrations = ms
	have, err := m.GetCurrentVersion(ctx)
	if err != nil {
		return nil, err
	}
	if int(have) > len(ms) {
		return nil, fmt.Errorf("kv: the database's schema is version %d, newer than this program's %d: run the newer mkpf-server", have, len(ms))
	}
	if int(have) == len(ms) {
		return nil, nil
	}
	merr := m.Migrate(ctx)
	now, err := m.GetCurrentVersion(ctx)
	if err != nil {
		return nil, errors.Join(merr, err)
	}
	for v := have + 1; v <= now; v++ {
		applied = append(applied, int(v))
	}
	if merr != nil {
		return applied, fmt.Errorf("kv: migration %d: %w", now+1, merr)
	}
	if legacy {
		// Keep the old runner's table in step: an older mkpf-server then refuses this newer schema.
		for _, v := range applied {
			if _, err := conn.Exec(ctx, `INSERT INTO `+legacyTable+` (version, name) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING`,
				v, ms[v-1].Name); err != nil {
				return applied, err
			}
		}
	}
	return applied, nil
}

// bridge brings a database the runner before tern migrated under tern: when kv_migrations exists and tern's version
// table does not, the version table is made holding kv_migrations' newest version, so tern applies only what came
// after. It reports whether kv_migrations exists.
func bridge(ctx context.Context, conn *pgx.Conn) (bool, error) {
	legacy, err := tableExists(ctx, conn, legacyTable)
	if err != nil || !legacy {
		return false, err
	}
	have, err := tableExists(ctx, conn, versionTable)
	if err != nil || have {
		return true, err
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TABLE `+versionTable+` (version int4 NOT NULL)`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO `+versionTable+` (version) SELECT COALESCE(MAX(version), 0) FROM `+legacyTable)
		return err
	})
	if err != nil {
		return true, fmt.Errorf("kv: taking over the schema version from %s: %w", legacyTable, err)
	}
	return true, nil
}

// unionFS is the store's migration files and the packages' as one directory (tern loads one fs.FS). A name found in
// two of them is refused.
type unionFS []fs.FS

func (u unionFS) Open(name string) (fs.File, error) {
	for _, f := range u {
		file, err := f.Open(name)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return file, err
		}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (u unionFS) ReadDir(name string) ([]fs.DirEntry, error) {
	var out []fs.DirEntry
	seen := map[string]bool{}
	found := false
	for _, f := range u {
		es, err := fs.ReadDir(f, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		found = true
		for _, e := range es {
			if seen[e.Name()] {
				if e.IsDir() {
					continue
				}
				return nil, fmt.Errorf("kv: migration file %s given twice", e.Name())
			}
			seen[e.Name()] = true
			out = append(out, e)
		}
	}
	if !found {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}
