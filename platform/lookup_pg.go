package platform

// POST /v1/lookup on PostgreSQL in one round trip: the terminal's record (what Authed reads on every request) and
// the lookup's identity rows are read by one statement, sent alone with no BEGIN and COMMIT (kv.ReadOne), and the
// terminal is checked exactly as Authed checks it (authTerminal) before anything of the answer is used or counted.
// The token's signature and expiry are checked first, as by Authed; whenever the request fails before that statement
// (a bad body, a refused certificate), the terminal is read and checked first as Authed would, so every refusal is
// the one Authed gives. A certificate whose serial is not known yet (a renewal to link) takes the ordinary path.

import (
	"errors"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform/httpapi"
	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// lookupRoute is POST /v1/lookup's handler: Authed(handleLookup) on bbolt, lookupOne on PostgreSQL.
func (s *Server) lookupRoute() http.Handler {
	if kv.Pool(s.db) != nil {
		return http.HandlerFunc(s.lookupOne)
	}
	return s.Authed(s.handleLookup, mkpf.KindServiceID)
}

// lookupOneSQL is the terminal's record ($1) with holderSQL for the certificate serial $2 at the terminal's issuer.
var lookupOneSQL = `SELECT t.v, h.* FROM
	(SELECT v, convert_from(v, 'UTF8')::jsonb->>'issuer_id' AS issuer FROM kv WHERE bucket = 'terminals' AND k = $1) t
	LEFT JOIN LATERAL (` + strings.NewReplacer("$1", "$2", "$2", "t.issuer").Replace(holderSQL) + `) h ON true`

func (s *Server) lookupOne(w http.ResponseWriter, r *http.Request) {
	kinds := []mkpf.TerminalKind{mkpf.KindServiceID}
	id, gen, ok := s.bearer(r)
	if !ok {
		s.WriteError(w, r, errUnauth)
		return
	}
	// refuse answers err after the terminal's own check, as Authed and handleLookup would: a bad body uncounted,
	// a refused certificate counted (or, at a terminal without an issuer, that).
	refuse := func(err error, counted bool) {
		t, terr := s.enrolledTerminalCtx(r.Context(), id)
		var c *Caller
		if terr == nil {
			c, terr = authTerminal(t, gen, kinds)
		}
		if terr != nil {
			s.WriteError(w, r, terr)
			return
		}
		if counted {
			if c.IssuerID == "" {
				err = errNoIssuer
			}
			s.Count(c.TerminalID, "lookup."+codeOf(err))
		}
		s.WriteError(w, r, err)
	}
	var req mkpf.LookupRequest
	if _, err := httpapi.ReadJSON(w, r, &req, 0); err != nil {
		refuse(err, false)
		return
	}
	cc, err := s.verifyAuthChainCached(r.Context(), req.AuthCert) // revocation: in the statement
	if err != nil {
		refuse(err, true)
		return
	}
	var (
		raw []byte
		h   holderView
	)
	err = kv.ReadOne(r.Context(), s.db, func(tx kv.Tx) error {
		rows, _ := kv.RowsOf(tx)
		var herr error
		raw, h, herr = scanHolder(rows.Tx.QueryRow(rows.Ctx, lookupOneSQL, []byte(id), cc.Serial), true)
		return herr
	})
	if errors.Is(err, pgx.ErrNoRows) {
		s.WriteError(w, r, errNotEnrolled) // no such terminal
		return
	}
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	t, err := terminalCache.decode(id, raw, nil) // read only here: no copy of its key and contact
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	c, err := authTerminal(&t, gen, kinds)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	var res *mkpf.LookupResult
	switch {
	case c.IssuerID == "":
		err = errNoIssuer
	case h.revoked:
		err = errCertRevoked
	case h.mykeyID == "":
		res, err = s.lookup(r.Context(), c, cc) // a renewed certificate to link, or not known: the ordinary path
	default:
		if h.issuer != nil {
			h.issuer.ID = c.IssuerID
		}
		if h.service != nil {
			h.service.IssuerID = c.IssuerID
		}
		res, err = lookupResult(h)
	}
	if err != nil {
		s.Count(c.TerminalID, "lookup."+codeOf(err))
		s.WriteError(w, r, err)
		return
	}
	s.Count(c.TerminalID, "lookup.ok")
	WriteJSON(w, http.StatusOK, res)
}
