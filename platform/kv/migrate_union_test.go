package kv

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/tern/v2/migrate"
)

// TestMigrationFilesOfSeveralPackagesMakeOneSequence: the store's files and a package's load as one ordered
// sequence, a package's file may include another's shared template, and a number used twice, a file given twice or
// a gap is refused.
func TestMigrationFilesOfSeveralPackagesMakeOneSequence(t *testing.T) {
	store := fstest.MapFS{
		"001_a.sql": {Data: []byte("CREATE TABLE a (x INT);")},
		"002_b.sql": {Data: []byte("CREATE TABLE b (x INT);")},
	}
	load := func(fss ...fstest.MapFS) ([]*migrate.Migration, error) {
		u := unionFS{}
		for _, f := range fss {
			u = append(u, f)
		}
		m, err := migrate.NewMigratorEx(context.Background(), nil, versionTable, &migrate.MigratorOptions{})
		if err != nil {
			return nil, err
		}
		err = m.LoadMigrations(u)
		return m.Migrations, err
	}
	pkg := fstest.MapFS{
		"003_c.sql":          {Data: []byte(`CREATE TABLE c (x INT); {{ template "shared/fill.sql" . }}`)},
		"shared/fill.sql":    {Data: []byte("INSERT INTO c SELECT 1;")},
		"not_a_migration.md": {Data: []byte("notes")},
	}
	ms, err := load(store, pkg)
	if err != nil || len(ms) != 3 {
		t.Fatalf("loaded %d: %v", len(ms), err)
	}
	for i, want := range []string{"001_a.sql", "002_b.sql", "003_c.sql"} {
		if ms[i].Name != want || ms[i].Sequence != int32(i+1) {
			t.Fatalf("step %d: %s %d", i, ms[i].Name, ms[i].Sequence)
		}
	}
	if !strings.Contains(ms[2].UpSQL, "INSERT INTO c SELECT 1;") {
		t.Fatalf("the shared template was not included: %s", ms[2].UpSQL)
	}
	if _, err := load(store, fstest.MapFS{"002_other.sql": {Data: []byte("SELECT 1;")}}); err == nil {
		t.Fatal("number 2 used twice: loaded")
	}
	if _, err := load(store, fstest.MapFS{"002_b.sql": {Data: []byte("SELECT 1;")}}); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Fatalf("a file given twice: %v", err)
	}
	if _, err := load(store, fstest.MapFS{"004_d.sql": {Data: []byte("SELECT 1;")}}); err == nil {
		t.Fatal("a gap (no 3): loaded")
	}
}
