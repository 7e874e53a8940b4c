package platform

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Errors of screens 23-26. Each outcome has its own code.
var (
	errUnknownCert  = Errf(http.StatusNotFound, mkpf.CodeUnknownCert, "このマイナンバーカードにはマイキーIDが設定されていません。マイキーIDの設定（マイナポータル等）をご案内ください。")
	errNoServiceID  = Errf(http.StatusNotFound, mkpf.CodeNoServiceID, "この利用者はこの事業者のサービスIDを登録していません。「サービスIDの登録」で登録してください。")
	errNoIssuer     = Errf(http.StatusConflict, mkpf.CodeNoIssuer, "この端末にはID付与事業者が設定されていません。「連絡先の変更」でID付与事業者を選んでください。")
	errNumberTaken  = Errf(http.StatusConflict, mkpf.CodeNumberTaken, "この利用カード番号は別の利用者のマイナンバーカードに登録されています。利用カード番号を確認してください。")
	errNeedsReplace = Errf(http.StatusConflict, mkpf.CodeReplaceNeedsConfirm, "この利用者には別の利用カード番号が登録されています。利用カードを再発行した場合は、置き換えを確認して登録してください。")
	errSignNeeded   = Errf(http.StatusBadRequest, mkpf.CodeSignCertNeeded, "現住所の変更通知には署名用電子証明書が必要です。署名用パスワードを入力して読み取ってください。")
)

// ValidateCardNumber checks a 利用カード番号 (service ID): 1-32 characters of 0-9 A-Z a-z and '-'.
func ValidateCardNumber(n string) *mkpf.APIError {
	msg := ""
	switch {
	case n == "":
		msg = "利用カード番号を入力してください。"
	case utf8.RuneCountInString(n) > 32:
		msg = "利用カード番号は32文字以内で入力してください。"
	default:
		for _, c := range n {
			if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-') {
				msg = "利用カード番号は半角の英数字で入力してください。"
				break
			}
		}
	}
	if msg == "" {
		return nil
	}
	return &mkpf.APIError{Status: http.StatusBadRequest, Code: mkpf.CodeCardNumber, Message: msg,
		Fields: []mkpf.FieldError{{Field: "card_number", Message: msg}}}
}

// resolvePatron maps a checked certificate to its MyKey ID. A serial the platform does not know is followed through
// the renewal feed (new → old serial, possibly several renewals); when that reaches a known serial, the patron is
// re-linked to the new certificate (seed 004 §9: updated at first use). Needs a write transaction only then.
func resolvePatron(tx kv.Tx, cc *checkedCert) (myKeyID string, err error) {
	ir := identityOf(tx)
	if id, err := ir.serialOwner(cc.Serial); err != nil {
		return "", err
	} else if id != "" {
		if ok, err := ir.hasPatron(id); err != nil || !ok {
			return "", errors.Join(err, errUnknownCert)
		}
		return id, nil
	}
	return linkRenewed(tx, cc)
}

// linkRenewed follows an unknown serial through the renewal feed and links it to the patron it reaches (resolvePatron).
func linkRenewed(tx kv.Tx, cc *checkedCert) (string, error) {
	ir := identityOf(tx)
	ren := tx.Bucket(bRenewals)
	cur := cc.Serial
	for i := 0; i < 16; i++ {
		old := ren.Get([]byte(cur))
		if old == nil {
			return "", errUnknownCert
		}
		id, err := ir.serialOwner(string(old))
		if err != nil {
			return "", err
		}
		if id != "" {
			p, err := ir.patron(id)
			if err != nil || p == nil {
				return "", errors.Join(err, errUnknownCert)
			}
			if !tx.Writable() {
				return "", errNeedsWrite
			}
			// The old serial keeps pointing at the patron: the old card's certificate is J-LIS's to revoke (the
			// revocation list), and a card still in a wallet must not turn into "unknown" before that.
			if err := ir.putSerial(cc.Serial, p.MyKeyID); err != nil {
				return "", err
			}
			p.AuthSerial, p.NotAfter = cc.Serial, cc.NotAfter
			if err := ir.putPatron(p); err != nil {
				return "", err
			}
			if err := renewSignSerials(tx, p.MyKeyID); err != nil {
				return "", err
			}
			return p.MyKeyID, nil
		}
		cur = string(old)
	}
	return "", errUnknownCert
}

// renewSignSerials moves the registered signing-certificate serials of a patron's service IDs to their renewed
// serials (seed 004 §9: with the address notice, the signing certificate is updated together).
func renewSignSerials(tx kv.Tx, myKeyID string) error {
	newer := map[string]string{} // old → new
	if err := tx.Bucket(bSignRenewals).ForEach(func(k, v []byte) error {
		newer[string(v)] = string(k)
		return nil
	}); err != nil {
		return err
	}
	ir := identityOf(tx)
	svcs, err := ir.services(myKeyID)
	if err != nil {
		return err
	}
	for i := range svcs {
		sr := &svcs[i]
		if sr.SignSerial == "" {
			continue
		}
		cur := sr.SignSerial
		for i := 0; i < 16 && newer[cur] != ""; i++ {
			cur = newer[cur]
		}
		if cur != sr.SignSerial {
			sr.SignSerial = cur
			if err := ir.putService(myKeyID, sr); err != nil {
				return err
			}
		}
	}
	return nil
}

var errNeedsWrite = errors.New("renewal link needs a write transaction")

// lookup is screen 25 → 26 for a caller. On PostgreSQL a certificate whose serial is known costs one statement
// with no BEGIN and COMMIT (kv.ReadOne; identityRows.holder joins the records); a renewed one is linked in a write
// transaction.
func (s *Server) lookup(ctx context.Context, c *Caller, cc *checkedCert) (*mkpf.LookupResult, error) {
	var res *mkpf.LookupResult
	run := func(tx kv.Tx) error {
		res = nil
		h, err := identityOf(tx).holder(cc.Serial, c.IssuerID)
		if err != nil {
			return err
		}
		if h.revoked {
			return errCertRevoked
		}
		if h.mykeyID == "" {
			if _, err := resolvePatron(tx, cc); err != nil {
				return err
			}
			// Linked now: read again.
			if h, err = identityOf(tx).holder(cc.Serial, c.IssuerID); err != nil {
				return err
			}
			if h.mykeyID == "" {
				return errUnknownCert
			}
		}
		res, err = lookupResult(h)
		return err
	}
	err := kv.ReadOne(ctx, s.db, run)
	if errors.Is(err, errNeedsWrite) {
		err = s.db.UpdateContext(ctx, run)
	}
	return res, err
}

// lookupResult is screen 26's answer from what a lookup read about a known, unrevoked certificate's holder.
func lookupResult(h holderView) (*mkpf.LookupResult, error) {
	if h.issuer == nil {
		return nil, errNoIssuer
	}
	if h.service == nil {
		return nil, errNoServiceID
	}
	status := CardValid
	if h.status != "" {
		status = h.status
	}
	is := h.issuer
	res := &mkpf.LookupResult{
		IssuerID:       is.ID,
		IssuerName:     is.Name,
		CardNumber:     h.service.CardNumber,
		Handoff:        is.Handoff,
		CardValid:      status == CardValid,
		CardStatus:     status,
		AddressChanged: h.addressChanged,
	}
	if is.ShowMyKeyID {
		res.MyKeyID = h.mykeyID
	}
	return res, nil
}

func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.LookupRequest
	if _, ok := s.readRequest(w, r, &req, 0); !ok {
		return
	}
	if c.IssuerID == "" {
		s.Count(c.TerminalID, "lookup."+mkpf.CodeNoIssuer)
		s.WriteError(w, r, errNoIssuer)
		return
	}
	cc, err := s.verifyAuthChainCached(r.Context(), req.AuthCert) // revocation: checked in lookup's transaction
	if err == nil {
		var res *mkpf.LookupResult
		if res, err = s.lookup(r.Context(), c, cc); err == nil {
			s.Count(c.TerminalID, "lookup.ok")
			WriteJSON(w, http.StatusOK, res)
			return
		}
	}
	s.Count(c.TerminalID, "lookup."+codeOf(err))
	s.WriteError(w, r, err)
}

func codeOf(err error) string {
	var ae *mkpf.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return mkpf.CodeInternal
}

// handleRegister is screen 23 → 24.
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.RegisterRequest
	raw, ok := s.readRequest(w, r, &req, 0)
	if !ok {
		return
	}
	if s.Replay(w, r, c, raw) {
		return
	}
	req.CardNumber = strings.TrimSpace(req.CardNumber)
	if ae := ValidateCardNumber(req.CardNumber); ae != nil {
		s.WriteError(w, r, ae)
		return
	}
	if c.IssuerID == "" {
		s.WriteError(w, r, errNoIssuer)
		return
	}
	cc, err := s.verifyCert(r.Context(), req.AuthCert, false)
	if err != nil {
		s.Count(c.TerminalID, "register."+codeOf(err))
		s.WriteError(w, r, err)
		return
	}
	var sc *checkedCert
	if req.AddressNotice {
		if len(req.SignCert) == 0 {
			s.WriteError(w, r, errSignNeeded)
			return
		}
		if sc, err = s.verifyCert(r.Context(), req.SignCert, true); err != nil {
			s.WriteError(w, r, err)
			return
		}
	}
	s.Idempotent(w, r, c, raw, func(tx kv.Tx) (int, any, error) {
		res, err := register(tx, c, cc, sc, req, s)
		if err != nil {
			s.Count(c.TerminalID, "register."+codeOf(err))
			return 0, nil, err
		}
		s.Count(c.TerminalID, "register.ok")
		return http.StatusOK, res, nil
	})
}

func register(tx kv.Tx, c *Caller, cc, sc *checkedCert, req mkpf.RegisterRequest, s *Server) (*mkpf.RegisterResult, error) {
	myKeyID, err := resolvePatron(tx, cc)
	if err != nil {
		return nil, err
	}
	is, err := getIssuer(tx, c.IssuerID)
	if err != nil {
		return nil, err
	}
	if is == nil {
		return nil, errNoIssuer
	}
	ir := identityOf(tx)
	if owner, err := ir.cardOwner(is.ID, req.CardNumber); err != nil {
		return nil, err
	} else if owner != "" && owner != myKeyID {
		return nil, errNumberTaken
	}
	res := &mkpf.RegisterResult{IssuerID: is.ID, IssuerName: is.Name, CardNumber: req.CardNumber}
	if is.ShowMyKeyID {
		res.MyKeyID = myKeyID
	}
	prev, err := ir.service(myKeyID, is.ID)
	if err != nil {
		return nil, err
	}
	had := prev != nil
	if had && prev.CardNumber != req.CardNumber {
		if !req.Replace {
			return nil, errNeedsReplace
		}
		res.Replaced = prev.CardNumber
	}
	rec := serviceRec{IssuerID: is.ID, CardNumber: req.CardNumber, AddressNotice: req.AddressNotice, RegisteredAt: s.now().UTC()}
	if sc != nil {
		rec.SignSerial = sc.Serial
	}
	if had && prev.CardNumber == req.CardNumber && prev.AddressNotice == rec.AddressNotice && prev.SignSerial == rec.SignSerial {
		res.Unchanged = true
		return res, nil
	}
	if had && prev.CardNumber == req.CardNumber {
		rec.RegisteredAt = prev.RegisteredAt
	}
	if err := ir.putService(myKeyID, &rec); err != nil {
		return nil, err
	}
	return res, nil
}
