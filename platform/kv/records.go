package kv

import (
	"encoding/binary"
	"encoding/json"
)

// The record helpers every layer above the store uses on a bucket: JSON records, 8-byte counters and key renames.

// GetJSON decodes key's value of b into v; false (and v untouched) when the key is absent.
func GetJSON(b Bucket, key string, v any) (bool, error) {
	raw := b.Get([]byte(key))
	if raw == nil {
		return false, nil
	}
	return true, json.Unmarshal(raw, v)
}

// PutJSON stores v under key as JSON.
func PutJSON(b Bucket, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), raw)
}

// GetInt is key's 8-byte big-endian counter; 0 when absent or not 8 bytes.
func GetInt(b Bucket, key string) int64 {
	v := b.Get([]byte(key))
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

// PutInt stores n under key as an 8-byte big-endian counter.
func PutInt(b Bucket, key string, n int64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(n))
	return b.Put([]byte(key), v[:])
}

// RenameKeys moves every key of b that match renames to the key it returns, keeping the value.
func RenameKeys(b Bucket, match func(k string) (string, bool)) error {
	type move struct {
		old, nu string
		v       []byte
	}
	var moves []move
	if err := b.ForEach(func(k, v []byte) error {
		if nu, ok := match(string(k)); ok {
			moves = append(moves, move{string(k), nu, append([]byte(nil), v...)})
		}
		return nil
	}); err != nil {
		return err
	}
	for _, m := range moves {
		if err := b.Delete([]byte(m.old)); err != nil {
			return err
		}
		if err := b.Put([]byte(m.nu), m.v); err != nil {
			return err
		}
	}
	return nil
}
