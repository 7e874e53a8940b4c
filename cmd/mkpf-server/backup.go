package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// Hot backups of a bbolt store while the server runs (serve --backup-dir DIR --backup-every D --backup-keep N): a
// consistent copy written from one read transaction, which never stops the server's writers. PostgreSQL is backed
// up with pg_dump instead (docs/deploy.md).

const backupPrefix = "mkpf-backup-"

// backupLoop writes a backup at once and then every `every` until stop closes, keeping the newest keep files.
func backupLoop(db kv.DB, dir string, every time.Duration, keep int, log *slog.Logger, stop <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if path, n, err := writeBackup(db, dir, keep); err != nil {
			log.Error("backup failed", "dir", dir, "err", err)
		} else {
			log.Info("backup written", "file", path, "bytes", n)
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// writeBackup writes one backup file into dir (via a temporary name, so a file with the final name is complete)
// and removes the oldest beyond keep.
func writeBackup(db kv.DB, dir string, keep int) (string, int64, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", 0, err
	}
	name := backupPrefix + time.Now().UTC().Format("20060102T150405.000Z") + ".db"
	tmp := filepath.Join(dir, "."+name+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", 0, err
	}
	n, err := kv.BoltBackup(db, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", 0, err
	}
	path := filepath.Join(dir, name)
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return "", 0, err
	}
	old, _ := filepath.Glob(filepath.Join(dir, backupPrefix+"*.db"))
	sort.Strings(old)
	for len(old) > keep {
		os.Remove(old[0])
		old = old[1:]
	}
	return path, n, nil
}

// checkBackupFlags says what is wrong with the backup flags for the store, or "".
func checkBackupFlags(store, dir string, every time.Duration, keep int) string {
	switch {
	case dir == "":
		return ""
	case kv.IsURL(store):
		return "--backup-dir is for a bbolt file; back PostgreSQL up with pg_dump (docs/deploy.md)"
	case every < time.Second:
		return fmt.Sprintf("--backup-every %v is too short (at least 1s)", every)
	case keep < 1:
		return "--backup-keep must be at least 1"
	case strings.HasPrefix(filepath.Clean(dir), filepath.Clean(filepath.Dir(store))+string(filepath.Separator)) ||
		filepath.Clean(dir) == filepath.Clean(filepath.Dir(store)):
		return "--backup-dir should be on another disk than the database, not beside it"
	}
	return ""
}
