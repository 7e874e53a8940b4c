package platform

// The identity records on PostgreSQL (identity_rows.go): typed tables made by migration 4
// (migrations/004_identity_rows.sql), one round trip per method. docs/deploy.md shows the tables as a database team
// reads them.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// identityFromBuckets moves the identity records a database made by the key/value layout holds in its buckets into
// the tables, then deletes those pairs (migration 4, and mkpf-server copy-store into PostgreSQL).
var identityFromBuckets = mustReadMigration("migrations/shared/identity_from_buckets.sql")

// pgIdentity is identityRows on PostgreSQL, in the transaction of r.
type pgIdentity struct{ r kv.Rows }

func (p pgIdentity) ctx() context.Context { return p.r.Ctx }

// holderSQL is the lookup as one statement: the serial's revocation, its patron, the issuer, the patron's service ID
// there, that card number's validity and the address notice of the service ID's signing certificate.
const holderSQL = `SELECT
		EXISTS (SELECT 1 FROM id_revoked WHERE serial = $1),
		COALESCE(s.mykey_id, ''),
		i.id IS NOT NULL, COALESCE(i.name, ''), COALESCE(i.municipality_code, ''), i.handoff, COALESCE(i.show_mykey_id, false),
		sv.card_number IS NOT NULL, COALESCE(sv.card_number, ''), COALESCE(sv.address_notice, false),
		COALESCE(sv.sign_serial, ''), COALESCE(sv.registered_at, 'epoch'),
		COALESCE(v.status, ''),
		EXISTS (SELECT 1 FROM id_address_notice a WHERE sv.address_notice AND a.sign_serial = sv.sign_serial)
	FROM (SELECT 1) one
	LEFT JOIN id_serial s ON s.serial = $1
	LEFT JOIN id_issuer i ON i.id = $2
	LEFT JOIN id_service sv ON sv.mykey_id = s.mykey_id AND sv.issuer_id = $2
	LEFT JOIN id_card_validity v ON v.issuer_id = $2 AND v.card_number = sv.card_number`

func (p pgIdentity) holder(serial, issuerID string) (holderView, error) {
	_, h, err := scanHolder(p.r.Tx.QueryRow(p.ctx(), holderSQL, serial, issuerID), false)
	if h.issuer != nil {
		h.issuer.ID = issuerID
	}
	if h.service != nil {
		h.service.IssuerID = issuerID
	}
	return h, err
}

// scanHolder scans holderSQL's columns, after a first column of raw bytes when first (lookupOneSQL's terminal
// record). The issuer's ID and the service ID's issuer are the caller's to set.
func scanHolder(row pgx.Row, first bool) (raw []byte, h holderView, err error) {
	var (
		hasIssuer, hasService bool
		is                    mkpf.Issuer
		handoff               []byte
		sr                    serviceRec
		status                string
	)
	dest := []any{&h.revoked, &h.mykeyID,
		&hasIssuer, &is.Name, &is.MunicipalityCode, &handoff, &is.ShowMyKeyID,
		&hasService, &sr.CardNumber, &sr.AddressNotice, &sr.SignSerial, &sr.RegisteredAt,
		&status, &h.addressChanged}
	if first {
		dest = append([]any{&raw}, dest...)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, h, err
	}
	if hasIssuer {
		if is.Handoff, err = decodeHandoff(handoff); err != nil {
			return nil, h, err
		}
		h.issuer = &is
	}
	if hasService {
		h.service = &sr
		if status != CardValid {
			h.status = status
		}
	}
	return raw, h, nil
}

// handoffCache keeps the decoded handoff settings of the issuers by their JSON (a handful of issuers, read by every
// lookup): the same bytes decode to the same settings, so a changed issuer is decoded afresh.
var handoffCache sync.Map // string(JSON) → mkpf.HandoffSettings

func decodeHandoff(raw []byte) (mkpf.HandoffSettings, error) {
	var h mkpf.HandoffSettings
	if len(raw) == 0 {
		return h, nil
	}
	if v, ok := handoffCache.Load(string(raw)); ok {
		return v.(mkpf.HandoffSettings), nil
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return h, err
	}
	if n := handoffCacheLen.Add(1); n > 256 { // never many: start over rather than grow
		handoffCache.Clear()
		handoffCacheLen.Store(0)
	}
	handoffCache.Store(string(bytes.Clone(raw)), h)
	return h, nil
}

var handoffCacheLen atomic.Int64

const issuerCols = `id, name, municipality_code, handoff, show_mykey_id`

func scanIssuer(row pgx.Row) (*mkpf.Issuer, error) {
	var is mkpf.Issuer
	var handoff []byte
	if err := row.Scan(&is.ID, &is.Name, &is.MunicipalityCode, &handoff, &is.ShowMyKeyID); err != nil {
		return nil, err
	}
	var err error
	is.Handoff, err = decodeHandoff(handoff)
	return &is, err
}

func (p pgIdentity) issuer(id string) (*mkpf.Issuer, error) {
	is, err := scanIssuer(p.r.Tx.QueryRow(p.ctx(), `SELECT `+issuerCols+` FROM id_issuer WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return is, err
}

func (p pgIdentity) putIssuer(is *mkpf.Issuer) error {
	handoff, err := json.Marshal(is.Handoff)
	if err != nil {
		return err
	}
	_, err = p.r.Tx.Exec(p.ctx(), `INSERT INTO id_issuer (`+issuerCols+`) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, municipality_code = EXCLUDED.municipality_code,
			handoff = EXCLUDED.handoff, show_mykey_id = EXCLUDED.show_mykey_id`,
		is.ID, is.Name, is.MunicipalityCode, string(handoff), is.ShowMyKeyID)
	return err
}

func (p pgIdentity) issuers() ([]mkpf.Issuer, error) {
	rows, err := p.r.Tx.Query(p.ctx(), `SELECT `+issuerCols+` FROM id_issuer ORDER BY id COLLATE "C"`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []mkpf.Issuer
	for rows.Next() {
		is, err := scanIssuer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *is)
	}
	return out, rows.Err()
}

func (p pgIdentity) patron(mykeyID string) (*patronRec, error) {
	pr := patronRec{MyKeyID: mykeyID}
	err := p.r.Tx.QueryRow(p.ctx(), `SELECT auth_serial, not_after, created_at FROM id_patron WHERE mykey_id = $1`, mykeyID).
		Scan(&pr.AuthSerial, &pr.NotAfter, &pr.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	pr.NotAfter, pr.CreatedAt = pr.NotAfter.UTC(), pr.CreatedAt.UTC()
	return &pr, nil
}

func (p pgIdentity) hasPatron(mykeyID string) (bool, error) {
	var ok bool
	err := p.r.Tx.QueryRow(p.ctx(), `SELECT EXISTS (SELECT 1 FROM id_patron WHERE mykey_id = $1)`, mykeyID).Scan(&ok)
	return ok, err
}

func (p pgIdentity) putPatron(pr *patronRec) error {
	_, err := p.r.Tx.Exec(p.ctx(), `INSERT INTO id_patron (mykey_id, auth_serial, not_after, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (mykey_id) DO UPDATE SET auth_serial = EXCLUDED.auth_serial, not_after = EXCLUDED.not_after`,
		pr.MyKeyID, pr.AuthSerial, pr.NotAfter.UTC(), pr.CreatedAt.UTC())
	return err
}

func (p pgIdentity) serialOwner(serial string) (string, error) {
	var id string
	err := p.r.Tx.QueryRow(p.ctx(), `SELECT mykey_id FROM id_serial WHERE serial = $1`, serial).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, err
}

func (p pgIdentity) putSerial(serial, mykeyID string) error {
	_, err := p.r.Tx.Exec(p.ctx(), `INSERT INTO id_serial (serial, mykey_id) VALUES ($1, $2)
		ON CONFLICT (serial) DO UPDATE SET mykey_id = EXCLUDED.mykey_id`, serial, mykeyID)
	return err
}

const serviceCols = `issuer_id, card_number, address_notice, COALESCE(sign_serial, ''), registered_at`

func scanService(row pgx.Row) (*serviceRec, error) {
	var sr serviceRec
	if err := row.Scan(&sr.IssuerID, &sr.CardNumber, &sr.AddressNotice, &sr.SignSerial, &sr.RegisteredAt); err != nil {
		return nil, err
	}
	sr.RegisteredAt = sr.RegisteredAt.UTC()
	return &sr, nil
}

func (p pgIdentity) service(mykeyID, issuerID string) (*serviceRec, error) {
	sr, err := scanService(p.r.Tx.QueryRow(p.ctx(), `SELECT `+serviceCols+` FROM id_service WHERE mykey_id = $1 AND issuer_id = $2`,
		mykeyID, issuerID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return sr, err
}

func (p pgIdentity) services(mykeyID string) ([]serviceRec, error) {
	rows, err := p.r.Tx.Query(p.ctx(), `SELECT `+serviceCols+` FROM id_service WHERE mykey_id = $1 ORDER BY issuer_id COLLATE "C"`, mykeyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []serviceRec
	for rows.Next() {
		sr, err := scanService(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *sr)
	}
	return out, rows.Err()
}

// putService is one statement; a card number another patron holds at the issuer breaks id_service_card_number_once,
// which reads as errNumberTaken.
func (p pgIdentity) putService(mykeyID string, rec *serviceRec) error {
	_, err := p.r.Tx.Exec(p.ctx(), `INSERT INTO id_service (mykey_id, issuer_id, card_number, address_notice, sign_serial, registered_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (mykey_id, issuer_id) DO UPDATE SET card_number = EXCLUDED.card_number,
			address_notice = EXCLUDED.address_notice, sign_serial = EXCLUDED.sign_serial, registered_at = EXCLUDED.registered_at`,
		mykeyID, rec.IssuerID, rec.CardNumber, rec.AddressNotice, nullable(rec.SignSerial), rec.RegisteredAt.UTC())
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.ConstraintName == "id_service_card_number_once" {
		return errNumberTaken
	}
	return err
}

func (p pgIdentity) cardOwner(issuerID, number string) (string, error) {
	var id string
	err := p.r.Tx.QueryRow(p.ctx(), `SELECT mykey_id FROM id_service WHERE issuer_id = $1 AND card_number = $2`, issuerID, number).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// replaceCardValidity is two statements sent together: the issuer's list deleted, the new one inserted from arrays.
func (p pgIdentity) replaceCardValidity(issuerID string, recs map[string]validityRec) error {
	nums := make([]string, 0, len(recs))
	for n := range recs {
		nums = append(nums, n)
	}
	sort.Strings(nums)
	statuses := make([]string, len(nums))
	sinces := make([]time.Time, len(nums))
	for i, n := range nums {
		statuses[i], sinces[i] = recs[n].Status, recs[n].Since.UTC()
	}
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM id_card_validity WHERE issuer_id = $1`, issuerID)
	b.Queue(`INSERT INTO id_card_validity (issuer_id, card_number, status, since)
		SELECT $1, n, s, t FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS u(n, s, t)`, issuerID, nums, statuses, sinces)
	return p.r.Tx.SendBatch(p.ctx(), b).Close()
}

func (p pgIdentity) revoked(serial string) (bool, error) {
	var ok bool
	err := p.r.Tx.QueryRow(p.ctx(), `SELECT EXISTS (SELECT 1 FROM id_revoked WHERE serial = $1)`, serial).Scan(&ok)
	return ok, err
}

func (p pgIdentity) putRevoked(serial string, rec revokedRec) error {
	_, err := p.r.Tx.Exec(p.ctx(), `INSERT INTO id_revoked (serial, at, reason) VALUES ($1, $2, $3)
		ON CONFLICT (serial) DO UPDATE SET at = EXCLUDED.at, reason = EXCLUDED.reason`, serial, rec.At.UTC(), rec.Reason)
	return err
}

func (p pgIdentity) putAddressNotice(signSerial string, rec addrNoticeRec) error {
	_, err := p.r.Tx.Exec(p.ctx(), `INSERT INTO id_address_notice (sign_serial, at) VALUES ($1, $2)
		ON CONFLICT (sign_serial) DO UPDATE SET at = EXCLUDED.at`, signSerial, rec.At.UTC())
	return err
}

// moveMyKeyID is four statements sent together: the new patron row, its serials and service IDs moved to it, the old
// row deleted (the foreign keys hold after each).
func (p pgIdentity) moveMyKeyID(old, nu string) error {
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO id_patron (mykey_id, auth_serial, not_after, created_at)
		SELECT $2, auth_serial, not_after, created_at FROM id_patron WHERE mykey_id = $1`, old, nu)
	b.Queue(`UPDATE id_serial SET mykey_id = $2 WHERE mykey_id = $1`, old, nu)
	b.Queue(`UPDATE id_service SET mykey_id = $2 WHERE mykey_id = $1`, old, nu)
	b.Queue(`DELETE FROM id_patron WHERE mykey_id = $1`, old)
	br := p.r.Tx.SendBatch(p.ctx(), b)
	tag, err := br.Exec()
	if err == nil && tag.RowsAffected() != 1 {
		err = errors.New("platform: the MyKey ID to change is no patron's")
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

func (p pgIdentity) dropPatron(id string) error {
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM id_serial WHERE mykey_id = $1`, id)
	b.Queue(`DELETE FROM id_service WHERE mykey_id = $1`, id)
	b.Queue(`DELETE FROM id_patron WHERE mykey_id = $1`, id)
	return p.r.Tx.SendBatch(p.ctx(), b).Close()
}

func (p pgIdentity) counts() (int, int, int, error) {
	var i, pa, sv int
	err := p.r.Tx.QueryRow(p.ctx(), `SELECT (SELECT count(*) FROM id_issuer), (SELECT count(*) FROM id_patron),
		(SELECT count(*) FROM id_service)`).Scan(&i, &pa, &sv)
	return i, pa, sv, err
}

// identityCount is how many identity rows a PostgreSQL store holds (copy-store refuses a destination with any).
const identityCount = `SELECT (SELECT count(*) FROM id_issuer) + (SELECT count(*) FROM id_patron)
	+ (SELECT count(*) FROM id_revoked) + (SELECT count(*) FROM id_address_notice)`

// identityIntoBuckets writes src's identity rows into the buckets of the bbolt store dst (copy-store out of
// PostgreSQL: a backup restored into a file), as boltIdentity keeps them; it returns how many pairs.
func identityIntoBuckets(dst, src kv.DB) (int, error) {
	ctx := context.Background()
	pool := kv.Pool(src)
	pairs := 0
	// each runs q and calls put with a row's scanned values.
	each := func(q string, scan func(pgx.Rows) error) error {
		rows, err := pool.Query(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
			pairs++
		}
		return rows.Err()
	}
	err := dst.Update(func(tx kv.Tx) error {
		for _, b := range [][]byte{bIssuers, bPatrons, bSerials, bServiceIDs, bCardNumbers, bCardValidity, bRevoked, bAddrNotices} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return errors.Join(
			each(`SELECT `+issuerCols+` FROM id_issuer`, func(r pgx.Rows) error {
				is, err := scanIssuer(r)
				if err != nil {
					return err
				}
				return kv.PutJSON(tx.Bucket(bIssuers), is.ID, is)
			}),
			each(`SELECT mykey_id, auth_serial, not_after, created_at FROM id_patron`, func(r pgx.Rows) error {
				var p patronRec
				if err := r.Scan(&p.MyKeyID, &p.AuthSerial, &p.NotAfter, &p.CreatedAt); err != nil {
					return err
				}
				p.NotAfter, p.CreatedAt = p.NotAfter.UTC(), p.CreatedAt.UTC()
				return kv.PutJSON(tx.Bucket(bPatrons), p.MyKeyID, p)
			}),
			each(`SELECT serial, mykey_id FROM id_serial`, func(r pgx.Rows) error {
				var sn, id string
				if err := r.Scan(&sn, &id); err != nil {
					return err
				}
				return tx.Bucket(bSerials).Put([]byte(sn), []byte(id))
			}),
			each(`SELECT mykey_id, `+serviceCols+` FROM id_service`, func(r pgx.Rows) error {
				var id string
				var sr serviceRec
				if err := r.Scan(&id, &sr.IssuerID, &sr.CardNumber, &sr.AddressNotice, &sr.SignSerial, &sr.RegisteredAt); err != nil {
					return err
				}
				sr.RegisteredAt = sr.RegisteredAt.UTC()
				if err := kv.PutJSON(tx.Bucket(bServiceIDs), id+"/"+sr.IssuerID, sr); err != nil {
					return err
				}
				return tx.Bucket(bCardNumbers).Put([]byte(sr.IssuerID+"/"+sr.CardNumber), []byte(id))
			}),
			each(`SELECT issuer_id, card_number, status, COALESCE(since, '0001-01-01T00:00:00Z') FROM id_card_validity`, func(r pgx.Rows) error {
				var is, n string
				var v validityRec
				if err := r.Scan(&is, &n, &v.Status, &v.Since); err != nil {
					return err
				}
				v.Since = v.Since.UTC()
				return kv.PutJSON(tx.Bucket(bCardValidity), is+"/"+n, v)
			}),
			each(`SELECT serial, at, reason FROM id_revoked`, func(r pgx.Rows) error {
				var sn string
				var rec revokedRec
				if err := r.Scan(&sn, &rec.At, &rec.Reason); err != nil {
					return err
				}
				rec.At = rec.At.UTC()
				return kv.PutJSON(tx.Bucket(bRevoked), sn, rec)
			}),
			each(`SELECT sign_serial, at FROM id_address_notice`, func(r pgx.Rows) error {
				var sn string
				var rec addrNoticeRec
				if err := r.Scan(&sn, &rec.At); err != nil {
					return err
				}
				rec.At = rec.At.UTC()
				return kv.PutJSON(tx.Bucket(bAddrNotices), sn, rec)
			}),
		)
	})
	return pairs, err
}

// holderAnd is identityRows.holder read together with the bucket records of keys (Prefetch): on PostgreSQL one round
// trip for both (a point movement's terminal and program records, and its certificate's holder).
func holderAnd(tx kv.Tx, keys []kv.BucketKey, serial, issuerID string) (holderView, error) {
	var h holderView
	ok, err := kv.PrefetchRow(tx, keys, func(row pgx.Row) (err error) {
		_, h, err = scanHolder(row, false)
		return err
	}, holderSQL, serial, issuerID)
	if !ok {
		return identityOf(tx).holder(serial, issuerID)
	}
	if h.issuer != nil {
		h.issuer.ID = issuerID
	}
	if h.service != nil {
		h.service.IssuerID = issuerID
	}
	return h, err
}
