package platform

// The points ledger (自治体ポイント管理クラウド): programs, an append-only log of point movements, balances and voucher
// states kept in the same bbolt transaction as the movement that changes them, and running totals that make the
// ledger invariant cheap to check:
//
//	sum(balances) + outstanding vouchers + used + cleared + merged + lapsed + expired == granted
//
// Every function here takes the caller's write transaction, so a movement, its balance change, its totals and the
// idempotency record of the request (Server.Idempotent) commit together or not at all.

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/ledger"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Buckets of the points half.
var (
	bPtPrograms = []byte("pt_programs") // program ID → mkpf.Program
	bPtBalances = ledger.BucketBalances // the money rows' buckets on bbolt (platform/ledger)
	bPtMoves    = ledger.BucketMoves
	bPtByTerm   = ledger.BucketByTerminal
	bPtVouchers = []byte("pt_vouchers") // 8-digit number → voucherRec
	bPtTotals   = ledger.BucketTotals
	bPtMerge    = []byte("pt_merge")     // issuer ID → MergeConfig
	bPtKeys     = []byte("pt_keys")      // "voucher_current" → key ID; the seeds are secrets "voucher/<key ID>" (voucherkeys.go)
	bPtMergeSeq = []byte("pt_merge_seq") // the merge sequence lives in this bucket's NextSequence
	bPtLots     = ledger.BucketLots
	ptBuckets   = [][]byte{bPtPrograms, bPtBalances, bPtMoves, bPtByTerm, bPtVouchers, bPtTotals, bPtMerge, bPtKeys, bPtMergeSeq, bPtLots, bPtTermLast}
)

// Movement kinds of the ledger.
const (
	MoveGrant        = ledger.KindGrant
	MoveUse          = ledger.KindUse
	MoveVoucherIssue = ledger.KindVoucherIssue
	MoveVoucherClear = ledger.KindVoucherClear
	MoveVoucherLapse = ledger.KindVoucherLapse
	MoveMerge        = ledger.KindMerge
	MovePointsExpire = ledger.KindPointsExpire // points of a grant reached the program's expiry rule
)

// Totals of the ledger invariant.
const (
	TotalGranted     = ledger.TotalGranted
	TotalUsed        = ledger.TotalUsed
	TotalOutstanding = ledger.TotalOutstanding
	TotalCleared     = ledger.TotalCleared
	TotalLapsed      = ledger.TotalLapsed
	TotalMerged      = ledger.TotalMerged
	TotalExpired     = ledger.TotalExpired
)

// jst is Japan time (mkpf.JST): the documents are Japanese and so are their days.
var jst = mkpf.JST

// pointMove is one ledger entry (ledger.Move). Points is always positive; Delta is the change of the patron's balance.
type pointMove = ledger.Move

type voucherRec struct {
	Number    string            `json:"number"`
	Points    int64             `json:"points"`
	ProgramID string            `json:"program_id"`
	MyKeyID   string            `json:"mykey_id"`
	Expires   string            `json:"expires"`
	IssuedAt  time.Time         `json:"issued_at"`
	IssuedBy  string            `json:"issued_by"`
	State     mkpf.VoucherState `json:"state"`
	ClearedAt *time.Time        `json:"cleared_at,omitempty"`
	ClearedBy string            `json:"cleared_by,omitempty"`
	LapsedAt  *time.Time        `json:"lapsed_at,omitempty"`
	QR        string            `json:"qr"`
	Reissues  int               `json:"reissues,omitempty"`
}

// MergeConfig is a shopping-district issuer's merge set-up: the AES-128 key and secret string shared with its shop
// system, and whether field 1 of the file is the 商店街ポイントID ("shop_point_id", §14-15) or the MyKey ID
// ("mykey_id", §17).
type MergeConfig struct {
	Key    []byte `json:"key"`
	Secret string `json:"secret"`
	IDMode string `json:"id_mode"`
}

// Errors of the points API. The messages are what the clerk sees.
var (
	errPtNotUsable    = Errf(http.StatusConflict, mkpf.CodeProgramNotUsable, "このポイントはこの端末では利用できません。ポイントの種類を選び直してください。")
	errPtInsufficient = ledger.ErrInsufficient
	errPtPoints       = Errf(http.StatusBadRequest, mkpf.CodeValidation, "ポイント数は1以上の整数で入力してください。")
	errPtNoPatron     = Errf(http.StatusNotFound, mkpf.CodeUnknownCert, "この利用者のポイント口座が見つかりません。マイキーIDの設定をご案内ください。")
	errPtNoShopCard   = Errf(http.StatusNotFound, mkpf.CodeNotFound, "この商店街ポイントカードはマイキープラットフォームに登録されていません。マイナンバーカードで読み取るか、サービスIDを登録してください。")
	errPtPatronRef    = Errf(http.StatusBadRequest, mkpf.CodeValidation, "マイナンバーカードまたは商店街ポイントカードを読み取ってください。")
	errVoucherUnknown = Errf(http.StatusNotFound, mkpf.CodeVoucherUnknown, "このポイント券は登録されていません。発券番号を確認してください。")
	errVoucherForged  = Errf(http.StatusBadRequest, mkpf.CodeVoucherForged, "このポイント券は偽造または改ざんされています。受け付けないでください。")
	errVoucherExpired = Errf(http.StatusConflict, mkpf.CodeVoucherExpired, "このポイント券は有効期限が切れているため失効しています。消込できません。")
	errVoucherDone    = Errf(http.StatusConflict, mkpf.CodeVoucherCleared, "このポイント券は消込済みです。二重に利用されていないか確認してください。")
	errVoucherExpiry  = Errf(http.StatusBadRequest, mkpf.CodeValidation, "ポイント券の有効期限は今日から30日以内の日付を入力してください。")
	errNoMergeSetup   = Errf(http.StatusConflict, mkpf.CodeNoMergeSetup, "この商店街ポイントシステムとの連携（暗号鍵）が設定されていません。自治体の担当者に連絡してください。")
)

func initPointsSchema(db kv.DB) error {
	return db.Update(func(tx kv.Tx) error {
		for _, b := range ptBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
}

func addTotal(tx kv.Tx, name string, d int64) error { return ledger.Of(tx).AddTotal(name, d) }

// bookMove appends m to the ledger and adds its points to the running total to, taking them from the totals from
// (a voucher's points leave "outstanding" when it is cleared or lapses) in the same transaction, so the audit's
// invariant holds after every commit.
func bookMove(tx kv.Tx, m *pointMove, to string, from ...string) error {
	rows := ledger.Of(tx)
	if err := rows.AppendMove(m); err != nil {
		return err
	}
	for _, f := range from {
		if err := rows.AddTotal(f, -m.Points); err != nil {
			return err
		}
	}
	return rows.AddTotal(to, m.Points)
}

// appendMove writes m (assigning its sequence) and its terminal index entry.
func appendMove(tx kv.Tx, m *pointMove) error { return ledger.Of(tx).AppendMove(m) }

// changeBalance adds delta to the patron's balance of program, refusing to go below zero.
func changeBalance(tx kv.Tx, mykeyID, programID string, delta int64) (int64, error) {
	return ledger.Of(tx).ChangeBalance(mykeyID, programID, delta)
}

func getProgram(tx kv.Tx, id string) (*mkpf.Program, error) {
	p, ok, err := programCache.get(tx.Bucket(bPtPrograms), id, nil) // recordcache.go
	if err != nil || !ok {
		return nil, err
	}
	return &p, nil
}

// programUsable reports whether points of p can be spent by a terminal of municipality at now: same municipality,
// not 留保ポイント, inside the program's service period.
func programUsable(p *mkpf.Program, municipality string, now time.Time) bool {
	if p == nil || p.Kind == mkpf.PointReserved || p.MunicipalityCode != municipality {
		return false
	}
	day := now.In(jst).Format("2006-01-02")
	if p.ValidFrom != "" && day < p.ValidFrom {
		return false
	}
	if p.ValidTo != "" && day > p.ValidTo {
		return false
	}
	return true
}

// CreateProgram adds or replaces a point program (admin, demo, tests).
func (s *Server) CreateProgram(p mkpf.Program) error {
	if p.ID == "" || strings.ContainsAny(p.ID, "/ ") {
		return fmt.Errorf("points: program ID %q must be non-empty without '/' or spaces", p.ID)
	}
	switch p.Kind {
	case mkpf.PointMunicipal, mkpf.PointEvent, mkpf.PointReserved:
	default:
		return fmt.Errorf("points: program kind %q unknown", p.Kind)
	}
	if err := mkpf.ValidateMunicipalityCode(p.MunicipalityCode); err != nil {
		return err
	}
	for _, d := range []string{p.ValidFrom, p.ValidTo} {
		if d != "" {
			if _, err := time.Parse("2006-01-02", d); err != nil {
				return fmt.Errorf("points: date %q: %w", d, err)
			}
		}
	}
	return s.db.Update(func(tx kv.Tx) error { return kv.PutJSON(tx.Bucket(bPtPrograms), p.ID, p) })
}

// Programs lists all programs.
func (s *Server) Programs() ([]mkpf.Program, error) {
	var out []mkpf.Program
	err := s.db.View(func(tx kv.Tx) error {
		return tx.Bucket(bPtPrograms).ForEach(func(k, v []byte) error {
			var p mkpf.Program
			if err := json.Unmarshal(v, &p); err != nil {
				return err
			}
			out = append(out, p)
			return nil
		})
	})
	return out, err
}

// SetMergeConfig stores an issuer's merge key, secret and ID mode (admin, demo).
func (s *Server) SetMergeConfig(issuerID string, cfg MergeConfig) error {
	if len(cfg.Key) != 16 {
		return errors.New("points: merge key must be 16 bytes (AES-128)")
	}
	if cfg.Secret == "" {
		return errors.New("points: merge secret must not be empty")
	}
	if cfg.IDMode == "" {
		cfg.IDMode = "shop_point_id"
	}
	if cfg.IDMode != "shop_point_id" && cfg.IDMode != "mykey_id" {
		return fmt.Errorf("points: merge ID mode %q unknown (shop_point_id or mykey_id)", cfg.IDMode)
	}
	return s.db.Update(func(tx kv.Tx) error {
		if is, err := getIssuer(tx, issuerID); err != nil || is == nil {
			return errors.Join(err, fmt.Errorf("points: issuer %s unknown", issuerID))
		}
		raw, err := json.Marshal(cfg)
		if err != nil {
			return err
		}
		return s.putSecret(tx, "merge/"+issuerID, raw) // sealed: the key and secret are the shop system's
	})
}

// maxGrant bounds one grant (a trillion yen) so no sum of grants can overflow the int64 totals.
const maxGrant = 1 << 40

// grant adds points to a patron (admin or a point-grant terminal).
func grant(tx kv.Tx, now time.Time, mykeyID, programID string, points int64, terminalID, note string) (*pointMove, int64, error) {
	if points <= 0 || points > maxGrant {
		return nil, 0, errPtPoints
	}
	p, err := getProgram(tx, programID)
	if err != nil {
		return nil, 0, err
	}
	if p == nil {
		return nil, 0, errPtNotUsable
	}
	if ok, err := patronExists(tx, mykeyID); err != nil {
		return nil, 0, err
	} else if !ok {
		return nil, 0, errPtNoPatron
	}
	bal, err := changeBalance(tx, mykeyID, programID, points)
	if err != nil {
		return nil, 0, err
	}
	if p.ExpiryMonths > 0 {
		if err := addLot(tx, mykeyID, p, now, points); err != nil {
			return nil, 0, err
		}
	}
	m := &pointMove{At: now.UTC(), Kind: MoveGrant, MyKeyID: mykeyID, ProgramID: programID, Points: points, Delta: points, TerminalID: terminalID, Note: note}
	return m, bal, bookMove(tx, m, TotalGranted)
}

// GrantPoints gives points of a program to a MyKey ID (admin command, demo world, tests).
func (s *Server) GrantPoints(mykeyID, programID string, points int64, note string) error {
	return s.db.Update(func(tx kv.Tx) error {
		_, _, err := grant(tx, s.now(), mykeyID, programID, points, "", note)
		return err
	})
}

// spend takes points from a usable program (point use, voucher issue, merge) and books the movement of kind (with
// the voucher number or merge transaction set by the caller's voucherNo, mergeTxn), adding its points to total.
func spend(tx kv.Tx, now time.Time, c *Caller, mykeyID, programID string, points int64, kind, total, voucherNo, mergeTxn string) (*pointMove, *mkpf.Program, int64, error) {
	if points <= 0 || points > 999999999 {
		return nil, nil, 0, errPtPoints
	}
	p, err := getProgram(tx, programID)
	if err != nil {
		return nil, nil, 0, err
	}
	if !programUsable(p, c.Municipality, now) {
		return nil, nil, 0, errPtNotUsable
	}
	rows := ledger.Of(tx)
	m := &pointMove{At: now.UTC(), Kind: kind, MyKeyID: mykeyID, ProgramID: programID, Points: points, Delta: -points,
		TerminalID: c.TerminalID, VoucherNo: voucherNo, MergeTxn: mergeTxn}
	var bal int64
	if p.ExpiryMonths > 0 {
		var expired int64
		if bal, expired, err = rows.SpendLots(m, now.In(jst).Format("2006-01-02")); err != nil {
			return nil, nil, 0, err
		}
		if expired > 0 {
			if err := rows.AddTotal(TotalExpired, expired); err != nil {
				return nil, nil, 0, err
			}
			// notices.go: the holder's notice, in the same transaction
			if err := queueLapseNotice(tx, now, mykeyID, programID, expired); err != nil {
				return nil, nil, 0, err
			}
		}
	} else if bal, err = rows.DebitAndBook(m); err != nil {
		return nil, nil, 0, err
	}
	return m, p, bal, rows.AddTotal(total, points)
}

// usableBalances lists the patron's balances a terminal of municipality may use now.
func usableBalances(tx kv.Tx, now time.Time, municipality, mykeyID string) ([]mkpf.Balance, error) {
	out := []mkpf.Balance{}
	held, err := ledger.Of(tx).HeldBalances(mykeyID)
	if err != nil {
		return nil, err
	}
	for _, h := range held {
		p, err := getProgram(tx, h.ProgramID)
		if err != nil {
			return nil, err
		}
		if !programUsable(p, municipality, now) {
			continue
		}
		b := mkpf.Balance{ProgramID: p.ID, ProgramName: p.Name, Kind: p.Kind, Points: h.Points, ValidTo: p.ValidTo}
		if p.ExpiryMonths > 0 {
			// Only the points of grants not yet expired count (expired ones leave at the next spend or sweep).
			b.Points = 0
			day := now.In(jst).Format("2006-01-02")
			if err := forLots(tx, mykeyID, p.ID, func(last string, left int64) bool {
				if last >= day {
					b.Points += left
					if b.NextExpiry == "" || last == b.NextExpiry {
						b.NextExpiry, b.NextExpiryPoints = last, b.NextExpiryPoints+left
					}
				}
				return true
			}); err != nil {
				return nil, err
			}
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind == mkpf.PointMunicipal
		}
		return out[i].ProgramID < out[j].ProgramID
	})
	return out, nil
}

// addLot records one grant of an expiring program: its points are valid through the day ExpiryMonths after the
// grant day (Japan time).
func addLot(tx kv.Tx, mykeyID string, p *mkpf.Program, now time.Time, points int64) error {
	return ledger.Of(tx).AddLot(mykeyID, p.ID, now.In(jst).AddDate(0, p.ExpiryMonths, 0).Format("2006-01-02"), points)
}

// forLots calls f for the patron's lots of a program, oldest expiry first, until f returns false.
func forLots(tx kv.Tx, mykeyID, programID string, f func(last string, left int64) bool) error {
	lots, err := ledger.Of(tx).Lots(mykeyID, programID)
	if err != nil {
		return err
	}
	for _, l := range lots {
		if !f(l.LastDay, l.Left) {
			break
		}
	}
	return nil
}

// expireLots removes the patron's lots of a program whose last valid day has passed: their points leave the balance
// as one points_expire movement.
func expireLots(tx kv.Tx, now time.Time, mykeyID, programID string) (int64, error) {
	sum, err := ledger.Of(tx).ExpireLots(mykeyID, programID, now.In(jst).Format("2006-01-02"))
	if err != nil || sum == 0 {
		return 0, err
	}
	if _, err := changeBalance(tx, mykeyID, programID, -sum); err != nil {
		return 0, err
	}
	m := &pointMove{At: now.UTC(), Kind: MovePointsExpire, MyKeyID: mykeyID, ProgramID: programID, Points: sum, Delta: -sum}
	if err := bookMove(tx, m, TotalExpired); err != nil {
		return 0, err
	}
	return sum, queueLapseNotice(tx, now, mykeyID, programID, sum) // notices.go: the holder's notice, in the same transaction
}

// ExpirePoints applies every program's expiry rule to every patron now and returns the points that expired.
func (s *Server) ExpirePoints() (int64, error) {
	var total int64
	err := s.db.Update(func(tx kv.Tx) error {
		due, err := ledger.Of(tx).LotsDue(s.now().In(jst).Format("2006-01-02"))
		if err != nil {
			return err
		}
		for _, h := range due {
			n, err := expireLots(tx, s.now(), h[0], h[1])
			if err != nil {
				return err
			}
			total += n
		}
		return nil
	})
	return total, err
}

// voucherExpired reports whether the voucher's last valid day (JST) has passed.
func voucherExpired(v *voucherRec, now time.Time) bool {
	return now.In(jst).Format("2006-01-02") > v.Expires
}

// lapseIfExpired turns an outstanding voucher past its expiry into 失効 (in the caller's write transaction).
func lapseIfExpired(tx kv.Tx, v *voucherRec, now time.Time) (bool, error) {
	if v.State != mkpf.VoucherOutstanding || !voucherExpired(v, now) {
		return false, nil
	}
	at := now.UTC()
	if ok, err := vouchersOf(tx).lapseVoucher(v, at); err != nil || !ok {
		return false, err
	}
	m := &pointMove{At: at, Kind: MoveVoucherLapse, MyKeyID: v.MyKeyID, ProgramID: v.ProgramID, Points: v.Points, VoucherNo: v.Number}
	return true, bookMove(tx, m, TotalLapsed, TotalOutstanding)
}

// LedgerAudit is the result of checking the ledger invariant.
type LedgerAudit struct {
	Totals       map[string]int64 `json:"totals"`
	BalanceSum   int64            `json:"balance_sum"`
	Negative     int              `json:"negative_balances"`
	Moves        int              `json:"moves"`
	VoucherSum   map[string]int64 `json:"voucher_sum"` // by state, recomputed from the vouchers
	ReplaySum    int64            `json:"replay_sum"`  // sum of all deltas in the log = BalanceSum when consistent
	OK           bool             `json:"ok"`
	Inconsistent []string         `json:"inconsistent,omitempty"`
}

// AuditLedger recomputes everything from the log and the vouchers and checks it against the balances and totals.
func (s *Server) AuditLedger() (*LedgerAudit, error) {
	a := &LedgerAudit{Totals: map[string]int64{}, VoucherSum: map[string]int64{}}
	err := s.db.View(func(tx kv.Tx) error {
		if r, ok := kv.RowsOf(tx); ok {
			return s.auditPostgres(tx, ledger.NewPG(r), a)
		}
		for _, n := range []string{TotalGranted, TotalUsed, TotalOutstanding, TotalCleared, TotalLapsed, TotalMerged, TotalExpired} {
			a.Totals[n] = kv.GetInt(tx.Bucket(bPtTotals), n)
		}
		replayBal := map[string]int64{}
		if err := tx.Bucket(bPtMoves).ForEach(func(k, raw []byte) error {
			var m pointMove
			if err := json.Unmarshal(raw, &m); err != nil {
				return err
			}
			a.Moves++
			a.ReplaySum += m.Delta
			if m.Delta != 0 {
				replayBal[m.MyKeyID+"/"+m.ProgramID] += m.Delta
			}
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bPtBalances).ForEach(func(k, v []byte) error {
			n := int64(binary.BigEndian.Uint64(v))
			a.BalanceSum += n
			if n < 0 {
				a.Negative++
			}
			if replayBal[string(k)] != n {
				a.Inconsistent = append(a.Inconsistent, "balance "+string(k)+" differs from the log")
			}
			return nil
		}); err != nil {
			return err
		}
		return auditLotsAndVouchers(tx, ledger.Of(tx), a)
	})
	if err != nil {
		return nil, err
	}
	return a.check(), nil
}

// auditPostgres is AuditLedger's reading on PostgreSQL: the rows' part in SQL (ledger.PG.Audit), the lots and the
// vouchers from their buckets, in the same snapshot.
func (s *Server) auditPostgres(tx kv.Tx, rows ledger.PG, a *LedgerAudit) error {
	part := ledger.Audit{Totals: a.Totals}
	if err := rows.Audit(&part); err != nil {
		return err
	}
	a.BalanceSum, a.Negative, a.Moves, a.ReplaySum = part.BalanceSum, part.Negative, part.Moves, part.ReplaySum
	a.Inconsistent = append(a.Inconsistent, part.Inconsistent...)
	return auditLotsAndVouchers(tx, rows, a)
}

// auditLotsAndVouchers checks the lots against the balances and sums the vouchers by state.
func auditLotsAndVouchers(tx kv.Tx, rows ledger.Rows, a *LedgerAudit) error {
	if err := auditLots(rows, a); err != nil {
		return err
	}
	sums, err := vouchersOf(tx).voucherSums()
	for st, n := range sums {
		a.VoucherSum[st] += n
	}
	return err
}

// auditLots checks every holder's lots of an expiring program against the balance.
func auditLots(rows ledger.Rows, a *LedgerAudit) error {
	sums, err := rows.LotSums()
	if err != nil {
		return err
	}
	for _, l := range sums {
		if b, err := rows.Balance(l.MyKeyID, l.ProgramID); err != nil {
			return err
		} else if b != l.Points {
			a.Inconsistent = append(a.Inconsistent, "lots of "+l.MyKeyID+"/"+l.ProgramID+" differ from its balance")
		}
	}
	return nil
}

// check adds the invariant's verdicts to what was read.
func (a *LedgerAudit) check() *LedgerAudit {
	t := a.Totals
	if a.BalanceSum+t[TotalOutstanding]+t[TotalUsed]+t[TotalCleared]+t[TotalMerged]+t[TotalLapsed]+t[TotalExpired] != t[TotalGranted] {
		a.Inconsistent = append(a.Inconsistent, "balances + outstanding + used + cleared + merged + lapsed + expired != granted")
	}
	if a.ReplaySum != a.BalanceSum {
		a.Inconsistent = append(a.Inconsistent, "sum of log deltas != sum of balances")
	}
	if a.VoucherSum[string(mkpf.VoucherOutstanding)] != t[TotalOutstanding] || a.VoucherSum[string(mkpf.VoucherCleared)] != t[TotalCleared] ||
		a.VoucherSum[string(mkpf.VoucherLapsed)] != t[TotalLapsed] {
		a.Inconsistent = append(a.Inconsistent, "voucher states != voucher totals")
	}
	if a.Negative > 0 {
		a.Inconsistent = append(a.Inconsistent, "negative balance")
	}
	a.OK = len(a.Inconsistent) == 0
	return a
}
