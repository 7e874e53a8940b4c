package platform

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// openStore opens the store named by dbPath: a PostgreSQL URL (postgres://… or postgresql://…), its migrations
// applied, or else a bbolt file, created when missing. A bbolt file that a running server holds is refused after
// two seconds with what to do.
func openStore(dbPath string) (kv.DB, error) {
	if kv.IsURL(dbPath) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		db, err := kv.OpenPostgres(ctx, dbPath)
		if err != nil {
			return nil, fmt.Errorf("%w %s: %v", ErrDatabase, RedactStore(dbPath), err)
		}
		return db, nil
	}
	if fi, err := os.Stat(dbPath); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%w %s: it is a directory", ErrDatabase, RedactStore(dbPath))
	}
	db, err := kv.OpenBolt(dbPath, 2*time.Second)
	if err != nil {
		if errors.Is(err, kv.ErrLocked) {
			return nil, fmt.Errorf("%w %s: another process (a running mkpf-server?) holds it locked: a bbolt file "+
				"belongs to one process at a time. Stop that server and run the command again, or keep the data in "+
				"PostgreSQL (--store postgres://…), where admin commands run beside the servers (docs/deploy.md)",
				ErrDatabase, dbPath)
		}
		return nil, fmt.Errorf("%w %s: %v", ErrDatabase, dbPath, err)
	}
	return db, nil
}

// RedactStore is dbPath fit for a log line or a message: a PostgreSQL URL without its password (in the user
// part or as a password= parameter).
func RedactStore(dbPath string) string {
	if !kv.IsURL(dbPath) {
		return dbPath
	}
	u, err := url.Parse(dbPath)
	if err != nil {
		return "postgres://…"
	}
	if u.RawQuery != "" {
		params := strings.Split(u.RawQuery, "&")
		for i, p := range params {
			if strings.HasPrefix(p, "password=") {
				params[i] = "password=xxxxx"
			}
		}
		u.RawQuery = strings.Join(params, "&")
	}
	return u.Redacted()
}

// OpenStoreDB opens the store at dbPath as Open does, without a server, for tools that move a whole store
// (mkpf-server copy-store).
func OpenStoreDB(dbPath string) (kv.DB, error) { return openStore(dbPath) }
