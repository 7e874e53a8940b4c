package app

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// fakePoints is an in-process points service for the fast flows: a ledger with idempotency keys (a repeated key
// returns the first result without moving points again), signed vouchers (real mkpf QR texts), and switches for the
// error paths. The real platform on loopback is exercised by points_platform_test.go.
type fakePoints struct {
	mu       sync.Mutex
	kind     mkpf.TerminalKind
	takes    bool
	down     bool
	lose     int           // the next n state-changing calls apply, then lose their answer (timeout)
	gate     chan struct{} // when set, state-changing calls wait for it (double-click tests)
	balGate  chan struct{} // when set, Balances waits for it (a card read still running)
	key      ed25519.PrivateKey
	bal      map[string]map[string]int64 // patron → program → points
	idem     map[string]any
	pending  map[string]string // op + request → key of an identical operation whose answer was lost (the journal)
	applied  map[string]int    // operation → times points actually moved
	vouch    map[string]*mkpf.Voucher
	moves    []mkpf.AggregateRow
	printed  []string
	printErr error
	seq      int
	mergeDir string
	floor    int64 // above it a use needs proof of card presence (0: never)
}

var fakePrograms = map[string]mkpf.Balance{
	"kawasaki": {ProgramID: "kawasaki", ProgramName: "川崎市ポイント", Kind: mkpf.PointMunicipal, NextExpiry: "2026-12-31", NextExpiryPoints: 1500},
	"event1":   {ProgramID: "event1", ProgramName: "かわさき子育て応援イベント", Kind: mkpf.PointEvent, ValidTo: "2026-12-31"},
	"reserved": {ProgramID: "reserved", ProgramName: "留保ポイント", Kind: mkpf.PointReserved},
}

func newFakePoints(kind mkpf.TerminalKind) *fakePoints {
	key := ed25519.NewKeyFromSeed([]byte("mykeyterm fake voucher key 32 b!"))
	return &fakePoints{kind: kind, takes: kind == mkpf.KindServiceID, key: key,
		bal:     map[string]map[string]int64{"yamada": {"kawasaki": 10000, "event1": 2000, "reserved": 700}},
		idem:    map[string]any{},
		pending: map[string]string{},
		applied: map[string]int{},
		vouch:   map[string]*mkpf.Voucher{},
	}
}

func (f *fakePoints) balance(patron, program string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bal[patron][program]
}

func (f *fakePoints) menu() mkpf.PointsMenu {
	switch {
	case f.kind == mkpf.KindPointUse:
		return mkpf.PointsMenu{Use: true, Clear: true, Aggregate: true}
	case f.kind == mkpf.KindVoucher:
		return mkpf.PointsMenu{Issue: true, Clear: true, Aggregate: true}
	case f.kind == mkpf.KindServiceID && f.takes:
		return mkpf.PointsMenu{Use: true, Clear: true, Merge: true, Aggregate: true}
	}
	return mkpf.PointsMenu{}
}

func (f *fakePoints) terminalID() string {
	switch f.kind {
	case mkpf.KindPointUse:
		return "00052589"
	case mkpf.KindVoucher:
		return "00053059"
	}
	return "00052490"
}

var (
	errFakeForbidden = &mkpf.APIError{Status: 403, Code: mkpf.CodeForbidden, Message: "この端末の種類ではこのポイント操作はできません。"}
	errFakeShort     = &mkpf.APIError{Status: 409, Code: mkpf.CodeInsufficientPoints, Message: "ポイントの残高が足りません。残高を確認し、利用ポイント数を減らしてください。"}
	errFakeUnknownV  = &mkpf.APIError{Status: 404, Code: mkpf.CodeVoucherUnknown, Message: "このポイント券は見つかりません。発券番号を確かめて、もう一度入力してください。"}
	errFakeExpiredV  = &mkpf.APIError{Status: 409, Code: mkpf.CodeVoucherExpired, Message: "このポイント券は有効期限を過ぎたため失効しています。消込できません。"}
	errFakeClearedV  = &mkpf.APIError{Status: 409, Code: mkpf.CodeVoucherCleared, Message: "このポイント券はすでに消込済みです。二重に消込することはできません。"}
	errFakeBadLogin  = &mkpf.APIError{Status: 401, Code: mkpf.CodeBadCredentials, Message: "ログインIDまたはパスワードが違います。"}
	errFakeNoPatron  = &mkpf.APIError{Status: 404, Code: mkpf.CodeUnknownCert, Message: "このマイナンバーカードにはマイキーIDが設定されていません。"}
)

func (f *fakePoints) Login(_ context.Context, id, pw string) (*mkpf.PointsLoginResult, error) {
	if f.down {
		return nil, errFakeDown
	}
	if id != f.terminalID() || pw != "pw" {
		return nil, errFakeBadLogin
	}
	return &mkpf.PointsLoginResult{Terminal: mkpf.TerminalInfo{TerminalID: id, Kind: f.kind, TakesPoints: f.takes}, Menu: f.menu()}, nil
}

func patronOf(ref mkpf.PatronRef) (string, error) {
	switch {
	case string(ref.AuthCert) == "auth:yamada":
		return "yamada", nil
	case ref.ShopCard == "520625":
		return "yamada", nil
	case ref.ShopCard != "":
		return "", &mkpf.APIError{Status: 404, Code: mkpf.CodeNoServiceID, Message: "この商店街ポイントカードはマイキープラットフォームに登録されていません。"}
	}
	return "", errFakeNoPatron
}

func (f *fakePoints) Balances(_ context.Context, ref mkpf.PatronRef) (*mkpf.BalancesResult, error) {
	if f.balGate != nil {
		<-f.balGate
	}
	if f.down {
		return nil, errFakeDown
	}
	if !f.menu().Use && !f.menu().Issue && !f.menu().Merge {
		return nil, errFakeForbidden
	}
	p, err := patronOf(ref)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	res := &mkpf.BalancesResult{}
	for _, id := range []string{"kawasaki", "event1", "reserved"} {
		b := fakePrograms[id]
		b.Points = f.bal[p][id]
		res.Balances = append(res.Balances, b)
	}
	if f.menu().Merge {
		res.ShopPointID = "520625"
	}
	return res, nil
}

// apply runs a state-changing call once per key: the gate, "down", the first result for a repeated key, and lost
// answers.
func (f *fakePoints) apply(key string, allowed bool, do func() (any, error)) (any, error) {
	if f.gate != nil {
		<-f.gate
	}
	if f.down {
		return nil, errFakeDown
	}
	if !allowed {
		return nil, errFakeForbidden
	}
	if key == "" {
		panic("state-changing call without an idempotency key")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.idem[key]; ok {
		return r, nil
	}
	r, err := do()
	if err != nil {
		return nil, err
	}
	f.idem[key] = r
	if f.lose > 0 {
		f.lose--
		return nil, errFakeDown
	}
	return r, nil
}

// deduct takes points of program from the patron of ref and counts one applied call of kind what; it refuses an
// unknown patron or a short balance. The caller holds f.mu.
func (f *fakePoints) deduct(ref mkpf.PatronRef, program string, points int64, what string) (string, error) {
	p, err := patronOf(ref)
	if err != nil {
		return "", err
	}
	if f.bal[p][program] < points {
		return "", errFakeShort
	}
	f.bal[p][program] -= points
	f.applied[what]++
	return p, nil
}

func (f *fakePoints) txn() string {
	f.seq++
	return fmt.Sprintf("T%06d", f.seq)
}

var fakeNow = time.Date(2026, 11, 23, 10, 30, 0, 0, time.FixedZone("JST", 9*3600))

// journal is the client's journal rule (platformclient, tested there against the real platform): an identical
// operation whose answer was lost goes again with the lost operation's key, whatever key the screen drew.
func (f *fakePoints) journal(op string, req any, key string) (string, func(error)) {
	raw, _ := json.Marshal(req)
	sig := op + "/" + string(raw)
	f.mu.Lock()
	if k, ok := f.pending[sig]; ok {
		key = k
	}
	f.mu.Unlock()
	return key, func(err error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if errors.Is(err, errFakeDown) {
			f.pending[sig] = key
		} else {
			delete(f.pending, sig)
		}
	}
}

func (f *fakePoints) Use(_ context.Context, req mkpf.UseRequest, key string) (*mkpf.UseResult, error) {
	if f.floor > 0 && req.Points > f.floor && req.Presence == nil {
		return nil, errFakePresence
	}
	key, end := f.journal("use", req, key)
	r, err := f.apply(key, f.menu().Use, func() (any, error) {
		p, err := f.deduct(req.PatronRef, req.ProgramID, req.Points, "use")
		if err != nil {
			return nil, err
		}
		t := f.txn()
		f.moves = append(f.moves, mkpf.AggregateRow{At: fakeNow, TxnID: t, Kind: "use", ProgramID: req.ProgramID, ProgramName: fakePrograms[req.ProgramID].ProgramName, Points: req.Points})
		return &mkpf.UseResult{TxnID: t, ProgramID: req.ProgramID, ProgramName: fakePrograms[req.ProgramID].ProgramName, Points: req.Points,
			BalanceAfter: f.bal[p][req.ProgramID], At: fakeNow, TerminalID: f.terminalID(), Location: "川崎市市民ミュージアム"}, nil
	})
	end(err)
	if err != nil {
		return nil, err
	}
	return r.(*mkpf.UseResult), nil
}

func (f *fakePoints) IssueVoucher(_ context.Context, req mkpf.VoucherIssueRequest, key string) (*mkpf.Voucher, error) {
	key, end := f.journal("issue", req, key)
	r, err := f.apply(key, f.menu().Issue, func() (any, error) {
		if _, err := f.deduct(req.PatronRef, req.ProgramID, req.Points, "issue"); err != nil {
			return nil, err
		}
		num := fmt.Sprintf("%08d", 98765432-len(f.vouch))
		qr, err := mkpf.EncodeVoucherQR(mkpf.VoucherQR{Number: num, Points: req.Points, Expiry: req.Expires, TerminalID: f.terminalID()}, f.key)
		if err != nil {
			return nil, err
		}
		v := &mkpf.Voucher{Number: num, Display: mkpf.FormatVoucherNumber(num), Points: req.Points, ProgramID: req.ProgramID,
			ProgramName: fakePrograms[req.ProgramID].ProgramName, Expires: req.Expires, IssuedAt: fakeNow, IssuedBy: f.terminalID(),
			IssuedPlace: "川崎商工会議所", State: mkpf.VoucherOutstanding, QR: qr}
		f.vouch[num] = v
		f.moves = append(f.moves, mkpf.AggregateRow{At: fakeNow, TxnID: f.txn(), Kind: "voucher_issue", ProgramID: req.ProgramID, ProgramName: v.ProgramName, Points: req.Points, VoucherNo: num})
		c := *v
		return &c, nil
	})
	end(err)
	if err != nil {
		return nil, err
	}
	return r.(*mkpf.Voucher), nil
}

// addVoucher puts a voucher in the ledger directly (clearing tests): state and expiry as given.
func (f *fakePoints) addVoucher(num string, points int64, expires string, state mkpf.VoucherState) *mkpf.Voucher {
	qr, err := mkpf.EncodeVoucherQR(mkpf.VoucherQR{Number: num, Points: points, Expiry: expires, TerminalID: "00053059"}, f.key)
	if err != nil {
		panic(err)
	}
	v := &mkpf.Voucher{Number: num, Display: mkpf.FormatVoucherNumber(num), Points: points, ProgramID: "kawasaki", ProgramName: "川崎市ポイント",
		Expires: expires, IssuedAt: fakeNow.AddDate(0, 0, -3), IssuedBy: "00053059", IssuedPlace: "川崎商工会議所", State: state, QR: qr}
	f.mu.Lock()
	f.vouch[num] = v
	f.mu.Unlock()
	return v
}

func (f *fakePoints) voucherByCode(code string) (*mkpf.Voucher, error) {
	in, err := mkpf.ParseVoucherInput(code)
	if err != nil {
		return nil, err
	}
	if in.QR != nil {
		if _, err := mkpf.VerifyVoucherQR(in.Text, f.key.Public().(ed25519.PublicKey)); err != nil {
			return nil, &mkpf.APIError{Status: 422, Code: mkpf.CodeVoucherForged, Message: "このポイント券は偽造または改ざんされています。受け付けないでください。"}
		}
	}
	v := f.vouch[in.Number]
	if v == nil {
		return nil, errFakeUnknownV
	}
	if v.State == mkpf.VoucherOutstanding && v.Expires < fakeNow.Format("2006-01-02") {
		v.State = mkpf.VoucherLapsed
	}
	return v, nil
}

func (f *fakePoints) ReissueVoucher(_ context.Context, code, key string) (*mkpf.Voucher, error) {
	r, err := f.apply(key, f.menu().Issue, func() (any, error) {
		v, err := f.voucherByCode(code)
		if err != nil {
			return nil, err
		}
		v.Reissues++
		c := *v
		c.Reissued = true
		return &c, nil
	})
	if err != nil {
		return nil, err
	}
	return r.(*mkpf.Voucher), nil
}

func (f *fakePoints) ShowVoucher(_ context.Context, code string) (*mkpf.Voucher, error) {
	if f.down {
		return nil, errFakeDown
	}
	if !f.menu().Clear {
		return nil, errFakeForbidden
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, err := f.voucherByCode(code)
	if err != nil {
		return nil, err
	}
	c := *v
	return &c, nil
}

func (f *fakePoints) ClearVoucher(_ context.Context, code, key string) (*mkpf.Voucher, error) {
	r, err := f.apply(key, f.menu().Clear, func() (any, error) {
		v, err := f.voucherByCode(code)
		if err != nil {
			return nil, err
		}
		switch v.State {
		case mkpf.VoucherCleared:
			return nil, errFakeClearedV
		case mkpf.VoucherLapsed:
			return nil, errFakeExpiredV
		}
		at := fakeNow
		v.State, v.ClearedAt, v.ClearedBy = mkpf.VoucherCleared, &at, f.terminalID()
		f.applied["clear"]++
		f.moves = append(f.moves, mkpf.AggregateRow{At: fakeNow, TxnID: f.txn(), Kind: "voucher_clear", ProgramID: v.ProgramID, ProgramName: v.ProgramName, Points: v.Points, VoucherNo: v.Number})
		c := *v
		return &c, nil
	})
	if err != nil {
		return nil, err
	}
	return r.(*mkpf.Voucher), nil
}

type fakeMerge struct {
	res  *mkpf.MergeResult
	path string
}

func (f *fakePoints) Merge(_ context.Context, req mkpf.MergeRequest, key string) (*mkpf.MergeResult, string, error) {
	key, end := f.journal("merge", req, key)
	r, err := f.apply(key, f.menu().Merge, func() (any, error) {
		prog := req.ProgramID
		if prog == "" {
			prog = "kawasaki"
		}
		p, err := f.deduct(req.PatronRef, prog, req.Points, "merge")
		if err != nil {
			return nil, err
		}
		t := "20261123103000-" + fmt.Sprintf("%06d", len(f.moves)+1)
		f.moves = append(f.moves, mkpf.AggregateRow{At: fakeNow, TxnID: f.txn(), Kind: "merge", ProgramID: prog, ProgramName: fakePrograms[prog].ProgramName, Points: req.Points})
		name := mkpf.MergeFileName(t)
		return &fakeMerge{res: &mkpf.MergeResult{Txn: t, ID: "520625", IDKind: "shop_point_id", ProgramID: prog, Points: req.Points,
			BalanceAfter: f.bal[p][prog], FileName: name, At: fakeNow}, path: "/var/lib/mykeyterm/merge/" + name}, nil
	})
	end(err)
	if err != nil {
		return nil, "", err
	}
	m := r.(*fakeMerge)
	return m.res, m.path, nil
}

func (f *fakePoints) Aggregate(_ context.Context, from, to string) (*mkpf.Aggregate, error) {
	if f.down {
		return nil, errFakeDown
	}
	if !f.menu().Aggregate {
		return nil, errFakeForbidden
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	agg := &mkpf.Aggregate{From: from, To: to, TerminalID: f.terminalID(), Location: "川崎市市民ミュージアム"}
	for _, m := range f.moves {
		d := m.At.Format("2006-01-02")
		if d < from || d > to || m.Kind == "voucher_issue" {
			continue
		}
		agg.Rows = append(agg.Rows, m)
		agg.Count++
		agg.Total += m.Points
	}
	return agg, nil
}

func (f *fakePoints) print(what string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.printErr != nil {
		return f.printErr
	}
	f.printed = append(f.printed, what)
	return nil
}

func (f *fakePoints) PrintUseReceipt(_ context.Context, printer string, r *mkpf.UseResult) error {
	return f.print(fmt.Sprintf("receipt use %s %d on %s", r.TxnID, r.Points, printer))
}

func (f *fakePoints) PrintClearReceipt(_ context.Context, printer string, v *mkpf.Voucher) error {
	return f.print(fmt.Sprintf("receipt clear %s %d on %s", v.Number, v.Points, printer))
}

func (f *fakePoints) PrintVoucher(_ context.Context, printer string, v *mkpf.Voucher) error {
	s := fmt.Sprintf("voucher %s %d on %s", v.Number, v.Points, printer)
	if v.Reissued {
		s += " 再発行"
	}
	return f.print(s)
}

func (f *fakePoints) printedText() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.printed, "\n")
}
