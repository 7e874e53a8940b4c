package platform

// 留保ポイント not moved within ReservedKeep go to the holder's 基本自治体ポイント口座 (seed 000 画面16's note on the base
// account; seed 004 §I.6): the daily maintenance moves each credit that has waited ReservedKeep, as a zero-sum pair of
// ledger movements (reserved_to_base: out of 留保ポイント, into the base municipality's 自治体ポイント, with an expiry
// lot when that program's points expire), and sends the holder a notice when they chose 付与 notices. A holder
// without a base account keeps the points reserved. The credits are tracked from the coupon codes (coupons.go), the
// way points reach 留保ポイント at the patron desk.

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/ledger"
)

// ReservedKeep is how long 留保ポイント wait before they move to the base account (about three weeks).
var ReservedKeep = 21 * 24 * time.Hour

// MoveReservedToBase is the move of a reserved credit to the base account in the ledger.
const MoveReservedToBase = "reserved_to_base"

var bReservedLots = []byte("mk_reserved_lots") // credited-at (8 bytes, Unix s) + "/" + MyKey ID + "/" + program → int64

func reservedLotKey(at time.Time, myKeyID, program string) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(at.Unix()))
	return append(b[:], []byte("/"+myKeyID+"/"+program)...)
}

// addReservedLot records a credit to 留保ポイント (in the crediting transaction).
func addReservedLot(tx kv.Tx, at time.Time, myKeyID, program string, points int64) error {
	b, err := tx.CreateBucketIfNotExists(bReservedLots)
	if err != nil {
		return err
	}
	k := reservedLotKey(at, myKeyID, program)
	return kv.PutInt(b, string(k), kv.GetInt(b, string(k))+points)
}

// MoveReservedToBase moves every reserved credit older than ReservedKeep to its holder's base account and returns the
// points moved. Idempotent: a moved credit's record is gone.
func (s *Server) MoveReservedToBase() (int64, error) {
	var moved int64
	now := s.now()
	err := s.db.Update(func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bReservedLots)
		if err != nil {
			return err
		}
		type lot struct {
			key      string
			id, prog string
			points   int64
		}
		var due []lot
		cutoff := uint64(now.Add(-ReservedKeep).Unix())
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(k) > 9 && binary.BigEndian.Uint64(k[:8]) <= cutoff; k, v = c.Next() {
			parts := strings.SplitN(string(k[9:]), "/", 2)
			if len(parts) == 2 && len(v) == 8 {
				due = append(due, lot{string(k), parts[0], parts[1], int64(binary.BigEndian.Uint64(v))})
			}
		}
		for _, l := range due {
			var rec myPageRec
			if _, err := kv.GetJSON(tx.Bucket(bMyPage), l.id, &rec); err != nil {
				return err
			}
			baseProg := ""
			if rec.BaseMunicipality != "" {
				baseProg, _ = municipalProgram(tx, rec.BaseMunicipality)
			}
			known, err := patronExists(tx, l.id)
			if err != nil {
				return err
			}
			if baseProg == "" || !known {
				continue // no base account (or the ID is gone): the points stay reserved
			}
			have, err := ledger.Of(tx).Balance(l.id, l.prog)
			if err != nil {
				return err
			}
			n := min(l.points, have)
			if err := b.Delete([]byte(l.key)); err != nil {
				return err
			}
			if n <= 0 {
				continue
			}
			if _, err := changeBalance(tx, l.id, l.prog, -n); err != nil {
				return err
			}
			if _, err := changeBalance(tx, l.id, baseProg, n); err != nil {
				return err
			}
			bp, err := getProgram(tx, baseProg)
			if err != nil || bp == nil {
				return fmt.Errorf("base program %s: %v", baseProg, err)
			}
			if bp.ExpiryMonths > 0 {
				if err := addLot(tx, l.id, bp, now, n); err != nil {
					return err
				}
			}
			for _, m := range []*pointMove{
				{At: now.UTC(), Kind: MoveReservedToBase, MyKeyID: l.id, ProgramID: l.prog, Points: n, Delta: -n},
				{At: now.UTC(), Kind: MoveReservedToBase, MyKeyID: l.id, ProgramID: baseProg, Points: n, Delta: n},
			} {
				if err := appendMove(tx, m); err != nil {
					return err
				}
			}
			moved += n
			muni := municipalityName(tx, bp.MunicipalityCode)
			body := mailOpening + "\n\n留保ポイントを基本自治体ポイント口座に移行しました。\n\n" +
				"　ポイント：" + bp.Name + "　" + groupDigits(n) + "ポイント\n" +
				"　移行日：" + now.In(jst).Format("2006年1月2日") + "\n" +
				"　有効期限：" + expiryText(bp, now) + mailFooter
			if err := queueNotice(tx, now, l.id, NoticeGrant, "【"+muni+"】留保ポイント移行のお知らせ", body); err != nil {
				return err
			}
		}
		return nil
	})
	if moved > 0 {
		s.kickMailer()
	}
	return moved, err
}

// moveReservedLogged is the daily maintenance's step (points_sweep.go).
func (s *Server) moveReservedLogged() {
	if n, err := s.MoveReservedToBase(); err != nil {
		s.log.Error("maintenance: reserved points to base accounts", "err", err)
	} else if n > 0 {
		s.log.Info("maintenance", "reserved_points_moved", n)
	}
}
