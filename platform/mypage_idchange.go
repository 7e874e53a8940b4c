package platform

// Screen 62 マイキーIDの変更 (seed 004 §I.6; docs/patron-desk.md): with the logged-in patron's own card, the MyKey ID
// becomes a new one (the same candidate rules as screen 16). Everything that is the patron's follows it in one
// transaction: the certificate serials, the service IDs and their card numbers, 利用者マイページ and the notices, the
// point balances (a pair of ledger movements "mykey_change" per balance, so the ledger replays to the same balances),
// the expiring lots, the vouchers, the grant rosters. The old ID is retired: never given again.

import (
	"net/http"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/ledger"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// MoveMyKeyChange is the ledger movement of a balance following its holder's new MyKey ID (out of the old, into the
// new: the two deltas sum to zero).
const MoveMyKeyChange = "mykey_change"

func (s *Server) handleMyKeyChange(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.MyKeyChangeRequest
	if _, ok := s.readRequest(w, r, &req, 0); !ok {
		return
	}
	if mkpf.ValidateMyKeyID(req.NewID) != nil {
		s.WriteError(w, r, candidateField(msgCandidateFormat))
		return
	}
	if !s.cardSignedChange(w, r, c, req.Session, mkpf.MyKeyOpChange, req.Card, func(tx kv.Tx, old string, now time.Time) error {
		if used, err := myKeyIDUsed(tx, req.NewID); err != nil {
			return err
		} else if used {
			return errMyKeyIDTaken
		}
		if err := moveMyKeyID(tx, old, req.NewID, now); err != nil {
			return err
		}
		body := mailOpening + "\n\nマイキーIDを変更しました。サービスIDとポイントは新しいマイキーIDに引き継がれています。\n\n" +
			"　変更日：" + now.In(jst).Format("2006年1月2日") + "\n" +
			"\n心当たりのない場合は、お住まいの自治体の窓口にお問い合わせください。" + mailFooter
		return queueNotice(tx, now, req.NewID, NoticeMyKeyID, "【マイキープラットフォーム】マイキーID変更のお知らせ", body)
	}) {
		return
	}
	s.Count(c.TerminalID, "mykey.change.ok")
	s.kickMailer()
	WriteJSON(w, http.StatusOK, mkpf.MyKeyCreateResult{MyKeyID: req.NewID, CreatedAt: s.now().UTC()})
}

// replaceValues sets every value of b equal to from to to.
func replaceValues(b kv.Bucket, from, to string) error {
	var keys [][]byte
	if err := b.ForEach(func(k, v []byte) error {
		if string(v) == from {
			keys = append(keys, append([]byte(nil), k...))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range keys {
		if err := b.Put(k, []byte(to)); err != nil {
			return err
		}
	}
	return nil
}

func moveMyKeyID(tx kv.Tx, old, nu string, now time.Time) error {
	if err := identityOf(tx).moveMyKeyID(old, nu); err != nil {
		return err
	}
	suffixed := func(k string) (string, bool) {
		if head, ok := strings.CutSuffix(k, "/"+old); ok {
			return head + "/" + nu, true
		}
		return "", false
	}
	for _, step := range []error{
		ledger.Of(tx).MoveLots(old, nu),
		kv.RenameKeys(tx.Bucket(bGrMembers), suffixed),
		kv.RenameKeys(tx.Bucket(bGrDone), suffixed),
		replaceValues(tx.Bucket(bGrSyncMap), old, nu),
	} {
		if step != nil {
			return step
		}
	}
	for _, b := range [][]byte{bMyPage, bNotices} {
		if v := tx.Bucket(b).Get([]byte(old)); v != nil {
			if err := tx.Bucket(b).Put([]byte(nu), append([]byte(nil), v...)); err != nil {
				return err
			}
			if err := tx.Bucket(b).Delete([]byte(old)); err != nil {
				return err
			}
		}
	}
	// Balances: each moves with a pair of ledger entries, so the log still replays to the balances.
	rows := ledger.Of(tx)
	held, err := rows.HeldBalances(old)
	if err != nil {
		return err
	}
	for _, h := range held {
		prog, n := h.ProgramID, h.Points
		if _, err := rows.ChangeBalance(old, prog, -n); err != nil {
			return err
		}
		if err := rows.DropBalance(old, prog); err != nil {
			return err
		}
		if _, err := rows.ChangeBalance(nu, prog, n); err != nil {
			return err
		}
		if n == 0 {
			continue
		}
		for _, mv := range []*pointMove{
			{At: now, Kind: MoveMyKeyChange, MyKeyID: old, ProgramID: prog, Points: n, Delta: -n, Note: "マイキーIDの変更"},
			{At: now, Kind: MoveMyKeyChange, MyKeyID: nu, ProgramID: prog, Points: n, Delta: n, Note: "マイキーIDの変更"},
		} {
			if err := rows.AppendMove(mv); err != nil {
				return err
			}
		}
	}
	// Vouchers not yet cleared lapse back to their holder: to the new ID.
	if err := vouchersOf(tx).moveVouchers(old, nu); err != nil {
		return err
	}
	return kv.PutJSON(tx.Bucket(bRetired), old, retiredRec{At: now})
}
