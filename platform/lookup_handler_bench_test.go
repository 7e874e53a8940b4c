package platform_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
)

// BenchmarkLookupHandler is the server's share of a lookup without the network: the API handler called directly
// with a recorded response (token check, terminal read, body, certificate cache, the lookup transaction, JSON).
func BenchmarkLookupHandler(b *testing.B) {
	env := testenv.Platform(b)
	c := env.Enrolled(b, "00052489")
	der := profile(b, "yamada").AuthCertDER
	if _, err := c.Lookup(ctx(b), der); err != nil {
		b.Fatal(err)
	}
	tok, _ := testenv.SeenAuth(c)
	body, _ := json.Marshal(mkpf.LookupRequest{AuthCert: der})
	h := env.Server.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest("POST", "/v1/lookup", bytes.NewReader(body))
		r.Header.Set("Authorization", tok)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
