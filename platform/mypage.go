package platform

// 利用者マイページ at the patron desk (seed 004 §I.6, seed 000 画面18, 19, 58; docs/patron-desk.md): the patron logs in
// with the MyKey ID and password (throttled per MyKey ID in the store, one answer for an unknown ID and a wrong
// password) or with the card and PIN (the card signs the desk's challenge for "login"), and sees the balances and the
// service IDs. A session is a signed token bound to the desk and the MyKey ID; it ends at its expiry, at [ログアウト]
// (the patron's session generation is bumped, so a copy of the token dies too), and when the MyKey ID changes or is
// revoked.

import (
	"context"
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

// MyPageSessionTTL is how long a 利用者マイページ session lasts at most (the desk's app ends it sooner when idle).
var MyPageSessionTTL = 10 * time.Minute

const tokenMyPage byte = 'M'

// 403, not 401: a 401 is the terminal's bearer token, which the client renews and sends again (a wrong password would
// count twice).
var (
	errMyPageLogin   = Errf(http.StatusForbidden, mkpf.CodeMyPageLogin, "マイキーIDまたはパスワードが正しくありません。入力し直すか、マイナンバーカードでログインしてください。")
	errMyPageSession = Errf(http.StatusForbidden, mkpf.CodeMyPageSession, "利用者マイページのログインが切れました。もう一度ログインしてください。")
	errMyPageNeither = Errf(http.StatusBadRequest, mkpf.CodeValidation, "マイキーIDとパスワードを入力するか、マイナンバーカードでログインしてください。")
)

// myPageRoutes mounts 利用者マイページ (screens 18-21, 58-63).
func (s *Server) myPageRoutes(mux *http.ServeMux) {
	desk := mkpf.KindPatronDesk
	mux.Handle("POST /v1/mykey/login", s.Authed(s.handleMyPageLogin, desk))
	mux.Handle("POST /v1/mykey/page", s.Authed(s.handleMyPage, desk))
	mux.Handle("POST /v1/mykey/logout", s.Authed(s.handleMyPageLogout, desk))
	s.myPageChangeRoutes(mux) // 59-61, 63 (mypage_change.go)
}

func sessionGen(tx kv.Tx, myKeyID string) (uint64, error) {
	var rec myPageRec
	_, err := kv.GetJSON(tx.Bucket(bMyPage), myKeyID, &rec)
	return rec.SessionGen, err
}

func (s *Server) newMyPageSession(ctx context.Context, c *Caller, myKeyID string, byCard bool) (*mkpf.MyPageLoginResult, error) {
	var gen uint64
	if err := s.db.ViewContext(ctx, func(tx kv.Tx) (err error) { gen, err = sessionGen(tx, myKeyID); return err }); err != nil {
		return nil, err
	}
	exp := s.now().Add(MyPageSessionTTL)
	tok, err := s.signedToken(tokenMyPage, c.TerminalID+"/"+myKeyID, gen, exp)
	if err != nil {
		return nil, err
	}
	return &mkpf.MyPageLoginResult{Session: tok, ExpiresAt: exp.UTC(), MyKeyID: myKeyID, ByCard: byCard}, nil
}

// myPageSession checks a session for this desk: its signature and expiry, the desk, the MyKey ID still current and the
// session generation unchanged. It returns the MyKey ID.
func (s *Server) myPageSession(tx kv.Tx, c *Caller, session string) (string, error) {
	id, gen, ok := s.parseToken(tokenMyPage, session)
	if !ok {
		return "", errMyPageSession
	}
	term, myKeyID, ok := strings.Cut(id, "/")
	if !ok || term != c.TerminalID {
		return "", errMyPageSession
	}
	if known, err := patronExists(tx, myKeyID); err != nil {
		return "", err
	} else if !known {
		return "", errMyPageSession
	}
	cur, err := sessionGen(tx, myKeyID)
	if err != nil {
		return "", err
	}
	if cur != gen {
		return "", errMyPageSession
	}
	return myKeyID, nil
}

// cardSignedChange runs a card-signed 利用者マイページ change (screens 62, 63): a live session for this desk first (no
// card is verified for a stale one), then the card's signature for op; in one transaction the session is checked again
// and the card must be the session's patron's own (errNotYourCard) before change runs with that MyKey ID. A refusal is
// written to w; ok says the change went through.
func (s *Server) cardSignedChange(w http.ResponseWriter, r *http.Request, c *Caller, session, op string, card mkpf.CardSignature,
	change func(tx kv.Tx, id string, now time.Time) error) (ok bool) {
	var sessionID string
	if err := s.db.ViewContext(r.Context(), func(tx kv.Tx) (err error) { sessionID, err = s.myPageSession(tx, c, session); return err }); err != nil {
		s.WriteError(w, r, err)
		return false
	}
	cc, err := s.verifyCardSignature(r.Context(), c, op, card)
	if err != nil {
		s.WriteError(w, r, err)
		return false
	}
	err = s.db.UpdateContext(r.Context(), func(tx kv.Tx) error {
		id, err := s.myPageSession(tx, c, session)
		if err != nil {
			return err
		}
		if cardID, err := resolvePatron(tx, cc); err != nil || cardID != id || id != sessionID {
			return errNotYourCard
		}
		return change(tx, id, s.now().UTC())
	})
	if err != nil {
		s.WriteError(w, r, err)
		return false
	}
	return true
}

func (s *Server) handleMyPageLogin(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.MyPageLoginRequest
	if _, ok := s.readRequest(w, r, &req, 0); !ok {
		return
	}
	var res *mkpf.MyPageLoginResult
	var err error
	if req.Card != nil {
		res, err = s.myPageCardLogin(r, c, *req.Card)
	} else {
		res, err = s.myPagePasswordLogin(r, c, strings.TrimSpace(req.MyKeyID), req.Password)
	}
	if err != nil {
		s.Count(c.TerminalID, "mypage.login."+codeOf(err))
		s.WriteError(w, r, err)
		return
	}
	s.Count(c.TerminalID, "mypage.login.ok")
	WriteJSON(w, http.StatusOK, res)
}

func (s *Server) myPageCardLogin(r *http.Request, c *Caller, cs mkpf.CardSignature) (*mkpf.MyPageLoginResult, error) {
	cc, err := s.verifyCardSignature(r.Context(), c, mkpf.MyKeyOpLogin, cs)
	if err != nil {
		return nil, err
	}
	var id string
	err = s.viewOrUpdate(r, func(tx kv.Tx) (err error) { id, err = resolvePatron(tx, cc); return err })
	if err != nil {
		return nil, err
	}
	return s.newMyPageSession(r.Context(), c, id, true)
}

func (s *Server) myPagePasswordLogin(r *http.Request, c *Caller, id, pw string) (*mkpf.MyPageLoginResult, error) {
	if id == "" && pw == "" {
		return nil, errMyPageNeither
	}
	if mkpf.ValidateMyKeyID(id) != nil || pw == "" || len(pw) > 64 {
		return nil, errMyPageLogin // the form is public; nothing to count
	}
	keys := []throttleKey{{key: "mypage/id:" + id, limit: s.opts.LoginFailures},
		{key: "mypage/desk:" + c.TerminalID, limit: s.opts.AddrFailures}}
	if err := s.reserveAttempt(r.Context(), keys...); err != nil {
		return nil, err
	}
	var rec myPageRec
	var known bool
	if err := s.db.ViewContext(r.Context(), func(tx kv.Tx) error {
		ok, err := kv.GetJSON(tx.Bucket(bMyPage), id, &rec)
		if err != nil || !ok || rec.PasswordHash == "" {
			return err
		}
		known, err = patronExists(tx, id)
		return err
	}); err != nil {
		_ = s.refundAttempt(r.Context(), keys...) // the store failed, not the patron: a failure of its own is reported
		return nil, err
	}
	stored := s.dummy()
	if known {
		stored = rec.PasswordHash
	}
	ok, err := s.verifyPasswordBounded(r.Context(), stored, pw)
	if err != nil {
		_ = s.refundAttempt(r.Context(), keys...) // the hash could not be checked: the error below is the answer
		return nil, err
	}
	if !ok || !known {
		return nil, errMyPageLogin
	}
	if err := s.refundAttempt(r.Context(), keys...); err != nil {
		return nil, err
	}
	return s.newMyPageSession(r.Context(), c, id, false)
}

func (s *Server) handleMyPage(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.MyPageRequest
	if _, ok := s.readRequest(w, r, &req, 0); !ok {
		return
	}
	var page *mkpf.MyPage
	err := s.db.ViewContext(r.Context(), func(tx kv.Tx) error {
		id, err := s.myPageSession(tx, c, req.Session)
		if err != nil {
			return err
		}
		page, err = myPage(tx, id)
		return err
	})
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, page)
}

// myPage is screens 19 and 58 for a MyKey ID.
func myPage(tx kv.Tx, id string) (*mkpf.MyPage, error) {
	page := &mkpf.MyPage{MyKeyID: id, Balances: []mkpf.MyPageBalance{}, ServiceIDs: []mkpf.MyPageServiceID{}}
	var rec myPageRec
	if _, err := kv.GetJSON(tx.Bucket(bMyPage), id, &rec); err != nil {
		return nil, err
	}
	page.BaseMunicipality = rec.BaseMunicipality
	if rec.BaseMunicipality != "" {
		page.BaseMunicipalityName = municipalityName(tx, rec.BaseMunicipality)
	}
	var np noticePrefs
	if ok, _ := kv.GetJSON(tx.Bucket(bNotices), id, &np); ok {
		page.Email = np.Email
		for _, n := range []struct {
			on   bool
			kind string
		}{{np.Grant, NoticeGrant}, {np.Lapse, NoticeLapse}, {np.Password, NoticePassword}, {np.MyKeyID, NoticeMyKeyID}} {
			if n.on {
				page.Notices = append(page.Notices, n.kind)
			}
		}
	}
	baseProg := ""
	if rec.BaseMunicipality != "" {
		baseProg, _ = municipalProgram(tx, rec.BaseMunicipality)
	}
	seen := map[string]bool{}
	held, err := ledger.Of(tx).HeldBalances(id)
	if err != nil {
		return nil, err
	}
	for _, h := range held {
		pid, n := h.ProgramID, h.Points
		p, err := getProgram(tx, pid)
		if err != nil || p == nil {
			continue
		}
		seen[pid] = true
		page.Balances = append(page.Balances, mkpf.MyPageBalance{Kind: p.Kind, ProgramID: p.ID, Name: p.Name, Points: n, Base: pid == baseProg})
	}
	if baseProg != "" && !seen[baseProg] {
		if p, _ := getProgram(tx, baseProg); p != nil {
			page.Balances = append(page.Balances, mkpf.MyPageBalance{Kind: p.Kind, ProgramID: p.ID, Name: p.Name, Base: true})
		}
	}
	rank := func(b mkpf.MyPageBalance) int {
		switch {
		case b.Kind == mkpf.PointReserved:
			return 0
		case b.Kind == mkpf.PointMunicipal && b.Base:
			return 1
		case b.Kind == mkpf.PointMunicipal:
			return 2
		}
		return 3
	}
	sort.SliceStable(page.Balances, func(i, j int) bool {
		a, b := page.Balances[i], page.Balances[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		if a.Points != b.Points {
			return a.Points > b.Points
		}
		return a.ProgramID < b.ProgramID
	})
	svcs, err := identityOf(tx).services(id)
	if err != nil {
		return nil, err
	}
	for _, sr := range svcs {
		name := sr.IssuerID
		if is, _ := getIssuer(tx, sr.IssuerID); is != nil {
			name = is.Name
		}
		page.ServiceIDs = append(page.ServiceIDs, mkpf.MyPageServiceID{IssuerName: name, CardNumber: sr.CardNumber})
	}
	return page, nil
}

// handleMyPageLogout is [ログアウト]: the patron's session generation moves on, so no copy of the session works.
func (s *Server) handleMyPageLogout(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.MyPageRequest
	if _, ok := s.readRequest(w, r, &req, 0); !ok {
		return
	}
	err := s.db.UpdateContext(r.Context(), func(tx kv.Tx) error {
		id, err := s.myPageSession(tx, c, req.Session)
		if err != nil {
			return err
		}
		return bumpSessionGen(tx, id)
	})
	if err != nil && err != errMyPageSession {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, struct{}{})
}

// bumpSessionGen ends every 利用者マイページ session of a MyKey ID.
func bumpSessionGen(tx kv.Tx, id string) error {
	var rec myPageRec
	if _, err := kv.GetJSON(tx.Bucket(bMyPage), id, &rec); err != nil {
		return err
	}
	rec.SessionGen++
	return kv.PutJSON(tx.Bucket(bMyPage), id, rec)
}

// SetMyPagePassword sets a MyKey ID's 利用者マイページ password (admin and demo: IDs made before the patron desk have
// none). Every session of the MyKey ID ends.
func (s *Server) SetMyPagePassword(myKeyID, pw string) error {
	if msg := ValidateMyPagePassword(pw); msg != "" {
		return errors.New("password: 6-16 half-width letters and digits")
	}
	hash := s.HashPassword(pw)
	return s.db.Update(func(tx kv.Tx) error {
		if ok, err := patronExists(tx, myKeyID); err != nil || !ok {
			return errors.Join(err, fmt.Errorf("MyKey ID %q not found", myKeyID))
		}
		var rec myPageRec
		if _, err := kv.GetJSON(tx.Bucket(bMyPage), myKeyID, &rec); err != nil {
			return err
		}
		rec.PasswordHash, rec.UpdatedAt = hash, s.now().UTC()
		rec.SessionGen++
		return kv.PutJSON(tx.Bucket(bMyPage), myKeyID, rec)
	})
}
