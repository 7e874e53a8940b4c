package cardio

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"
	"time"
)

// Card is one connected card: PC/SC, the in-process virtual card, or anything else that answers APDUs.
// Transmit sends one command APDU and returns the response (data + SW1 SW2). Implementations must return when ctx
// ends (or report ErrTimeout) and must never panic on short responses.
type Card interface {
	Transmit(ctx context.Context, cmd []byte) ([]byte, error)
	Reader() string
	Close() error
}

// Source lists readers, connects to cards and reports insertions and removals.
type Source interface {
	Readers(ctx context.Context) ([]string, error)
	// Connect connects to the card in reader; "" means the first reader holding a card.
	Connect(ctx context.Context, reader string) (Card, error)
	// Watch reports insertions and removals (and, first, the current state of every reader) until ctx is done;
	// then the channel is closed.
	Watch(ctx context.Context) (<-chan Event, error)
}

// Event is a change of a reader's state.
type Event struct {
	Reader  string
	Present bool
	ATR     []byte
}

// Transactor is implemented by cards that can hold the reader for a series of commands (PC/SC transactions).
type Transactor interface {
	Begin(ctx context.Context) error
	End(ctx context.Context) error
}

// PIN names one of the two PINs of the JPKI AP.
type PIN int

const (
	PINAuth PIN = iota // 利用者証明用電子証明書の暗証番号: 4 digits, 3 tries
	PINSign            // 署名用電子証明書の暗証番号: 6-16 letters and digits, 5 tries
)

func (p PIN) ef() uint16 {
	if p == PINSign {
		return EFSignPIN
	}
	return EFAuthPIN
}

func (p PIN) String() string {
	if p == PINSign {
		return "sign PIN"
	}
	return "auth PIN"
}

// CheckPINFormat reports ErrPINFormat unless pin has the form the card expects: 4 digits for PINAuth; 6 to 16
// uppercase letters and digits for PINSign (the caller upper-cases what the clerk typed, as the card expects).
func CheckPINFormat(which PIN, pin string) error {
	ok := true
	switch which {
	case PINAuth:
		ok = len(pin) == 4
		for _, c := range pin {
			ok = ok && c >= '0' && c <= '9'
		}
	case PINSign:
		ok = len(pin) >= 6 && len(pin) <= 16
		for _, c := range pin {
			ok = ok && (c >= '0' && c <= '9' || c >= 'A' && c <= 'Z')
		}
	default:
		ok = false
	}
	if !ok {
		return newError(ErrPINFormat, nil)
	}
	return nil
}

// JPKI is an open JPKI AP on one card. Every command passes Guard; APDUs counts what was sent. A JPKI is not safe
// for concurrent use.
type JPKI struct {
	t        transmitter
	token    string
	selected uint16 // current EF, 0 = none
}

// OpenJPKI detects a My Number Card (or another JPKI token) by selecting the JPKI AP and reading the token EF 0006.
// A card without the AP or with another token gives ErrUnknownCard. 3 APDUs.
func OpenJPKI(ctx context.Context, c Card) (*JPKI, error) {
	j := &JPKI{t: transmitter{card: c}}
	_, sw, err := j.t.send(ctx, selectDF(AIDJPKI))
	if err != nil {
		return nil, err
	}
	if sw != swOK {
		return nil, newError(ErrUnknownCard, &SWError{"SELECT JPKI AP", sw})
	}
	if err := j.selectEF(ctx, EFToken); err != nil {
		return nil, unknownIfCardErr(err)
	}
	data, sw, err := j.t.send(ctx, readBinary(0, 0x20))
	if err != nil {
		return nil, err
	}
	if sw != swOK {
		return nil, newError(ErrUnknownCard, &SWError{"READ BINARY token", sw})
	}
	j.token = trimToken(data)
	if !strings.HasPrefix(j.token, "JPKIAP") {
		return nil, newError(ErrUnknownCard, fmt.Errorf("token %q", j.token))
	}
	return j, nil
}

func unknownIfCardErr(err error) error {
	if e, ok := err.(*Error); ok && e.Kind == ErrCard {
		return newError(ErrUnknownCard, e.Err)
	}
	return err
}

// Token is the token string of EF 0006: "JPKIAPICCTOKEN2" for a My Number Card, "JPKIAPICCTOKEN" for the old
// 住基カード, "JPKIAPGPSETOKEN" for a smartphone.
func (j *JPKI) Token() string { return j.token }

// APDUs is the number of commands sent so far (OpenJPKI's included).
func (j *JPKI) APDUs() int { return j.t.apdus }

// Reader is the card's reader.
func (j *JPKI) Reader() string { return j.t.card.Reader() }

func (j *JPKI) selectEF(ctx context.Context, fid uint16) error {
	_, sw, err := j.t.send(ctx, selectEF(fid))
	if err != nil {
		return err
	}
	if sw != swOK {
		j.selected = 0
		return newError(ErrCard, &SWError{fmt.Sprintf("SELECT EF %04X", fid), sw})
	}
	j.selected = fid
	return nil
}

// readCert reads the certificate in EF fid with SELECT EF + ⌈L/256⌉ READ BINARY: the first read takes 256 bytes,
// whose header gives the DER length L; the rest follows in 256-byte chunks, the last one exact.
func (j *JPKI) readCert(ctx context.Context, fid uint16) ([]byte, error) {
	name := fmt.Sprintf("READ BINARY %04X", fid)
	if err := j.selectEF(ctx, fid); err != nil {
		return nil, err
	}
	first, sw, err := j.t.send(ctx, readBinary(0, 256))
	if err != nil {
		return nil, err
	}
	if sw&0xFF00 == swWrongLengthBase && sw&0xFF != 0 { // 6C xx: the EF is shorter; read exactly xx
		first, sw, err = j.t.send(ctx, readBinary(0, int(sw&0xFF)))
		if err != nil {
			return nil, err
		}
	}
	switch {
	case sw == swSecurityStatus:
		return nil, newError(ErrPINRequired, &SWError{name, sw})
	case sw != swOK && sw != 0x6282: // 62 82: end of file reached before Le bytes; data is valid
		return nil, newError(ErrCard, &SWError{name, sw})
	}
	total, err := CertLength(first)
	if err != nil {
		return nil, newError(ErrUnknownCard, fmt.Errorf("EF %04X: %w", fid, err))
	}
	if total <= len(first) {
		return append([]byte(nil), first[:total]...), nil
	}
	if len(first) != 256 {
		return nil, newError(ErrCard, fmt.Errorf("EF %04X: first read gave %d bytes of a %d-byte certificate", fid, len(first), total))
	}
	der := make([]byte, 0, total)
	der = append(der, first...)
	for len(der) < total {
		n := min(256, total-len(der))
		chunk, sw, err := j.t.send(ctx, readBinary(len(der), n))
		if err != nil {
			return nil, err
		}
		if sw != swOK {
			return nil, newError(ErrCard, &SWError{name, sw})
		}
		if len(chunk) != n {
			return nil, newError(ErrCard, fmt.Errorf("EF %04X: read at %d gave %d bytes, want %d", fid, len(der), len(chunk), n))
		}
		der = append(der, chunk...)
	}
	return der, nil
}

// ReadAuthCert reads the user-authentication certificate (EF 000A, no PIN): 1 + ⌈L/256⌉ APDUs after OpenJPKI.
func (j *JPKI) ReadAuthCert(ctx context.Context) ([]byte, error) { return j.readCert(ctx, EFAuthCert) }

// ReadAuthCACert reads the CA certificate of the user-authentication certificate (EF 000B).
func (j *JPKI) ReadAuthCACert(ctx context.Context) ([]byte, error) {
	return j.readCert(ctx, EFAuthCACert)
}

// ReadSignCert reads the signing certificate (EF 0001). It holds the holder's name and address; the card gives it
// only after VerifyPIN(PINSign) (ErrPINRequired otherwise).
func (j *JPKI) ReadSignCert(ctx context.Context) ([]byte, error) { return j.readCert(ctx, EFSignCert) }

// ReadSignCACert reads the CA certificate of the signing certificate (EF 0002).
func (j *JPKI) ReadSignCACert(ctx context.Context) ([]byte, error) {
	return j.readCert(ctx, EFSignCACert)
}

// PINTries asks how many tries the PIN has left without spending one (VERIFY with no data: 63 Cx). 0 means blocked.
func (j *JPKI) PINTries(ctx context.Context, which PIN) (int, error) {
	if err := j.selectEF(ctx, which.ef()); err != nil {
		return 0, err
	}
	_, sw, err := j.t.send(ctx, []byte{0x00, 0x20, 0x00, 0x80})
	if err != nil {
		return 0, err
	}
	if n, ok := TriesLeft(sw); ok {
		return n, nil
	}
	switch sw {
	case swPINBlocked, swAuthBlocked:
		return 0, nil
	case swOK: // already verified in this session: the counter was reset by that verification
		if which == PINSign {
			return 5, nil
		}
		return 3, nil
	}
	return 0, newError(ErrCard, &SWError{"VERIFY (tries) " + which.String(), sw})
}

// VerifyPIN verifies the PIN once. A wrong PIN gives *WrongPINError (Left tries remain; Left 0 also matches
// ErrPINBlocked); a PIN already blocked gives ErrPINBlocked. It never retries: every call spends at most one try.
func (j *JPKI) VerifyPIN(ctx context.Context, which PIN, pin string) error {
	if err := CheckPINFormat(which, pin); err != nil {
		return err
	}
	if err := j.selectEF(ctx, which.ef()); err != nil {
		return err
	}
	cmd := append([]byte{0x00, 0x20, 0x00, 0x80, byte(len(pin))}, pin...)
	_, sw, err := j.t.send(ctx, cmd)
	if err != nil {
		return err
	}
	if sw == swOK {
		return nil
	}
	if n, ok := TriesLeft(sw); ok {
		return &WrongPINError{Left: n}
	}
	if sw == swPINBlocked || sw == swAuthBlocked {
		return newError(ErrPINBlocked, &SWError{"VERIFY " + which.String(), sw})
	}
	return newError(ErrCard, &SWError{"VERIFY " + which.String(), sw})
}

// SignAuth signs a DER DigestInfo with the user-authentication key (80 2A 00 80; the card adds PKCS#1 v1.5 padding).
// It needs VerifyPIN(PINAuth) first (ErrPINRequired otherwise). Real cards take seconds: give ctx room.
func (j *JPKI) SignAuth(ctx context.Context, digestInfo []byte) ([]byte, error) {
	if len(digestInfo) == 0 || len(digestInfo) > 255 {
		return nil, newError(ErrCard, fmt.Errorf("DigestInfo of %d bytes", len(digestInfo)))
	}
	if err := j.selectEF(ctx, EFAuthKey); err != nil {
		return nil, err
	}
	cmd := append([]byte{0x80, 0x2A, 0x00, 0x80, byte(len(digestInfo))}, digestInfo...)
	cmd = append(cmd, 0x00)
	sig, sw, err := j.t.send(ctx, cmd)
	if err != nil {
		return nil, err
	}
	switch {
	case sw == swSecurityStatus:
		return nil, newError(ErrPINRequired, &SWError{"SIGN auth", sw})
	case sw != swOK:
		return nil, newError(ErrCard, &SWError{"SIGN auth", sw})
	case len(sig) == 0:
		return nil, newError(ErrCard, fmt.Errorf("empty signature"))
	}
	return sig, nil
}

// CertRead is one read of the user-authentication certificate, for counters, the CLI and the app.
type CertRead struct {
	Reader, Token string
	DER           []byte
	CADER         []byte // nil from ReadAuthCert (saves ⌈L/256⌉+1 APDUs); set by ReadAuthCertWithCA
	Cert          *x509.Certificate
	Serial        string // SerialHex(Cert)
	// APDUs counts the certificate read as such: SELECT AP + SELECT EF + ⌈L/256⌉ READ BINARY = 2 + ⌈L/256⌉.
	// The token check (SELECT EF 0006 + READ BINARY) adds 2, and the CA read 1 + ⌈L_CA/256⌉; TotalAPDUs has all.
	APDUs      int
	TotalAPDUs int
	Took       time.Duration // connect to parsed certificate
}

// SerialHex is the one spelling of a certificate serial used everywhere in mykeyterm: uppercase hex, no leading zeros.
func SerialHex(c *x509.Certificate) string { return strings.ToUpper(c.SerialNumber.Text(16)) }

// ReadAuthCert connects to the card in reader ("" = the first reader holding a My Number Card), checks it is a JPKI
// card and reads its user-authentication certificate. An expired certificate gives both the *CertRead and an error of
// kind ErrCertExpired, so the caller can still show what was read.
func ReadAuthCert(ctx context.Context, src Source, reader string) (*CertRead, error) {
	return readAuthCert(ctx, src, reader, false)
}

// ReadAuthCertWithCA is ReadAuthCert that also reads the CA certificate (EF 000B) into CADER.
func ReadAuthCertWithCA(ctx context.Context, src Source, reader string) (*CertRead, error) {
	return readAuthCert(ctx, src, reader, true)
}

func readAuthCert(ctx context.Context, src Source, reader string, withCA bool) (*CertRead, error) {
	start := time.Now()
	cr, err := readAuthCertFrom(ctx, src, reader, withCA, start)
	if err == nil || reader != "" || !isKind(err, ErrUnknownCard) {
		return cr, err
	}
	// The first card found is not a JPKI card (a patron card in the other reader): try the other readers.
	readers, rerr := src.Readers(ctx)
	if rerr != nil {
		return nil, err
	}
	first := err
	for _, r := range readers {
		cr, err := readAuthCertFrom(ctx, src, r, withCA, start)
		if err == nil || !isKind(err, ErrUnknownCard) && !isKind(err, ErrNoCard) {
			return cr, err
		}
	}
	return nil, first
}

func isKind(err, kind error) bool {
	e, ok := err.(*Error)
	return ok && e.Kind == kind
}

func readAuthCertFrom(ctx context.Context, src Source, reader string, withCA bool, start time.Time) (cr *CertRead, err error) {
	c, err := src.Connect(ctx, reader)
	if err != nil {
		return nil, asCardError(err)
	}
	defer c.Close()
	if tx, ok := c.(Transactor); ok {
		if err := tx.Begin(ctx); err != nil {
			return nil, asCardError(err)
		}
		defer func() {
			if eerr := tx.End(ctx); eerr != nil && err == nil {
				err = asCardError(eerr)
			}
		}()
	}
	j, err := OpenJPKI(ctx, c)
	if err != nil {
		return nil, err
	}
	before := j.APDUs()
	der, err := j.ReadAuthCert(ctx)
	if err != nil {
		return nil, err
	}
	cr = &CertRead{Reader: c.Reader(), Token: j.Token(), DER: der, APDUs: 1 + j.APDUs() - before}
	if withCA {
		if cr.CADER, err = j.ReadAuthCACert(ctx); err != nil {
			return nil, err
		}
	}
	cr.TotalAPDUs = j.APDUs()
	if cr.Cert, err = x509.ParseCertificate(der); err != nil {
		return nil, newError(ErrUnknownCard, fmt.Errorf("auth certificate: %w", err))
	}
	cr.Serial = SerialHex(cr.Cert)
	cr.Took = time.Since(start)
	if time.Now().After(cr.Cert.NotAfter) {
		return cr, newError(ErrCertExpired, fmt.Errorf("NotAfter %s", cr.Cert.NotAfter.Format(time.RFC3339)))
	}
	return cr, nil
}
