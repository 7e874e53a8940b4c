package platform

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/mykeyterm/mykeyterm/platform/httpapi"
	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Admin operations of a municipality and of the J-LIS feeds the reference server simulates. They are Go methods so
// the admin CLI (cmd/mkpf-server admin …, operating on the database file with the server stopped), the demo seeding
// and the tests share them. Their errors are for an IT admin: English with the offending value, no patron data.

// AddMunicipality records a municipality (its 全国地方公共団体コード check digit is validated).
func (s *Server) AddMunicipality(code, name string) error {
	if err := mkpf.ValidateMunicipalityCode(code); err != nil {
		return err
	}
	if strings.TrimSpace(name) == "" {
		return errors.New("municipality name is empty")
	}
	return s.db.Update(func(tx kv.Tx) error {
		return kv.PutJSON(tx.Bucket(bMunicipality), code, municipalityRec{Code: code, Name: name})
	})
}

// ValidateHandoff checks an issuer's hand-off settings.
func ValidateHandoff(h mkpf.HandoffSettings) error {
	switch h.Mode {
	case mkpf.HandoffNumber, mkpf.HandoffBarcode, mkpf.HandoffWedge, mkpf.HandoffLabel:
	default:
		return fmt.Errorf("hand-off mode %q: want number, barcode, wedge or label", h.Mode)
	}
	switch h.Symbology {
	case "", mkpf.SymNW7, mkpf.SymCode39, mkpf.SymCode128:
	default:
		return fmt.Errorf("symbology %q: want nw7, code39 or code128", h.Symbology)
	}
	if (h.Mode == mkpf.HandoffBarcode || h.Mode == mkpf.HandoffLabel) && h.Symbology == "" {
		return fmt.Errorf("hand-off mode %s needs a symbology", h.Mode)
	}
	if h.Symbology == mkpf.SymNW7 || h.NW7Start != "" || h.NW7Stop != "" {
		for _, c := range []string{h.NW7Start, h.NW7Stop} {
			if h.Symbology == mkpf.SymNW7 && !(c == "A" || c == "B" || c == "C" || c == "D") {
				return fmt.Errorf("NW-7 start/stop character %q: want A, B, C or D", c)
			}
		}
		if h.Symbology != mkpf.SymNW7 {
			return errors.New("NW-7 start/stop characters given for a symbology that is not nw7")
		}
	}
	switch h.CheckDigit {
	case "", mkpf.CheckNone, mkpf.CheckMod10W21, mkpf.CheckMod16, mkpf.Check7DR, mkpf.Check7DSR:
	default:
		return fmt.Errorf("check-digit scheme %q: want none, mod10w21, mod16, 7dr or 7dsr", h.CheckDigit)
	}
	return nil
}

// PutIssuer adds or replaces an ID issuer (ID付与事業者) of a known municipality.
func (s *Server) PutIssuer(is mkpf.Issuer) error {
	if err := mkpf.ValidateIssuerID(is.ID); err != nil {
		return err
	}
	if strings.TrimSpace(is.Name) == "" {
		return errors.New("issuer name is empty")
	}
	if httpapi.HasBadText(is.Name) {
		return errors.New("issuer name: control or bidi characters are not allowed")
	}
	if err := ValidateHandoff(is.Handoff); err != nil {
		return err
	}
	return s.db.Update(func(tx kv.Tx) error {
		if tx.Bucket(bMunicipality).Get([]byte(is.MunicipalityCode)) == nil {
			return fmt.Errorf("municipality %q is not registered (add it first)", is.MunicipalityCode)
		}
		return identityOf(tx).putIssuer(&is)
	})
}

// SetHandoff changes an issuer's hand-off settings (the demo switches between the four modes with it), and when
// showMyKeyID is not nil, whether its terminals see the MyKey ID.
func (s *Server) SetHandoff(issuerID string, h mkpf.HandoffSettings, showMyKeyID *bool) error {
	if err := ValidateHandoff(h); err != nil {
		return err
	}
	return s.db.Update(func(tx kv.Tx) error {
		is, err := getIssuer(tx, issuerID)
		if err != nil {
			return err
		}
		if is == nil {
			return fmt.Errorf("issuer %q not found", issuerID)
		}
		is.Handoff = h
		if showMyKeyID != nil {
			is.ShowMyKeyID = *showMyKeyID
		}
		return identityOf(tx).putIssuer(is)
	})
}

// Issuer returns one issuer, or nil.
func (s *Server) Issuer(id string) (*mkpf.Issuer, error) {
	var is *mkpf.Issuer
	err := s.db.View(func(tx kv.Tx) (err error) {
		is, err = getIssuer(tx, id)
		return err
	})
	return is, err
}

// Issuers lists every issuer, by ID.
func (s *Server) Issuers() ([]mkpf.Issuer, error) {
	var out []mkpf.Issuer
	err := s.db.View(func(tx kv.Tx) (err error) {
		out, err = identityOf(tx).issuers()
		return err
	})
	return out, err
}

// TerminalSpec is one roster row to create.
type TerminalSpec struct {
	ID           string
	Password     string
	Kind         mkpf.TerminalKind
	TakesPoints  bool
	Municipality string
	IssuerID     string // service-ID terminals: their fixed issuer (only SetTerminalIssuer changes it)
	Location     string
	Name         string
}

// ErrTerminalExists is returned by AddTerminal for a terminal ID that exists.
var ErrTerminalExists = errors.New("platform: terminal already exists")

// AddTerminal creates a terminal (not yet enrolled). An existing terminal ID is refused.
func (s *Server) AddTerminal(ts TerminalSpec) error {
	if err := mkpf.ValidateTerminalID(ts.ID); err != nil {
		return err
	}
	if !ts.Kind.Valid() {
		return fmt.Errorf("terminal kind %q: want service_id, point_use, voucher or point_grant", ts.Kind)
	}
	if len(ts.Password) < 6 {
		return errors.New("terminal password must have at least 6 characters")
	}
	if ts.TakesPoints && ts.Kind != mkpf.KindServiceID {
		return errors.New("takes-points applies to service_id terminals only")
	}
	if httpapi.HasBadText(ts.Location) || httpapi.HasBadText(ts.Name) {
		return errors.New("terminal location/name: control or bidi characters are not allowed")
	}
	if ts.IssuerID != "" && ts.Kind != mkpf.KindServiceID {
		return errors.New("an issuer applies to service_id terminals only")
	}
	hash := s.HashPassword(ts.Password)
	return s.db.Update(func(tx kv.Tx) error {
		if tx.Bucket(bMunicipality).Get([]byte(ts.Municipality)) == nil {
			return fmt.Errorf("municipality %q is not registered", ts.Municipality)
		}
		if ts.IssuerID != "" {
			is, err := getIssuer(tx, ts.IssuerID)
			if err != nil {
				return err
			}
			if is == nil || is.MunicipalityCode != ts.Municipality {
				return fmt.Errorf("issuer %q is not an issuer of municipality %s", ts.IssuerID, ts.Municipality)
			}
		}
		b := tx.Bucket(bTerminals)
		if b.Get([]byte(ts.ID)) != nil {
			return fmt.Errorf("%w: %s", ErrTerminalExists, ts.ID)
		}
		return kv.PutJSON(b, ts.ID, terminalRec{ID: ts.ID, Kind: ts.Kind, TakesPoints: ts.TakesPoints,
			Municipality: ts.Municipality, IssuerID: ts.IssuerID, PasswordHash: hash, Location: ts.Location, Name: ts.Name})
	})
}

const passwordAlphabet = "abcdefghijkmnpqrstuvwxyz23456789" // no l, o, 0, 1: read off paper

func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err)
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

// IssueRoster creates count new terminals of a kind for a municipality with random unique 8-digit IDs and random
// passwords, and returns them as 様式II rows (the only time the passwords exist in clear).
func (s *Server) IssueRoster(municipality string, kind mkpf.TerminalKind, issuerID string, count int, location string) ([]TerminalSpec, error) {
	if count < 1 || count > 10000 {
		return nil, errors.New("count must be 1..10000")
	}
	var out []TerminalSpec
	for len(out) < count {
		id := randomString("0123456789", 8)
		ts := TerminalSpec{ID: id, Password: randomString(passwordAlphabet, 9), Kind: kind, Municipality: municipality,
			IssuerID: issuerID, Location: location}
		if err := s.AddTerminal(ts); err != nil {
			if errors.Is(err, ErrTerminalExists) {
				continue
			}
			return out, err
		}
		out = append(out, ts)
	}
	return out, nil
}

// WriteRosterCSV writes 様式II 「端末別端末ID・端末パスワード一覧」 as CSV (UTF-8 with BOM and CRLF, so Excel opens it).
func WriteRosterCSV(w io.Writer, municipalityName string, rows []TerminalSpec) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cw.Write(mkpf.InertCSVRow([]string{"自治体名", "端末ID", "端末パスワード", "端末の種類", "設置場所", "端末名"}))
	for _, r := range rows {
		cw.Write(mkpf.InertCSVRow([]string{municipalityName, r.ID, r.Password, r.Kind.LabelJA(), r.Location, r.Name}))
	}
	cw.Flush()
	return cw.Error()
}

// MunicipalityName returns the registered name of a code ("" when unknown).
func (s *Server) MunicipalityName(code string) (string, error) {
	var n string
	err := s.db.View(func(tx kv.Tx) error { n = municipalityName(tx, code); return nil })
	return n, err
}

// TerminalRow is the municipality's view of a terminal (screen 11).
type TerminalRow struct {
	Info     mkpf.TerminalInfo
	Enrolled bool
	Disabled bool // admin terminal disable
	Contact  *mkpf.Contact
}

// Terminals lists every terminal by ID.
func (s *Server) Terminals() ([]TerminalRow, error) {
	var out []TerminalRow
	err := s.db.View(func(tx kv.Tx) error {
		return tx.Bucket(bTerminals).ForEach(func(k, v []byte) error {
			t, err := getTerminal(tx, string(k))
			if err != nil || t == nil {
				return err
			}
			out = append(out, TerminalRow{Info: terminalInfo(tx, t), Enrolled: len(t.DeviceKey) > 0, Disabled: t.Disabled, Contact: t.Contact})
			return nil
		})
	})
	return out, err
}

// ErrMyKeyIDTaken is returned by CreateMyKeyID for a chosen ID that exists.
var ErrMyKeyIDTaken = errors.New("platform: MyKey ID already exists")

// CreateMyKeyID creates the MyKey ID of the holder of a user-authentication certificate (after the full certificate
// check): chosen when not empty (checked for format and duplicates), otherwise 8 random characters of A-Z0-9.
// A certificate that already has a MyKey ID is refused.
func (s *Server) CreateMyKeyID(authCertDER []byte, chosen string) (string, error) {
	cc, err := s.verifyCert(context.Background(), authCertDER, false)
	if err != nil {
		return "", fmt.Errorf("certificate refused: %w", err)
	}
	if chosen != "" {
		if err := mkpf.ValidateMyKeyID(chosen); err != nil {
			return "", err
		}
	}
	var id string
	err = s.db.Update(func(tx kv.Tx) error {
		ir := identityOf(tx)
		if owner, err := ir.serialOwner(cc.Serial); err != nil {
			return err
		} else if owner != "" {
			return errors.New("this certificate already has a MyKey ID")
		}
		id = chosen
		if id == "" {
			for {
				id = randomString(mkpf.MyKeyIDAlphabet, 8)
				if used, err := myKeyIDUsed(tx, id); err != nil {
					return err
				} else if !used {
					break
				}
			}
		} else if used, err := myKeyIDUsed(tx, id); err != nil {
			return err
		} else if used { // a revoked or changed-away ID never comes back (mykeyid.go)
			return ErrMyKeyIDTaken
		}
		if err := ir.putPatron(&patronRec{MyKeyID: id, AuthSerial: cc.Serial, NotAfter: cc.NotAfter, CreatedAt: s.now().UTC()}); err != nil {
			return err
		}
		return ir.putSerial(cc.Serial, id)
	})
	return id, err
}

// ImportCardValidity replaces an issuer's card validity list from CSV rows "card_number,status" (status stopped or
// expired; a header row is allowed). Card numbers not listed are valid. It returns the number of rows stored.
func (s *Server) ImportCardValidity(issuerID string, r io.Reader) (int, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		return 0, err
	}
	type row struct{ num, status string }
	var rows []row
	for i, rec := range recs {
		if len(rec) < 2 {
			return 0, fmt.Errorf("line %d: want card_number,status", i+1)
		}
		num, st := strings.TrimPrefix(strings.TrimSpace(rec[0]), "\ufeff"), strings.ToLower(strings.TrimSpace(rec[1]))
		if i == 0 && st == "status" {
			continue
		}
		if ValidateCardNumber(num) != nil {
			return 0, fmt.Errorf("line %d: card number not valid", i+1)
		}
		if st != CardStopped && st != CardExpired && st != CardValid {
			return 0, fmt.Errorf("line %d: status %q: want stopped, expired or valid", i+1, st)
		}
		rows = append(rows, row{num, st})
	}
	n := 0
	err = s.db.Update(func(tx kv.Tx) error {
		if is, err := getIssuer(tx, issuerID); err != nil || is == nil {
			return errors.Join(err, fmt.Errorf("issuer %q not found", issuerID))
		}
		now := s.now().UTC()
		recs := map[string]validityRec{}
		for _, r := range rows {
			if r.status == CardValid {
				delete(recs, r.num)
				continue
			}
			recs[r.num] = validityRec{Status: r.status, Since: now}
		}
		n = len(recs)
		return identityOf(tx).replaceCardValidity(issuerID, recs)
	})
	return n, err
}

func normSerial(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return "", errors.New("empty serial")
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return "", fmt.Errorf("serial %q is not hexadecimal", s)
		}
	}
	return s, nil
}

// FeedRenewal records a J-LIS certificate renewal (old serial → new serial) for user-authentication certificates,
// or signing certificates when sign is true. The new certificate is linked to the MyKey ID at its first use.
func (s *Server) FeedRenewal(oldSerial, newSerial string, sign bool) error {
	o, err := normSerial(oldSerial)
	if err != nil {
		return err
	}
	n, err := normSerial(newSerial)
	if err != nil {
		return err
	}
	if o == n {
		return errors.New("old and new serial are the same")
	}
	b := bRenewals
	if sign {
		b = bSignRenewals
	}
	return s.db.Update(func(tx kv.Tx) error { return tx.Bucket(b).Put([]byte(n), []byte(o)) })
}

// FeedAddressChange records a J-LIS address-change notice for a signing-certificate serial (reference 27: the
// lookup then says address_changed for the patrons who asked for the notice).
func (s *Server) FeedAddressChange(signSerial string) error {
	sn, err := normSerial(signSerial)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx kv.Tx) error {
		return identityOf(tx).putAddressNotice(sn, addrNoticeRec{At: s.now().UTC()})
	})
}

// Revoke puts a certificate serial on the revocation list.
func (s *Server) Revoke(serial, reason string) error {
	sn, err := normSerial(serial)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx kv.Tx) error {
		return identityOf(tx).putRevoked(sn, revokedRec{At: s.now().UTC(), Reason: reason})
	})
}

// RevokeCert is Revoke for a certificate given as DER.
func (s *Server) RevokeCert(der []byte, reason string) error {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	return s.Revoke(SerialHex(c), reason)
}

// Stats are aggregate figures for the admin (no patron data).
type Stats struct {
	Municipalities, Issuers, Terminals, Enrolled, MyKeyIDs, ServiceIDs int
}

// Stats counts the records.
func (s *Server) Stats() (Stats, error) {
	var st Stats
	err := s.db.View(func(tx kv.Tx) error {
		st.Municipalities = tx.Bucket(bMunicipality).Stats().KeyN
		var err error
		if st.Issuers, st.MyKeyIDs, st.ServiceIDs, err = identityOf(tx).counts(); err != nil {
			return err
		}
		return tx.Bucket(bTerminals).ForEach(func(k, v []byte) error {
			st.Terminals++
			t, _ := getTerminal(tx, string(k))
			if t != nil && len(t.DeviceKey) > 0 {
				st.Enrolled++
			}
			return nil
		})
	})
	return st, err
}
