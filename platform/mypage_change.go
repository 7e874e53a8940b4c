package platform

// 利用者マイページ's changes (seed 004 §I.6, screens 59-61 利用者情報の変更 and 63 マイキーIDの失効; docs/patron-desk.md).

import (
	"net/http"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

var errNotYourCard = Errf(http.StatusForbidden, mkpf.CodeNotYourCard, "セットされたマイナンバーカードは、ログインしているマイキーIDのカードではありません。ご本人のカードをセットしてください。")

func (s *Server) myPageChangeRoutes(mux *http.ServeMux) {
	desk := mkpf.KindPatronDesk
	mux.Handle("POST /v1/mykey/update", s.Authed(s.handleMyPageUpdate, desk))
	mux.Handle("POST /v1/mykey/revoke", s.Authed(s.handleMyKeyRevoke, desk))
	mux.Handle("POST /v1/mykey/change", s.Authed(s.handleMyKeyChange, desk)) // 62 (mypage_idchange.go)
	s.couponRoutes(mux)                                                      // 20-21 (coupons.go)
}

// handleMyPageUpdate is screens 59-61 [変更]: the e-mail, notices, base municipality and, when given, the password.
// A changed password sends the "password changed" notice when chosen (to the address as it is after the change).
func (s *Server) handleMyPageUpdate(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.MyPageUpdateRequest
	if _, ok := s.readRequest(w, r, &req, 0); !ok {
		return
	}
	req.BaseMunicipality = strings.TrimSpace(req.BaseMunicipality)
	hash := ""
	if req.NewPassword != "" {
		if msg := ValidateMyPagePassword(req.NewPassword); msg != "" {
			s.WriteError(w, r, &mkpf.APIError{Status: http.StatusBadRequest, Code: mkpf.CodeValidation, Message: msg,
				Fields: []mkpf.FieldError{{Field: "password", Message: msg}}})
			return
		}
		release, err := s.hashSlot(r.Context())
		if err != nil {
			s.WriteError(w, r, err)
			return
		}
		hash = s.HashPassword(req.NewPassword)
		release()
	}
	var page *mkpf.MyPage
	err := s.db.UpdateContext(r.Context(), func(tx kv.Tx) error {
		id, err := s.myPageSession(tx, c, req.Session)
		if err != nil {
			return err
		}
		prefs, ae := checkMyPageSettings(tx, req.Email, req.Notices, req.BaseMunicipality)
		if ae != nil {
			return ae
		}
		var rec myPageRec
		if _, err := kv.GetJSON(tx.Bucket(bMyPage), id, &rec); err != nil {
			return err
		}
		now := s.now().UTC()
		rec.BaseMunicipality, rec.UpdatedAt = req.BaseMunicipality, now
		if hash != "" {
			rec.PasswordHash = hash
		}
		if err := kv.PutJSON(tx.Bucket(bMyPage), id, rec); err != nil {
			return err
		}
		if prefs.Email == "" {
			err = tx.Bucket(bNotices).Delete([]byte(id))
		} else {
			err = kv.PutJSON(tx.Bucket(bNotices), id, prefs)
		}
		if err != nil {
			return err
		}
		if hash != "" {
			body := mailOpening + "\n\n利用者マイページのログイン用パスワードを変更しました。\n\n" +
				"　変更日：" + now.In(jst).Format("2006年1月2日") + "\n" +
				"\n心当たりのない場合は、お住まいの自治体の窓口にお問い合わせください。" + mailFooter
			if err := queueNotice(tx, now, id, NoticePassword, "【マイキープラットフォーム】パスワード変更のお知らせ", body); err != nil {
				return err
			}
		}
		page, err = myPage(tx, id)
		return err
	})
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	s.kickMailer()
	WriteJSON(w, http.StatusOK, page)
}

// handleMyKeyRevoke is screen 63 [失効]: with the logged-in patron's own card (signed now for "revoke"), the MyKey ID
// is revoked for good: it never comes back (bRetired), the card's certificate no longer resolves to it (so it can
// make a new one), its service IDs are removed (a library lookup then says the card has no MyKey ID), its
// 利用者マイページ ends. The "revoked" notice goes out when chosen. Its point balances stay in the ledger under the
// retired ID (nothing is spendable without a certificate that resolves to it).
func (s *Server) handleMyKeyRevoke(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.MyKeyRevokeRequest
	if _, ok := s.readRequest(w, r, &req, 0); !ok {
		return
	}
	if !s.cardSignedChange(w, r, c, req.Session, mkpf.MyKeyOpRevoke, req.Card, func(tx kv.Tx, id string, now time.Time) error {
		body := mailOpening + "\n\nマイキーIDを失効しました。失効したマイキーIDは元に戻せません。\n\n" +
			"　失効日：" + now.In(jst).Format("2006年1月2日") + "\n" +
			"\n心当たりのない場合は、お住まいの自治体の窓口にお問い合わせください。" + mailFooter
		if err := queueNotice(tx, now, id, NoticeMyKeyID, "【マイキープラットフォーム】マイキーID失効のお知らせ", body); err != nil {
			return err
		}
		return retireMyKeyID(tx, id, now)
	}) {
		return
	}
	s.Count(c.TerminalID, "mykey.revoke.ok")
	s.kickMailer()
	WriteJSON(w, http.StatusOK, struct{}{})
}

// retireMyKeyID removes a MyKey ID's identity records (patron, serials, service IDs and their card numbers,
// 利用者マイページ, notices) and marks it used for good.
func retireMyKeyID(tx kv.Tx, id string, now time.Time) error {
	if err := identityOf(tx).dropPatron(id); err != nil {
		return err
	}
	for _, b := range [][]byte{bMyPage, bNotices} {
		if err := tx.Bucket(b).Delete([]byte(id)); err != nil {
			return err
		}
	}
	return kv.PutJSON(tx.Bucket(bRetired), id, retiredRec{At: now})
}
