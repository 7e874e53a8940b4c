package platform

import "go.etcd.io/bbolt"

// SecretsForTest returns every secret of the store in clear (tests look for them in the database file).
func (s *Server) SecretsForTest() (map[string][]byte, error) {
	out := map[string][]byte{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bSecrets).ForEach(func(k, _ []byte) error {
			v, err := s.getSecret(tx, string(k))
			out[string(k)] = v
			return err
		})
	})
	return out, err
}
