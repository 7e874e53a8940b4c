package platform

import (
	"io"

	"go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole store to w while the server keeps serving (one read transaction:
// writers are not blocked). The copy holds the secrets sealed as in the store: it needs the same operator key.
func (s *Server) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}
