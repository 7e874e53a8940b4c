package httpapi

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// The service-ID lookup (screen 25 → 26) is the platform's most frequent call: its body is one certificate,
// {"auth_cert":"<base64 DER>"}, exactly as platformclient (json.Marshal) writes it. decodeCanonical decodes that one
// canonical form directly; any other spelling of the same request (spaces, escapes, other keys, another order) goes
// through the strict generic decoder as before, so what the fast path accepts is a subset of what the generic path
// accepts, decoded to the same value (FuzzDecodeCanonical checks both).

// lookupPrefix is the canonical opening of a LookupRequest body.
const lookupPrefix = `{"auth_cert":"`

// decodeCanonical fills v from raw when raw is the canonical form of a request type with a fast path; false (v
// untouched) otherwise.
func decodeCanonical(raw []byte, v any) bool {
	switch v := v.(type) {
	case *mkpf.LookupRequest:
		b, ok := canonicalBytesObject(raw, lookupPrefix)
		if ok {
			v.AuthCert = b
		}
		return ok
	}
	return false
}

// canonicalBytesObject decodes raw of the form prefix + standard base64 + `"}` (a trailing newline allowed) the way
// encoding/json decodes a []byte field; false when raw has any other form or the base64 does not decode.
func canonicalBytesObject(raw []byte, prefix string) ([]byte, bool) {
	if !bytes.HasPrefix(raw, []byte(prefix)) {
		return nil, false
	}
	rest := bytes.TrimSuffix(raw[len(prefix):], []byte("\n"))
	if !bytes.HasSuffix(rest, []byte(`"}`)) {
		return nil, false
	}
	enc := rest[:len(rest)-2]
	// base64.StdEncoding.Decode refuses every byte outside its alphabet (so '"' and '\\' too) except CR and LF,
	// which it skips: a JSON string cannot hold those raw, so they mean another form.
	if bytes.IndexByte(enc, '\r') >= 0 || bytes.IndexByte(enc, '\n') >= 0 {
		return nil, false
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
	n, err := base64.StdEncoding.Decode(out, enc)
	if err != nil {
		return nil, false
	}
	return out[:n], true
}

// readLimited reads the whole request body, at most max bytes (a *http.MaxBytesError beyond), into one buffer sized
// from Content-Length when the client sent it.
func readLimited(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, max)
	size := 512
	if cl := r.ContentLength; cl > 0 && cl < max {
		size = int(cl) + 1 // room for the read that sees EOF
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
