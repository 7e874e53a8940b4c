package grant

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/mkpf"
)

// DeviceFile is the grant phone's store inside its data directory (bbolt, mode 0600).
const DeviceFile = "grant_device.db"

var (
	bDevState = []byte("state")   // "current" → project ID of the last sync
	bSyncs    = []byte("syncs")   // project ID → mkpf.GrantSync
	bGrants   = []byte("grants")  // GrantID → StoredGrant
	bPending  = []byte("pending") // seq (8 bytes, tap order) → GrantID
	bByHash   = []byte("byhash")  // project ID + "/" + sync ID + "/" + hash → GrantID
)

// Tap results (the JSON "result" of `grant tap`); a card error is the code of CardErrorCode.
const (
	ResultGranted        = "granted"
	ResultNotOnRoster    = "not_on_roster"
	ResultAlreadyGranted = "already_granted"
)

// The answers shown in big type on screen 79.
const (
	MsgGranted        = "受け付けました（未送信）" // stored on the device; granted when the upload is accepted (§V(7))
	MsgNotOnRoster    = "名簿にありません"
	MsgAlreadyGranted = "付与済みです"
)

// Grant states on the device.
const (
	StatePending  = "pending"  // stored, not yet accepted by the platform
	StateAccepted = "accepted" // applied by the platform
	StateRefused  = "refused"  // refused at upload; Code and Message say why
)

// StoredGrant is one grant made on the device.
type StoredGrant struct {
	mkpf.GrantUploadItem
	Points  int64  `json:"points"`
	State   string `json:"state"`
	TxnID   string `json:"txn_id,omitempty"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	Seq     uint64 `json:"seq"`
}

// TapResult is the answer to one card (screen 79).
type TapResult struct {
	Result  string        `json:"result"`  // ResultGranted, ResultNotOnRoster, ResultAlreadyGranted or a card error code
	Message string        `json:"message"` // the Japanese answer
	Pending int           `json:"pending"` // grants stored and not yet sent
	GrantID string        `json:"grant_id,omitempty"`
	Points  int64         `json:"points,omitempty"`
	Reader  string        `json:"reader,omitempty"`
	Took    time.Duration `json:"-"` // card seen → answer (the read, the match and the fsync'd store)
}

// Errors of the device.
var (
	ErrNotSynced     = errors.New("付与事業対象者名簿がまだ同期されていません。通信できる場所で［付与事業対象者名簿の同期（取得）］を行ってください。")
	ErrPendingOther  = errors.New("この事業の未送信の付与データがあります。先に［自治体ポイント管理クラウドへ登録］で送信してから、名簿を同期し直してください。")
	ErrSyncMalformed = errors.New("名簿の同期データが壊れています。もう一度同期してください。")
	ErrWatchEnded    = errors.New("カードリーダーの監視が止まりました。リーダーの接続を確かめてから、［カード読取・ポイント付与 開始］をやり直してください（保存済みの付与は残っています）。")
)

// CardErrorCode is the `result` of a tap whose card could not be read: "card_" + the kind (no_card, removed,
// unknown, expired, timeout, error …).
func CardErrorCode(err error) string {
	switch {
	case errors.Is(err, cardio.ErrNoReader):
		return "card_no_reader"
	case errors.Is(err, cardio.ErrNoCard):
		return "card_no_card"
	case errors.Is(err, cardio.ErrCardRemoved):
		return "card_removed"
	case errors.Is(err, cardio.ErrUnknownCard):
		return "card_unknown"
	case errors.Is(err, cardio.ErrCertExpired):
		return "card_expired"
	case errors.Is(err, cardio.ErrTimeout):
		return "card_timeout"
	case errors.Is(err, cardio.ErrPCSCUnavailable):
		return "card_service_unavailable"
	}
	return "card_error"
}

// roster is the current sync in memory, for answering a tap without reading the store.
type roster struct {
	sync    mkpf.GrantSync
	entries map[string]bool // hash → granted (at sync, or on this device since)
}

// Device is the mobile grant app's store (screens 77-79). Safe for concurrent use; one process holds the file.
type Device struct {
	db  *bbolt.DB
	mu  sync.Mutex
	cur *roster
	// pending counts the keys of bPending (kept with every write; counted at open).
	pending int
	// Now is the clock of the grants' tap times (tests set it).
	Now func() time.Time
}

// OpenDevice opens (or creates) the device store in dataDir.
func OpenDevice(dataDir string) (*Device, error) {
	// NoFreelistSync: a tap's commit writes fewer pages (the freelist is rebuilt when the file is opened).
	db, err := bbolt.Open(filepath.Join(dataDir, DeviceFile), 0o600, &bbolt.Options{Timeout: 2 * time.Second, NoFreelistSync: true})
	if err != nil {
		if errors.Is(err, bbolt.ErrTimeout) {
			return nil, errors.New("付与データを他のプログラム（カード読取中のアプリなど）が使用中です。そのプログラムを終了してから、もう一度お試しください。")
		}
		return nil, fmt.Errorf("付与データを開けません（%s）: %w", dataDir, err)
	}
	d := &Device{db: db, Now: time.Now}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bDevState, bSyncs, bGrants, bPending, bByHash} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		d.pending = tx.Bucket(bPending).Stats().KeyN
		return nil
	})
	if err == nil {
		err = d.load()
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// Close closes the store.
func (d *Device) Close() error { return d.db.Close() }

// load reads the current sync into memory and marks the hashes granted on this device.
func (d *Device) load() error {
	return d.db.View(func(tx *bbolt.Tx) error {
		cur := tx.Bucket(bDevState).Get([]byte("current"))
		if cur == nil {
			return nil
		}
		v := tx.Bucket(bSyncs).Get(cur)
		if v == nil {
			return nil
		}
		var s mkpf.GrantSync
		if err := json.Unmarshal(v, &s); err != nil {
			return ErrSyncMalformed
		}
		r := &roster{sync: s, entries: make(map[string]bool, len(s.Entries))}
		for _, e := range s.Entries {
			r.entries[e.Hash] = e.Granted
		}
		prefix := []byte(s.Project.ID + "/" + s.SyncID + "/")
		c := tx.Bucket(bByHash).Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			r.entries[string(k[len(prefix):])] = true
		}
		d.cur = r
		return nil
	})
}

// Project returns the project of the current sync (screen 79's title), when it was synced and how many people its
// roster has (not its entries: a renewed card gives a participant more than one); ok is false before the first sync.
func (d *Device) Project() (p mkpf.GrantProject, syncedAt time.Time, people int, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cur == nil {
		return p, syncedAt, 0, false
	}
	people = d.cur.sync.People
	if people == 0 && len(d.cur.sync.Entries) > 0 {
		people = d.cur.sync.Project.Participants // a sync stored before the platform counted people
	}
	return d.cur.sync.Project, d.cur.sync.At, people, true
}

// Sync fetches projectID's roster (screen 78) and makes it the current one. Refused while grants of that project
// made under an earlier sync are not sent yet (their hashes are under the earlier key).
func (d *Device) Sync(ctx context.Context, p Platform, projectID string) (*mkpf.GrantSync, error) {
	if d.pendingFor(projectID) > 0 {
		return nil, ErrPendingOther
	}
	s, err := p.SyncRoster(ctx, projectID)
	if err != nil {
		return nil, err
	}
	if s.SyncID == "" || len(s.Key) < 16 || s.Project.ID != projectID {
		return nil, ErrSyncMalformed
	}
	v, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	err = d.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bSyncs).Put([]byte(projectID), v); err != nil {
			return err
		}
		return tx.Bucket(bDevState).Put([]byte("current"), []byte(projectID))
	})
	if err != nil {
		return nil, err
	}
	if err := d.load(); err != nil {
		return nil, err
	}
	return s, nil
}

func (d *Device) pendingFor(projectID string) int {
	n := 0
	for _, g := range d.list(StatePending) {
		if g.ProjectID == projectID {
			n++
		}
	}
	return n
}

// Hash is the keyed hash of a certificate serial under a sync's key (mkpf.GrantSync): HMAC-SHA256 of the serial as
// upper-case hex, lower-case hex; the same as the platform's platform.SyncHash.
func Hash(key []byte, serialHex string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strings.ToUpper(serialHex)))
	return hex.EncodeToString(m.Sum(nil))
}

// Tap answers one card in reader ("" = the first holding a card): its auth certificate is read (no PIN), its serial
// hashed with the sync's key and matched on the device; a participant not granted yet gets a grant stored (committed
// with fsync) before the answer. No network is used. A card error gives Result = CardErrorCode and its message.
func (d *Device) Tap(ctx context.Context, src cardio.Source, reader string) TapResult {
	start := time.Now()
	cr, err := cardio.ReadAuthCert(ctx, src, reader)
	res := d.answer(cr, err)
	res.Took = time.Since(start)
	return res
}

// answer matches a certificate read and stores the grant.
func (d *Device) answer(cr *cardio.CertRead, err error) TapResult {
	if err != nil {
		r := TapResult{Result: CardErrorCode(err), Message: cardio.Message(err), Pending: d.Pending()}
		if cr != nil {
			r.Reader = cr.Reader
		}
		return r
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cur == nil {
		return TapResult{Result: "not_synced", Message: ErrNotSynced.Error(), Reader: cr.Reader, Pending: d.pendingLocked()}
	}
	h := Hash(d.cur.sync.Key, cr.Serial)
	granted, ok := d.cur.entries[h]
	switch {
	case !ok:
		return TapResult{Result: ResultNotOnRoster, Message: MsgNotOnRoster, Reader: cr.Reader, Pending: d.pendingLocked()}
	case granted:
		return TapResult{Result: ResultAlreadyGranted, Message: MsgAlreadyGranted, Reader: cr.Reader, Pending: d.pendingLocked()}
	}
	s := d.cur.sync
	g := StoredGrant{
		GrantUploadItem: mkpf.GrantUploadItem{GrantID: newID(), ProjectID: s.Project.ID, SyncID: s.SyncID, Hash: h, At: d.Now().UTC()},
		Points:          s.Project.PointsPerPerson, State: StatePending,
	}
	if len(s.SealKey) > 0 {
		// The proof that this card was here: its certificate sealed to the platform (no serial in the clear).
		if g.Card, err = mkpf.SealTapCert(s.SealKey, g.GrantUploadItem, cr.DER); err != nil {
			return TapResult{Result: "store_error", Message: "付与データを作れませんでした。名簿を同期し直してから、もう一度カードをかざしてください（付与はしていません）。", Reader: cr.Reader, Pending: d.pendingLocked()}
		}
	}
	err = d.db.Update(func(tx *bbolt.Tx) error {
		gb := tx.Bucket(bGrants)
		seq, err := gb.NextSequence()
		if err != nil {
			return err
		}
		g.Seq = seq
		v, err := json.Marshal(g)
		if err != nil {
			return err
		}
		if err := gb.Put([]byte(g.GrantID), v); err != nil {
			return err
		}
		var k [8]byte
		binary.BigEndian.PutUint64(k[:], seq)
		if err := tx.Bucket(bPending).Put(k[:], []byte(g.GrantID)); err != nil {
			return err
		}
		return tx.Bucket(bByHash).Put([]byte(s.Project.ID+"/"+s.SyncID+"/"+h), []byte(g.GrantID))
	})
	if err != nil {
		return TapResult{Result: "store_error", Message: "付与データを保存できませんでした。端末の空き容量を確かめてから、もう一度カードをかざしてください（付与はしていません）。", Reader: cr.Reader, Pending: d.pendingLocked()}
	}
	d.cur.entries[h] = true
	d.pending++
	return TapResult{Result: ResultGranted, Message: MsgGranted, Reader: cr.Reader, GrantID: g.GrantID, Points: g.Points, Pending: d.pending}
}

// Pending is the number of grants stored and not yet accepted or refused by the platform.
func (d *Device) Pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pendingLocked()
}

func (d *Device) pendingLocked() int { return d.pending }

// Grants lists the stored grants in state ("" = all), in tap order.
func (d *Device) Grants(state string) []StoredGrant { return d.list(state) }

func (d *Device) list(state string) []StoredGrant {
	var out []StoredGrant
	d.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bGrants).ForEach(func(_, v []byte) error {
			var g StoredGrant
			if json.Unmarshal(v, &g) == nil && (state == "" || g.State == state) {
				out = append(out, g)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// UploadBatch is how many grants go in one upload request.
var UploadBatch = 500

// UploadReport is the outcome of [自治体ポイント管理クラウドへ登録].
type UploadReport struct {
	Accepted []mkpf.GrantAccepted `json:"accepted"`
	Refused  []mkpf.GrantRefused  `json:"refused"`
	Pending  int                  `json:"pending"` // still stored and not sent (after an error)
}

// Upload sends the pending grants in batches of UploadBatch (screen 79) and records each answer before the next
// batch; progress (may be nil) is called with the grants answered so far and the total. A failed call stops the
// upload with the error; what was answered is recorded, the rest stays pending, and uploading again sends it (a
// GrantID the platform already applied is answered as accepted and applies nothing more).
//
// A grant refused for a reason that may change (a closed or unapproved project, a limit of the period:
// mkpf.GrantRefusalFinal) is sent again with every upload, and applies once the administrator reopened or approved
// the project or the period turned.
func (d *Device) Upload(ctx context.Context, p Platform, progress func(done, total int)) (*UploadReport, error) {
	pend := d.list(StatePending)
	for _, g := range d.list(StateRefused) {
		if !mkpf.GrantRefusalFinal(g.Code) {
			pend = append(pend, g)
		}
	}
	rep := &UploadReport{Accepted: []mkpf.GrantAccepted{}, Refused: []mkpf.GrantRefused{}}
	total := len(pend)
	if progress != nil {
		progress(0, total)
	}
	for start := 0; start < total; start += UploadBatch {
		batch := pend[start:min(start+UploadBatch, total)]
		req := mkpf.GrantUploadRequest{Grants: make([]mkpf.GrantUploadItem, len(batch))}
		for i, g := range batch {
			req.Grants[i] = g.GrantUploadItem
		}
		res, err := p.UploadGrants(ctx, req)
		if err != nil {
			rep.Pending = d.Pending()
			return rep, err
		}
		if err := d.record(batch, res); err != nil {
			rep.Pending = d.Pending()
			return rep, err
		}
		rep.Accepted = append(rep.Accepted, res.Accepted...)
		rep.Refused = append(rep.Refused, res.Refused...)
		if progress != nil {
			progress(start+len(batch), total)
		}
	}
	rep.Pending = d.Pending()
	return rep, nil
}

// record writes one batch's answers in one transaction.
func (d *Device) record(batch []StoredGrant, res *mkpf.GrantUploadResult) error {
	byID := make(map[string]StoredGrant, len(batch))
	for _, g := range batch {
		byID[g.GrantID] = g
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	removed := 0
	err := d.db.Update(func(tx *bbolt.Tx) error {
		removed = 0
		gb, pb := tx.Bucket(bGrants), tx.Bucket(bPending)
		put := func(g StoredGrant) error {
			v, err := json.Marshal(g)
			if err != nil {
				return err
			}
			if err := gb.Put([]byte(g.GrantID), v); err != nil {
				return err
			}
			var k [8]byte
			binary.BigEndian.PutUint64(k[:], g.Seq)
			if pb.Get(k[:]) != nil {
				removed++
			}
			return pb.Delete(k[:])
		}
		for _, a := range res.Accepted {
			g, ok := byID[a.GrantID]
			if !ok {
				continue
			}
			g.State, g.TxnID, g.Points = StateAccepted, a.TxnID, a.Points
			if err := put(g); err != nil {
				return err
			}
		}
		for _, r := range res.Refused {
			g, ok := byID[r.GrantID]
			if !ok {
				continue
			}
			g.State, g.Code, g.Message = StateRefused, r.Code, r.Message
			if err := put(g); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		d.pending -= removed
	}
	return err
}

// Run is continuous reading (screen 79 [カード読取・ポイント付与 開始] until [終了], i.e. until ctx ends): every card
// put on a reader of src (and a card already there when Run starts) is answered by Tap and given to answer. A card
// left on the reader is answered once; it is answered again after it was taken away and put back.
func (d *Device) Run(ctx context.Context, src cardio.Source, answer func(TapResult)) error {
	events, err := src.Watch(ctx)
	if err != nil {
		return err
	}
	present := map[string]bool{}
	for e := range events {
		if !e.Present {
			present[e.Reader] = false
			continue
		}
		if present[e.Reader] {
			continue
		}
		present[e.Reader] = true
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		r := d.Tap(rctx, src, e.Reader)
		cancel()
		if ctx.Err() != nil {
			break
		}
		answer(r)
	}
	if ctx.Err() == nil {
		// The reader service went away (pcscd stopped, the reader unplugged): say so instead of ending quietly.
		return ErrWatchEnded
	}
	return ctx.Err()
}
