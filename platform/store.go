package platform

import (
	"errors"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/ledger"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Buckets of the identity half. Keys are plain strings; values are JSON records. The points half adds its own.
var (
	bMeta           = []byte("meta")
	bMunicipality   = []byte("municipalities")  // code → municipalityRec
	bIssuers        = []byte("issuers")         // issuer ID → mkpf.Issuer
	bTerminals      = []byte("terminals")       // terminal ID → terminalRec
	bPatrons        = []byte("patrons")         // MyKey ID → patronRec
	bSerials        = []byte("serials")         // auth cert serial → MyKey ID
	bServiceIDs     = []byte("service_ids")     // MyKey ID + "/" + issuer ID → serviceRec
	bCardNumbers    = []byte("card_numbers")    // issuer ID + "/" + card number → MyKey ID
	bRenewals       = []byte("renewals")        // new auth serial → old auth serial (J-LIS renewal feed)
	bSignRenewals   = []byte("sign_renewals")   // new sign serial → old sign serial
	bAddrNotices    = []byte("address_notices") // sign serial → addrNoticeRec (J-LIS address-change notice)
	bRevoked        = []byte("revoked")         // cert serial → revokedRec
	bCardValidity   = []byte("card_validity")   // issuer ID + "/" + card number → validityRec (absent = valid)
	bRoots          = []byte("roots")           // "auth/<sha256>" or "sign/<sha256>" → DER
	bCounters       = []byte("counters")        // day + "/" + terminal ID + "/" + name → uint64 (aggregate only)
	bIdempotency    = ledger.BucketIdem         // terminal ID + "/" + key → idemRec
	bSecrets        = []byte("secrets")         // name → sealed secret (secrets_store.go)
	bThrottles      = ledger.BucketDayTotals    // "enroll/id:…", "enroll/addr:…", "login/id:…", "shopcard/…" → throttleRec
	bUsedChallenges = []byte("used_challenges") // challenge nonce → expiry (8 bytes, unix seconds)
	identityBuckets = [][]byte{bMeta, bMunicipality, bIssuers, bTerminals, bPatrons, bSerials, bServiceIDs,
		bCardNumbers, bRenewals, bSignRenewals, bAddrNotices, bRevoked, bCardValidity, bRoots, bCounters, bIdempotency,
		bSecrets, bThrottles, bUsedChallenges}
)

const schemaVersion = "1"

func initSchema(db kv.DB) error {
	return db.Update(func(tx kv.Tx) error {
		for _, b := range identityBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bMeta)
		if v := meta.Get([]byte("schema")); v != nil && string(v) != schemaVersion {
			return errors.New("database schema version " + string(v) + " is not supported (want " + schemaVersion + ")")
		}
		return meta.Put([]byte("schema"), []byte(schemaVersion))
	})
}

type municipalityRec struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type terminalRec struct {
	ID           string            `json:"id"`
	Kind         mkpf.TerminalKind `json:"kind"`
	TakesPoints  bool              `json:"takes_points,omitempty"`
	Municipality string            `json:"municipality"`
	IssuerID     string            `json:"issuer_id,omitempty"`
	PasswordHash string            `json:"password_hash"`
	DeviceKey    []byte            `json:"device_key,omitempty"` // PKIX DER; empty until enrolled
	Fingerprint  []byte            `json:"fingerprint,omitempty"`
	EnrolledAt   time.Time         `json:"enrolled_at,omitzero"`
	Contact      *mkpf.Contact     `json:"contact,omitempty"`
	Location     string            `json:"location,omitempty"` // from the roster until screen 10 sets it
	Name         string            `json:"name,omitempty"`
	Disabled     bool              `json:"disabled,omitempty"`  // admin terminal disable: no token, no login
	TokenGen     uint64            `json:"token_gen,omitempty"` // bumped by disable, reset and set-password: old tokens die
}

type patronRec struct {
	MyKeyID    string    `json:"mykey_id"`
	AuthSerial string    `json:"auth_serial"`
	NotAfter   time.Time `json:"not_after"`
	CreatedAt  time.Time `json:"created_at"`
}

// serviceView is what a lookup and a point movement read of a serviceRec: the same JSON names, and encoding/json
// skips the rest (no time to parse on the hot path).
type serviceView struct {
	CardNumber    string `json:"card_number"`
	AddressNotice bool   `json:"address_notice"`
	SignSerial    string `json:"sign_serial,omitempty"`
}

type serviceRec struct {
	IssuerID      string    `json:"issuer_id"`
	CardNumber    string    `json:"card_number"`
	AddressNotice bool      `json:"address_notice"`
	SignSerial    string    `json:"sign_serial,omitempty"`
	RegisteredAt  time.Time `json:"registered_at"`
}

type addrNoticeRec struct {
	At time.Time `json:"at"`
}

type revokedRec struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// Card statuses of an issuer's validity list.
const (
	CardValid   = "valid"
	CardStopped = "stopped"
	CardExpired = "expired"
)

type validityRec struct {
	Status string    `json:"status"`
	Since  time.Time `json:"since,omitzero"`
}

func getTerminal(tx kv.Tx, id string) (*terminalRec, error) {
	t, ok, err := terminalCache.get(tx.Bucket(bTerminals), id, cloneTerminal) // recordcache.go
	if err != nil || !ok {
		return nil, err
	}
	return &t, nil
}

func municipalityName(tx kv.Tx, code string) string {
	var m municipalityRec
	if ok, _ := kv.GetJSON(tx.Bucket(bMunicipality), code, &m); ok {
		return m.Name
	}
	return ""
}

// terminalInfo is the wire view of a terminal.
func terminalInfo(tx kv.Tx, t *terminalRec) mkpf.TerminalInfo {
	ti := mkpf.TerminalInfo{
		TerminalID:       t.ID,
		Kind:             t.Kind,
		TakesPoints:      t.TakesPoints,
		MunicipalityCode: t.Municipality,
		MunicipalityName: municipalityName(tx, t.Municipality),
		IssuerID:         t.IssuerID,
		Location:         t.Location,
		Name:             t.Name,
		ContactDone:      t.Contact != nil,
	}
	if t.IssuerID != "" {
		if is, _ := getIssuer(tx, t.IssuerID); is != nil {
			ti.IssuerName = is.Name
		}
	}
	return ti
}
