package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"testing"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// genericLookupDecode is readBody's path for a body without a fast path: the strict check, then encoding/json with
// unknown fields refused and nothing after the value.
func genericLookupDecode(raw []byte) (mkpf.LookupRequest, bool) {
	var v mkpf.LookupRequest
	if checkStrictJSON(raw, &v) != nil {
		return v, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if dec.Decode(&v) != nil {
		return v, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return v, false
	}
	return v, true
}

// FuzzDecodeCanonical: whatever the lookup fast path accepts, the generic strict decoder accepts too and decodes to
// the same certificate bytes; what platformclient writes takes the fast path.
func FuzzDecodeCanonical(f *testing.F) {
	cert := bytes.Repeat([]byte{0x30, 0x82, 0xff, 0x00, 0x7f}, 300)
	canon, _ := json.Marshal(mkpf.LookupRequest{AuthCert: cert})
	for _, s := range []string{
		string(canon), string(canon) + "\n", `{"auth_cert":""}`, `{"auth_cert":"AA=="}`, `{"auth_cert":"AA="}`,
		`{"auth_cert":"A"}`, `{"auth_cert":"AAAA","auth_cert":"BBBB"}`, `{"auth_cert":"AA==" }`, `{"auth_cert":"\u0041A=="}`,
		`{"auth_cert":"AA\r\n=="}`, `{"auth_cert":"AA==","x":1}`, `{"auth_cert":"AA=="}}`, `{"auth_cert":"////"}`,
		`{"auth_cert":"A==A"}`, `{"auth_cert":null}`, `{"Auth_cert":"AA=="}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var fast mkpf.LookupRequest
		if !decodeCanonical(raw, &fast) {
			return
		}
		slow, ok := genericLookupDecode(raw)
		if !ok {
			t.Fatalf("fast path accepted what the strict decoder refuses: %q", raw)
		}
		if !bytes.Equal(fast.AuthCert, slow.AuthCert) || (fast.AuthCert == nil) != (slow.AuthCert == nil) {
			t.Fatalf("fast path decoded %x, the strict decoder %x: %q", fast.AuthCert, slow.AuthCert, raw)
		}
	})
}

func TestDecodeCanonical_ClientBodiesTakeTheFastPath(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 1500, 1501, 1502} {
		cert := make([]byte, n)
		for i := range cert {
			cert[i] = byte(i * 7)
		}
		raw, _ := json.Marshal(mkpf.LookupRequest{AuthCert: cert})
		var v mkpf.LookupRequest
		if !decodeCanonical(raw, &v) || !bytes.Equal(v.AuthCert, cert) {
			t.Fatalf("%d bytes: %s not decoded by the fast path (got %x)", n, raw, v.AuthCert)
		}
	}
	for _, raw := range []string{`{"auth_cert":"AAAA","auth_cert":"BBBB"}`, `{ "auth_cert":"AA=="}`, `{"auth_cert":"A"}`,
		`{"auth_cert":"` + base64.URLEncoding.EncodeToString([]byte{0xfb, 0xff}) + `"}`} {
		var v mkpf.LookupRequest
		if decodeCanonical([]byte(raw), &v) {
			t.Errorf("%s: taken by the fast path", raw)
		}
	}
}
