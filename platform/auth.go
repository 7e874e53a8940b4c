package platform

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	"golang.org/x/crypto/argon2"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Caller is the authenticated terminal of a request, put in the request context by the auth middleware.
type Caller struct {
	TerminalID   string
	Kind         mkpf.TerminalKind
	TakesPoints  bool
	Municipality string // 全国地方公共団体コード
	IssuerID     string // service-ID terminals: their ID issuer ("" until set)

	tokenGen uint64 // the terminal's token generation (points sessions must carry the same)
}

type callerKey struct{}

// CallerFrom returns the authenticated terminal of ctx (set by the auth middleware).
func CallerFrom(ctx context.Context) (*Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(*Caller)
	return c, ok
}

// WithCaller returns ctx carrying c (for tests of handlers and for in-process callers).
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// Errors of enrollment and login. Messages are what the clerk sees on screen 9 / screen 2.
var (
	errBadCredentials  = Errf(http.StatusUnauthorized, mkpf.CodeBadCredentials, "端末IDまたは端末パスワードが正しくありません。自治体から配付された一覧（様式II）を確認してください。")
	errThrottled       = Errf(http.StatusTooManyRequests, mkpf.CodeThrottled, "失敗が続いたため、しばらく受け付けません。15分ほど待ってからもう一度操作してください。")
	errAlreadyEnrolled = Errf(http.StatusConflict, mkpf.CodeAlreadyEnrolled, "この端末IDは別の端末で登録済みです。端末を入れ替える場合は自治体の担当者に端末登録の解除を依頼してください。")
	errNotEnrolled     = Errf(http.StatusUnauthorized, mkpf.CodeNotEnrolled, "この端末は登録されていません。端末IDと端末パスワードを登録してください。")
	errBadFingerprint  = Errf(http.StatusBadRequest, mkpf.CodeValidation, "端末の識別情報が正しくありません。ソフトウェアを入れ直してください。")
	errBadDeviceKey    = Errf(http.StatusBadRequest, mkpf.CodeValidation, "端末の鍵が正しくありません。ソフトウェアを入れ直してください。")
	errBadSignature    = Errf(http.StatusUnauthorized, mkpf.CodeUnauthenticated, "端末の認証に失敗しました。端末を入れ替えた場合は自治体の担当者に端末登録の解除を依頼してください。")
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return b
}

// HashPassword stores a password as argon2id: "argon2id$t$m$p$salt$hash" (base64, raw std).
func (s *Server) HashPassword(pw string) string {
	salt := randomBytes(16)
	t, m := s.opts.Argon2Time, s.opts.Argon2Memory
	h := argon2.IDKey([]byte(pw), salt, t, m, 1, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("argon2id$%d$%d$1$%s$%s", t, m, enc.EncodeToString(salt), enc.EncodeToString(h))
}

func verifyPassword(stored, pw string) bool {
	var t, m uint32
	var p uint8
	parts := strings.Split(stored, "$")
	if len(parts) != 6 || parts[0] != "argon2id" {
		return false
	}
	if _, err := fmt.Sscanf(parts[1]+" "+parts[2]+" "+parts[3], "%d %d %d", &t, &m, &p); err != nil {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || t == 0 || m == 0 || p == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash makes an unknown terminal ID cost as much as a wrong password (no timing oracle for valid IDs).
var dummyHashOnce sync.Once
var dummyHash string

func (s *Server) dummy() string {
	dummyHashOnce.Do(func() { dummyHash = s.HashPassword("unused") })
	return dummyHash
}

// sourceAddr is the throttling key of the client address.
func sourceAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// CheckPassword checks a terminal's password for the screen-2 point-cloud login, throttled per terminal ID (not
// per address: terminals behind one NAT address do not lock each other out, and wrong enrollments do not lock the
// login). It returns the terminal as a Caller, or an *mkpf.APIError.
func (s *Server) CheckPassword(r *http.Request, terminalID, password string) (*Caller, error) {
	return s.checkPassword(r, terminalID, password, throttleKey{key: "login/id:" + terminalID, limit: s.opts.LoginFailures})
}

// checkPassword counts the attempt on keys before the hash runs (reserveAttempt), runs the hash under the
// semaphore, and gives the attempt back on success. An unknown, disabled or wrong-password terminal gets the same
// answer after the same work.
func (s *Server) checkPassword(r *http.Request, terminalID, password string, keys ...throttleKey) (*Caller, error) {
	if err := s.reserveAttempt(r.Context(), keys...); err != nil {
		return nil, err
	}
	t, err := s.readTerminalCtx(r.Context(), terminalID)
	if err != nil {
		return nil, err
	}
	stored := s.dummy()
	if t != nil {
		stored = t.PasswordHash
	}
	ok, err := s.verifyPasswordBounded(r.Context(), stored, password)
	if err != nil {
		if rerr := s.refundAttempt(r.Context(), keys...); rerr != nil {
			s.log.Error("login throttle refund", "terminal", terminalID, "err", rerr) // the attempt stays counted
		}
		return nil, err
	}
	if !ok || t == nil || t.Disabled {
		s.log.Info("login refused", "terminal", terminalID, "addr", sourceAddr(r))
		return nil, errBadCredentials
	}
	if err := s.refundAttempt(r.Context(), keys...); err != nil {
		s.log.Error("login throttle refund", "terminal", terminalID, "err", err) // the attempt stays counted
	}
	return callerOf(t), nil
}

func callerOf(t *terminalRec) *Caller {
	return &Caller{TerminalID: t.ID, Kind: t.Kind, TakesPoints: t.TakesPoints, Municipality: t.Municipality, IssuerID: t.IssuerID,
		tokenGen: t.TokenGen}
}

func parseDeviceKey(der []byte) (any, error) {
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, err
	}
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return k, nil
	case *ecdsa.PublicKey:
		if k.Curve.Params().BitSize != 256 {
			return nil, fmt.Errorf("ECDSA curve %s not allowed", k.Curve.Params().Name)
		}
		return k, nil
	}
	return nil, fmt.Errorf("device key type %T not allowed", pub)
}

func verifyDeviceSig(pub any, msg, sig []byte) bool {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return ed25519.Verify(k, msg, sig)
	case *ecdsa.PublicKey:
		d := sha256.Sum256(msg)
		return ecdsa.VerifyASN1(k, d[:], sig)
	}
	return false
}

// handleEnroll is screen 9: roster ID + password + fingerprint + device key. Enrolling again from the same device
// (same key and fingerprint) is idempotent; from another device it needs an admin reset.
func (s *Server) handleEnroll(w http.ResponseWriter, r *http.Request) {
	var req mkpf.EnrollRequest
	if _, ok := s.readRequest(w, r, &req, 0); !ok {
		return
	}
	if err := mkpf.ValidateTerminalID(req.TerminalID); err != nil {
		// Counted as a failure too: scanning for IDs is what the throttle is for.
		if err := s.reserveAttempt(r.Context(), throttleKey{key: "enroll/addr:" + sourceAddr(r), limit: s.opts.AddrFailures}); err != nil {
			s.WriteError(w, r, err)
			return
		}
		s.WriteError(w, r, errBadCredentials)
		return
	}
	if len(req.Fingerprint) != sha256.Size {
		s.WriteError(w, r, errBadFingerprint)
		return
	}
	if _, err := parseDeviceKey(req.DeviceKey); err != nil {
		s.WriteError(w, r, errBadDeviceKey)
		return
	}
	if _, err := s.checkPassword(r, req.TerminalID, req.Password,
		throttleKey{key: "enroll/id:" + req.TerminalID, limit: s.opts.LoginFailures},
		throttleKey{key: "enroll/addr:" + sourceAddr(r), limit: s.opts.AddrFailures}); err != nil {
		s.WriteError(w, r, err)
		return
	}
	var (
		info       mkpf.TerminalInfo
		session    string
		sessionExp time.Time
	)
	err := s.db.UpdateContext(r.Context(), func(tx kv.Tx) error {
		t, err := getTerminal(tx, req.TerminalID)
		if err != nil {
			return err
		}
		if t == nil {
			return errBadCredentials
		}
		if len(t.DeviceKey) > 0 {
			if !bytes.Equal(t.DeviceKey, req.DeviceKey) || !bytes.Equal(t.Fingerprint, req.Fingerprint) {
				return errAlreadyEnrolled
			}
		} else {
			t.DeviceKey = req.DeviceKey
			t.Fingerprint = req.Fingerprint
			t.EnrolledAt = s.now().UTC()
			if err := kv.PutJSON(tx.Bucket(bTerminals), t.ID, t); err != nil {
				return err
			}
		}
		info = terminalInfo(tx, t)
		if PointsMenu(callerOf(t)) != (mkpf.PointsMenu{}) {
			session, sessionExp, err = s.newPointsSession(t)
		}
		return err
	})
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	s.log.Info("terminal enrolled", "terminal", req.TerminalID)
	WriteJSON(w, http.StatusOK, mkpf.EnrollResult{Terminal: info, PointsSession: session, PointsSessionExpiresAt: sessionExp})
}

// handleChallenge signs a fresh challenge for a terminal ID; nothing is stored (authsec.go), so a flood of
// anonymous calls costs the server no memory and cannot crowd out real terminals.
func (s *Server) handleChallenge(w http.ResponseWriter, r *http.Request) {
	var req mkpf.ChallengeRequest
	if _, ok := s.readRequest(w, r, &req, 1<<10); !ok {
		return
	}
	if mkpf.ValidateTerminalID(req.TerminalID) != nil {
		s.WriteError(w, r, errBadSignature)
		return
	}
	exp := s.now().Add(s.opts.ChallengeTTL)
	c, err := s.newChallenge(req.TerminalID, exp)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, mkpf.ChallengeResult{Challenge: c, ExpiresAt: exp.UTC()})
}

// handleToken exchanges a signed challenge for a bearer token. Every refusal (unknown ID, not enrolled, disabled,
// wrong key or fingerprint, expired or reused challenge) gets the same answer: nothing tells who is enrolled.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	var req mkpf.TokenRequest
	if _, ok := s.readRequest(w, r, &req, 4<<10); !ok {
		return
	}
	nonce, chExp, ok := s.checkChallenge(req.TerminalID, req.Challenge)
	if !ok {
		s.WriteError(w, r, errBadSignature)
		return
	}
	t, err := s.readTerminalCtx(r.Context(), req.TerminalID)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if t == nil || len(t.DeviceKey) == 0 || t.Disabled {
		s.WriteError(w, r, errBadSignature)
		return
	}
	pub, err := parseDeviceKey(t.DeviceKey)
	if err != nil || !bytes.Equal(t.Fingerprint, req.Fingerprint) ||
		!verifyDeviceSig(pub, mkpf.AuthSignedBytes(req.TerminalID, req.Challenge), req.Signature) {
		s.log.Info("device authentication refused", "terminal", req.TerminalID, "addr", sourceAddr(r))
		s.WriteError(w, r, errBadSignature)
		return
	}
	if fresh, err := s.useChallengeCtx(r.Context(), nonce, chExp); err != nil {
		s.WriteError(w, r, err) // the store's failure, not the terminal's: answered as such, so it tries again
		return
	} else if !fresh {
		s.WriteError(w, r, errBadSignature)
		return
	}
	exp := s.now().Add(s.opts.TokenTTL)
	tok, err := s.signedToken(tokenBearer, t.ID, t.TokenGen, exp)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, mkpf.TokenResult{Token: tok, ExpiresAt: exp.UTC()})
}

// readTerminal reads a terminal's record (nil when the ID is unknown) in a read transaction of its own.
func (s *Server) readTerminal(id string) (t *terminalRec, err error) {
	return s.readTerminalCtx(context.Background(), id)
}

// readTerminalCtx is readTerminal for a request (its transaction ends with ctx).
func (s *Server) readTerminalCtx(ctx context.Context, id string) (t *terminalRec, err error) {
	err = kv.ReadOne(ctx, s.db, func(tx kv.Tx) error {
		t, err = getTerminal(tx, id)
		return err
	})
	return t, err
}

// enrolledTerminal is readTerminal for a terminal that must be enrolled (have a device key): errNotEnrolled when it
// is unknown or not enrolled.
func (s *Server) enrolledTerminal(id string) (*terminalRec, error) {
	return s.enrolledTerminalCtx(context.Background(), id)
}

// enrolledTerminalCtx is enrolledTerminal for a request.
func (s *Server) enrolledTerminalCtx(ctx context.Context, id string) (*terminalRec, error) {
	t, err := s.readTerminalCtx(ctx, id)
	if err != nil {
		return nil, err
	}
	if t == nil || len(t.DeviceKey) == 0 {
		return nil, errNotEnrolled
	}
	return t, nil
}

// bearer is the terminal ID and token generation of r's bearer token; false when it has none or one that does not
// verify.
func (s *Server) bearer(r *http.Request) (id string, gen uint64, ok bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return "", 0, false
	}
	return s.parseToken(tokenBearer, tok)
}

// Authed wraps h so it runs only for a terminal with a valid token whose kind is one of kinds (any kind when none
// is given). The terminal is read from the database on every call, so an admin reset or a kind change applies at
// once. The Caller is in the request context (CallerFrom).
func (s *Server) Authed(h http.HandlerFunc, kinds ...mkpf.TerminalKind) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, gen, ok := s.bearer(r)
		if !ok {
			s.WriteError(w, r, errUnauth)
			return
		}
		t, err := s.enrolledTerminalCtx(r.Context(), id)
		if err != nil {
			s.WriteError(w, r, err)
			return
		}
		c, err := authTerminal(t, gen, kinds)
		if err != nil {
			s.WriteError(w, r, err)
			return
		}
		h(w, r.WithContext(WithCaller(r.Context(), c)))
	})
}

// authTerminal is Authed's check of a token of generation gen against its terminal's record t (read in the request):
// the terminal enrolled and not disabled, the token not outdated, the kind one of kinds (any when none).
func authTerminal(t *terminalRec, gen uint64, kinds []mkpf.TerminalKind) (*Caller, error) {
	if t == nil || len(t.DeviceKey) == 0 {
		return nil, errNotEnrolled
	}
	if t.Disabled {
		return nil, errDisabled
	}
	if t.TokenGen != gen {
		return nil, errUnauth
	}
	c := callerOf(t)
	if len(kinds) > 0 && !slices.Contains(kinds, c.Kind) {
		return nil, errForbiddenKind
	}
	return c, nil
}
