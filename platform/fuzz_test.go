package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/mkpf"
)

var (
	fuzzOnce sync.Once
	fuzzSrv  *Server
)

// fuzzServer is one demo server for all fuzz iterations of this process.
func fuzzServer(t testing.TB) *Server {
	fuzzOnce.Do(func() {
		dir, err := mkdirTemp()
		if err != nil {
			t.Fatal(err)
		}
		s, err := Open(filepath.Join(dir, "fuzz.db"), Options{Argon2Time: 1, Argon2Memory: 1024, LoginFailures: 1 << 30, AddrFailures: 1 << 30})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SeedDemo(); err != nil {
			t.Fatal(err)
		}
		fuzzSrv = s
	})
	return fuzzSrv
}

func certSeeds(f *testing.F) [][]byte {
	var out [][]byte
	for _, n := range []string{"yamada", "suzuki", "tanaka", "renewed", "expired", "revoked"} {
		p, err := demopki.Get(n)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, p.AuthCertDER, p.SignCertDER)
	}
	return append(out, demopki.AuthCADER(), nil, []byte{0x30, 0x82, 0x01}, []byte("garbage"))
}

// FuzzVerifyCert feeds arbitrary bytes to the certificate path (parse, chain, validity, revocation, serial → MyKey
// ID through the renewal feed). It must never panic, and it may accept only certificates that chain to the demo CA.
func FuzzVerifyCert(f *testing.F) {
	for _, c := range certSeeds(f) {
		f.Add(c, false)
		f.Add(c, true)
	}
	f.Fuzz(func(t *testing.T, der []byte, sign bool) {
		s := fuzzServer(t)
		cc, err := s.verifyCert(context.Background(), der, sign)
		if err != nil {
			var ae *mkpf.APIError
			if !asAPIError(err, &ae) || ae.Message == "" {
				t.Fatalf("certificate error without a clerk message: %v", err)
			}
			return
		}
		if cc.Serial == "" {
			t.Fatal("accepted certificate without serial")
		}
		if sign {
			return
		}
		_, err = s.lookup(context.Background(), &Caller{TerminalID: "00052489", Kind: mkpf.KindServiceID, Municipality: DemoMunicipality, IssuerID: DemoLibrary}, cc)
		if err != nil {
			var ae *mkpf.APIError
			if !asAPIError(err, &ae) {
				t.Fatalf("lookup of an accepted certificate: %v", err)
			}
		}
	})
}

// decodeCases are request bodies of the table tests; they seed FuzzDecodeRequests.
var decodeCases = []string{
	`{"terminal_id":"00052489","password":"8912k41a","fingerprint":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","device_key":"AA=="}`,
	`{"terminal_id":"00052489"}`,
	`{"auth_cert":"AAEC"}`,
	`{"auth_cert":"AAEC","card_number":"180000000011","address_notice":true,"sign_cert":"AAEC","replace":true}`,
	`{"location":"a","name":"b","issuer_id":"000001","person":"c","organization":"d","postal_code":"210-0004","address":"e","phone":"044-000-0000","email":"a@b.jp","email_confirm":"a@b.jp"}`,
	`{"terminal_id":"00052489","challenge":"AAAA","fingerprint":"AAAA","signature":"AAAA"}`,
	`{"bogus":1}`, `[]`, `null`, `{"card_number":1}`, `{"auth_cert":"!!"}`, ``, `{`, `{}{}`,
}

// FuzzDecodeRequests posts arbitrary bodies to every endpoint (authenticated ones with a caller in the context, as
// the middleware would put it) and checks the answer is either a success or a well-formed error envelope.
func FuzzDecodeRequests(f *testing.F) {
	for i, c := range decodeCases {
		f.Add([]byte(c), uint8(i))
	}
	type ep struct {
		method, path string
		h            http.HandlerFunc
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		s := fuzzServer(t)
		eps := []ep{
			{"POST", "/v1/enroll", s.handleEnroll}, {"POST", "/v1/auth/challenge", s.handleChallenge},
			{"POST", "/v1/auth/token", s.handleToken}, {"POST", "/v1/lookup", s.handleLookup},
			{"POST", "/v1/service-ids", s.handleRegister}, {"PUT", "/v1/contact", s.handlePutContact},
		}
		e := eps[int(which)%len(eps)]
		r := httptest.NewRequest(e.method, e.path, bytes.NewReader(body))
		// A foreign-municipality terminal: whatever the body, nothing of 川崎市 may change.
		r = r.WithContext(WithCaller(r.Context(), &Caller{TerminalID: "00060001", Kind: mkpf.KindServiceID, Municipality: DemoForeign, IssuerID: DemoForeignLibrary}))
		w := httptest.NewRecorder()
		e.h(w, r)
		if w.Code >= 200 && w.Code < 300 {
			if !json.Valid(w.Body.Bytes()) {
				t.Fatalf("%s: invalid JSON answer %q", e.path, w.Body.Bytes())
			}
			return
		}
		var env mkpf.ErrorEnvelope
		if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Error == nil || env.Error.Code == "" || env.Error.Message == "" {
			t.Fatalf("%s: HTTP %d without an error envelope: %q", e.path, w.Code, w.Body.Bytes())
		}
		if env.Error.Code == mkpf.CodeInternal {
			t.Fatalf("%s: internal error for body %q", e.path, body)
		}
	})
}
