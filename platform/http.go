package platform

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/mykeyterm/mykeyterm/platform/httpapi"
	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/ledger"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// The request and response helpers without server state live in platform/httpapi; Errf and WriteJSON are named here
// too because nearly every handler of this package calls them.

// Errf builds an API error with a stable code and the Japanese message the terminal shows as is (httpapi.Errf).
func Errf(status int, code, messageJA string) *mkpf.APIError {
	return httpapi.Errf(status, code, messageJA)
}

// WriteJSON writes v as the JSON body with status (httpapi.WriteJSON).
func WriteJSON(w http.ResponseWriter, status int, v any) { httpapi.WriteJSON(w, status, v) }

// Common errors of the API.
var (
	errUnauth        = Errf(http.StatusUnauthorized, mkpf.CodeUnauthenticated, "端末の認証が必要です。もう一度操作してください。")
	errForbiddenKind = Errf(http.StatusForbidden, mkpf.CodeForbidden, "この端末の種類ではこの操作はできません。")
	errInternal      = Errf(http.StatusInternalServerError, mkpf.CodeInternal, "プラットフォームで障害が発生しました。しばらくしてからもう一度操作してください。")
	errIdemMismatch  = Errf(http.StatusConflict, mkpf.CodeIdemMismatch, "同じ要求番号で別の操作が送られました。操作をやり直してください。")
)

// WriteError writes the error envelope. Any error that is not an *mkpf.APIError becomes "internal" (its text is not
// sent: it could carry data the terminal must not see).
func (s *Server) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *mkpf.APIError
	if !errors.As(err, &ae) {
		if r.Context().Err() != nil { // the client hung up: its transaction was ended for it (kv UpdateContext)
			s.log.Info("request ended by the client", "method", r.Method, "path", r.URL.Path)
		} else {
			s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		ae = errInternal
	}
	status := ae.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	WriteJSON(w, status, mkpf.ErrorEnvelope{Error: ae})
}

// idemRec is a stored answer to a state-changing call (ledger.IdemRecord; pruned IdempotencyKeep after its At).
type idemRec = ledger.IdemRecord

// Idempotent runs a state-changing call at most once per (terminal, Idempotency-Key). fn runs inside one bbolt
// write transaction together with the storing of its answer, so the change and the remembered answer commit
// atomically. A retry with the same key and the same request body gets the stored answer; with a different body it
// is refused. When fn returns an error the transaction is rolled back and nothing is remembered (a retry runs
// again). reqBody is the canonical request (e.g. the raw JSON body). Without a key header fn simply runs once.
func (s *Server) Idempotent(w http.ResponseWriter, r *http.Request, c *Caller, reqBody []byte,
	fn func(tx kv.Tx) (status int, body any, err error)) {
	s.idempotent(func(f func(kv.Tx) error) error { return s.db.UpdateContext(r.Context(), f) }, false, w, r, c, reqBody, fn)
}

// errStoredAnswer ends an optimistic run (idempotent) whose request turns out to have a stored answer: the run is
// rolled back and the stored answer given.
var errStoredAnswer = errors.New("platform: the request has a stored answer")

// idempotent is Idempotent with the write transaction run by update: one bbolt transaction of its own
// (s.db.Update), or a share of the points group commit (points_commit.go). Same records, same rules.
//
// optimistic (a point use on PostgreSQL, whose answer is stored with the commit in the same round trip) skips the
// first run's read of a stored answer, a round trip, since nearly every request is new: a request answered before
// then meets its stored answer at the commit (a unique violation; kv.DB.UpdateRows runs it again, and the second run
// reads first), or, when fn refuses it (a retried use whose points are spent since), is looked up before the refusal
// is given. fn's side effects (afterCommit) must then be scheduled on success only.
func (s *Server) idempotent(update func(func(kv.Tx) error) error, optimistic bool, w http.ResponseWriter, r *http.Request,
	c *Caller, reqBody []byte, fn func(tx kv.Tx) (status int, body any, err error)) {
	key, h, err := idemKeyOf(r, reqBody)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	var (
		status int
		out    []byte
	)
	runs := 0
	err = update(func(tx kv.Tx) error {
		rows := ledger.Of(tx)
		runs++
		_, onRows := rows.(ledger.PG)
		skipRead := optimistic && onRows && runs == 1
		if key != "" && !skipRead {
			prev, err := rows.StoredAnswer(c.TerminalID, key)
			if err != nil {
				return err
			} else if prev != nil {
				if !bytes.Equal(prev.ReqHash, h[:]) {
					return errIdemMismatch
				}
				status, out = prev.Status, prev.Body
				return nil
			}
		}
		st, body, err := fn(tx)
		if err != nil {
			if key != "" && skipRead {
				if prev, perr := rows.StoredAnswer(c.TerminalID, key); perr == nil && prev != nil {
					if !bytes.Equal(prev.ReqHash, h[:]) {
						return errIdemMismatch
					}
					status, out = prev.Status, prev.Body
					return errStoredAnswer
				}
			}
			return err
		}
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		status, out = st, raw
		if key == "" {
			return nil
		}
		return rows.StoreAnswer(c.TerminalID, key, idemRec{ReqHash: h[:], Status: st, Body: raw, At: s.now().UTC()})
	})
	if errors.Is(err, errStoredAnswer) {
		err = nil
	}
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	httpapi.WriteStored(w, status, out)
}

// idemKeyOf returns the request's Idempotency-Key ("" when none; an error when too long) and the hash that ties a
// stored answer to the request it answered.
func idemKeyOf(r *http.Request, reqBody []byte) (string, [sha256.Size]byte, error) {
	key := strings.TrimSpace(r.Header.Get(mkpf.IdempotencyHeader))
	if len(key) > 128 {
		return "", [sha256.Size]byte{}, Errf(http.StatusBadRequest, mkpf.CodeBadRequest, "要求番号が長すぎます。")
	}
	return key, sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"\n"), reqBody...)), nil
}

// Replay answers a retried state-changing call from its stored answer, before the handler does any work that could
// now turn out differently (a certificate revoked since, a clock past a validity): it reports whether it answered.
// Idempotent does the same check again inside its transaction, so calling Replay first is an optimisation of
// semantics, not a requirement.
func (s *Server) Replay(w http.ResponseWriter, r *http.Request, c *Caller, reqBody []byte) bool {
	key, h, err := idemKeyOf(r, reqBody)
	if key == "" || err != nil {
		return false
	}
	var prev *idemRec
	err = s.db.ViewContext(r.Context(), func(tx kv.Tx) (err error) {
		prev, err = ledger.Of(tx).StoredAnswer(c.TerminalID, key)
		return err
	})
	if err != nil || prev == nil {
		return false
	}
	if !bytes.Equal(prev.ReqHash, h[:]) {
		s.WriteError(w, r, errIdemMismatch)
		return true
	}
	httpapi.WriteStored(w, prev.Status, prev.Body)
	return true
}

// readRequest is ReadJSON for a handler: it decodes the request into v (at most max bytes, MaxBody when 0) and
// returns the raw body (the idempotency hash's input); on failure it has answered with the error.
func (s *Server) readRequest(w http.ResponseWriter, r *http.Request, v any, max int64) ([]byte, bool) {
	raw, err := httpapi.ReadJSON(w, r, v, max)
	if err != nil {
		s.WriteError(w, r, err)
		return nil, false
	}
	return raw, true
}
