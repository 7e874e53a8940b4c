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

// grantDecodeCases are request bodies of the grant routes (valid and broken); they seed FuzzGrantRequests.
func grantDecodeCases(t testing.TB) []string {
	y, err := demopki.Get("yamada")
	if err != nil {
		t.Fatal(err)
	}
	cert := base64.StdEncoding.EncodeToString(y.AuthCertDER)
	gid := "00112233445566778899aabbccddeeff"
	return []string{
		`{"name":"清掃","department":"環境局","points_per_person":10,"program_id":"141305-jichitai","budget":100}`,
		`{"name":"清掃","points_per_person":-1,"program_id":"141305-ryuho","budget":9223372036854775807}`,
		`{"mykey_ids":["MY123456","KEY34567"]}`, `{"mykey_ids":["my123456","","NOBODY00"]}`, `{"auth_cert":"` + cert + `"}`,
		`{"mykey_ids":["MY123456"],"auth_cert":"` + cert + `"}`,
		`{"grants":[{"grant_id":"` + gid + `","project_id":"GP000001","sync_id":"x","hash":"00","at":"2026-01-01T00:00:00Z"}]}`,
		`{"grants":[{"grant_id":"zz","project_id":"GP000001"}]}`, `{"grants":null}`, `{"grants":[{}]}`,
		`{"grant_id":"` + gid + `","mykey_id":"MY123456"}`, `{"grant_id":"` + gid + `","mykey_id":"KEY34567"}`,
		`{"grant_id":"x","mykey_id":"MY123456"}`, `{"bogus":1}`, `[]`, `null`, ``, `{`, `{}{}`,
	}
}

// FuzzGrantRequests posts arbitrary bodies to every grant route as grant terminals of both municipalities, and checks
// that the answer is valid JSON or a well-formed, non-internal error envelope, and that the ledger invariant holds.
func FuzzGrantRequests(f *testing.F) {
	for i, c := range grantDecodeCases(f) {
		f.Add([]byte(c), uint8(i), uint8(i/2), "GP000001")
	}
	callers := []*Caller{
		{TerminalID: "00053063", Kind: mkpf.KindGrantOffice, Municipality: DemoMunicipality},
		{TerminalID: "00053062", Kind: mkpf.KindPointGrant, Municipality: DemoMunicipality},
		{TerminalID: DemoGrantForeignOffice, Kind: mkpf.KindGrantOffice, Municipality: DemoForeign},
	}
	f.Fuzz(func(t *testing.T, body []byte, which, who uint8, project string) {
		s := fuzzServer(t)
		routes := []struct {
			path string
			h    http.HandlerFunc
		}{
			{"/v1/grants/projects", s.handleGrantProjectCreate}, {"/v1/grants/projects/{id}/participants", s.handleParticipants},
			{"/v1/grants/projects/{id}/sync", s.handleGrantSync}, {"/v1/grants/upload", s.handleGrantUpload},
			{"/v1/grants/projects/{id}/grant-without-card", s.handleGrantWithoutCard}, {"/v1/grants/projects", s.handleGrantProjects},
		}
		rt := routes[int(which)%len(routes)]
		r := httptest.NewRequest("POST", "/v1/grants/x", bytes.NewReader(body))
		r.SetPathValue("id", project)
		r = r.WithContext(WithCaller(r.Context(), callers[int(who)%len(callers)]))
		w := httptest.NewRecorder()
		rt.h(w, r)
		if w.Code >= 200 && w.Code < 300 {
			if !json.Valid(w.Body.Bytes()) {
				t.Fatalf("%s: invalid JSON answer %q", rt.path, w.Body.Bytes())
			}
		} else {
			var env mkpf.ErrorEnvelope
			if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Error == nil || env.Error.Code == "" || env.Error.Message == "" {
				t.Fatalf("%s: HTTP %d without an error envelope: %q", rt.path, w.Code, w.Body.Bytes())
			}
			if env.Error.Code == mkpf.CodeInternal {
				t.Fatalf("%s: internal error for body %q", rt.path, body)
			}
		}
		if a, err := s.AuditLedger(); err != nil || !a.OK {
			t.Fatalf("ledger after %s %q: %+v %v", rt.path, body, a, err)
		}
	})
}
