package platformclient_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// Finding 6: the client accepted http:// to any host, so passwords, tokens and certificates could cross a network in
// clear. Plain HTTP goes to loopback only.
func TestSecurity_ClientRefusesPlainHTTPExceptLoopback(t *testing.T) {
	for _, u := range []string{"http://192.0.2.10:8080", "http://platform.example.jp", "http://[2001:db8::1]/"} {
		if _, err := platformclient.NormalizeURL(u); err == nil {
			t.Errorf("%s accepted", u)
		} else if msg := platformclient.Message(err); msg == "" {
			t.Errorf("%s: no message", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:80", "https://platform.example.jp"} {
		if _, err := platformclient.NormalizeURL(u); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	c, err := platformclient.Open(t.TempDir(), platformclient.Options{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Enroll(ctx, "http://192.0.2.10:8080", "00052489", "8912k41a"); err == nil {
		t.Fatal("enrolled over plain HTTP to another host")
	}
}

// rogueServer is a platform that answers a merge with a file name of its choosing.
func rogueServer(t *testing.T, fileName string) string {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("POST /v1/enroll", func(w http.ResponseWriter, r *http.Request) {
		reply(w, mkpf.EnrollResult{Terminal: mkpf.TerminalInfo{TerminalID: "00052490", Kind: mkpf.KindServiceID, TakesPoints: true}, PointsSession: "s"})
	})
	mux.HandleFunc("POST /v1/auth/challenge", func(w http.ResponseWriter, r *http.Request) {
		reply(w, mkpf.ChallengeResult{Challenge: []byte("c"), ExpiresAt: time.Now().Add(time.Minute)})
	})
	mux.HandleFunc("POST /v1/auth/token", func(w http.ResponseWriter, r *http.Request) {
		reply(w, mkpf.TokenResult{Token: "t", ExpiresAt: time.Now().Add(time.Hour)})
	})
	mux.HandleFunc("POST /v1/points/merge", func(w http.ResponseWriter, r *http.Request) {
		reply(w, mkpf.MergeResult{Txn: "20260101000000-000001", FileName: fileName, File: []byte("x")})
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return hs.URL
}

// Finding 10: merge file names from the server passed "." and "..". Only names of the merge-file format are written.
func TestSecurity_MergeFileNameFromTheServerIsChecked(t *testing.T) {
	for _, name := range []string{"..", ".", ".bashrc", "merge-1.mkpm", "merge-20260101000000-000001.mkpm/x", "evil.exe"} {
		c, err := platformclient.Open(t.TempDir(), platformclient.Options{Timeout: 5 * time.Second, Retries: -1})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if _, err := c.Enroll(ctx, rogueServer(t, name), "00052490", "0t10d630"); err != nil {
			t.Fatal(err)
		}
		_, path, err := c.Merge(ctx, mkpf.MergeRequest{Points: 1}, "", "")
		cancel()
		if err == nil {
			t.Errorf("file name %q accepted (written to %s)", name, path)
		}
		entries, _ := os.ReadDir(c.MergeFolder(""))
		if len(entries) != 0 {
			t.Errorf("file name %q: the merge folder holds %d entries", name, len(entries))
		}
		c.Close()
	}
	c, _ := platformclient.Open(t.TempDir(), platformclient.Options{Timeout: 5 * time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.Enroll(ctx, rogueServer(t, "merge-20260101000000-000001.mkpm"), "00052490", "0t10d630")
	if _, path, err := c.Merge(ctx, mkpf.MergeRequest{Points: 1}, "", ""); err != nil {
		t.Fatalf("a well-formed name: %v", err)
	} else if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
