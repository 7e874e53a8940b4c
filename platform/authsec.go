package platform

// Stateless device authentication and store-kept login throttles (docs/security.md).
//
// Several server processes may share one store, so nothing of the login state lives in process memory:
//   - a challenge is signed with the store's auth key (HMAC-SHA256) and carries its own expiry: no table, nothing an
//     anonymous caller can fill;
//   - a challenge is used once: after the device signature checks, its nonce goes into bUsedChallenges until it
//     expires (only enrolled devices can get there, so that bucket is as small as the real logins of a minute);
//   - a bearer token is signed the same way and names the terminal and its token generation: disabling, resetting or
//     changing the password of a terminal bumps the generation and so revokes every token at once;
//   - password attempts are counted in bThrottles BEFORE the password hash runs, and the hash runs under a small
//     semaphore, so neither concurrency nor volume can grow memory (argon2id takes Argon2Memory per running hash).

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/ledger"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

var (
	errDisabled = Errf(http.StatusUnauthorized, mkpf.CodeUnauthenticated, "端末の認証に失敗しました。端末が利用停止されている場合は自治体の担当者に確認してください。")
	errBusy     = Errf(http.StatusServiceUnavailable, mkpf.CodeUnavailable, "プラットフォームが混み合っています。しばらくしてからもう一度操作してください。")
)

const (
	authKeyName   = "auth_hmac_key" // in bSecrets
	challengeLen  = 1 + 16 + 8 + sha256.Size
	tokenVersion  = 1
	challengeVers = 1
)

// authKey returns the store's HMAC key for challenges, tokens and points sessions (loaded by loadAuthKey at Open).
func (s *Server) authKey() ([]byte, error) {
	if k := s.authKeyCache.Load(); k != nil {
		return *k, nil
	}
	return nil, errors.New("platform: auth key not loaded")
}

// loadAuthKey reads the store's auth key, creating it on first use (run at Open, before any request).
func (s *Server) loadAuthKey() error {
	var key []byte
	err := s.db.Update(func(tx kv.Tx) error {
		v, err := s.getSecret(tx, authKeyName)
		if err != nil {
			return err
		}
		if v == nil {
			v = randomBytes(32)
			if err := s.putSecret(tx, authKeyName, v); err != nil {
				return err
			}
		}
		key = v
		return nil
	})
	if err != nil {
		return err
	}
	s.authKeyCache.Store(&key)
	return nil
}

func macOf(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		m.Write(n[:])
		m.Write(p)
	}
	return m.Sum(nil)
}

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

// newChallenge is version | nonce(16) | expiry (unix seconds) | HMAC(purpose, terminal ID, nonce, expiry).
func (s *Server) newChallenge(terminalID string, exp time.Time) ([]byte, error) {
	key, err := s.authKey()
	if err != nil {
		return nil, err
	}
	nonce := randomBytes(16)
	e := u64(uint64(exp.Unix()))
	out := append([]byte{challengeVers}, nonce...)
	out = append(out, e...)
	return append(out, macOf(key, []byte("challenge"), []byte(terminalID), nonce, e)...), nil
}

// checkChallenge returns the nonce of a valid, unexpired challenge for terminalID.
func (s *Server) checkChallenge(terminalID string, c []byte) ([]byte, time.Time, bool) {
	if len(c) != challengeLen || c[0] != challengeVers {
		return nil, time.Time{}, false
	}
	key, err := s.authKey()
	if err != nil {
		return nil, time.Time{}, false
	}
	nonce, e, mac := c[1:17], c[17:25], c[25:]
	if !hmac.Equal(mac, macOf(key, []byte("challenge"), []byte(terminalID), nonce, e)) {
		return nil, time.Time{}, false
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(e)), 0)
	if s.now().After(exp) {
		return nil, time.Time{}, false
	}
	return nonce, exp, true
}

// useChallenge records a challenge's nonce as used (false for a second use) and drops expired records. An error is
// the store's (the database is away, say): the caller answers it as that, never as a refused signature, so a terminal
// retries instead of taking a definitive refusal.
func (s *Server) useChallenge(nonce []byte, exp time.Time) (bool, error) {
	return s.useChallengeCtx(context.Background(), nonce, exp)
}

// useChallengeCtx is useChallenge for a request (its transaction ends with ctx).
func (s *Server) useChallengeCtx(ctx context.Context, nonce []byte, exp time.Time) (bool, error) {
	fresh := false
	now := s.now().Unix()
	err := s.db.UpdateContext(ctx, func(tx kv.Tx) error {
		b := tx.Bucket(bUsedChallenges)
		if b.Get(nonce) != nil {
			return nil
		}
		var stale [][]byte
		if err := b.ForEach(func(k, v []byte) error {
			if len(v) != 8 || int64(binary.BigEndian.Uint64(v)) < now {
				stale = append(stale, append([]byte(nil), k...))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		fresh = true
		return b.Put(nonce, u64(uint64(exp.Unix())))
	})
	return err == nil && fresh, err
}

// signedToken is the text form of a token or points session: base64url(version | kind | expiry | generation | ID |
// HMAC). kind separates bearer tokens from points sessions so one is never accepted as the other.
func (s *Server) signedToken(kind byte, terminalID string, gen uint64, exp time.Time) (string, error) {
	key, err := s.authKey()
	if err != nil {
		return "", err
	}
	body := []byte{tokenVersion, kind}
	body = append(body, u64(uint64(exp.Unix()))...)
	body = append(body, u64(gen)...)
	body = append(body, terminalID...)
	return base64.RawURLEncoding.EncodeToString(append(body, macOf(key, []byte("token"), body)...)), nil
}

// parseToken checks a signed token's MAC and expiry and returns its terminal ID and generation.
func (s *Server) parseToken(kind byte, tok string) (string, uint64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) < 18+sha256.Size || raw[0] != tokenVersion || raw[1] != kind {
		return "", 0, false
	}
	key, err := s.authKey()
	if err != nil {
		return "", 0, false
	}
	body, mac := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if !hmac.Equal(mac, macOf(key, []byte("token"), body)) {
		return "", 0, false
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(body[2:10])), 0)
	if !s.now().Before(exp) {
		return "", 0, false
	}
	return string(body[18:]), binary.BigEndian.Uint64(body[10:18]), true
}

const (
	tokenBearer byte = 'B'
	tokenPoints byte = 'P'
)

// throttleRec is one key's attempts in the current window (bThrottles).
type throttleRec struct {
	Start time.Time `json:"start"`
	N     int       `json:"n"`
}

// current is r within its window of length win at now, or a fresh window starting now when r's has passed (or starts
// in the future: the clock stepped back).
func (r throttleRec) current(now time.Time, win time.Duration) throttleRec {
	if now.Sub(r.Start) >= win || now.Before(r.Start) {
		return throttleRec{Start: now}
	}
	return r
}

// throttleKey is one counter of a login attempt and its limit.
type throttleKey struct {
	key    string
	limit  int
	window time.Duration // LoginWindow when zero
}

// reserveAttempt counts one attempt on every key BEFORE the password is checked: when any key has reached its limit
// in the current window nothing is counted and errThrottled is returned. A success gives the attempt back
// (refundAttempt), so only failures stay counted, yet a burst of parallel guesses cannot pass the limit.
func (s *Server) reserveAttempt(ctx context.Context, keys ...throttleKey) error {
	return s.db.UpdateContext(ctx, func(tx kv.Tx) error {
		b := tx.Bucket(bThrottles)
		recs := make([]throttleRec, len(keys))
		for i, k := range keys {
			if _, err := kv.GetJSON(b, k.key, &recs[i]); err != nil {
				return err
			}
		}
		// The time after the reads, which come after the writer lock: a time taken before it would be older than the
		// window a writer ahead in the queue just started, and current would take it for a clock stepped back and
		// start the window again (on PostgreSQL, 6 of 1,000 parallel wrong enrollments were checked, limit 5).
		now := s.now()
		for i, k := range keys {
			win := k.window
			if win == 0 {
				win = s.opts.LoginWindow
			}
			recs[i] = recs[i].current(now, win)
			if recs[i].N >= k.limit {
				return errThrottled
			}
		}
		for i, k := range keys {
			recs[i].N++
			if err := kv.PutJSON(b, k.key, recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// refundAttempt gives back the attempt counted by reserveAttempt when the password was right. When the store
// fails, the attempt stays counted (the throttle errs on the closed side).
func (s *Server) refundAttempt(ctx context.Context, keys ...throttleKey) error {
	return s.db.UpdateContext(ctx, func(tx kv.Tx) error {
		b := tx.Bucket(bThrottles)
		for _, k := range keys {
			var rec throttleRec
			if ok, err := kv.GetJSON(b, k.key, &rec); err != nil {
				return err
			} else if !ok {
				continue
			}
			if rec.N > 0 {
				rec.N--
			}
			if err := kv.PutJSON(b, k.key, rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// resetThrottle forgets a key's attempts (admin reset or new password).
func (s *Server) resetThrottle(keys ...string) error {
	return s.db.Update(func(tx kv.Tx) error {
		for _, k := range keys {
			if err := tx.Bucket(bThrottles).Delete([]byte(k)); err != nil {
				return err
			}
		}
		return nil
	})
}

// sweepThrottles drops expired throttle records (run by the flush loop).
func (s *Server) sweepThrottles() {
	now := s.now()
	err := s.db.Update(func(tx kv.Tx) error {
		if r, ok := kv.RowsOf(tx); ok {
			if err := ledger.NewPG(r).SweepDayTotals(now.Add(-24 * time.Hour)); err != nil {
				return err
			}
		}
		b := tx.Bucket(bThrottles)
		var stale [][]byte
		if err := b.ForEach(func(k, v []byte) error {
			var rec throttleRec
			keep := max(s.opts.LoginWindow, VoucherLookupWindow)
			if bytes.HasPrefix(k, []byte(floorKeyPrefix)) {
				keep = 24 * time.Hour // a Japan-time day's totals without proof (presence.go)
			}
			if json.Unmarshal(v, &rec) != nil || now.Sub(rec.Start) >= keep {
				stale = append(stale, append([]byte(nil), k...))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.log.Error("throttle sweep", "err", err) // the records stay; the next sweep tries again
	}
}

// hashSlot waits for one of the Argon2Concurrency slots of the password hash (memory is bounded by slots ×
// Argon2Memory whatever the load). A caller that gives up waiting gets errBusy.
func (s *Server) hashSlot(ctx context.Context) (func(), error) {
	select {
	case s.argonSem <- struct{}{}:
		return func() { <-s.argonSem }, nil
	case <-ctx.Done():
		return nil, errBusy
	}
}

// verifyPasswordBounded is verifyPassword under the hash semaphore.
func (s *Server) verifyPasswordBounded(ctx context.Context, stored, pw string) (bool, error) {
	release, err := s.hashSlot(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return verifyPassword(stored, pw), nil
}

var errPointsLogin = Errf(http.StatusUnauthorized, mkpf.CodePointsLoginRequired, "ポイント機能のログインが必要です。ログインIDとパスワードを入力してログインしてください。")

// newPointsSession opens a points session for a terminal (the screen-2 login or the enrollment checked its password).
func (s *Server) newPointsSession(t *terminalRec) (string, time.Time, error) {
	exp := s.now().Add(s.opts.PointsSessionTTL)
	tok, err := s.signedToken(tokenPoints, t.ID, t.TokenGen, exp)
	return tok, exp.UTC(), err
}

// pointsSessionOK checks the request's points session against the authenticated terminal (same ID, same token
// generation: a reset, new password or disable ends it).
func (s *Server) pointsSessionOK(r *http.Request, c *Caller) bool {
	id, gen, ok := s.parseToken(tokenPoints, r.Header.Get(mkpf.PointsSessionHeader))
	return ok && id == c.TerminalID && gen == c.tokenGen
}
