package platform

import "github.com/mykeyterm/mykeyterm/platform/kv"

// GrantUploadRecords are the stored answers of upload items (gr_ids), raw.
func GrantUploadRecords(s *Server) (recs []string) {
	s.db.View(func(tx kv.Tx) error {
		return tx.Bucket(bGrIDs).ForEach(func(_, v []byte) error {
			recs = append(recs, string(v))
			return nil
		})
	})
	return recs
}
