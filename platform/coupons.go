package platform

// Coupon codes (クーポンコード利用, seed 004 §I.6, screens 20-21; docs/patron-desk.md): a partner company (地域経済応援
// ポイント協力会社) hands its customers codes; the patron enters one on 利用者マイページ and its points are credited once
// to 留保ポイント (the reserved program of the patron's 基本自治体ポイント口座's municipality). Codes are issued by the
// admin (`mkpf-server admin coupon issue --partner NAME --points N --count K`, a CSV for the partner); the store keeps
// only a hash of each code, so a copy of the store yields no usable code. Unknown codes count against the desk like
// unknown voucher numbers (VoucherLookupLimit per VoucherLookupWindow), reserved before the lookup.

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/httpapi"
	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

var (
	bCoupons  = []byte("mk_coupons")  // sha256(code) hex → couponRec
	bPartners = []byte("mk_partners") // partner name → partnerRec
)

type couponRec struct {
	Partner  string    `json:"partner"`
	Points   int64     `json:"points"`
	IssuedAt time.Time `json:"issued_at"`
	UsedBy   string    `json:"used_by,omitempty"`
	UsedAt   time.Time `json:"used_at,omitzero"`
}

type partnerRec struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// couponAlphabet has no 0/O, 1/I/L: codes are read off paper.
const couponAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

var (
	errCouponUnknown = Errf(http.StatusNotFound, mkpf.CodeCouponUnknown, "このクーポンコードは見つかりません。コードを確かめて入力し直してください。")
	errCouponUsed    = Errf(http.StatusConflict, mkpf.CodeCouponUsed, "このクーポンコードは既に利用されています。")
	errNoBase        = Errf(http.StatusConflict, mkpf.CodeNoBase, "クーポンコードのポイントは留保ポイントとして基本自治体ポイント口座の自治体に入ります。先に「利用者情報の変更」で基本自治体ポイント口座を設定してください。")
)

// normalizeCoupon is a typed code as stored: upper case, no spaces or hyphens.
func normalizeCoupon(code string) string {
	r := strings.NewReplacer("-", "", " ", "", "　", "", "ー", "")
	return strings.ToUpper(r.Replace(strings.TrimSpace(code)))
}

func couponKey(code string) string {
	h := sha256.Sum256([]byte("mkpf-coupon-v1\x00" + normalizeCoupon(code)))
	return hex.EncodeToString(h[:])
}

// IssueCoupons makes count codes of points each for a partner company (registered on first use of its name) and
// returns them (the only time they exist in clear).
func (s *Server) IssueCoupons(partner string, points int64, count int) ([]string, error) {
	partner = strings.TrimSpace(partner)
	if partner == "" || httpapi.HasBadText(partner) || len([]rune(partner)) > 100 {
		return nil, errors.New("partner: a name of 1-100 characters without control characters")
	}
	if points <= 0 || points > 1000000 {
		return nil, errors.New("points: 1..1000000")
	}
	if count < 1 || count > 100000 {
		return nil, errors.New("count: 1..100000")
	}
	var codes []string
	err := s.db.Update(func(tx kv.Tx) error {
		for _, b := range [][]byte{bCoupons, bPartners} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		now := s.now().UTC()
		cr := couponsOf(tx) // coupon_rows.go
		if err := cr.ensurePartner(partner, now); err != nil {
			return err
		}
		codes = codes[:0]
		for len(codes) < count {
			// The codes still needed, drawn together and stored together; a code whose key is taken is drawn again.
			byKey := map[string]string{}
			var keys []string
			for len(keys) < count-len(codes) {
				raw := randomString(couponAlphabet, 16)
				code := raw[0:4] + "-" + raw[4:8] + "-" + raw[8:12] + "-" + raw[12:16]
				if k := couponKey(code); byKey[k] == "" {
					byKey[k] = code
					keys = append(keys, k)
				}
			}
			taken, err := cr.addCoupons(keys, partner, points, now)
			if err != nil {
				return err
			}
			for _, k := range keys {
				if !taken[k] {
					codes = append(codes, byKey[k])
				}
			}
		}
		return nil
	})
	return codes, err
}

// WriteCouponCSV writes the codes for the partner company (UTF-8 with BOM, CRLF).
func WriteCouponCSV(w io.Writer, partner string, points int64, codes []string) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cw.Write(mkpf.InertCSVRow([]string{"協力会社", "クーポンコード", "ポイント"}))
	for _, c := range codes {
		cw.Write(mkpf.InertCSVRow([]string{partner, c, fmt.Sprint(points)}))
	}
	cw.Flush()
	return cw.Error()
}

func (s *Server) couponRoutes(mux *http.ServeMux) {
	if err := s.db.Update(func(tx kv.Tx) error {
		for _, b := range [][]byte{bCoupons, bPartners} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		s.log.Error("coupon schema", "err", err) // each coupon request then fails with the store's error
	}
	desk := mkpf.KindPatronDesk
	mux.Handle("POST /v1/mykey/coupon/lookup", s.Authed(func(w http.ResponseWriter, r *http.Request) { s.handleCoupon(w, r, false) }, desk))
	mux.Handle("POST /v1/mykey/coupon/use", s.Authed(func(w http.ResponseWriter, r *http.Request) { s.handleCoupon(w, r, true) }, desk))
}

// reservedProgram is the 留保ポイント program of a municipality.
func reservedProgram(tx kv.Tx, municipality string) (*mkpf.Program, error) {
	var out *mkpf.Program
	err := tx.Bucket(bPtPrograms).ForEach(func(k, v []byte) error {
		var p mkpf.Program
		if json.Unmarshal(v, &p) == nil && out == nil && p.Kind == mkpf.PointReserved && p.MunicipalityCode == municipality {
			out = &p
		}
		return nil
	})
	return out, err
}

// handleCoupon is screen 20 → 21 (use false: what the code is worth) and 21 [利用] (use true: credited once).
func (s *Server) handleCoupon(w http.ResponseWriter, r *http.Request, use bool) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.CouponRequest
	if _, ok := s.readRequest(w, r, &req, 0); !ok {
		return
	}
	var myKeyID string
	if err := s.db.ViewContext(r.Context(), func(tx kv.Tx) (err error) { myKeyID, err = s.myPageSession(tx, c, req.Session); return err }); err != nil {
		s.WriteError(w, r, err)
		return
	}
	keys := []throttleKey{{key: "coupon/" + c.TerminalID, limit: VoucherLookupLimit, window: VoucherLookupWindow},
		{key: "coupon/id:" + myKeyID, limit: VoucherLookupLimit, window: VoucherLookupWindow}}
	if err := s.reserveAttempt(r.Context(), keys...); err != nil {
		s.Count(c.TerminalID, "coupon.throttled")
		s.WriteError(w, r, err)
		return
	}
	k := couponKey(req.Code)
	var res *mkpf.CouponResult
	known := false
	err := s.db.UpdateContext(r.Context(), func(tx kv.Tx) error {
		id, err := s.myPageSession(tx, c, req.Session)
		if err != nil {
			return err
		}
		cr := couponsOf(tx)
		cp, err := cr.coupon(k)
		if err != nil {
			return err
		} else if cp == nil || normalizeCoupon(req.Code) == "" {
			return errCouponUnknown
		}
		known = true
		if cp.UsedBy != "" {
			return errCouponUsed
		}
		var rec myPageRec
		if _, err := kv.GetJSON(tx.Bucket(bMyPage), id, &rec); err != nil {
			return err
		}
		p, err := reservedProgram(tx, rec.BaseMunicipality)
		if err != nil {
			return err
		}
		if rec.BaseMunicipality == "" || p == nil {
			return errNoBase
		}
		res = &mkpf.CouponResult{Partner: cp.Partner, Points: cp.Points, ProgramName: p.Name}
		if !use {
			return nil
		}
		now := s.now()
		_, bal, err := grant(tx, now, id, p.ID, cp.Points, "", "クーポンコード（"+cp.Partner+"）")
		if err != nil {
			return err
		}
		if err := addReservedLot(tx, now, id, p.ID, cp.Points); err != nil {
			return err
		}
		// Used once: on PostgreSQL a conditional UPDATE of an unused code (coupon_rows_pg.go).
		if ok, err := cr.useCoupon(k, id, now); err != nil {
			return err
		} else if !ok {
			return errCouponUsed
		}
		res.Used, res.BalanceAfter = true, bal
		return nil
	})
	if known {
		if rerr := s.refundAttempt(r.Context(), keys...); rerr != nil && err == nil {
			s.log.Error("coupon: refunding the guess count", "err", rerr) // the credit is in; the count only errs high
		}
	}
	if err != nil {
		s.Count(c.TerminalID, "coupon."+codeOf(err))
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, res)
}
