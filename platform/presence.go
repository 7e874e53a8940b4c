package platform

// Proof of card presence above a program's floor limit (mkpf/presence.go, docs/security.md).

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"net/http"

	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

var (
	errPresenceNeeded = Errf(http.StatusForbidden, mkpf.CodeCardPresenceRequired, "この金額ではマイナンバーカードの暗証番号（利用者証明用・4桁）の入力が必要です。利用者に暗証番号を入力してもらい、カードをもう一度読み取ってください。")
	errPresenceShop   = Errf(http.StatusForbidden, mkpf.CodeCardPresenceRequired, "この金額では商店街ポイントカードは使えません。マイナンバーカードを読み取り、利用者に暗証番号（4桁）を入力してもらってください。")
	errPresenceBad    = Errf(http.StatusForbidden, mkpf.CodeCardPresenceRequired, "カードの確認に失敗しました。カードを読み取り直し、利用者にもう一度暗証番号を入力してもらってください。")
)

// cardChallengeID is the terminal-ID slot of a card challenge (a device-auth challenge never passes as one).
func cardChallengeID(terminalID string) string { return "card-presence:" + terminalID }

// handleCardChallenge gives a terminal a one-use challenge for the patron's card to sign.
func (s *Server) handleCardChallenge(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	exp := s.now().Add(s.opts.ChallengeTTL * 3) // PIN entry takes the patron a moment
	ch, err := s.newChallenge(cardChallengeID(c.TerminalID), exp)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, mkpf.CardChallengeResult{Challenge: ch, ExpiresAt: exp.UTC()})
}

// SetFloorLimit sets a program's floor limit (0: no proof of card presence needed at any amount).
func (s *Server) SetFloorLimit(programID string, limit int64) error {
	if limit < 0 {
		return errors.New("points: the floor limit cannot be negative")
	}
	return s.db.Update(func(tx kv.Tx) error {
		p, err := getProgram(tx, programID)
		if err != nil {
			return err
		}
		if p == nil {
			return errors.New("points: program " + programID + " unknown")
		}
		p.FloorLimit = limit
		return putJSON(tx.Bucket(bPtPrograms), p.ID, p)
	})
}

// checkPresence answers for a money-moving request (use, voucher issue, merge) of points from programID: at or below
// the program's floor limit nothing more is needed; above it the request must carry a valid, unused card signature
// over this terminal's challenge by the key of the certificate it names. programID "" is the municipal program.
// When it returns false it has answered the request (an error, or the stored answer of a retry).
func (s *Server) checkPresence(w http.ResponseWriter, r *http.Request, c *Caller, raw []byte, ref mkpf.PatronRef, programID string, points int64) bool {
	var limit int64
	if err := s.db.View(func(tx kv.Tx) error {
		var err error
		if programID == "" {
			if programID, err = municipalProgram(tx, c.Municipality); err != nil {
				return err
			}
		}
		p, err := getProgram(tx, programID)
		if p != nil {
			limit = p.FloorLimit
		}
		return err
	}); err != nil {
		s.WriteError(w, r, err) // the limit is unknown: refused (fail closed)
		return false
	}
	if limit == 0 || points <= limit {
		return true
	}
	// A retry of an answered request (same idempotency key and body) gets its stored answer: its challenge is used.
	if s.Replay(w, r, c, raw) {
		return false
	}
	err := s.verifyPresence(c, ref)
	if err != nil {
		s.Count(c.TerminalID, "points.presence."+codeOf(err))
		s.WriteError(w, r, err)
		return false
	}
	return true
}

func (s *Server) verifyPresence(c *Caller, ref mkpf.PatronRef) error {
	if ref.ShopCard != "" {
		return errPresenceShop
	}
	if ref.Presence == nil {
		return errPresenceNeeded
	}
	nonce, exp, ok := s.checkChallenge(cardChallengeID(c.TerminalID), ref.Presence.Challenge)
	if !ok {
		return errPresenceBad
	}
	cert, err := x509.ParseCertificate(ref.AuthCert)
	if err != nil {
		return errPresenceBad
	}
	d := sha256.Sum256(mkpf.PresenceSignedBytes(c.TerminalID, ref.Presence.Challenge))
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
	if !s.useChallenge(nonce, exp) {
		return errPresenceBad
	}
	return nil
}
