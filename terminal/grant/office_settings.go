package grant

import "go.etcd.io/bbolt"

// FieldsSet reports whether screen 72 (初期設定) was done on this office terminal: the first login goes there.
func (o *Office) FieldsSet() bool {
	set := false
	o.db.View(func(tx *bbolt.Tx) error {
		set = tx.Bucket(bOfficeSettings).Get([]byte("fields")) != nil
		return nil
	})
	return set
}
