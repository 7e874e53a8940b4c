package platform_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"
)

// post sends v as JSON and checks the status; out may be nil.
func post(t testing.TB, url string, v any, out any, wantStatus int) []byte {
	t.Helper()
	body, _ := json.Marshal(v)
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("POST %s: HTTP %d (want %d): %s", url, resp.StatusCode, wantStatus, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
	return raw
}

type endpoint struct {
	method, path string
	serviceOnly  bool
}

// endpoints are every authenticated endpoint of the identity half, with whether only service-ID terminals may call it.
var endpoints = []endpoint{
	{"GET", "/v1/terminal", false},
	{"GET", "/v1/issuers", false},
	{"GET", "/v1/contact", false},
	{"PUT", "/v1/contact", false},
	{"POST", "/v1/lookup", true},
	{"POST", "/v1/service-ids", true},
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
