package platform

// The identity rows: who a certificate belongs to and what the platform knows about them (issuers, patrons and their
// MyKey IDs, certificate serials, service IDs with their card numbers, card validity, revocations, address-change
// notices), behind one interface in the identity domain's words (identityRows), with two implementations. On bbolt
// (boltIdentity) they are the buckets they always were. On PostgreSQL (pgIdentity, identity_rows_pg.go) they are
// typed tables with keys, foreign keys and constraints (a card number once per issuer, a serial and a service ID
// only for a patron that exists, a service ID only at an issuer that exists), made by migration 4.
//
// What stays in buckets on both stores: the J-LIS renewal feeds (renewals, sign_renewals), read only when a
// certificate's serial is not known yet, and the records of other areas keyed by MyKey ID (利用者マイページ, notices,
// retired IDs, grant rosters).

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// holderView is what a lookup (screens 25-26) and a point movement read about a certificate's holder at an issuer.
type holderView struct {
	revoked bool
	mykeyID string       // "" when the serial is not known (or its patron is gone)
	issuer  *mkpf.Issuer // nil when issuerID is "" or not an issuer
	service *serviceRec  // the patron's service ID at the issuer; nil when none
	// status is the card validity status of the service ID's card number ("" when valid or no service ID).
	status string
	// addressChanged: the service ID asked for address notices and J-LIS sent one for its signing certificate.
	addressChanged bool
}

// identityRows is the store of the identity records inside one transaction.
type identityRows interface {
	// holder reads, at once, what a lookup or a point movement needs about the holder of the certificate serial
	// at issuerID (one statement on PostgreSQL).
	holder(serial, issuerID string) (holderView, error)

	// issuer is the issuer with that ID, nil when none.
	issuer(id string) (*mkpf.Issuer, error)
	// putIssuer adds or replaces an issuer.
	putIssuer(is *mkpf.Issuer) error
	// issuers lists every issuer in ID order.
	issuers() ([]mkpf.Issuer, error)

	// patron is the patron of a MyKey ID, nil when none.
	patron(mykeyID string) (*patronRec, error)
	// hasPatron reports whether the MyKey ID is a patron's now.
	hasPatron(mykeyID string) (bool, error)
	// putPatron adds or replaces a patron.
	putPatron(p *patronRec) error
	// serialOwner is the MyKey ID of a user-authentication certificate serial, "" when none.
	serialOwner(serial string) (string, error)
	// putSerial links a serial to a patron's MyKey ID.
	putSerial(serial, mykeyID string) error

	// service is the patron's service ID at an issuer, nil when none.
	service(mykeyID, issuerID string) (*serviceRec, error)
	// services lists the patron's service IDs in issuer ID order.
	services(mykeyID string) ([]serviceRec, error)
	// putService adds or replaces the patron's service ID at rec.IssuerID; its card number is then the patron's
	// at that issuer (and a card number replaced is free again). A card number is one patron's per issuer.
	putService(mykeyID string, rec *serviceRec) error
	// cardOwner is the MyKey ID whose service ID at the issuer has the card number, "" when none.
	cardOwner(issuerID, number string) (string, error)

	// replaceCardValidity replaces an issuer's card validity list (card number → record; valid cards absent).
	replaceCardValidity(issuerID string, recs map[string]validityRec) error
	// revoked reports whether a certificate serial is on the revocation list.
	revoked(serial string) (bool, error)
	// putRevoked puts a certificate serial on the revocation list.
	putRevoked(serial string, rec revokedRec) error
	// putAddressNotice records J-LIS's address-change notice for a signing-certificate serial.
	putAddressNotice(signSerial string, rec addrNoticeRec) error

	// moveMyKeyID gives the patron of old, its serials and service IDs (with their card numbers) to MyKey ID nu,
	// and old is no patron's any more (screen 62).
	moveMyKeyID(old, nu string) error
	// dropPatron removes a patron with its serials and service IDs (a revoked MyKey ID).
	dropPatron(mykeyID string) error

	// counts is how many issuers, patrons and service IDs there are (admin stats).
	counts() (issuers, patrons, services int, err error)
}

// identityOf is the identity records of tx's store.
func identityOf(tx kv.Tx) identityRows {
	if r, ok := kv.RowsOf(tx); ok {
		return pgIdentity{r}
	}
	return boltIdentity{tx}
}

// boltIdentity keeps the identity records in buckets: bIssuers, bPatrons, bSerials, bServiceIDs with the index
// bCardNumbers, bCardValidity, bRevoked, bAddrNotices.
type boltIdentity struct{ tx kv.Tx }

func (b boltIdentity) holder(serial, issuerID string) (holderView, error) {
	var h holderView
	tx := b.tx
	h.revoked = tx.Bucket(bRevoked).Get([]byte(serial)) != nil
	if id := tx.Bucket(bSerials).Get([]byte(serial)); id != nil && tx.Bucket(bPatrons).Get(id) != nil {
		h.mykeyID = string(id)
	}
	if issuerID == "" {
		return h, nil
	}
	is, err := b.issuer(issuerID)
	if err != nil {
		return h, err
	}
	h.issuer = is
	if h.mykeyID == "" {
		return h, nil
	}
	// Read as a serviceView: the lookup needs no registration time, and parsing it is a share of a bbolt lookup.
	var sv serviceView
	if ok, err := kv.GetJSON(tx.Bucket(bServiceIDs), h.mykeyID+"/"+issuerID, &sv); err != nil || !ok {
		return h, err
	}
	h.service = &serviceRec{IssuerID: issuerID, CardNumber: sv.CardNumber, AddressNotice: sv.AddressNotice, SignSerial: sv.SignSerial}
	var v validityRec
	if ok, err := kv.GetJSON(tx.Bucket(bCardValidity), issuerID+"/"+h.service.CardNumber, &v); err != nil {
		return h, err // an unreadable validity record never reads as valid
	} else if ok && v.Status != CardValid {
		h.status = v.Status
	}
	if sr := h.service; sr.AddressNotice && sr.SignSerial != "" {
		h.addressChanged = tx.Bucket(bAddrNotices).Get([]byte(sr.SignSerial)) != nil
	}
	return h, nil
}

func (b boltIdentity) issuer(id string) (*mkpf.Issuer, error) {
	is, ok, err := issuerCache.get(b.tx.Bucket(bIssuers), id, nil) // recordcache.go
	if err != nil || !ok {
		return nil, err
	}
	return &is, nil
}

func (b boltIdentity) putIssuer(is *mkpf.Issuer) error {
	return kv.PutJSON(b.tx.Bucket(bIssuers), is.ID, is)
}

func (b boltIdentity) issuers() ([]mkpf.Issuer, error) {
	var out []mkpf.Issuer
	err := b.tx.Bucket(bIssuers).ForEach(func(k, v []byte) error {
		var is mkpf.Issuer
		if err := json.Unmarshal(v, &is); err != nil {
			return err
		}
		out = append(out, is)
		return nil
	})
	return out, err
}

func (b boltIdentity) patron(mykeyID string) (*patronRec, error) {
	var p patronRec
	ok, err := kv.GetJSON(b.tx.Bucket(bPatrons), mykeyID, &p)
	if err != nil || !ok {
		return nil, err
	}
	return &p, nil
}

func (b boltIdentity) hasPatron(mykeyID string) (bool, error) {
	return b.tx.Bucket(bPatrons).Get([]byte(mykeyID)) != nil, nil
}

// The times of the identity records are kept as PostgreSQL keeps them (moveTime: UTC, to the microsecond), so a
// store copied either way holds the same records.
func (b boltIdentity) putPatron(p *patronRec) error {
	p.NotAfter, p.CreatedAt = moveTime(p.NotAfter), moveTime(p.CreatedAt)
	return kv.PutJSON(b.tx.Bucket(bPatrons), p.MyKeyID, p)
}

func (b boltIdentity) serialOwner(serial string) (string, error) {
	return string(b.tx.Bucket(bSerials).Get([]byte(serial))), nil
}

func (b boltIdentity) putSerial(serial, mykeyID string) error {
	if b.tx.Bucket(bPatrons).Get([]byte(mykeyID)) == nil {
		return errors.New("platform: a serial for a MyKey ID that is no patron's")
	}
	return b.tx.Bucket(bSerials).Put([]byte(serial), []byte(mykeyID))
}

func (b boltIdentity) service(mykeyID, issuerID string) (*serviceRec, error) {
	var sr serviceRec
	ok, err := kv.GetJSON(b.tx.Bucket(bServiceIDs), mykeyID+"/"+issuerID, &sr)
	if err != nil || !ok {
		return nil, err
	}
	if sr.IssuerID == "" {
		sr.IssuerID = issuerID
	}
	return &sr, nil
}

func (b boltIdentity) services(mykeyID string) ([]serviceRec, error) {
	var out []serviceRec
	prefix := mykeyID + "/"
	c := b.tx.Bucket(bServiceIDs).Cursor()
	for k, v := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, v = c.Next() {
		var sr serviceRec
		if err := json.Unmarshal(v, &sr); err != nil {
			return nil, err
		}
		out = append(out, sr)
	}
	return out, nil
}

// putService keeps the bucket's rules the tables' constraints keep on PostgreSQL: the patron and the issuer exist,
// and the card number is no other patron's at the issuer.
func (b boltIdentity) putService(mykeyID string, rec *serviceRec) error {
	tx := b.tx
	if tx.Bucket(bPatrons).Get([]byte(mykeyID)) == nil {
		return errors.New("platform: a service ID for a MyKey ID that is no patron's")
	}
	if tx.Bucket(bIssuers).Get([]byte(rec.IssuerID)) == nil {
		return errors.New("platform: a service ID at an issuer that does not exist")
	}
	if ValidateCardNumber(rec.CardNumber) != nil {
		return errors.New("platform: a service ID with a card number that is not valid")
	}
	cards := tx.Bucket(bCardNumbers)
	if owner := cards.Get([]byte(rec.IssuerID + "/" + rec.CardNumber)); owner != nil && string(owner) != mykeyID {
		return errNumberTaken
	}
	prev, err := b.service(mykeyID, rec.IssuerID)
	if err != nil {
		return err
	}
	if prev != nil && prev.CardNumber != rec.CardNumber {
		if err := cards.Delete([]byte(rec.IssuerID + "/" + prev.CardNumber)); err != nil {
			return err
		}
	}
	rec.RegisteredAt = moveTime(rec.RegisteredAt)
	if err := kv.PutJSON(tx.Bucket(bServiceIDs), mykeyID+"/"+rec.IssuerID, rec); err != nil {
		return err
	}
	return cards.Put([]byte(rec.IssuerID+"/"+rec.CardNumber), []byte(mykeyID))
}

func (b boltIdentity) cardOwner(issuerID, number string) (string, error) {
	return string(b.tx.Bucket(bCardNumbers).Get([]byte(issuerID + "/" + number))), nil
}

func (b boltIdentity) replaceCardValidity(issuerID string, recs map[string]validityRec) error {
	bk := b.tx.Bucket(bCardValidity)
	prefix := []byte(issuerID + "/")
	var old [][]byte
	c := bk.Cursor()
	for k, _ := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, _ = c.Next() {
		old = append(old, append([]byte(nil), k...))
	}
	for _, k := range old {
		if err := bk.Delete(k); err != nil {
			return err
		}
	}
	nums := make([]string, 0, len(recs))
	for n := range recs {
		nums = append(nums, n)
	}
	sort.Strings(nums)
	for _, n := range nums {
		v := recs[n]
		v.Since = moveTime(v.Since)
		if err := kv.PutJSON(bk, issuerID+"/"+n, v); err != nil {
			return err
		}
	}
	return nil
}

func (b boltIdentity) revoked(serial string) (bool, error) {
	return b.tx.Bucket(bRevoked).Get([]byte(serial)) != nil, nil
}

func (b boltIdentity) putRevoked(serial string, rec revokedRec) error {
	rec.At = moveTime(rec.At)
	return kv.PutJSON(b.tx.Bucket(bRevoked), serial, rec)
}

func (b boltIdentity) putAddressNotice(signSerial string, rec addrNoticeRec) error {
	rec.At = moveTime(rec.At)
	return kv.PutJSON(b.tx.Bucket(bAddrNotices), signSerial, rec)
}

func (b boltIdentity) moveMyKeyID(old, nu string) error {
	tx := b.tx
	p, err := b.patron(old)
	if err != nil {
		return err
	}
	if p == nil {
		return errors.New("platform: the MyKey ID to change is no patron's")
	}
	p.MyKeyID = nu
	if err := b.putPatron(p); err != nil {
		return err
	}
	prefixed := func(k string) (string, bool) {
		if rest, ok := strings.CutPrefix(k, old+"/"); ok {
			return nu + "/" + rest, true
		}
		return "", false
	}
	for _, step := range []error{
		replaceValues(tx.Bucket(bSerials), old, nu),
		kv.RenameKeys(tx.Bucket(bServiceIDs), prefixed),
		replaceValues(tx.Bucket(bCardNumbers), old, nu),
	} {
		if step != nil {
			return step
		}
	}
	return tx.Bucket(bPatrons).Delete([]byte(old))
}

func (b boltIdentity) dropPatron(id string) error {
	tx := b.tx
	var gone [][]byte
	if err := tx.Bucket(bSerials).ForEach(func(k, v []byte) error {
		if string(v) == id {
			gone = append(gone, append([]byte(nil), k...))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range gone {
		if err := tx.Bucket(bSerials).Delete(k); err != nil {
			return err
		}
	}
	svcs, err := b.services(id)
	if err != nil {
		return err
	}
	for _, sr := range svcs {
		if err := tx.Bucket(bServiceIDs).Delete([]byte(id + "/" + sr.IssuerID)); err != nil {
			return err
		}
		k := []byte(sr.IssuerID + "/" + sr.CardNumber)
		if owner := tx.Bucket(bCardNumbers).Get(k); string(owner) == id {
			if err := tx.Bucket(bCardNumbers).Delete(k); err != nil {
				return err
			}
		}
	}
	return tx.Bucket(bPatrons).Delete([]byte(id))
}

func (b boltIdentity) counts() (int, int, int, error) {
	return b.tx.Bucket(bIssuers).Stats().KeyN, b.tx.Bucket(bPatrons).Stats().KeyN, b.tx.Bucket(bServiceIDs).Stats().KeyN, nil
}

// getIssuer is the issuer with that ID, nil when none.
func getIssuer(tx kv.Tx, id string) (*mkpf.Issuer, error) { return identityOf(tx).issuer(id) }

// patronExists reports whether the MyKey ID is a patron's now.
func patronExists(tx kv.Tx, mykeyID string) (bool, error) { return identityOf(tx).hasPatron(mykeyID) }
