package platform

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

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
		return kv.PutJSON(tx.Bucket(bGrProjects), id, p)
	})
}

// PlantGrantCrowd makes n patrons, puts them on a project's roster and a roster sync of terminalID that knows each of them
// by the hash of a made-up card serial (unsealed: its taps need no card proof), past the HTTP routes (a roster of
// that size made through them would need n patrons with certificates); the budget is raised to cover them all. It
// returns the sync and each participant's entry hash.
func PlantGrantCrowd(s *Server, projectID, terminalID string, n int) (syncID string, key []byte, hashes []string, err error) {
	key, syncID = randomBytes(32), fmt.Sprintf("crowd%027d", n)
	err = s.db.Update(func(tx kv.Tx) error {
		p, err := getGrantProject(tx, projectID)
		if err != nil || p == nil {
			return fmt.Errorf("project %s: %v", projectID, err)
		}
		p.Budget += int64(n) * p.PointsPerPerson
		if err := kv.PutJSON(tx.Bucket(bGrProjects), p.ID, p); err != nil {
			return err
		}
		hashes = hashes[:0]
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("CR%06d", i)
			h := SyncHash(key, fmt.Sprintf("crowd-serial-%d", i))
			// The patron record as the identity store keeps it (a MyKey ID with its card's serial).
			if err := identityOf(tx).putPatron(&patronRec{MyKeyID: id, AuthSerial: fmt.Sprintf("%032X", i),
				NotAfter: s.now().AddDate(1, 0, 0).UTC(), CreatedAt: s.now().UTC()}); err != nil {
				return err
			}
			if err := tx.Bucket(bGrMembers).Put([]byte(p.ID+"/"+id), nil); err != nil {
				return err
			}
			if err := tx.Bucket(bGrSyncMap).Put([]byte(syncID+"/"+h), []byte(id)); err != nil {
				return err
			}
			hashes = append(hashes, h)
		}
		return kv.PutJSON(tx.Bucket(bGrSyncs), syncID, grantSyncRec{ProjectID: p.ID, TerminalID: terminalID, Key: key, At: s.now().UTC(), Entries: n})
	})
	return syncID, key, hashes, err
}

// GrantChunksCommitted counts the grant upload chunks the server committed.
func GrantChunksCommitted(s *Server) int64 { return s.pts().grants.committed.Load() }

// FailGrantChunk makes the next uploads' chunk n (from 0) fail once (its transaction rolled back); nil clears it.
func FailGrantChunk(s *Server, n int) {
	var once atomic.Bool
	f := func(chunk int) error {
		if chunk == n && once.CompareAndSwap(false, true) {
			return errors.New("test: chunk fault")
		}
		return nil
	}
	s.pts().grants.fault.Store(&f)
}
