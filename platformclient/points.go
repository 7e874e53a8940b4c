package platformclient

// The terminal side of the points API (screens 2, 28-39, 87): a small service API for the GUI and the CLI, and the
// client-side journal of state-changing point operations.
//
// The journal (bucket "points_journal" in the terminal's state file) makes a retry never apply twice: every
// state-changing call is written to it, with its idempotency key, before it is sent. When the answer is lost (timeout,
// network down, the program killed), the operation stays "pending"; the next identical operation (same kind, same
// request) reuses the pending key, so the platform answers with the first result instead of moving points again.
// A GUI passes an explicit operation key (NewIdempotencyKey when the confirmation screen opens) so a double click is
// one operation too; an identical operation still pending goes with the pending key even when the caller drew a new
// one (the GUI was restarted after the answer was lost).

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

var (
	bPtJournal = []byte("points_journal") // idempotency key → journalEntry
	bPtPending = []byte("points_pending") // op + "/" + request hash → idempotency key (unresolved operations)
	bPtCache   = []byte("points_cache")   // "voucher_keys" → mkpf.VoucherKeys
)

// JournalKeep is how long resolved journal entries are kept (for diagnostics) before they are pruned, at most once a
// day. Pending entries are never pruned: their outcome is unknown until the platform answers a retry.
var JournalKeep = 30 * 24 * time.Hour

// JournalPendingTTL is how long an unresolved operation's key is reused for an identical retry. The platform keeps
// idempotency records for longer than this.
var JournalPendingTTL = 24 * time.Hour

// Journal states.
const (
	JournalPending = "pending" // sent (or about to be); the answer is unknown
	JournalDone    = "done"    // the platform applied it; Result holds its answer
	JournalFailed  = "failed"  // the platform refused it; nothing was applied
)

// JournalEntry is one state-changing point operation as the terminal remembers it.
type JournalEntry struct {
	Key     string          `json:"key"`
	Op      string          `json:"op"`
	ReqHash string          `json:"req_hash"`
	Created time.Time       `json:"created"`
	State   string          `json:"state"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   string          `json:"error,omitempty"`
}

// Journal lists the points journal, oldest first (for diagnostics and tests).
func (c *Client) Journal() ([]JournalEntry, error) {
	var out []JournalEntry
	err := c.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bPtJournal)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var e JournalEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}

func journalBuckets(tx *bbolt.Tx) (j, p *bbolt.Bucket, err error) {
	if j, err = tx.CreateBucketIfNotExists(bPtJournal); err != nil {
		return
	}
	p, err = tx.CreateBucketIfNotExists(bPtPending)
	return
}

// journalBegin picks the key of an operation and records it as pending (durably, before anything is sent).
func (c *Client) journalBegin(op string, req any, opKey string) (string, error) {
	raw, err := json.Marshal(req)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(raw)
	rh := hex.EncodeToString(h[:])
	key := opKey
	err = c.db.Update(func(tx *bbolt.Tx) error {
		j, p, err := journalBuckets(tx)
		if err != nil {
			return err
		}
		pk := []byte(op + "/" + rh)
		if key != "" && j.Get([]byte(key)) != nil {
			return nil // the same operation again (double click, retry): keep its entry
		}
		// An identical operation whose answer was lost is still pending: this is its retry, whatever key the caller
		// drew (a GUI restarted after a crash draws a new one), so it goes with the pending key.
		if prev := p.Get(pk); prev != nil {
			var e JournalEntry
			if raw := j.Get(prev); raw != nil && json.Unmarshal(raw, &e) == nil && e.State == JournalPending &&
				time.Since(e.Created) < JournalPendingTTL {
				key = e.Key
				return nil
			}
		}
		if key == "" {
			key = NewIdempotencyKey()
		}
		e := JournalEntry{Key: key, Op: op, ReqHash: rh, Created: time.Now().UTC(), State: JournalPending}
		v, _ := json.Marshal(e)
		if err := j.Put([]byte(key), v); err != nil {
			return err
		}
		if err := p.Put(pk, []byte(key)); err != nil {
			return err
		}
		return pruneJournal(tx, j)
	})
	if err != nil {
		return "", &Error{Op: op, Message: MsgLocalState, Err: err}
	}
	return key, nil
}

// pruneJournal deletes resolved entries older than JournalKeep, at most once a day.
func pruneJournal(tx *bbolt.Tx, j *bbolt.Bucket) error {
	cache, err := tx.CreateBucketIfNotExists(bPtCache)
	if err != nil {
		return err
	}
	now := time.Now()
	if last, err := time.Parse(time.RFC3339, string(cache.Get([]byte("journal_pruned")))); err == nil && now.Sub(last) < 24*time.Hour {
		return nil
	}
	var old [][]byte
	j.ForEach(func(k, v []byte) error {
		var e JournalEntry
		if json.Unmarshal(v, &e) == nil && e.State != JournalPending && now.Sub(e.Created) > JournalKeep {
			old = append(old, append([]byte(nil), k...))
		}
		return nil
	})
	for _, k := range old {
		if err := j.Delete(k); err != nil {
			return err
		}
	}
	return cache.Put([]byte("journal_pruned"), []byte(now.UTC().Format(time.RFC3339)))
}

// journalEnd records the outcome: done with the result, failed with a definitive refusal, or still pending when the
// answer was lost.
func (c *Client) journalEnd(key string, result any, callErr error) {
	state := JournalPending
	switch {
	case callErr == nil:
		state = JournalDone
	case Refused(callErr):
		state = JournalFailed
	}
	if state == JournalPending {
		return
	}
	_ = c.db.Update(func(tx *bbolt.Tx) error {
		j, p, err := journalBuckets(tx)
		if err != nil {
			return err
		}
		var e JournalEntry
		if raw := j.Get([]byte(key)); raw == nil || json.Unmarshal(raw, &e) != nil {
			return nil
		}
		e.State = state
		if callErr != nil {
			e.Error = Code(callErr)
		} else {
			e.Result, _ = json.Marshal(result)
		}
		v, _ := json.Marshal(e)
		if err := j.Put([]byte(key), v); err != nil {
			return err
		}
		// The pending index may name a newer identical operation by now (this key was shared by a double click whose
		// other call resolved it first, then a new operation lost its answer): that one must stay findable.
		pk := []byte(e.Op + "/" + e.ReqHash)
		if string(p.Get(pk)) != key {
			return nil
		}
		return p.Delete(pk)
	})
}

// journaled runs one state-changing call under the journal.
func (c *Client) journaled(ctx context.Context, op, path string, req, out any, opKey string) error {
	key, err := c.journalBegin(op, req, opKey)
	if err != nil {
		return err
	}
	err = c.do(ctx, http.MethodPost, path, req, out, key)
	c.journalEnd(key, out, err)
	return err
}

// journaledAs is journaled for a call whose answer is a T.
func journaledAs[T any](ctx context.Context, c *Client, op, path string, req any, opKey string) (*T, error) {
	res := new(T)
	if err := c.journaled(ctx, op, path, req, res, opKey); err != nil {
		return nil, err
	}
	return res, nil
}

// doAs is Client.do for a call whose answer is a T.
func doAs[T any](ctx context.Context, c *Client, method, path string, in any, idemKey string) (*T, error) {
	res := new(T)
	if err := c.do(ctx, method, path, in, res, idemKey); err != nil {
		return nil, err
	}
	return res, nil
}

// Login is screen 2 (the point-cloud login): the login ID and password the municipality issued, i.e. the terminal ID
// and password of the roster. The answer says which screen-28 items this terminal may use.
func (c *Client) Login(ctx context.Context, loginID, password string) (*mkpf.PointsLoginResult, error) {
	res, err := doAs[mkpf.PointsLoginResult](ctx, c, http.MethodPost, "/v1/points/login", mkpf.PointsLoginRequest{LoginID: loginID, Password: password}, "")
	if err == nil {
		c.setPointsSession(res.Session)
	}
	return res, err
}

// CardChallenge asks for a one-use challenge for the patron's card to sign for one operation (proof of card
// presence above a program's floor limit; mkpf.PresenceSignedBytes says what the card signs).
func (c *Client) CardChallenge(ctx context.Context, scope mkpf.PresenceScope) (*mkpf.CardChallengeResult, error) {
	return doAs[mkpf.CardChallengeResult](ctx, c, http.MethodPost, "/v1/points/card-challenge", scope, "")
}

// Logout ends the points session of this process (the screen-2 login must be done again).
func (c *Client) Logout() { c.setPointsSession("") }

func (c *Client) setPointsSession(s string) {
	c.mu.Lock()
	c.pointsSession = s
	c.mu.Unlock()
}

// Balances is [カード読取] of screens 29, 32 and 37: the patron's balances usable at this terminal.
func (c *Client) Balances(ctx context.Context, ref mkpf.PatronRef) (*mkpf.BalancesResult, error) {
	// A read: safe to retry, so send it with a throwaway key.
	return doAs[mkpf.BalancesResult](ctx, c, http.MethodPost, "/v1/points/balances", ref, NewIdempotencyKey())
}

// Use is screen 30 [利用]. opKey identifies the operation ("" = let the journal decide).
func (c *Client) Use(ctx context.Context, req mkpf.UseRequest, opKey string) (*mkpf.UseResult, error) {
	return journaledAs[mkpf.UseResult](ctx, c, "use", "/v1/points/use", req, opKey)
}

// IssueVoucher is screen 33 [発行]: the points are deducted and the signed voucher comes back for printing.
func (c *Client) IssueVoucher(ctx context.Context, req mkpf.VoucherIssueRequest, opKey string) (*mkpf.Voucher, error) {
	return journaledAs[mkpf.Voucher](ctx, c, "voucher_issue", "/v1/points/vouchers", req, opKey)
}

// ReissueVoucher is screen 34 [再発行]: the same voucher, to print again marked 再発行.
func (c *Client) ReissueVoucher(ctx context.Context, code, opKey string) (*mkpf.Voucher, error) {
	return journaledAs[mkpf.Voucher](ctx, c, "voucher_reissue", "/v1/points/vouchers/reissue", mkpf.VoucherCodeRequest{Code: code}, opKey)
}

// VoucherKeys returns the platform's voucher-signing keys, cached in the state file for offline checks.
func (c *Client) VoucherKeys(ctx context.Context) ([]ed25519.PublicKey, error) {
	var vk mkpf.VoucherKeys
	err := c.do(ctx, http.MethodGet, "/v1/points/voucher-keys", nil, &vk, "")
	if err == nil {
		raw, _ := json.Marshal(vk)
		_ = c.db.Update(func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bPtCache)
			if err != nil {
				return err
			}
			return b.Put([]byte("voucher_keys"), raw)
		})
	} else if !c.cachedKeys(&vk) {
		return nil, err
	}
	return append(make([]ed25519.PublicKey, 0, len(vk.Keys)), usableKeys(vk)...), nil
}

// cachedKeys reads the voucher keys cached in the state file into vk, reporting whether there were any.
func (c *Client) cachedKeys(vk *mkpf.VoucherKeys) bool {
	found := false
	c.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bPtCache); b != nil {
			if raw := b.Get([]byte("voucher_keys")); raw != nil && json.Unmarshal(raw, vk) == nil {
				found = true
			}
		}
		return nil
	})
	return found
}

// usableKeys are the Ed25519 public keys of vk (anything else is skipped).
func usableKeys(vk mkpf.VoucherKeys) []ed25519.PublicKey {
	var keys []ed25519.PublicKey
	for _, k := range vk.Keys {
		if len(k) == ed25519.PublicKeySize {
			keys = append(keys, ed25519.PublicKey(k))
		}
	}
	return keys
}

func (c *Client) cachedVoucherKeys() []ed25519.PublicKey {
	var vk mkpf.VoucherKeys
	c.cachedKeys(&vk)
	return usableKeys(vk)
}

// VerifyVoucherOffline checks a scanned QR text against the platform's keys cached in the state file, without asking
// whether the voucher is still outstanding: a forged voucher is refused even when the network is down. The keys are
// fetched when none are cached, and fetched again once when the text names a key the cache lacks (key rotation).
func (c *Client) VerifyVoucherOffline(ctx context.Context, qrText string) (*mkpf.VoucherQR, error) {
	keys := c.cachedVoucherKeys()
	if len(keys) > 0 {
		v, err := mkpf.VerifyVoucherQR(qrText, keys...)
		if err == nil || !errors.Is(err, mkpf.ErrVoucherForged) {
			return v, err
		}
	}
	fresh, ferr := c.VoucherKeys(ctx)
	if ferr != nil {
		if len(keys) > 0 {
			return mkpf.VerifyVoucherQR(qrText, keys...)
		}
		return nil, ferr
	}
	return mkpf.VerifyVoucherQR(qrText, fresh...)
}

// checkVoucherCode refuses a malformed or forged QR text locally before it goes to the platform (which checks again).
func (c *Client) checkVoucherCode(ctx context.Context, code string) error {
	in, err := mkpf.ParseVoucherInput(code)
	if err != nil {
		return err
	}
	if in.QR != nil {
		if _, err := c.VerifyVoucherOffline(ctx, in.Text); err != nil {
			var ve *mkpf.VoucherError
			if errors.As(err, &ve) {
				return err
			}
			// No keys reachable: the platform decides.
		}
	}
	return nil
}

// ShowVoucher is screen 35 [ポイント券情報読取]: code is a QR reader's text or a typed 発券番号.
func (c *Client) ShowVoucher(ctx context.Context, code string) (*mkpf.Voucher, error) {
	if err := c.checkVoucherCode(ctx, code); err != nil {
		return nil, err
	}
	return doAs[mkpf.Voucher](ctx, c, http.MethodPost, "/v1/points/vouchers/lookup", mkpf.VoucherCodeRequest{Code: code}, NewIdempotencyKey())
}

// ClearVoucher is screen 35 [消込処理] → 36.
func (c *Client) ClearVoucher(ctx context.Context, code, opKey string) (*mkpf.Voucher, error) {
	if err := c.checkVoucherCode(ctx, code); err != nil {
		return nil, err
	}
	return journaledAs[mkpf.Voucher](ctx, c, "voucher_clear", "/v1/points/vouchers/clear", mkpf.VoucherCodeRequest{Code: code}, opKey)
}

// MergeFolder is where merge files are delivered: folder when set (the terminal's setting), else "merge" in the data
// directory.
func (c *Client) MergeFolder(folder string) string {
	if folder != "" {
		return folder
	}
	return filepath.Join(c.dir, "merge")
}

// Merge is screen 38 [合算]: the points leave the platform, and the encrypted file for the shop system is written
// atomically (temporary file, fsync, rename) into the merge folder. A retry after a lost answer gets the same file.
// path is the delivered file; folder is the merge folder (MergeFolder).
func (c *Client) Merge(ctx context.Context, req mkpf.MergeRequest, opKey, folder string) (res *mkpf.MergeResult, path string, err error) {
	res = new(mkpf.MergeResult)
	if err := c.journaled(ctx, "merge", "/v1/points/merge", req, res, opKey); err != nil {
		return nil, "", err
	}
	if !mkpf.ValidMergeFileName(res.FileName) {
		return nil, "", &Error{Op: "merge", Message: "プラットフォームから届いた合算ポイントファイルの名前が正しくないため、保存しませんでした。自治体の担当者に連絡してください。",
			Err: fmt.Errorf("%w: merge file name %q", ErrProtocol, res.FileName)}
	}
	path, err = deliverFile(c.MergeFolder(folder), res.FileName, res.File)
	if err != nil {
		return nil, "", &Error{Op: "merge", Message: "合算ポイントファイルを合算フォルダに保存できません（" + c.MergeFolder(folder) + "）。フォルダの設定と書き込み権限を確認し、もう一度「合算」を押してください（ポイントは二重に減りません）。", Err: err}
	}
	return res, path, nil
}

// deliverFile writes data as dir/name atomically: readers of the folder never see a partial file.
func deliverFile(dir, name string, data []byte) (string, error) {
	if name == "" || name == "." || name == ".." || filepath.Base(name) != name {
		return "", fmt.Errorf("bad file name %q", name)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	final := filepath.Join(dir, name)
	tmp, err := os.CreateTemp(dir, ".partial-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return final, nil
}

// Aggregate is screen 87 [集計]: from and to are "YYYY-MM-DD" (inclusive).
func (c *Client) Aggregate(ctx context.Context, from, to string) (*mkpf.Aggregate, error) {
	q := url.Values{"from": {from}, "to": {to}}
	return doAs[mkpf.Aggregate](ctx, c, http.MethodGet, "/v1/points/aggregate?"+q.Encode(), nil, "")
}

// AggregateCSV is screen 87 [明細ダウンロード]: the detail as a CSV that Excel opens (UTF-8 with BOM, CRLF).
func (c *Client) AggregateCSV(ctx context.Context, from, to string) ([]byte, error) {
	agg, err := c.Aggregate(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return mkpf.AggregateCSV(agg), nil
}
