// Package mergefile is the shop side's reference receiver of merge files (商店街ポイント合算ファイル, seed 004 §14-17,
// steps ④-⑥): it decrypts a file with the shop system's AES-128 key, checks the 改ざん検知用ハッシュ値 with the
// shared secret, and refuses a 取引済番号 it has seen before, remembering each accepted one in a bbolt "seen" database
// in the same transaction that accepts it. The byte format is in docs/merge-file.md and mkpf/merge.go; a shop vendor
// can port this file as the model of their own receiver.
package mergefile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// ErrRepeated means the transaction number was accepted before: adding the points again would pay twice.
var ErrRepeated = errors.New("mergefile: transaction number already received")

// Error carries the Japanese message for the shop clerk and the cause.
type Error = mkpf.ClerkError

var bSeen = []byte("seen") // 取引済番号 → seenRec

// Seen is what the receiver remembers of an accepted file.
type Seen struct {
	ID         string    `json:"id"`
	Points     int64     `json:"points"`
	ReceivedAt time.Time `json:"received_at"`
	FileSHA256 string    `json:"file_sha256"`
}

// Receiver accepts merge files for one shop system.
type Receiver struct {
	db     *bbolt.DB
	key    []byte
	secret string
	now    func() time.Time
}

// Open opens (creating) the seen-database at path for a shop system with key (16 bytes) and secret.
func Open(path string, key []byte, secret string) (*Receiver, error) {
	if len(key) != 16 {
		return nil, &Error{Message: "暗号鍵は16バイト（16進数32文字）で指定してください。", Err: mkpf.ErrMergeKey}
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, &Error{Message: "受取済み取引番号の記録ファイル（" + path + "）を開けません。別のプログラムが使用中でないか確認してください。", Err: err}
	}
	if err := db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucketIfNotExists(bSeen); return err }); err != nil {
		db.Close()
		return nil, err
	}
	return &Receiver{db: db, key: append([]byte(nil), key...), secret: secret, now: time.Now}, nil
}

// Close closes the seen-database.
func (r *Receiver) Close() error { return r.db.Close() }

// Receive decrypts and checks file, and records its transaction number; a number seen before is refused with
// ErrRepeated. Only a file Receive accepted may have its points added to the shop system.
func (r *Receiver) Receive(file []byte) (*mkpf.MergeRecord, error) {
	rec, err := mkpf.DecodeMergeFile(file, r.key, r.secret)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(file)
	err = r.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bSeen)
		if prev := b.Get([]byte(rec.Txn)); prev != nil {
			var s Seen
			json.Unmarshal(prev, &s)
			return &Error{Message: fmt.Sprintf("この合算ポイントファイル（取引済番号 %s）は受取済みです（%s）。ポイントを二重に加算しないでください。",
				rec.Txn, s.ReceivedAt.Local().Format("2006/01/02 15:04")), Err: ErrRepeated}
		}
		v, _ := json.Marshal(Seen{ID: rec.ID, Points: rec.Points, ReceivedAt: r.now().UTC(), FileSHA256: hex.EncodeToString(sum[:])})
		return b.Put([]byte(rec.Txn), v)
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// Message is the Japanese message for an error of Receive or Open.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	var me *mkpf.MergeError
	if errors.As(err, &me) {
		return me.Message
	}
	if err == nil {
		return ""
	}
	return "合算ポイントファイルを受け取れませんでした: " + err.Error()
}
