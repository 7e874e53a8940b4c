package platform

// The server's JPKI certificate checks: the trusted roots stored in the database (and Options' extra roots), the
// revocation list, and the API errors of each refusal. The checks that need no store (parsing, chaining, validity,
// the caches) are platform/pki's.

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/pki"

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

// SerialHex is the serial spelling used everywhere (pki.SerialHex).
func SerialHex(c *x509.Certificate) string { return pki.SerialHex(c) }

// checkedCert is a certificate that passed the chain, validity and revocation checks.
type checkedCert = pki.Checked

// pools returns the trusted root pools (cached by s.roots for pki.RootsTTL).
func (s *Server) pools() (auth, sign *x509.CertPool, err error) {
	return s.roots.Pools(s.loadRoots)
}

// loadRoots reads the trusted roots: Options' extra roots and those stored in the database.
func (s *Server) loadRoots() (auth, sign *x509.CertPool, err error) {
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
	s.roots.Forget()
	return err
}

// verifyCert checks a JPKI certificate: it parses, chains to a trusted root of the kind (auth or sign), is within its
// validity period at the server's clock, and is not on the revocation list. It never logs the serial.
func (s *Server) verifyCert(ctx context.Context, der []byte, sign bool) (*checkedCert, error) {
	invalid, expired, revoked := errCertInvalid, errCertExpired, errCertRevoked
	if sign {
		invalid, expired, revoked = errSignInvalid, errSignExpired, errSignRevoked
	}
	c, err := pki.Parse(der)
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
	switch err := pki.VerifyChain(c, pool, s.now()); {
	case errors.Is(err, pki.ErrExpired):
		return nil, expired
	case err != nil:
		return nil, invalid
	}
	serial := SerialHex(c)
	var isRevoked bool
	if err := s.db.ViewContext(ctx, func(tx kv.Tx) error {
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

// verifyAuthChainCached is verifyCert(der, false) with the chain and validity check cached (s.certs, pki.ChainCache).
// On a cache hit the revocation list is NOT read: the caller checks it (identityRows.holder) in the transaction it runs
// anyway (the lookup, the points calls through resolveRef), which saves a read transaction per call: a tenth of a
// lookup's cost on bbolt, a round trip on PostgreSQL.
func (s *Server) verifyAuthChainCached(ctx context.Context, der []byte) (*checkedCert, error) {
	if cc, ok := s.certs.Get(der, s.now()); ok {
		return cc, nil
	}
	return s.verifyAndCache(ctx, der)
}

// verifyAndCache runs the full check (verifyCert) and caches a success.
func (s *Server) verifyAndCache(ctx context.Context, der []byte) (*checkedCert, error) {
	now := s.now()
	cc, err := s.verifyCert(ctx, der, false)
	if err != nil {
		return nil, err
	}
	s.certs.Put(der, *cc, now)
	return cc, nil
}
