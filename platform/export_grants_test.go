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

// PlantGrantProjectName writes a project's name as it is, past the checks (a record stored before them).
func PlantGrantProjectName(s *Server, id, name string) error {
	return s.db.Update(func(tx kv.Tx) error {
		p, err := getGrantProject(tx, id)
		if err != nil || p == nil {
			return err
		}
		p.Name = name
		return putJSON(tx.Bucket(bGrProjects), id, p)
	})
}
