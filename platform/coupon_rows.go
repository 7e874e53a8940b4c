package platform

// The coupon codes of partner companies (coupons.go) behind one interface in their words (couponRows), like the
// point vouchers (voucher_rows.go). On bbolt the buckets bCoupons and bPartners; on PostgreSQL the tables
// coupon_partner and coupon (migration 5), a coupon's partner a foreign key, its points positive, and a code used
// once by a conditional UPDATE (coupon_rows_pg.go).

import (
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// couponRows is the store of the coupon codes inside one transaction.
type couponRows interface {
	// ensurePartner registers a partner company by name unless it is known.
	ensurePartner(name string, at time.Time) error
	// addCoupons stores new codes (by key, couponKey) of a partner; it returns the keys that were taken already
	// (stored nothing for them: the caller draws new codes).
	addCoupons(keys []string, partner string, points int64, at time.Time) (taken map[string]bool, err error)
	// coupon is the code of a key, nil when none.
	coupon(key string) (*couponRec, error)
	// useCoupon marks the unused code used by the MyKey ID at at; false (and nothing changed) when it is used.
	useCoupon(key, by string, at time.Time) (bool, error)
}

// couponsOf is the coupon codes of tx's store.
func couponsOf(tx kv.Tx) couponRows {
	if r, ok := kv.RowsOf(tx); ok {
		return pgCoupons{r}
	}
	return boltCoupons{tx}
}

type boltCoupons struct{ tx kv.Tx }

func (b boltCoupons) ensurePartner(name string, at time.Time) error {
	if b.tx.Bucket(bPartners).Get([]byte(name)) != nil {
		return nil
	}
	return kv.PutJSON(b.tx.Bucket(bPartners), name, partnerRec{Name: name, CreatedAt: moveTime(at)})
}

func (b boltCoupons) addCoupons(keys []string, partner string, points int64, at time.Time) (map[string]bool, error) {
	taken := map[string]bool{}
	for _, k := range keys {
		if b.tx.Bucket(bCoupons).Get([]byte(k)) != nil {
			taken[k] = true
			continue
		}
		if err := kv.PutJSON(b.tx.Bucket(bCoupons), k, couponRec{Partner: partner, Points: points, IssuedAt: moveTime(at)}); err != nil {
			return nil, err
		}
	}
	return taken, nil
}

func (b boltCoupons) coupon(key string) (*couponRec, error) {
	var cp couponRec
	ok, err := kv.GetJSON(b.tx.Bucket(bCoupons), key, &cp)
	if err != nil || !ok {
		return nil, err
	}
	return &cp, nil
}

func (b boltCoupons) useCoupon(key, by string, at time.Time) (bool, error) {
	cp, err := b.coupon(key)
	if err != nil || cp == nil || cp.UsedBy != "" {
		return false, err
	}
	cp.UsedBy, cp.UsedAt = by, moveTime(at)
	return true, kv.PutJSON(b.tx.Bucket(bCoupons), key, cp)
}
