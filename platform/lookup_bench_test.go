package platform_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
)

// BenchmarkLookup measures service-ID lookups per second (screen 25 → 26) through the real HTTP stack on loopback:
// platformclient → net/http → token check → JPKI certificate check (parse, RSA chain verification, validity,
// revocation) → serial → MyKey ID → service ID → JSON. The baseline in the same run is a bare net/http handler on
// loopback answering the same request with a fixed LookupResult, called with the same JSON encoding on the client side.
// scripts/bench.sh prints platform/bare as a ratio, on bbolt (platform) and on PostgreSQL (platform_postgres).
func BenchmarkLookup(b *testing.B) {
	serverGC(b)
	for _, par := range []int{1, 8} {
		b.Run(fmt.Sprintf("platform/conc=%d", par), func(b *testing.B) {
			env := testenv.Platform(b)
			c := env.Enrolled(b, "00052489")
			der := profile(b, "yamada").AuthCertDER
			cx := ctx(b) // one context for the run, as the bare client below has none per call
			if _, err := c.Lookup(cx, der); err != nil {
				b.Fatal(err)
			}
			runConc(b, par, "lookups/s", func() error {
				r, err := c.Lookup(cx, der)
				if err == nil && r.CardNumber != platform.DemoYamadaLibCard {
					err = fmt.Errorf("card %s", r.CardNumber)
				}
				return err
			})
		})
		b.Run(fmt.Sprintf("platform_postgres/conc=%d", par), func(b *testing.B) {
			testenv.UseStore(b, "postgres")
			env := testenv.Platform(b)
			c := env.Enrolled(b, "00052489")
			der := profile(b, "yamada").AuthCertDER
			cx := ctx(b)
			if _, err := c.Lookup(cx, der); err != nil {
				b.Fatal(err)
			}
			runConc(b, par, "lookups/s", func() error {
				_, err := c.Lookup(cx, der)
				return err
			})
		})
		b.Run(fmt.Sprintf("bare_nethttp/conc=%d", par), func(b *testing.B) {
			answer, _ := json.Marshal(mkpf.LookupResult{IssuerID: "000001", IssuerName: "川崎市立図書館", CardNumber: "180000000011",
				Handoff: platform.DemoLibraryHandoff, CardValid: true, CardStatus: "valid"})
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				w.Write(answer)
			}))
			defer hs.Close()
			hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
			hc.Transport.(*http.Transport).MaxIdleConnsPerHost = 16
			der := profile(b, "yamada").AuthCertDER
			runConc(b, par, "lookups/s", func() error {
				body, _ := json.Marshal(mkpf.LookupRequest{AuthCert: der})
				resp, err := hc.Post(hs.URL+"/v1/lookup", "application/json", bytes.NewReader(body))
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				var res mkpf.LookupResult
				return json.NewDecoder(resp.Body).Decode(&res)
			})
		})
	}
}
