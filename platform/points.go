package platform

// The points API (/v1/points/…): screens 2, 28-39 and 87. Authorisation is by terminal kind and municipality: a
// terminal sees only the balances of programs of its own municipality, a point-use terminal cannot issue vouchers, and
// a voucher of another municipality is "unknown" to it. docs/points.md lists the routes.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/ledger"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// pointsState is the in-memory part of the points half of a Server.
type pointsState struct {
	commit *committer      // group commit of state-changing point calls (points_commit.go)
	aggSem chan struct{}   // screen-87 aggregations running at once (aggregationSlots)
	till   tillGate        // till requests in flight, which aggregations let go first (payments_first.go)
	grants grantChunkHooks // grant upload chunks committed, and a test's fault (grants_chunks.go)
}

// aggregationSlots bounds the screen-87 aggregations a server runs at once to half its CPUs (at least one): at
// closing time every shop aggregates together, and payments must keep the other half. Aggregations beyond it wait
// their turn (each is a short read); they never hold anything a payment needs.
func aggregationSlots() int { return max(1, runtime.GOMAXPROCS(0)/2) }

func (s *Server) pts() *pointsState { return s.points }

// VoucherLookupLimit is how many failed voucher lookups (unknown number, forged QR) a terminal may make per
// VoucherLookupWindow before further lookups are refused: numbers must not be guessable by trying.
var (
	VoucherLookupLimit  = 10
	VoucherLookupWindow = 15 * time.Minute
)

type pointsOp int

const (
	opBalances pointsOp = iota
	opUse
	opIssue
	opClear
	opMerge
	opAggregate
	opGrant
)

// PointsMenu says what a terminal may do with points (screen 28).
func PointsMenu(c *Caller) mkpf.PointsMenu {
	switch {
	case c.Kind == mkpf.KindPointUse:
		return mkpf.PointsMenu{Use: true, Clear: true, Aggregate: true}
	case c.Kind == mkpf.KindVoucher:
		return mkpf.PointsMenu{Issue: true, Clear: true, Aggregate: true}
	case c.Kind == mkpf.KindServiceID && c.TakesPoints:
		return mkpf.PointsMenu{Use: true, Clear: true, Merge: true, Aggregate: true}
	case c.Kind == mkpf.KindPointGrant:
		return mkpf.PointsMenu{Grant: true} // screens 77-79 (the grant routes check the kind themselves)
	case c.Kind == mkpf.KindGrantOffice:
		return mkpf.PointsMenu{GrantOffice: true} // screens 64-66, 71-76
	}
	return mkpf.PointsMenu{}
}

func allowedOp(c *Caller, op pointsOp) bool {
	m := PointsMenu(c)
	switch op {
	case opBalances:
		return m.Use || m.Issue || m.Merge
	case opUse:
		return m.Use
	case opIssue:
		return m.Issue
	case opClear:
		return m.Clear
	case opMerge:
		return m.Merge
	case opAggregate:
		return m.Aggregate
	case opGrant:
		return c.Kind == mkpf.KindPointGrant
	}
	return false
}

var errPtForbidden = Errf(http.StatusForbidden, mkpf.CodeForbidden, "この端末の種類ではこのポイント操作はできません。")

func (s *Server) pointsAuthed(op pointsOp, h http.HandlerFunc) http.Handler {
	authed := s.Authed(func(w http.ResponseWriter, r *http.Request) {
		c, _ := CallerFrom(r.Context())
		if !allowedOp(c, op) {
			s.WriteError(w, r, errPtForbidden)
			return
		}
		if op != opGrant && !s.pointsSessionOK(r, c) {
			s.WriteError(w, r, errPointsLogin)
			return
		}
		h(w, r)
	})
	if op == opAggregate || op == opGrant {
		return authed
	}
	return s.tillRequest(authed) // a patron at a till: aggregations let it go first (payments_first.go)
}

// pointRoutes mounts the points API (one line in routes.go).
func (s *Server) pointRoutes(mux *http.ServeMux) {
	if err := initPointsSchema(s.db); err != nil {
		s.log.Error("points schema", "err", err)
	}
	if err := s.initPointSecrets(); err != nil {
		s.log.Error("points secrets", "err", err)
	}
	s.points = &pointsState{commit: &committer{db: s.db, log: s.log},
		aggSem: make(chan struct{}, aggregationSlots())}
	if err := s.initMaintenance(); err != nil {
		s.log.Error("points maintenance indexes", "err", err)
	}
	mux.Handle("POST /v1/points/login", s.Authed(s.handlePointsLogin))
	mux.Handle("GET /v1/points/voucher-keys", s.Authed(s.handleVoucherKeys))
	mux.Handle("POST /v1/points/balances", s.pointsAuthed(opBalances, s.handleBalances))
	mux.Handle("POST /v1/points/card-challenge", s.pointsAuthed(opBalances, s.handleCardChallenge))
	mux.Handle("POST /v1/points/use", s.pointsAuthed(opUse, s.handleUse))
	mux.Handle("POST /v1/points/vouchers", s.pointsAuthed(opIssue, s.handleVoucherIssue))
	mux.Handle("POST /v1/points/vouchers/reissue", s.pointsAuthed(opIssue, s.handleVoucherReissue))
	mux.Handle("POST /v1/points/vouchers/lookup", s.pointsAuthed(opClear, s.handleVoucherLookup))
	mux.Handle("POST /v1/points/vouchers/clear", s.pointsAuthed(opClear, s.handleVoucherClear))
	mux.Handle("POST /v1/points/merge", s.pointsAuthed(opMerge, s.handleMerge))
	mux.Handle("GET /v1/points/aggregate", s.pointsAuthed(opAggregate, s.aggregationSlot(s.handleAggregate)))
	mux.Handle("GET /v1/points/aggregate.csv", s.pointsAuthed(opAggregate, s.aggregationSlot(s.handleAggregateCSV)))
	mux.Handle("POST /v1/points/grants", s.Authed(s.handleFreeGrantRefused)) // removed: grants go through projects (grants.go)
}

// handlePointsLogin is screen 2: the terminal's login ID (its terminal ID) and password, checked (and throttled)
// like enrollment; the answer says which screen-28 items the terminal may use.
func (s *Server) handlePointsLogin(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.PointsLoginRequest
	if _, ok := s.readRequest(w, r, &req, 4<<10); !ok {
		return
	}
	// The password is checked against the authenticated terminal, and the attempt is counted on it: a login ID of
	// another terminal (or any text) is a failure of this terminal, and the typed text is never logged.
	if req.Password == "" || len(req.LoginID) > 64 || len(req.Password) > 256 {
		s.WriteError(w, r, errBadCredentials)
		return
	}
	pw := req.Password
	if strings.TrimSpace(req.LoginID) != c.TerminalID {
		pw = "\x00" + pw // can never match: same work, same answer
	}
	if _, err := s.CheckPassword(r, c.TerminalID, pw); err != nil {
		s.WriteError(w, r, err)
		return
	}
	menu := PointsMenu(c)
	if menu == (mkpf.PointsMenu{}) {
		s.WriteError(w, r, Errf(http.StatusForbidden, mkpf.CodeForbidden, "この端末ではポイント機能は使えません。"))
		return
	}
	var res mkpf.PointsLoginResult
	if err := s.db.ViewContext(r.Context(), func(tx kv.Tx) error {
		t, err := getTerminal(tx, c.TerminalID)
		if err != nil || t == nil {
			return errNotEnrolled
		}
		res = mkpf.PointsLoginResult{Terminal: terminalInfo(tx, t), Menu: menu}
		res.Session, res.SessionExpiresAt, err = s.newPointsSession(t)
		return err
	}); err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, res)
}

func (s *Server) handleVoucherKeys(w http.ResponseWriter, r *http.Request) {
	var keys [][]byte
	err := s.db.ViewContext(r.Context(), func(tx kv.Tx) error {
		pubs, err := s.voucherPublicKeys(tx)
		for _, p := range pubs {
			keys = append(keys, p)
		}
		return err
	})
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, mkpf.VoucherKeys{Keys: keys})
}

// patron is whose points a request concerns.
type patron struct {
	MyKeyID     string
	ShopPointID string // the service ID at the caller's issuer, if any
}

// checkRef verifies the certificate of a PatronRef outside any transaction (the chain check is the slow part).
func (s *Server) checkRef(ctx context.Context, ref mkpf.PatronRef, allowShopCard bool) (*checkedCert, error) {
	if ref.ShopCard != "" {
		if !allowShopCard || len(ref.AuthCert) > 0 {
			return nil, errPtPatronRef
		}
		if ae := ValidateCardNumber(ref.ShopCard); ae != nil {
			return nil, ae
		}
		return nil, nil
	}
	if len(ref.AuthCert) == 0 {
		return nil, errPtPatronRef
	}
	return s.verifyAuthChainCached(ctx, ref.AuthCert) // revocation: checked by resolveRef in the request's transaction
}

// checkedRef is checkRef for a handler: on failure it has answered with the error.
func (s *Server) checkedRef(w http.ResponseWriter, r *http.Request, ref mkpf.PatronRef, allowShopCard bool) (*checkedCert, bool) {
	cc, err := s.checkRef(r.Context(), ref, allowShopCard)
	if err == nil && ref.ShopCard != "" {
		c, _ := CallerFrom(r.Context())
		err = s.checkShopCard(r.Context(), c, ref.ShopCard)
	}
	if err != nil {
		s.WriteError(w, r, err)
		return nil, false
	}
	return cc, true
}

// readPatronRequest is readRequest for a request about a patron's card ref (a field of v), whose certificate is then
// checked outside any transaction (checkedRef).
func (s *Server) readPatronRequest(w http.ResponseWriter, r *http.Request, v any, ref *mkpf.PatronRef, allowShopCard bool) ([]byte, *checkedCert, bool) {
	raw, ok := s.readRequest(w, r, v, 0)
	if !ok {
		return nil, nil, false
	}
	cc, ok := s.checkedRef(w, r, *ref, allowShopCard)
	return raw, cc, ok
}

// resolveRef maps a checked PatronRef to the patron, inside tx.
func resolveRef(tx kv.Tx, c *Caller, ref mkpf.PatronRef, cc *checkedCert, more ...kv.BucketKey) (*patron, error) {
	if ref.ShopCard != "" {
		if c.IssuerID == "" {
			return nil, errNoIssuer
		}
		id, err := identityOf(tx).cardOwner(c.IssuerID, ref.ShopCard)
		if err != nil {
			return nil, err
		}
		if id == "" {
			return nil, errPtNoShopCard
		}
		return &patron{MyKeyID: id, ShopPointID: ref.ShopCard}, nil
	}
	// What follows, and the movement after it, reads these: one round trip for them on PostgreSQL (the buckets'
	// records and the holder's identity rows).
	h, err := holderAnd(tx, append([]kv.BucketKey{{Bucket: bTerminals, Key: c.TerminalID}}, more...), cc.Serial, c.IssuerID)
	if err != nil {
		return nil, err
	}
	if h.revoked {
		return nil, errCertRevoked
	}
	if h.mykeyID == "" {
		if h.mykeyID, err = resolvePatron(tx, cc); err != nil {
			return nil, err
		}
		if c.IssuerID != "" {
			if h.service, err = identityOf(tx).service(h.mykeyID, c.IssuerID); err != nil {
				return nil, err
			}
		}
	}
	pt := &patron{MyKeyID: h.mykeyID}
	if h.service != nil {
		pt.ShopPointID = h.service.CardNumber
	}
	return pt, nil
}

// viewOrUpdate runs fn in a read transaction, or in a write transaction when a renewed certificate must be linked;
// both end with the request r.
func (s *Server) viewOrUpdate(r *http.Request, fn func(tx kv.Tx) error) error {
	err := s.db.ViewContext(r.Context(), fn)
	if err == errNeedsWrite {
		err = s.db.UpdateContext(r.Context(), fn)
	}
	return err
}

// handleBalances is [カード読取] of screens 29, 32 and 37.
func (s *Server) handleBalances(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var ref mkpf.PatronRef
	_, cc, ok := s.readPatronRequest(w, r, &ref, &ref, PointsMenu(c).Merge)
	if !ok {
		return
	}
	var res mkpf.BalancesResult
	err := s.viewOrUpdate(r, func(tx kv.Tx) error {
		p, err := resolveRef(tx, c, ref, cc)
		if err != nil {
			return err
		}
		bs, err := usableBalances(tx, s.now(), c.Municipality, p.MyKeyID)
		if err != nil {
			return err
		}
		res = mkpf.BalancesResult{Balances: bs}
		if PointsMenu(c).Merge {
			res.ShopPointID = p.ShopPointID
		}
		return nil
	})
	s.Count(c.TerminalID, "points.balances."+codeOrOK(err))
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, res)
}

func codeOrOK(err error) string {
	if err == nil {
		return "ok"
	}
	return codeOf(err)
}

func (s *Server) terminalPlace(tx kv.Tx, id string) string {
	t, _ := getTerminal(tx, id)
	if t == nil {
		return ""
	}
	if t.Contact != nil && t.Contact.Location != "" {
		return t.Contact.Location
	}
	if t.Location != "" {
		return t.Location
	}
	return t.Name
}

// handleUse is screen 30 [利用] → 31.
func (s *Server) handleUse(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.UseRequest
	raw, cc, ok := s.readPatronRequest(w, r, &req, &req.PatronRef, false)
	if !ok {
		return
	}
	gate, ok := s.checkPresence(w, r, c, raw, req.PatronRef, mkpf.UseScope(req))
	if !ok {
		return
	}
	s.idempotentPoints(w, r, c, raw, func(tx kv.Tx, after *afterCommit) (int, any, error) {
		p, err := resolveRef(tx, c, req.PatronRef, cc, kv.BucketKey{Bucket: bPtPrograms, Key: req.ProgramID})
		if err != nil {
			return 0, nil, err
		}
		if err := gate.count(tx, req.Points); err != nil {
			return 0, nil, err
		}
		now := s.now()
		m, prog, bal, err := spend(tx, now, c, p.MyKeyID, req.ProgramID, req.Points, MoveUse, TotalUsed, "", "")
		if err != nil {
			return 0, nil, err
		}
		after.Do(func() { s.Count(c.TerminalID, "points.use.ok") })
		return http.StatusOK, mkpf.UseResult{TxnID: m.TxnID(), ProgramID: prog.ID, ProgramName: prog.Name, Points: req.Points,
			BalanceAfter: bal, At: m.At, TerminalID: c.TerminalID, Location: s.terminalPlace(tx, c.TerminalID)}, nil
	})
}

func (s *Server) voucherView(tx kv.Tx, v *voucherRec) mkpf.Voucher {
	out := mkpf.Voucher{Number: v.Number, Display: mkpf.FormatVoucherNumber(v.Number), Points: v.Points, ProgramID: v.ProgramID,
		Expires: v.Expires, IssuedAt: v.IssuedAt, IssuedBy: v.IssuedBy, IssuedPlace: s.terminalPlace(tx, v.IssuedBy),
		State: v.State, ClearedAt: v.ClearedAt, ClearedBy: v.ClearedBy, QR: v.QR, Reissues: v.Reissues}
	if p, _ := getProgram(tx, v.ProgramID); p != nil {
		out.ProgramName = p.Name
	}
	return out
}

// handleVoucherIssue is screen 33 [発行] → 34: the points are deducted at issue.
func (s *Server) handleVoucherIssue(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.VoucherIssueRequest
	raw, cc, ok := s.readPatronRequest(w, r, &req, &req.PatronRef, false)
	if !ok {
		return
	}
	gate, ok := s.checkPresence(w, r, c, raw, req.PatronRef, mkpf.VoucherScope(req))
	if !ok {
		return
	}
	now := s.now()
	exp, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(req.Expires), jst)
	today := now.In(jst).Format("2006-01-02")
	last := now.In(jst).AddDate(0, 0, mkpf.VoucherMaxDays).Format("2006-01-02")
	if err != nil || exp.Format("2006-01-02") < today || exp.Format("2006-01-02") > last {
		s.WriteError(w, r, errVoucherExpiry)
		return
	}
	// Without the writer lock on PostgreSQL (voucher_rows.go): the voucher row and the movement in one transaction.
	s.idempotentPoints(w, r, c, raw, func(tx kv.Tx, after *afterCommit) (int, any, error) {
		p, err := resolveRef(tx, c, req.PatronRef, cc)
		if err != nil {
			return 0, nil, err
		}
		if err := gate.count(tx, req.Points); err != nil {
			return 0, nil, err
		}
		key, err := s.voucherKey(tx)
		if err != nil {
			return 0, nil, err
		}
		vr := vouchersOf(tx)
		var number string
		for i := 0; ; i++ {
			if number, err = mkpf.NewVoucherNumber(); err != nil {
				return 0, nil, err
			}
			if v, err := vr.voucher(number); err != nil {
				return 0, nil, err
			} else if v == nil {
				break
			}
			if i > 100 {
				return 0, nil, fmt.Errorf("points: no free voucher number")
			}
		}
		if _, _, _, err := spend(tx, now, c, p.MyKeyID, req.ProgramID, req.Points, MoveVoucherIssue, TotalOutstanding, number, ""); err != nil {
			return 0, nil, err
		}
		qr, err := mkpf.EncodeVoucherQR(mkpf.VoucherQR{Number: number, Points: req.Points, Expiry: exp.Format("2006-01-02"), TerminalID: c.TerminalID}, key)
		if err != nil {
			return 0, nil, err
		}
		v := &voucherRec{Number: number, Points: req.Points, ProgramID: req.ProgramID, MyKeyID: p.MyKeyID, Expires: exp.Format("2006-01-02"),
			IssuedAt: now.UTC(), IssuedBy: c.TerminalID, State: mkpf.VoucherOutstanding, QR: qr}
		if err := vr.issueVoucher(v); err != nil {
			return 0, nil, err
		}
		after.Do(func() { s.Count(c.TerminalID, "points.voucher_issue.ok") })
		return http.StatusOK, s.voucherView(tx, v), nil
	})
}

// voucherFromCode resolves the clearing field's input (QR text or typed number) to the voucher record, with the
// signature check for a QR text and the municipality check (another municipality's voucher is unknown here).
func (s *Server) voucherFromCode(tx kv.Tx, c *Caller, code string) (*voucherRec, error) {
	in, err := mkpf.ParseVoucherInput(code)
	if err != nil {
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(code)), mkpf.VoucherQRPrefix) {
			return nil, errVoucherForged
		}
		msg := "ポイント券のQRコードを読み取るか、発券番号（8桁）を入力してください。"
		var ve *mkpf.VoucherError
		if errors.As(err, &ve) {
			msg = ve.Message
		}
		return nil, Errf(http.StatusBadRequest, mkpf.CodeValidation, msg)
	}
	if in.QR != nil {
		keys, err := s.voucherPublicKeys(tx)
		if err != nil {
			return nil, err
		}
		if _, err := mkpf.VerifyVoucherQR(in.Text, keys...); err != nil {
			return nil, errVoucherForged
		}
	}
	v, err := vouchersOf(tx).voucher(in.Number)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, errVoucherUnknown
	}
	if in.QR != nil && in.Text != v.QR {
		return nil, errVoucherForged
	}
	p, err := getProgram(tx, v.ProgramID)
	if err != nil {
		return nil, err
	}
	if p == nil || p.MunicipalityCode != c.Municipality {
		return nil, errVoucherUnknown
	}
	return v, nil
}

// The voucher-number guessing throttle counts a terminal's failed lookups (unknown number, forged QR) in the store
// (bThrottles, key "voucher/<terminal ID>"), so every server process sharing the store counts the same failures: N
// processes behind a load balancer do not allow N times the guesses. A lookup reads the count (no write when the
// number is known); a failure adds one in a write of its own.

func voucherThrottleKey(c *Caller) string { return "voucher/" + c.TerminalID }

func (s *Server) voucherThrottled(w http.ResponseWriter, r *http.Request, c *Caller) bool {
	now := s.now()
	var rec throttleRec
	if err := s.db.ViewContext(r.Context(), func(tx kv.Tx) error {
		_, err := kv.GetJSON(tx.Bucket(bThrottles), voucherThrottleKey(c), &rec)
		return err
	}); err != nil {
		s.WriteError(w, r, err) // the count is unknown: no lookup (fail closed)
		return true
	}
	if rec.current(now, VoucherLookupWindow).N >= VoucherLookupLimit {
		s.Count(c.TerminalID, "points.voucher_lookup.throttled")
		s.WriteError(w, r, Errf(http.StatusTooManyRequests, mkpf.CodeThrottled, "存在しない発券番号の照会が続いたため、しばらく照会できません。15分ほど待ってから操作してください。"))
		return true
	}
	return false
}

// voucherFail counts a failed voucher lookup of c's terminal (other errors are not guesses). An error means the
// guess was not counted.
func (s *Server) voucherFail(ctx context.Context, c *Caller, err error) error {
	if err != errVoucherUnknown && err != errVoucherForged {
		return nil
	}
	now := s.now()
	return s.db.UpdateContext(ctx, func(tx kv.Tx) error {
		b := tx.Bucket(bThrottles)
		var rec throttleRec
		if _, err := kv.GetJSON(b, voucherThrottleKey(c), &rec); err != nil {
			return err
		}
		rec = rec.current(now, VoucherLookupWindow)
		rec.N++
		return kv.PutJSON(b, voucherThrottleKey(c), rec)
	})
}

// lapseByCode marks the named voucher 失効 if it is outstanding and past its expiry (its own transaction, so the
// lapse is kept even when the clearing that found it is refused).
func (s *Server) lapseByCode(ctx context.Context, c *Caller, code string) {
	in, err := mkpf.ParseVoucherInput(code)
	if err != nil {
		return
	}
	// A read first: most lookups find nothing to lapse and need no write transaction (and no fsync).
	due := false
	if err := s.db.ViewContext(ctx, func(tx kv.Tx) error {
		v, err := vouchersOf(tx).voucher(in.Number)
		due = err == nil && v != nil && v.State == mkpf.VoucherOutstanding && voucherExpired(v, s.now())
		return nil
	}); err != nil || !due {
		return // a store error: the request's own transaction meets it and answers
	}
	// The voucher's row and its movement only: on PostgreSQL without the writer lock.
	if err := s.commit().DoCtx(ctx, func(tx kv.Tx) error {
		v, err := vouchersOf(tx).voucher(in.Number)
		if err != nil || v == nil {
			return err
		}
		_, err = lapseIfExpired(tx, v, s.now())
		return err
	}, nil); err != nil {
		s.log.Error("voucher lapse", "terminal", c.TerminalID, "err", err) // the request's own check refuses it
	}
}

// handleVoucherLookup is screen 35 [ポイント券情報読取].
func (s *Server) handleVoucherLookup(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.VoucherCodeRequest
	if _, ok := s.readRequest(w, r, &req, 4<<10); !ok {
		return
	}
	if s.voucherThrottled(w, r, c) {
		return
	}
	s.lapseByCode(r.Context(), c, req.Code)
	var out mkpf.Voucher
	err := s.db.ViewContext(r.Context(), func(tx kv.Tx) error {
		v, err := s.voucherFromCode(tx, c, req.Code)
		if err != nil {
			return err
		}
		out = s.voucherView(tx, v)
		return nil
	})
	if ferr := s.voucherFail(r.Context(), c, err); ferr != nil {
		err = ferr // an uncounted guess gets no answer (fail closed)
	}
	s.Count(c.TerminalID, "points.voucher_lookup."+codeOrOK(err))
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, out)
}

// handleVoucherClear is screen 35 [消込処理] → 36: once only; an expired voucher is 失効 and refused.
func (s *Server) handleVoucherClear(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.VoucherCodeRequest
	raw, ok := s.readRequest(w, r, &req, 4<<10)
	if !ok {
		return
	}
	if s.voucherThrottled(w, r, c) {
		return
	}
	s.lapseByCode(r.Context(), c, req.Code)
	var failed error // the refusal of the run whose answer the terminal got (afterCommit)
	defer func() {
		if err := s.voucherFail(r.Context(), c, failed); err != nil { // the refusal is answered; the count is lost
			s.log.Error("voucher throttle count", "terminal", c.TerminalID, "err", err)
		}
	}()
	// Without the writer lock on PostgreSQL: the voucher is cleared once by a conditional UPDATE (voucher_rows_pg.go),
	// its movement in the same transaction; a terminal that clears it at the same moment finds it cleared.
	s.idempotentPoints(w, r, c, raw, func(tx kv.Tx, after *afterCommit) (int, any, error) {
		v, err := s.voucherFromCode(tx, c, req.Code)
		if err != nil {
			after.Do(func() { failed = err }) // counted below, outside the committer
			return 0, nil, err
		}
		switch v.State {
		case mkpf.VoucherCleared:
			return 0, nil, errVoucherDone
		case mkpf.VoucherLapsed:
			return 0, nil, errVoucherExpired
		}
		if voucherExpired(v, s.now()) { // lapsed between lapseByCode and here
			return 0, nil, errVoucherExpired
		}
		at := s.now().UTC()
		if ok, err := vouchersOf(tx).clearVoucher(v, at, c.TerminalID); err != nil {
			return 0, nil, err
		} else if !ok {
			return 0, nil, errVoucherDone // cleared (or lapsed) since it was read
		}
		m := &pointMove{At: at, Kind: MoveVoucherClear, MyKeyID: v.MyKeyID, ProgramID: v.ProgramID, Points: v.Points, TerminalID: c.TerminalID, VoucherNo: v.Number}
		if err := bookMove(tx, m, TotalCleared, TotalOutstanding); err != nil {
			return 0, nil, err
		}
		after.Do(func() { s.Count(c.TerminalID, "points.voucher_clear.ok") })
		return http.StatusOK, s.voucherView(tx, v), nil
	})
}

// handleVoucherReissue is screen 34 [再発行]: the same voucher again, marked 再発行; only at the issuing terminal and
// only while it is outstanding.
func (s *Server) handleVoucherReissue(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.VoucherCodeRequest
	raw, ok := s.readRequest(w, r, &req, 4<<10)
	if !ok {
		return
	}
	s.idempotentPoints(w, r, c, raw, func(tx kv.Tx, after *afterCommit) (int, any, error) { // the voucher's row only
		v, err := s.voucherFromCode(tx, c, req.Code)
		if err != nil {
			return 0, nil, err
		}
		if v.IssuedBy != c.TerminalID {
			return 0, nil, errVoucherUnknown
		}
		switch {
		case v.State == mkpf.VoucherCleared:
			return 0, nil, errVoucherDone
		case v.State == mkpf.VoucherLapsed, voucherExpired(v, s.now()):
			return 0, nil, errVoucherExpired
		}
		if err := vouchersOf(tx).reissueVoucher(v); err != nil {
			return 0, nil, err
		}
		out := s.voucherView(tx, v)
		out.Reissued = true
		return http.StatusOK, out, nil
	})
}

// municipalProgram is the 自治体ポイント of a municipality.
func municipalProgram(tx kv.Tx, municipality string) (string, error) {
	id := ""
	err := tx.Bucket(bPtPrograms).ForEach(func(k, v []byte) error {
		var p mkpf.Program
		if err := json.Unmarshal(v, &p); err != nil {
			return err
		}
		if id == "" && p.Kind == mkpf.PointMunicipal && p.MunicipalityCode == municipality {
			id = p.ID
		}
		return nil
	})
	return id, err
}

// handleMerge is screen 38 [合算] → 39: points leave the ledger into the shop system, as an encrypted file.
func (s *Server) handleMerge(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.MergeRequest
	raw, ok := s.readRequest(w, r, &req, 0)
	if !ok {
		return
	}
	if c.IssuerID == "" {
		s.WriteError(w, r, errNoIssuer)
		return
	}
	cc, ok := s.checkedRef(w, r, req.PatronRef, true)
	if !ok {
		return
	}
	gate, ok := s.checkPresence(w, r, c, raw, req.PatronRef, mkpf.MergeScope(req))
	if !ok {
		return
	}
	s.idempotentBuckets(w, r, c, raw, func(tx kv.Tx, after *afterCommit) (int, any, error) {
		var cfg MergeConfig
		if ok, err := s.mergeConfig(tx, c.IssuerID, &cfg); err != nil {
			return 0, nil, err
		} else if !ok {
			return 0, nil, errNoMergeSetup
		}
		p, err := resolveRef(tx, c, req.PatronRef, cc)
		if err != nil {
			return 0, nil, err
		}
		id, idKind := p.ShopPointID, "shop_point_id"
		if cfg.IDMode == "mykey_id" {
			id, idKind = p.MyKeyID, "mykey_id"
		} else if id == "" {
			return 0, nil, errNoServiceID
		}
		prog := req.ProgramID
		if prog == "" {
			if prog, err = municipalProgram(tx, c.Municipality); err != nil {
				return 0, nil, err
			}
		}
		if err := gate.count(tx, req.Points); err != nil {
			return 0, nil, err
		}
		now := s.now()
		seq, err := tx.Bucket(bPtMergeSeq).NextSequence()
		if err != nil {
			return 0, nil, err
		}
		txn := fmt.Sprintf("%s-%06d", now.In(jst).Format("20060102150405"), seq%1000000)
		m, _, bal, err := spend(tx, now, c, p.MyKeyID, prog, req.Points, MoveMerge, TotalMerged, "", txn)
		if err != nil {
			return 0, nil, err
		}
		file, err := mkpf.EncodeMergeFile(id, req.Points, txn, cfg.Key, cfg.Secret)
		if err != nil {
			return 0, nil, err
		}
		after.Do(func() { s.Count(c.TerminalID, "points.merge.ok") })
		return http.StatusOK, mkpf.MergeResult{Txn: txn, ID: id, IDKind: idKind, ProgramID: prog, Points: req.Points, BalanceAfter: bal,
			FileName: mkpf.MergeFileName(txn), File: file, At: m.At}, nil
	})
}

// Aggregate is screen 87 for a terminal: its own transactions (point use, voucher issue and clearing, merge) between
// from and to (JST days, inclusive). It is one read transaction over the terminal's index range: it never blocks
// (and is never blocked by) point movements.
//
// An unchanged answer is not recomputed: aggregation_cache.go serves it again when the store says the terminal has no
// movement since (checked in the same read transaction).
func (s *Server) Aggregate(terminalID, from, to string) (*mkpf.Aggregate, error) {
	// A read only: lapses are the maintenance sweep's (points_sweep.go) and never rows of a terminal's aggregate.
	e, err := s.aggregateEntry(terminalID, from, to)
	if err != nil {
		return nil, err
	}
	agg := *e.agg
	agg.Rows = slices.Clone(e.agg.Rows) // the caller's own copy: the cached answer stays as it was
	return &agg, nil
}

// aggregateRows reads terminalID's rows from lo to before hi into agg in tx, naming each program once.
func aggregateRows(tx kv.Tx, agg *mkpf.Aggregate, terminalID string, lo, hi time.Time, names map[string]string) error {
	return ledger.Of(tx).TerminalMoves(terminalID, lo, hi, func(m *pointMove) error {
		if m.Kind == MoveGrant {
			return nil
		}
		row := mkpf.AggregateRow{At: m.At, TxnID: m.TxnID(), Kind: m.Kind, ProgramID: m.ProgramID, Points: m.Points, VoucherNo: m.VoucherNo}
		name, ok := names[m.ProgramID]
		if !ok {
			if p, _ := getProgram(tx, m.ProgramID); p != nil {
				name = p.Name
			}
			names[m.ProgramID] = name
		}
		row.ProgramName = name
		agg.Rows = append(agg.Rows, row)
		agg.Count++
		agg.Total += m.Points
		return nil
	})
}

// callerAggregate is the caller's Aggregate over the query's from and to; on failure it has answered with the error.
func (s *Server) callerAggregate(w http.ResponseWriter, r *http.Request) (*mkpf.Aggregate, bool) {
	c, _ := CallerFrom(r.Context())
	agg, err := s.Aggregate(c.TerminalID, r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		s.WriteError(w, r, err)
		return nil, false
	}
	return agg, true
}

// aggregationSlot runs h (an aggregation, with the encoding of its answer) in one of the aggregationSlots.
func (s *Server) aggregationSlot(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sem := s.pts().aggSem
		select {
		case sem <- struct{}{}:
		case <-r.Context().Done():
			return // the terminal gave up waiting: nobody reads an answer
		}
		till := &s.pts().till // payments first (payments_first.go)
		till.waitIdle(r.Context(), aggregationYield)
		defer func() {
			if till.busy(aggregationYield) {
				time.AfterFunc(aggregationPace, func() { <-sem })
			} else {
				<-sem
			}
		}()
		h(w, r)
	}
}

func (s *Server) handleAggregate(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	body, err := s.aggregateJSON(c.TerminalID, r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

func (s *Server) handleAggregateCSV(w http.ResponseWriter, r *http.Request) {
	agg, ok := s.callerAggregate(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="points-%s-%s-%s.csv"`, agg.TerminalID, agg.From, agg.To))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(mkpf.AggregateCSV(agg))
}
