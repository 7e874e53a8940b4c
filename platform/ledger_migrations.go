package platform

// The money rows live in platform/ledger (ledger.Rows: buckets on bbolt, typed tables on PostgreSQL); package
// platform keeps the ledger's domain rules (points_ledger.go) and, here, the SQL migrations that make its tables:
// the migrations are embedded from platform/migrations, which the store's other migrations share.

import (
	"embed"
	"io/fs"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/ledger"
)

// The row tables are made by migration 3 (migrations/003_points_ledger_rows.sql), one of the store's migrations
// (kv.RegisterMigrations); migrations/shared/ledger_from_buckets.sql, which it includes, moves a key/value-layout
// town's ledger pairs into them and is also run by CopyStore.
//
//go:embed migrations
var ledgerMigrations embed.FS

// ledgerFromBuckets moves the money rows a database made by the key/value layout holds in its buckets into the
// tables, then deletes those pairs (migration 3, and mkpf-server copy-store into PostgreSQL).
var ledgerFromBuckets = mustReadMigration("migrations/shared/ledger_from_buckets.sql")

func mustReadMigration(name string) string {
	b, err := ledgerMigrations.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func init() {
	sub, err := fs.Sub(ledgerMigrations, "migrations")
	if err != nil {
		panic(err)
	}
	kv.RegisterMigrations(sub)
}

// moveTime is a record's time as both stores keep it (ledger.MoveTime): the identity, voucher and coupon rows keep
// their times so too.
func moveTime(t time.Time) time.Time { return ledger.MoveTime(t) }

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
