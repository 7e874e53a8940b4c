package platform

import (
	"io"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// Backup writes a consistent, compacted copy of a bbolt store to w while the server keeps serving (one read
// transaction: writers are not blocked; no freed page of the store is in it, kv.BoltBackup). The copy holds the
// secrets sealed as in the store: it needs the same operator key.
// PostgreSQL is backed up with pg_dump (docs/deploy.md).
func (s *Server) Backup(w io.Writer) (int64, error) { return kv.BoltBackup(s.db, w) }
