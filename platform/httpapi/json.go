package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// MaxBody is the default request body limit: a JPKI certificate is about 1.5 KB, two of them with JSON base64
// overhead stay far below it.
const MaxBody = 64 << 10

// Errf builds an API error with a stable code and the Japanese message the terminal shows as is.
func Errf(status int, code, messageJA string) *mkpf.APIError {
	return &mkpf.APIError{Status: status, Code: code, Message: messageJA}
}

// The errors of reading a request body.
var (
	ErrBadJSON  = Errf(http.StatusBadRequest, mkpf.CodeBadRequest, "要求の形式が正しくありません。ソフトウェアを最新版に更新してください。")
	ErrTooLarge = Errf(http.StatusRequestEntityTooLarge, mkpf.CodeBadRequest, "要求が大きすぎます。")
)

// WriteJSON writes v as the JSON body with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteStored writes an already encoded answer (fresh or stored) of a state-changing call, with WriteJSON's headers
// and trailing newline.
func WriteStored(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
	w.Write([]byte("\n"))
}

// DecodeJSON reads the request body into v: at most max bytes (MaxBody when 0), one JSON value, unknown fields
// refused. On failure it returns an *mkpf.APIError.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any, max int64) error {
	_, err := readBody(w, r, v, max)
	return err
}

// ReadJSON is DecodeJSON that also returns the raw body (the input of an idempotency key's request hash).
func ReadJSON(w http.ResponseWriter, r *http.Request, v any, max int64) ([]byte, error) {
	return readBody(w, r, v, max)
}

// readBody reads the whole body (limited) for handlers that need the raw bytes (idempotency hashing) and decodes it.
func readBody(w http.ResponseWriter, r *http.Request, v any, max int64) ([]byte, error) {
	if max <= 0 {
		max = MaxBody
	}
	raw, err := readLimited(w, r, max)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, ErrTooLarge
		}
		return nil, ErrBadJSON
	}
	if decodeCanonical(raw, v) { // requestfast.go
		return raw, nil
	}
	if err := checkStrictJSON(raw, v); err != nil {
		return nil, ErrBadJSON
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, ErrBadJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, ErrBadJSON
	}
	return raw, nil
}
