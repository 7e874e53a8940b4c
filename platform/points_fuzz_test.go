package platform

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/mkpf"
)

// pointsDecodeCases are request bodies of the points routes (valid and broken); they seed FuzzPointsRequests.
func pointsDecodeCases(t testing.TB) []string {
	y, err := demopki.Get("yamada")
	if err != nil {
		t.Fatal(err)
	}
	cert := base64.StdEncoding.EncodeToString(y.AuthCertDER)
	return []string{
		`{"auth_cert":"` + cert + `"}`,
		`{"shop_card":"520625"}`,
		`{"auth_cert":"` + cert + `","program_id":"141305-jichitai","points":5}`,
		`{"auth_cert":"` + cert + `","program_id":"141305-jichitai","points":-5}`,
		`{"auth_cert":"` + cert + `","program_id":"141305-ryuho","points":1}`,
		`{"auth_cert":"` + cert + `","program_id":"141305-jichitai","points":1,"expires":"2099-01-01"}`,
		`{"shop_card":"520625","points":1}`,
		`{"code":"9876-5432"}`, `{"code":"MKV-AAAA"}`, `{"code":"` + "MKV-" + string(bytes.Repeat([]byte("A"), 136)) + `"}`,
		`{"mykey_id":"MY123456","program_id":"141305-jichitai","points":1}`,
		`{"login_id":"00052589","password":"15ad3z09a"}`,
		`{"points":9223372036854775807,"program_id":"141305-jichitai","shop_card":"520625"}`,
		`{"bogus":1}`, `[]`, `null`, ``, `{`, `{}{}`, `{"auth_cert":"!!"}`,
	}
}

// FuzzPointsRequests posts arbitrary bodies to every points route as terminals of each kind, and checks that the
// answer is a success with valid JSON or a well-formed, non-internal error envelope, and that the ledger invariant
// still holds.
func FuzzPointsRequests(f *testing.F) {
	for i, c := range pointsDecodeCases(f) {
		f.Add([]byte(c), uint8(i), uint8(i/3))
	}
	callers := []*Caller{
		{TerminalID: "00052589", Kind: mkpf.KindPointUse, Municipality: DemoMunicipality},
		{TerminalID: "00053059", Kind: mkpf.KindVoucher, Municipality: DemoMunicipality},
		{TerminalID: "00052490", Kind: mkpf.KindServiceID, TakesPoints: true, Municipality: DemoMunicipality, IssuerID: DemoShoppingStreet},
		{TerminalID: "00053062", Kind: mkpf.KindPointGrant, Municipality: DemoMunicipality},
		{TerminalID: DemoForeignPointUse, Kind: mkpf.KindPointUse, Municipality: DemoForeign},
	}
	f.Fuzz(func(t *testing.T, body []byte, which, who uint8) {
		s := fuzzServer(t)
		type ep struct{ method, path string }
		eps := []ep{{"POST", "/v1/points/balances"}, {"POST", "/v1/points/use"}, {"POST", "/v1/points/vouchers"},
			{"POST", "/v1/points/vouchers/reissue"}, {"POST", "/v1/points/vouchers/lookup"}, {"POST", "/v1/points/vouchers/clear"},
			{"POST", "/v1/points/merge"}, {"POST", "/v1/points/grants"}, {"POST", "/v1/points/login"}}
		e := eps[int(which)%len(eps)]
		c := callers[int(who)%len(callers)]
		// Call the handler behind the auth middleware directly, with the caller it would have put in the context.
		r := httptest.NewRequest(e.method, e.path, bytes.NewReader(body))
		r = r.WithContext(WithCaller(r.Context(), c))
		w := httptest.NewRecorder()
		pointsHandler(s, e.path)(w, r)
		if w.Code >= 200 && w.Code < 300 {
			if !json.Valid(w.Body.Bytes()) {
				t.Fatalf("%s: invalid JSON answer %q", e.path, w.Body.Bytes())
			}
		} else {
			var env mkpf.ErrorEnvelope
			if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Error == nil || env.Error.Code == "" || env.Error.Message == "" {
				t.Fatalf("%s: HTTP %d without an error envelope: %q", e.path, w.Code, w.Body.Bytes())
			}
			if env.Error.Code == mkpf.CodeInternal {
				t.Fatalf("%s as %s: internal error for body %q", e.path, c.TerminalID, body)
			}
		}
		if a, err := s.AuditLedger(); err != nil || !a.OK {
			t.Fatalf("ledger after %s %q: %+v %v", e.path, body, a, err)
		}
	})
}

// pointsHandler is the handler of a points route with its kind check but without the token middleware.
func pointsHandler(s *Server, path string) http.HandlerFunc {
	ops := map[string]struct {
		op pointsOp
		h  http.HandlerFunc
	}{
		"/v1/points/balances": {opBalances, s.handleBalances}, "/v1/points/use": {opUse, s.handleUse},
		"/v1/points/vouchers": {opIssue, s.handleVoucherIssue}, "/v1/points/vouchers/reissue": {opIssue, s.handleVoucherReissue},
		"/v1/points/vouchers/lookup": {opClear, s.handleVoucherLookup}, "/v1/points/vouchers/clear": {opClear, s.handleVoucherClear},
		"/v1/points/merge": {opMerge, s.handleMerge}, "/v1/points/grants": {opGrant, s.handleFreeGrantRefused},
	}
	if path == "/v1/points/login" {
		return s.handlePointsLogin
	}
	o := ops[path]
	return func(w http.ResponseWriter, r *http.Request) {
		c, _ := CallerFrom(r.Context())
		if !allowedOp(c, o.op) {
			s.WriteError(w, r, errPtForbidden)
			return
		}
		o.h(w, r)
	}
}
