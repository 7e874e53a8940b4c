package platform

// The patron desk (利用者窓口, seed 004 §I.6, seed 000 画面14-17; docs/patron-desk.md): a patron makes their own
// MyKey ID with their own card. The card signs a one-use challenge of this terminal for the operation with its
// user-authentication key (the 4-digit PIN proves the holder), the platform checks the signature with the key of the
// certificate, and the certificate's chain, expiry and revocation as for every other use. One person has one MyKey
// ID: a certificate that resolves to one (renewals followed) is refused with a message that says so.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Buckets of the patron desk.
var (
	bMyPage      = []byte("mk_mypage")  // MyKey ID → myPageRec (利用者マイページ: password, base municipality)
	bRetired     = []byte("mk_retired") // MyKey ID → retiredRec (revoked or changed away: never given again)
	patronBucket = [][]byte{bMyPage, bRetired}
)

// Notice kinds of the patron desk (notices.go has grant and lapse).
const (
	NoticePassword = mkpf.NoticeKindPassword // パスワードを変更した場合
	NoticeMyKeyID  = mkpf.NoticeKindMyKeyID  // マイキーIDを登録、変更、失効した場合
)

// myPageRec is what the patron set on screen 16 (and changes on 59-61).
type myPageRec struct {
	PasswordHash     string    `json:"password_hash"`
	BaseMunicipality string    `json:"base_municipality,omitempty"`
	UpdatedAt        time.Time `json:"updated_at"`
	SessionGen       uint64    `json:"session_gen,omitempty"` // bumped by logout and changes: ends every session
}

type retiredRec struct {
	At time.Time `json:"at"`
}

// CandidateCheckLimit is how many typed candidates that turn out taken a patron desk may check per LoginWindow: the
// check says whether a MyKey ID exists, so it must not become a way to list them.
var CandidateCheckLimit = 30

// Errors of the patron desk. The patron reads them at the counter.
var (
	errMyKeyIDTaken = Errf(http.StatusConflict, mkpf.CodeMyKeyIDTaken, "このマイキーID候補は既に他の人に使用されています。別のマイキーID候補を入力するか、「自動生成」を押してください。")
	errHasMyKeyID   = Errf(http.StatusConflict, mkpf.CodeHasMyKeyID, "このマイナンバーカードの方には既にマイキーIDが登録されています。マイキーIDは1人に1つです。「利用者マイページ」からログインしてください。")
	errCardSig      = Errf(http.StatusForbidden, mkpf.CodeCardSignature, "マイナンバーカードの確認に失敗しました。カードをセットし直し、もう一度暗証番号を入力してください。")
	errBadOp        = Errf(http.StatusBadRequest, mkpf.CodeBadRequest, "要求の形式が正しくありません。ソフトウェアを最新版に更新してください。")
)

// patronRoutes mounts the patron desk's API (one line in routes.go).
func (s *Server) patronRoutes(mux *http.ServeMux) {
	if err := s.db.Update(func(tx kv.Tx) error {
		for _, b := range append(append([][]byte{}, patronBucket...), mailBuckets...) {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		s.log.Error("patron desk schema", "err", err)
	}
	desk := mkpf.KindPatronDesk
	mux.Handle("POST /v1/mykey/challenge", s.Authed(s.handleMyKeyChallenge, desk))
	mux.Handle("GET /v1/mykey/municipalities", s.Authed(s.handlePointMunicipalities, desk))
	mux.Handle("POST /v1/mykey/candidate", s.Authed(s.handleMyKeyCandidate, desk))
	mux.Handle("POST /v1/mykey/create", s.Authed(s.handleMyKeyCreate, desk))
	s.myPageRoutes(mux) // screens 18-21, 58-63 (mypage.go)
}

func validMyKeyOp(op string) bool {
	switch op {
	case mkpf.MyKeyOpCreate, mkpf.MyKeyOpLogin, mkpf.MyKeyOpChange, mkpf.MyKeyOpRevoke:
		return true
	}
	return false
}

// myKeyChallengeID is the terminal-ID slot of a patron desk challenge: one per operation, and never a device-auth
// or point-presence challenge.
func myKeyChallengeID(op, terminalID string) string { return "mykey-desk:" + op + ":" + terminalID }

func (s *Server) handleMyKeyChallenge(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.MyKeyChallengeRequest
	if _, ok := s.readRequest(w, r, &req, 0); !ok {
		return
	}
	if !validMyKeyOp(req.Op) {
		s.WriteError(w, r, errBadOp)
		return
	}
	// The card signs on screen 15, before the patron fills in screen 16: a create or change challenge lasts while they
	// do. It is still one-use and good for this terminal and operation only.
	exp := s.now().Add(s.opts.ChallengeTTL * 3)
	if req.Op == mkpf.MyKeyOpCreate || req.Op == mkpf.MyKeyOpChange {
		exp = s.now().Add(s.opts.ChallengeTTL * 15)
	}
	ch, err := s.newChallenge(myKeyChallengeID(req.Op, c.TerminalID), exp)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, mkpf.CardChallengeResult{Challenge: ch, ExpiresAt: exp.UTC()})
}

// verifyCardSignature checks a card's answer for op at this terminal: the certificate (chain, validity, revocation),
// the challenge (this terminal's, this operation's, unexpired), the signature with the certificate's key, and then
// uses the challenge up. Any failure of the signature part gets one answer.
func (s *Server) verifyCardSignature(ctx context.Context, c *Caller, op string, cs mkpf.CardSignature) (*checkedCert, error) {
	cc, err := s.verifyCert(ctx, cs.AuthCert, false)
	if err != nil {
		return nil, err
	}
	nonce, exp, ok := s.checkChallenge(myKeyChallengeID(op, c.TerminalID), cs.Challenge)
	if !ok {
		return nil, errCardSig
	}
	cert, err := x509.ParseCertificate(cs.AuthCert)
	if err != nil {
		return nil, errCardSig
	}
	d := sha256.Sum256(mkpf.MyKeySignedBytes(op, c.TerminalID, cs.Challenge))
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, d[:], cs.Signature) != nil {
			return nil, errCardSig
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, d[:], cs.Signature) {
			return nil, errCardSig
		}
	default:
		return nil, errCardSig
	}
	if fresh, err := s.useChallenge(nonce, exp); err != nil {
		return nil, err
	} else if !fresh {
		return nil, errCardSig
	}
	return cc, nil
}

// pointMunicipalities are the municipalities that run 自治体ポイント (screen 16's pull-down), by code.
func pointMunicipalities(tx kv.Tx) ([]mkpf.PointMunicipality, error) {
	seen := map[string]bool{}
	var out []mkpf.PointMunicipality
	err := tx.Bucket(bPtPrograms).ForEach(func(k, v []byte) error {
		var p mkpf.Program
		if err := json.Unmarshal(v, &p); err != nil {
			return err
		}
		if p.Kind == mkpf.PointMunicipal && !seen[p.MunicipalityCode] {
			seen[p.MunicipalityCode] = true
			out = append(out, mkpf.PointMunicipality{Code: p.MunicipalityCode, Name: municipalityName(tx, p.MunicipalityCode)})
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, err
}

func (s *Server) handlePointMunicipalities(w http.ResponseWriter, r *http.Request) {
	var out []mkpf.PointMunicipality
	if err := s.db.ViewContext(r.Context(), func(tx kv.Tx) (err error) { out, err = pointMunicipalities(tx); return err }); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if out == nil {
		out = []mkpf.PointMunicipality{}
	}
	WriteJSON(w, http.StatusOK, out)
}

// myKeyIDUsed reports whether id is a MyKey ID, now or once (a revoked or changed-away ID is never given again).
func myKeyIDUsed(tx kv.Tx, id string) (bool, error) {
	if tx.Bucket(bRetired).Get([]byte(id)) != nil {
		return true, nil
	}
	return patronExists(tx, id)
}

// freeMyKeyID draws a MyKey ID nobody has or had.
func freeMyKeyID(tx kv.Tx) (string, error) {
	for {
		id := randomString(mkpf.MyKeyIDAlphabet, 8)
		if used, err := myKeyIDUsed(tx, id); err != nil || !used {
			return id, err
		}
	}
}

func candidateField(msg string) *mkpf.APIError {
	return &mkpf.APIError{Status: http.StatusBadRequest, Code: mkpf.CodeValidation, Message: msg,
		Fields: []mkpf.FieldError{{Field: "mykey_id", Message: msg}}}
}

var msgCandidateFormat = "マイキーID候補は8ケタの半角大文字英数字で入力してください。"

// handleMyKeyCandidate is screen 16's [自動生成] and [重複チェック]. The rules of how many times (three) are the
// screen's (terminal.Candidates); the platform answers each check and throttles typed checks that hit a taken ID.
func (s *Server) handleMyKeyCandidate(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.MyKeyCandidateRequest
	if _, ok := s.readRequest(w, r, &req, 0); !ok {
		return
	}
	if req.Auto {
		var id string
		if err := s.db.ViewContext(r.Context(), func(tx kv.Tx) (err error) { id, err = freeMyKeyID(tx); return err }); err != nil {
			s.WriteError(w, r, err)
			return
		}
		WriteJSON(w, http.StatusOK, mkpf.MyKeyCandidateResult{ID: id, Free: true})
		return
	}
	if mkpf.ValidateMyKeyID(req.ID) != nil {
		s.WriteError(w, r, candidateField(msgCandidateFormat))
		return
	}
	key := throttleKey{key: "mykey-candidate/" + c.TerminalID, limit: CandidateCheckLimit}
	if err := s.reserveAttempt(r.Context(), key); err != nil {
		s.Count(c.TerminalID, "mykey.candidate.throttled")
		s.WriteError(w, r, err)
		return
	}
	var used bool
	if err := s.db.ViewContext(r.Context(), func(tx kv.Tx) (err error) { used, err = myKeyIDUsed(tx, req.ID); return err }); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if !used {
		if err := s.refundAttempt(r.Context(), key); err != nil {
			s.WriteError(w, r, err)
			return
		}
	}
	WriteJSON(w, http.StatusOK, mkpf.MyKeyCandidateResult{ID: req.ID, Free: !used})
}

// ValidateMyPagePassword is screen 16's rule for the 利用者マイページ password: 6 to 16 half-width letters and digits.
func ValidateMyPagePassword(pw string) string {
	if len(pw) < 6 || len(pw) > 16 {
		return "利用者マイページログイン用パスワードは6～16ケタの半角英数字で入力してください。"
	}
	for _, c := range pw {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return "利用者マイページログイン用パスワードは6～16ケタの半角英数字で入力してください。"
		}
	}
	return ""
}

// checkMyPageSettings checks the e-mail, notices and base municipality of screens 16 and 59-61 (nil when good).
func checkMyPageSettings(tx kv.Tx, email string, notices []string, base string) (*noticePrefs, *mkpf.APIError) {
	var fe []mkpf.FieldError
	p, err := parseNotices(email, notices)
	if err != nil {
		msg := "メールアドレスの形式が正しくありません。"
		if strings.TrimSpace(email) == "" {
			msg = "メール通知を希望する場合は、メールアドレスを入力してください。"
		}
		fe = append(fe, mkpf.FieldError{Field: "email", Message: msg})
	}
	if base != "" {
		if prog, _ := municipalProgram(tx, base); prog == "" {
			fe = append(fe, mkpf.FieldError{Field: "base_municipality", Message: "基本自治体ポイント口座は一覧から選んでください（自治体ポイントを実施している自治体だけが選べます）。"})
		}
	}
	if len(fe) > 0 {
		return nil, &mkpf.APIError{Status: http.StatusBadRequest, Code: mkpf.CodeValidation, Message: fe[0].Message, Fields: fe}
	}
	return &p, nil
}

// handleMyKeyCreate is screen 16 [登録] → 17.
func (s *Server) handleMyKeyCreate(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.MyKeyCreateRequest
	raw, ok := s.readRequest(w, r, &req, 0)
	if !ok {
		return
	}
	if s.Replay(w, r, c, raw) {
		return
	}
	req.BaseMunicipality = strings.TrimSpace(req.BaseMunicipality)
	if mkpf.ValidateMyKeyID(req.MyKeyID) != nil {
		s.WriteError(w, r, candidateField(msgCandidateFormat))
		return
	}
	if msg := ValidateMyPagePassword(req.Password); msg != "" {
		s.WriteError(w, r, &mkpf.APIError{Status: http.StatusBadRequest, Code: mkpf.CodeValidation, Message: msg,
			Fields: []mkpf.FieldError{{Field: "password", Message: msg}}})
		return
	}
	var ae *mkpf.APIError
	if err := s.db.ViewContext(r.Context(), func(tx kv.Tx) error {
		_, ae = checkMyPageSettings(tx, req.Email, req.Notices, req.BaseMunicipality)
		return nil
	}); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if ae != nil {
		s.WriteError(w, r, ae)
		return
	}
	cc, err := s.verifyCardSignature(r.Context(), c, mkpf.MyKeyOpCreate, req.Card)
	if err != nil {
		s.Count(c.TerminalID, "mykey.create."+codeOf(err))
		s.WriteError(w, r, err)
		return
	}
	release, err := s.hashSlot(r.Context())
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	hash := s.HashPassword(req.Password)
	release()
	s.Idempotent(w, r, c, raw, func(tx kv.Tx) (int, any, error) {
		res, err := s.createMyKeyID(tx, cc, req, hash)
		if err != nil {
			s.Count(c.TerminalID, "mykey.create."+codeOf(err))
			return 0, nil, err
		}
		s.Count(c.TerminalID, "mykey.create.ok")
		return http.StatusOK, res, nil
	})
}

func (s *Server) createMyKeyID(tx kv.Tx, cc *checkedCert, req mkpf.MyKeyCreateRequest, hash string) (*mkpf.MyKeyCreateResult, error) {
	if _, err := resolvePatron(tx, cc); err == nil {
		return nil, errHasMyKeyID
	} else if err != errUnknownCert {
		return nil, err
	}
	if used, err := myKeyIDUsed(tx, req.MyKeyID); err != nil {
		return nil, err
	} else if used {
		return nil, errMyKeyIDTaken
	}
	prefs, ae := checkMyPageSettings(tx, req.Email, req.Notices, req.BaseMunicipality)
	if ae != nil {
		return nil, ae
	}
	now := s.now().UTC()
	ir := identityOf(tx)
	if err := ir.putPatron(&patronRec{MyKeyID: req.MyKeyID, AuthSerial: cc.Serial, NotAfter: cc.NotAfter, CreatedAt: now}); err != nil {
		return nil, err
	}
	if err := ir.putSerial(cc.Serial, req.MyKeyID); err != nil {
		return nil, err
	}
	if err := kv.PutJSON(tx.Bucket(bMyPage), req.MyKeyID, myPageRec{PasswordHash: hash, BaseMunicipality: req.BaseMunicipality, UpdatedAt: now}); err != nil {
		return nil, err
	}
	if prefs.Email != "" {
		if err := kv.PutJSON(tx.Bucket(bNotices), req.MyKeyID, prefs); err != nil {
			return nil, err
		}
	}
	body := mailOpening + "\n\nマイキーIDを登録しました。\n\n" +
		"　登録日：" + now.In(jst).Format("2006年1月2日") + "\n" +
		"\n心当たりのない場合は、お住まいの自治体の窓口にお問い合わせください。" + mailFooter
	if err := queueNotice(tx, now, req.MyKeyID, NoticeMyKeyID, "【マイキープラットフォーム】マイキーID登録のお知らせ", body); err != nil {
		return nil, err
	}
	return &mkpf.MyKeyCreateResult{MyKeyID: req.MyKeyID, CreatedAt: now}, nil
}

// The patron desk of the demo roster (README names it).
const (
	DemoPatronDesk     = "00053070"
	DemoPatronDeskPass = "pd4k7m2x"
)
