package platform

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Certificate errors, each with its own code (screen 26 shows the message).
var (
	errCertInvalid = Errf(http.StatusUnprocessableEntity, mkpf.CodeCertInvalid, "マイナンバーカードの利用者証明用電子証明書を確認できません。カードを置き直してもう一度読み取ってください。")
	errCertExpired = Errf(http.StatusUnprocessableEntity, mkpf.CodeCertExpired, "利用者証明用電子証明書の有効期限が切れています。お住まいの市区町村の窓口で更新の手続きをご案内ください。")
	errCertRevoked = Errf(http.StatusUnprocessableEntity, mkpf.CodeCertRevoked, "この利用者証明用電子証明書は失効しています。お住まいの市区町村の窓口をご案内ください。")
	errSignInvalid = Errf(http.StatusUnprocessableEntity, mkpf.CodeCertInvalid, "署名用電子証明書を確認できません。カードを置き直してもう一度読み取ってください。")
	errSignExpired = Errf(http.StatusUnprocessableEntity, mkpf.CodeCertExpired, "署名用電子証明書の有効期限が切れています。住所変更の通知は登録できません。")
	errSignRevoked = Errf(http.StatusUnprocessableEntity, mkpf.CodeCertRevoked, "署名用電子証明書は失効しています。住所変更の通知は登録できません。")
)

// SerialHex is the serial spelling used everywhere (same as demopki.SerialHex and cardio.SerialHex).
func SerialHex(c *x509.Certificate) string { return strings.ToUpper(c.SerialNumber.Text(16)) }

// rootPools caches the trusted roots read from the database (invalidated by AddRoot, and read again after rootsTTL:
// another server process or an admin command on a shared PostgreSQL may have added one).
type rootPools struct {
	mu         sync.Mutex
	auth, sign *x509.CertPool
	loaded     time.Time
}

const rootsTTL = time.Minute

var errNoRoots = errors.New("no trusted roots")

func (s *Server) pools() (auth, sign *x509.CertPool, err error) {
	s.roots.mu.Lock()
	defer s.roots.mu.Unlock()
	if s.roots.auth != nil && time.Since(s.roots.loaded) < rootsTTL {
		return s.roots.auth, s.roots.sign, nil
	}
	auth, sign = x509.NewCertPool(), x509.NewCertPool()
	for _, c := range s.opts.ExtraAuthRoots {
		auth.AddCert(c)
	}
	for _, c := range s.opts.ExtraSignRoots {
		sign.AddCert(c)
	}
	err = s.db.View(func(tx kv.Tx) error {
		return tx.Bucket(bRoots).ForEach(func(k, v []byte) error {
			c, err := x509.ParseCertificate(append([]byte(nil), v...)) // copy: v is bbolt mmap memory, gone after the tx
			if err != nil {
				return nil // a bad stored root is skipped, not fatal
			}
			if strings.HasPrefix(string(k), "auth/") {
				auth.AddCert(c)
			} else {
				sign.AddCert(c)
			}
			return nil
		})
	})
	if err != nil {
		return nil, nil, err
	}
	s.roots.auth, s.roots.sign, s.roots.loaded = auth, sign, time.Now()
	return auth, sign, nil
}

// AddRoot trusts a JPKI root for user-authentication ("auth") or signing ("sign") certificates.
func (s *Server) AddRoot(kind string, der []byte) error {
	if kind != "auth" && kind != "sign" {
		return errors.New("root kind must be auth or sign")
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	if !c.IsCA {
		return errors.New("the certificate is not a CA certificate")
	}
	h := sha256.Sum256(der)
	err = s.db.Update(func(tx kv.Tx) error {
		return tx.Bucket(bRoots).Put([]byte(kind+"/"+hex.EncodeToString(h[:])), der)
	})
	s.roots.mu.Lock()
	s.roots.auth, s.roots.sign = nil, nil
	s.roots.mu.Unlock()
	return err
}

// checkedCert is a certificate that passed the chain, validity and revocation checks.
type checkedCert struct {
	Serial   string
	NotAfter time.Time
}

// verifyCert checks a JPKI certificate: it parses, chains to a trusted root of the kind (auth or sign), is within its
// validity period at the server's clock, and is not on the revocation list. It never logs the serial.
func (s *Server) verifyCert(der []byte, sign bool) (*checkedCert, error) {
	invalid, expired, revoked := errCertInvalid, errCertExpired, errCertRevoked
	if sign {
		invalid, expired, revoked = errSignInvalid, errSignExpired, errSignRevoked
	}
	if len(der) == 0 || len(der) > 16<<10 {
		return nil, invalid
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, invalid
	}
	authPool, signPool, err := s.pools()
	if err != nil {
		return nil, err
	}
	pool := authPool
	if sign {
		pool = signPool
	}
	now := s.now()
	if now.After(c.NotAfter) || now.Before(c.NotBefore) {
		// Expiry is reported only for a certificate that chains (at a time inside its validity), so a forged
		// certificate never gets the friendlier "expired" answer.
		at := c.NotAfter.Add(-time.Second)
		if now.Before(c.NotBefore) {
			at = c.NotBefore
		}
		if _, err := c.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			return nil, invalid
		}
		return nil, expired
	}
	if _, err := c.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, invalid
	}
	serial := SerialHex(c)
	var isRevoked bool
	if err := s.db.View(func(tx kv.Tx) error {
		var err error
		isRevoked, err = identityOf(tx).revoked(serial)
		return err
	}); err != nil {
		return nil, err
	}
	if isRevoked {
		return nil, revoked
	}
	return &checkedCert{Serial: serial, NotAfter: c.NotAfter}, nil
}
