package mkpf

// The shopping-district merge file (商店街ポイント合算ファイル, seed 004 §14-17). docs/merge-file.md is the vendor-facing
// byte-level description; this file is the reference encoder and decoder.
//
// Plaintext (UTF-8, one record, CRLF-terminated):
//
//	MKPM1,<id>,<points>,<txn>,<md5hex>\r\n
//
// id      field 1: the 商店街ポイントID (the shop card number) or, for shops that store MyKey IDs (§17), the MyKey ID
// points  field 2: 合算ポイント数, decimal, 1..999999999
// txn     field 3: 取引済番号 = transaction date-time (JST, YYYYMMDDhhmmss) + "-" + 6-digit sequence
// md5hex  field 4: 改ざん検知用ハッシュ値 = lower-case hex MD5 of  id "," points "," txn "," secret
//
// File = "MKPM" 0x01 | nonce (12 bytes) | AES-128-GCM(key, nonce, plaintext, aad = the 5 header bytes) incl. 16-byte tag.
// AES-128 as the seed requires; GCM so a flipped byte is detected before the MD5 is even looked at (MD5 alone is not
// a tamper seal against anyone who knows the format).

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MergeFileMagic starts every merge file; the byte after it is the format version.
const MergeFileMagic = "MKPM"

const (
	mergeVersion   = 1
	mergeHeaderLen = 5
	mergeNonceLen  = 12
	mergeTagLen    = 16
	mergeRecordTag = "MKPM1"
	// MergeFileExt is the extension of delivered merge files.
	MergeFileExt = ".mkpm"
)

// Sentinel errors of the merge file. MergeError wraps them with the clerk-facing message.
var (
	ErrMergeKey      = errors.New("mkpf: merge key must be 16 bytes (AES-128)")
	ErrMergeFormat   = errors.New("mkpf: not a merge file")
	ErrMergeTampered = errors.New("mkpf: merge file fails authentication (wrong key or altered)")
	ErrMergeHash     = errors.New("mkpf: merge record hash mismatch (wrong secret or altered)")
)

// MergeError carries the Japanese message a clerk sees and the cause.
type MergeError struct {
	Message string
	Err     error
}

func (e *MergeError) Error() string { return e.Message + " (" + e.Err.Error() + ")" }
func (e *MergeError) Unwrap() error { return e.Err }

func mergeErr(cause error, detail string) error {
	msg := "合算ポイントファイルの形式が正しくありません。自治体ポイント管理クラウドから受け取ったファイルか確認してください。"
	switch cause {
	case ErrMergeKey:
		msg = "合算ポイントファイルの暗号鍵の設定が正しくありません（16バイトの鍵が必要です）。"
	case ErrMergeTampered:
		msg = "合算ポイントファイルを復号できません。暗号鍵が違うか、ファイルが改ざん・破損しています。ポイントを加算しないでください。"
	case ErrMergeHash:
		msg = "合算ポイントファイルの改ざん検知用ハッシュ値が一致しません。ポイントを加算しないでください。"
	}
	if detail != "" {
		cause = fmt.Errorf("%w: %s", cause, detail)
	}
	return &MergeError{Message: msg, Err: cause}
}

// MergeRecord is the content of one merge file (連携情報 1-4).
type MergeRecord struct {
	ID     string `json:"id"`     // 1. 商店街ポイントID or MyKey ID
	Points int64  `json:"points"` // 2. 合算ポイント数
	Txn    string `json:"txn"`    // 3. 取引済番号: YYYYMMDDhhmmss-NNNNNN
	Hash   string `json:"hash"`   // 4. 改ざん検知用ハッシュ値 (lower-case hex MD5)
}

// MergeHash computes field 4: MD5 over id "," points "," txn "," secret.
func MergeHash(id string, points int64, txn, secret string) string {
	h := md5.Sum([]byte(id + "," + strconv.FormatInt(points, 10) + "," + txn + "," + secret))
	return hex.EncodeToString(h[:])
}

func validMergeID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-') {
			return false
		}
	}
	return true
}

func validTxn(t string) bool {
	if len(t) != 21 || t[14] != '-' {
		return false
	}
	return allDigits(t[:14]) && allDigits(t[15:])
}

// EncodeMergeFile builds the encrypted file for id/points/txn; Hash is computed here.
func EncodeMergeFile(id string, points int64, txn string, key []byte, secret string) ([]byte, error) {
	if len(key) != 16 {
		return nil, mergeErr(ErrMergeKey, "")
	}
	if !validMergeID(id) || points <= 0 || points > 999999999 || !validTxn(txn) {
		return nil, mergeErr(ErrMergeFormat, "bad record fields")
	}
	rec := fmt.Sprintf("%s,%s,%d,%s,%s\r\n", mergeRecordTag, id, points, txn, MergeHash(id, points, txn, secret))
	gcm, err := mergeAEAD(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, mergeHeaderLen+mergeNonceLen, mergeHeaderLen+mergeNonceLen+len(rec)+mergeTagLen)
	copy(out, MergeFileMagic)
	out[4] = mergeVersion
	if _, err := rand.Read(out[mergeHeaderLen:]); err != nil {
		return nil, err
	}
	return gcm.Seal(out, out[mergeHeaderLen:], []byte(rec), out[:mergeHeaderLen]), nil
}

func mergeAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != 16 {
		return nil, mergeErr(ErrMergeKey, "")
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, mergeErr(ErrMergeKey, err.Error())
	}
	return cipher.NewGCM(b)
}

// DecodeMergeFile decrypts and authenticates a merge file and checks its MD5 with the secret. It does not check for
// repeated transaction numbers: that is the receiver's seen-database (package mergefile).
func DecodeMergeFile(file, key []byte, secret string) (*MergeRecord, error) {
	gcm, err := mergeAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(file) < mergeHeaderLen+mergeNonceLen+mergeTagLen || string(file[:4]) != MergeFileMagic {
		return nil, mergeErr(ErrMergeFormat, "no MKPM header")
	}
	if file[4] != mergeVersion {
		return nil, mergeErr(ErrMergeFormat, fmt.Sprintf("version %d", file[4]))
	}
	if len(file) > 4096 {
		return nil, mergeErr(ErrMergeFormat, "too large")
	}
	plain, err := gcm.Open(nil, file[mergeHeaderLen:mergeHeaderLen+mergeNonceLen], file[mergeHeaderLen+mergeNonceLen:], file[:mergeHeaderLen])
	if err != nil {
		return nil, mergeErr(ErrMergeTampered, "")
	}
	line, ok := bytes.CutSuffix(plain, []byte("\r\n"))
	if !ok {
		return nil, mergeErr(ErrMergeFormat, "record not CRLF-terminated")
	}
	f := strings.Split(string(line), ",")
	if len(f) != 5 || f[0] != mergeRecordTag {
		return nil, mergeErr(ErrMergeFormat, "record fields")
	}
	pts, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || pts <= 0 || pts > 999999999 || strconv.FormatInt(pts, 10) != f[2] || !validMergeID(f[1]) || !validTxn(f[3]) {
		return nil, mergeErr(ErrMergeFormat, "record values")
	}
	rec := &MergeRecord{ID: f[1], Points: pts, Txn: f[3], Hash: f[4]}
	if MergeHash(rec.ID, rec.Points, rec.Txn, secret) != rec.Hash {
		return nil, mergeErr(ErrMergeHash, "")
	}
	return rec, nil
}

// MergeFileName is the name a merge file is delivered under: the transaction number makes it unique.
func MergeFileName(txn string) string { return "merge-" + txn + MergeFileExt }
