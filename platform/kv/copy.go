package kv

import (
	"errors"
	"fmt"

	"go.etcd.io/bbolt"
)

// copyBatch is how many pairs one write transaction of Copy carries.
const copyBatch = 5000

// Copy copies every bucket of src, with its pairs and its sequence, into dst, which must hold no pairs yet (moving
// a bbolt town to PostgreSQL, or back). src is read from one snapshot; dst is written in transactions of copyBatch
// pairs, so dst must not be served during the copy. It returns the buckets and pairs copied.
func Copy(dst, src DB) (buckets, pairs int, err error) {
	if err := dst.View(func(tx Tx) error {
		names, err := bucketNames(tx)
		if err != nil {
			return err
		}
		for _, n := range names {
			if k, _ := tx.Bucket(n).Cursor().First(); k != nil {
				return fmt.Errorf("kv: the destination is not empty (bucket %s holds data)", n)
			}
		}
		return nil
	}); err != nil {
		return 0, 0, err
	}
	err = src.View(func(stx Tx) error {
		names, err := bucketNames(stx)
		if err != nil {
			return err
		}
		for _, n := range names {
			sb := stx.Bucket(n)
			c := sb.Cursor()
			k, v := c.First()
			for first := true; first || k != nil; first = false {
				if err := dst.Update(func(dtx Tx) error {
					db, err := dtx.CreateBucketIfNotExists(n)
					if err != nil {
						return err
					}
					for i := 0; k != nil && i < copyBatch; i++ {
						if v == nil && src.Kind() == "bbolt" {
							return errors.New("kv: nested buckets are not copied (the platform has none)")
						}
						if err := db.Put(k, v); err != nil {
							return err
						}
						pairs++
						k, v = c.Next()
					}
					return nil
				}); err != nil {
					return err
				}
			}
			seq := sb.Sequence()
			if err := dst.Update(func(dtx Tx) error { return setSequence(dtx.Bucket(n), seq) }); err != nil {
				return err
			}
			buckets++
		}
		return nil
	})
	return buckets, pairs, err
}

// bucketNames lists a transaction's buckets.
func bucketNames(tx Tx) ([][]byte, error) {
	switch t := tx.(type) {
	case boltTx:
		var names [][]byte
		err := t.tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			names = append(names, append([]byte(nil), name...))
			return nil
		})
		return names, err
	case *pgTx:
		rows, err := t.tx.Query(t.ctx, `SELECT name FROM kv_buckets ORDER BY name`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var names [][]byte
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return nil, err
			}
			names = append(names, []byte(n))
		}
		return names, rows.Err()
	}
	return nil, fmt.Errorf("kv: unknown transaction %T", tx)
}

// SetSequence sets a bucket's sequence (a copy that writes a bucket itself keeps its sequence too).
func SetSequence(b Bucket, seq uint64) error { return setSequence(b, seq) }

// setSequence sets a bucket's sequence (Copy keeps the sequences: transaction numbers go on where they were).
func setSequence(b Bucket, seq uint64) error {
	switch b := b.(type) {
	case boltBucket:
		return b.Bucket.SetSequence(seq)
	case *pgBucket:
		t := b.t
		if _, err := t.tx.Exec(t.ctx, `UPDATE kv_buckets SET seq = $2 WHERE name = $1`, b.name, int64(seq)); err != nil {
			t.fail(err)
			return err
		}
		return nil
	}
	return fmt.Errorf("kv: unknown bucket %T", b)
}
