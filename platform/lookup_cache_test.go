package platform_test

import (
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
)

// TestScreen26_RevocationAppliesAtOnceDespiteTheChainCache: the lookup path caches the certificate chain check (the
// RSA verification) but reads the revocation list in the lookup's own transaction, so a card revoked after a lookup
// is refused at the next one.
func TestScreen26_RevocationAppliesAtOnceDespiteTheChainCache(t *testing.T) {
	eachStore(t, func(t *testing.T) {
		env := testenv.Platform(t)
		c := env.Enrolled(t, "00052489")
		der := profile(t, "yamada").AuthCertDER
		for i := 0; i < 2; i++ { // verified, then from the cache
			if res, err := c.Lookup(ctx(t), der); err != nil || res.CardNumber != "180000000011" {
				t.Fatalf("lookup %d: %+v %v", i, res, err)
			}
		}
		if err := env.Server.RevokeCert(der, "lost"); err != nil {
			t.Fatal(err)
		}
		_, err := c.Lookup(ctx(t), der)
		if codeOf(err) != mkpf.CodeCertRevoked {
			t.Fatalf("lookup after revocation: %v, want %s", err, mkpf.CodeCertRevoked)
		}
		apiErr(t, err)
	})
}
