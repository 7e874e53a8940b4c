package platform

// Proof of card presence above a program's floor limit (mkpf/presence.go, docs/security.md), and the day totals
// moved without it.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/ledger"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

var (
	errPresenceNeeded = Errf(http.StatusForbidden, mkpf.CodeCardPresenceRequired, "この金額ではマイナンバーカードの暗証番号（利用者証明用・4桁）の入力が必要です。利用者に暗証番号を入力してもらい、カードをもう一度読み取ってください。")
	errPresenceShop   = Errf(http.StatusForbidden, mkpf.CodeCardPresenceRequired, "この金額では商店街ポイントカードは使えません。マイナンバーカードを読み取り、利用者に暗証番号（4桁）を入力してもらってください。")
	errPresenceBad    = Errf(http.StatusForbidden, mkpf.CodeCardPresenceRequired, "カードの確認に失敗しました。カードを読み取り直し、利用者にもう一度暗証番号を入力してもらってください。")
	errPresenceScope  = Errf(http.StatusBadRequest, mkpf.CodeValidation, "カードの確認の依頼内容が正しくありません。端末のソフトウェアを最新版に更新してから、もう一度操作してください。")
)

// FloorTerminalDayFactor is the default of a program's FloorTerminalDayLimit: this many times its floor limit.
const FloorTerminalDayFactor = 100

// cardChallengeSlot is the terminal-ID slot of a card challenge: the scope's digest (terminal ID included), so the
// challenge's MAC says what it was issued for and a device-auth challenge, or one for another operation, never
// passes as it.
func cardChallengeSlot(scope mkpf.PresenceScope) string {
	j, _ := json.Marshal(scope)
	d := sha256.Sum256(j)
	return "card-presence-v2:" + hex.EncodeToString(d[:])
}

// handleCardChallenge gives a terminal a one-use challenge for the patron's card to sign, for one operation.
func (s *Server) handleCardChallenge(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var scope mkpf.CardChallengeRequest
	if _, ok := s.readRequest(w, r, &scope, 4<<10); !ok {
		return
	}
	switch scope.Operation {
	case mkpf.PresenceUse, mkpf.PresenceVoucher, mkpf.PresenceMerge:
	default: // a v1 terminal asks with an empty body
		s.WriteError(w, r, errPresenceScope)
		return
	}
	if len(scope.Card) != 64 || scope.Points <= 0 || len(scope.ProgramID) > 128 || len(scope.Expires) > 32 {
		s.WriteError(w, r, errPresenceScope)
		return
	}
	scope.TerminalID, scope.MergeTarget = c.TerminalID, ""
	if scope.Operation == mkpf.PresenceMerge {
		scope.MergeTarget = c.IssuerID
	}
	exp := s.now().Add(s.opts.ChallengeTTL * 3) // PIN entry takes the patron a moment
	ch, err := s.newChallenge(cardChallengeSlot(scope), exp)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, mkpf.CardChallengeResult{Challenge: ch, ExpiresAt: exp.UTC(), Scope: scope})
}

// SetFloorLimit sets a program's floor limit (0: no proof of card presence needed at any amount).
func (s *Server) SetFloorLimit(programID string, limit int64) error {
	if limit < 0 {
		return errors.New("points: the floor limit cannot be negative")
	}
	return s.updateProgram(programID, func(p *mkpf.Program) { p.FloorLimit = limit })
}

// SetFloorDayLimits sets a program's day totals without proof: per card (0: the floor limit) and per terminal (0:
// FloorTerminalDayFactor × the floor limit), in points per Japan-time day.
func (s *Server) SetFloorDayLimits(programID string, card, terminal int64) error {
	if card < 0 || terminal < 0 {
		return errors.New("points: a day limit cannot be negative")
	}
	return s.updateProgram(programID, func(p *mkpf.Program) { p.FloorDayLimit, p.FloorTerminalDayLimit = card, terminal })
}

func (s *Server) updateProgram(programID string, f func(p *mkpf.Program)) error {
	return s.db.Update(func(tx kv.Tx) error {
		p, err := getProgram(tx, programID)
		if err != nil {
			return err
		}
		if p == nil {
			return errors.New("points: program " + programID + " unknown")
		}
		f(p)
		return kv.PutJSON(tx.Bucket(bPtPrograms), p.ID, p)
	})
}

// presenceGate is what checkPresence decided for one request, for the day totals inside its transaction (count).
type presenceGate struct {
	proved           bool  // the request carried a valid proof: nothing is counted
	floor            int64 // 0: the program needs no proof at any amount, nothing is counted
	cardDay, termDay int64
	cardKey, termKey string
	shopCard         bool
	now              time.Time
}

// Day totals without proof are throttle records (bThrottles): "floor/card/<program>/<card>" and
// "floor/term/<program>/<terminal>", N the points moved without proof since Start, the start of the Japan-time day.
const floorKeyPrefix = "floor/"

func jstDay(t time.Time) time.Time {
	y, m, d := t.In(jst).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, jst)
}

func (g *presenceGate) totals(tx kv.Tx) (card, term ledger.DayTotal, err error) {
	rows := ledger.Of(tx)
	if card, err = rows.DayTotal(g.cardKey); err != nil {
		return
	}
	if term, err = rows.DayTotal(g.termKey); err != nil {
		return
	}
	day := jstDay(g.now)
	if !card.Start.Equal(day) {
		card = ledger.DayTotal{Start: day}
	}
	if !term.Start.Equal(day) {
		term = ledger.DayTotal{Start: day}
	}
	return
}

// over reports whether moving points without proof would pass the card's or the terminal's day total.
func (g *presenceGate) over(card, term ledger.DayTotal, points int64) bool {
	return card.Points+points > g.cardDay || term.Points+points > g.termDay
}

// count adds points moved without proof to the card's and the terminal's day totals, in the transaction of the
// movement; past either limit it refuses (parallel requests cannot pass it: the totals are in the store).
func (g *presenceGate) count(tx kv.Tx, points int64) error {
	if g == nil || g.proved || g.floor == 0 {
		return nil
	}
	card, term, err := g.totals(tx)
	if err != nil {
		return err
	}
	if g.over(card, term, points) {
		if g.shopCard {
			return errPresenceShop
		}
		return errPresenceNeeded
	}
	card.Points += points
	term.Points += points
	rows := ledger.Of(tx)
	if err := rows.PutDayTotal(g.cardKey, card); err != nil {
		return err
	}
	return rows.PutDayTotal(g.termKey, term)
}

// checkPresence answers for a money-moving request (use, voucher issue, merge) of scope's points: at or below the
// program's floor limit, while the card's and the terminal's day totals without proof stay within their limits,
// nothing more is needed (gate.count adds the points in the movement's transaction); otherwise the request must
// carry a valid, unused card signature over a challenge issued for exactly this scope by the key of the certificate
// it names. programID "" is the municipal program. When it returns false it has answered the request (an error, or
// the stored answer of a retry).
func (s *Server) checkPresence(w http.ResponseWriter, r *http.Request, c *Caller, raw []byte, ref mkpf.PatronRef, scope mkpf.PresenceScope) (*presenceGate, bool) {
	programID := scope.ProgramID
	g := &presenceGate{now: s.now(), shopCard: ref.ShopCard != ""}
	need := false
	if err := kv.ReadOne(r.Context(), s.db, func(tx kv.Tx) error {
		g.floor, need = 0, false // set again by a second run (kv.ReadOne)
		var err error
		if programID == "" {
			if programID, err = municipalProgram(tx, c.Municipality); err != nil {
				return err
			}
		}
		p, err := getProgram(tx, programID)
		if err != nil {
			return err
		}
		if p == nil || p.FloorLimit == 0 {
			return nil
		}
		g.floor, g.cardDay, g.termDay = p.FloorLimit, p.FloorDayLimit, p.FloorTerminalDayLimit
		if g.cardDay == 0 {
			g.cardDay = p.FloorLimit
		}
		if g.termDay == 0 {
			g.termDay = FloorTerminalDayFactor * p.FloorLimit
		}
		card := mkpf.CardDigest(ref.AuthCert)
		if ref.ShopCard != "" {
			card = "shop:" + c.IssuerID + "/" + ref.ShopCard
		}
		g.cardKey = floorKeyPrefix + "card/" + p.ID + "/" + card
		g.termKey = floorKeyPrefix + "term/" + p.ID + "/" + c.TerminalID
		if scope.Points > p.FloorLimit {
			need = true
			return nil
		}
		ct, tt, err := g.totals(tx)
		if err != nil {
			return err
		}
		need = g.over(ct, tt, scope.Points)
		return nil
	}); err != nil {
		s.WriteError(w, r, err) // the limit or the day totals are unknown: refused (fail closed)
		return nil, false
	}
	if !need {
		return g, true
	}
	// A retry of an answered request (same idempotency key and body) gets its stored answer: its challenge is used.
	if s.Replay(w, r, c, raw) {
		return nil, false
	}
	scope.TerminalID, scope.MergeTarget = c.TerminalID, ""
	if scope.Operation == mkpf.PresenceMerge {
		scope.MergeTarget = c.IssuerID
	}
	if err := s.verifyPresence(ref, scope); err != nil {
		s.Count(c.TerminalID, "points.presence."+codeOf(err))
		s.WriteError(w, r, err)
		return nil, false
	}
	g.proved = true
	return g, true
}

// verifyPresence checks ref's proof: a challenge issued for scope (its MAC), unexpired and unused, signed with the
// scope by the key of ref's certificate.
func (s *Server) verifyPresence(ref mkpf.PatronRef, scope mkpf.PresenceScope) error {
	if ref.ShopCard != "" {
		return errPresenceShop
	}
	if ref.Presence == nil {
		return errPresenceNeeded
	}
	nonce, exp, ok := s.checkChallenge(cardChallengeSlot(scope), ref.Presence.Challenge)
	if !ok {
		return errPresenceBad
	}
	cert, err := x509.ParseCertificate(ref.AuthCert)
	if err != nil {
		return errPresenceBad
	}
	d := sha256.Sum256(mkpf.PresenceSignedBytes(scope, ref.Presence.Challenge))
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, d[:], ref.Presence.Signature) != nil {
			return errPresenceBad
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, d[:], ref.Presence.Signature) {
			return errPresenceBad
		}
	default:
		return errPresenceBad
	}
	if fresh, err := s.useChallenge(nonce, exp); err != nil {
		return err
	} else if !fresh {
		return errPresenceBad
	}
	return nil
}
