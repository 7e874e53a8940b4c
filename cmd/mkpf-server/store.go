package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// pickStore folds --store into --db (both name one store: a bbolt file or a PostgreSQL URL) and returns what is
// wrong with them, or "".
func pickStore(dbPath *string, store string) string {
	switch {
	case *dbPath != "" && store != "":
		return "give --db FILE or --store URL, not both"
	case store != "":
		*dbPath = store
	case *dbPath == "":
		return "--db FILE (bbolt) or --store postgres://… (PostgreSQL) is required"
	}
	return ""
}

// migrateCmd applies PostgreSQL's schema migrations (jackc/tern, platform/kv/migrate.go). Safe beside running servers
// and from several processes at once (the migrations take a lock of their own); serve applies them at start too.
// --status only reads: the database's version and each migration this program carries, applied or pending.
func migrateCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	store := fs.String("store", "", "PostgreSQL URL postgres://user@host/db")
	status := fs.Bool("status", false, "list the migrations, applied and pending, and change nothing")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if !kv.IsURL(*store) {
		fmt.Fprintln(stderr, "mkpf-server migrate: --store postgres://… is required (a bbolt file needs no migration: serve prepares it)")
		return 2
	}
	steps, err := kv.Steps()
	if err != nil {
		fmt.Fprintf(stderr, "mkpf-server migrate: %v\n", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if *status {
		return migrateStatus(ctx, *store, steps, stdout, stderr)
	}
	applied, err := kv.Migrate(ctx, *store)
	for _, v := range applied {
		fmt.Fprintf(stdout, "applied migration %d (%s)\n", v, steps[v-1].Name)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mkpf-server migrate %s: %v\n", platform.RedactStore(*store), err)
		return 1
	}
	if len(applied) == 0 {
		fmt.Fprintf(stdout, "schema up to date (version %d)\n", len(steps))
		return 0
	}
	fmt.Fprintf(stdout, "schema at version %d\n", len(steps))
	return 0
}

// migrateStatus prints the database's schema version and each migration, applied or pending.
func migrateStatus(ctx context.Context, store string, steps []kv.Step, stdout, stderr io.Writer) int {
	have, err := kv.CurrentVersion(ctx, store)
	if err != nil {
		fmt.Fprintf(stderr, "mkpf-server migrate %s: %v\n", platform.RedactStore(store), err)
		return 1
	}
	fmt.Fprintf(stdout, "schema at version %d; this program's is %d\n", have, len(steps))
	for _, s := range steps {
		state := "pending"
		if s.Version <= have {
			state = "applied"
		}
		fmt.Fprintf(stdout, "%3d  %-8s %s\n", s.Version, state, s.Name)
	}
	if have > len(steps) {
		fmt.Fprintf(stderr, "mkpf-server migrate: the database's schema is version %d, newer than this program's %d: run the newer mkpf-server\n",
			have, len(steps))
		return 1
	}
	return 0
}

// copyStoreCmd copies a whole store into an empty one: a bbolt town moving to PostgreSQL, or a PostgreSQL database
// taken back into a file. Both stores must be out of service during the copy.
func copyStoreCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("copy-store", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the store to copy: a bbolt file or postgres://…")
	to := fs.String("to", "", "the empty store to fill: a bbolt file (created) or postgres://… (migrated)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *from == "" || *to == "" {
		fmt.Fprintln(stderr, "mkpf-server copy-store: --from STORE and --to STORE are required")
		return 2
	}
	src, err := platform.OpenStoreDB(*from)
	if err != nil {
		fmt.Fprintf(stderr, "mkpf-server copy-store: %v\n", err)
		return 1
	}
	defer src.Close()
	dst, err := platform.OpenStoreDB(*to)
	if err != nil {
		fmt.Fprintf(stderr, "mkpf-server copy-store: %v\n", err)
		return 1
	}
	defer dst.Close()
	buckets, pairs, err := platform.CopyStore(dst, src)
	if err != nil {
		fmt.Fprintf(stderr, "mkpf-server copy-store: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "copied %d buckets, %d pairs from %s to %s\n", buckets, pairs,
		platform.RedactStore(*from), platform.RedactStore(*to))
	return 0
}
