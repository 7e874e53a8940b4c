//go:build wine

package wintest

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// The clerk's programs run without elevation: testdata/runasinvoker starts them with the limited token linked to
// wine's (elevated) one, as Windows starts what a clerk's account runs from the desktop icon.

// buildRunAsInvoker builds the launcher into the prefix's log folder.
func buildRunAsInvoker(t *testing.T, w *wine) string {
	t.Helper()
	exe := filepath.Join(w.logs, "runasinvoker.exe")
	if _, err := os.Stat(exe); err == nil {
		return exe
	}
	build := exec.Command("go", "build", "-o", exe, "./internal/wintest/testdata/runasinvoker")
	build.Dir, build.Env = repo(t), append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build runasinvoker: %v\n%s", err, out)
	}
	return exe
}

// clerkCLI runs the installed mykeyterm-cli.exe without elevation and returns its output and error.
func clerkCLI(t *testing.T, w *wine, args ...string) (string, error) {
	t.Helper()
	return w.cmd(2*time.Minute, wineBin, append([]string{buildRunAsInvoker(t, w), installedCLI}, args...)...)
}

// mustClerkCLI is clerkCLI that must exit 0.
func mustClerkCLI(t *testing.T, w *wine, args ...string) string {
	t.Helper()
	out, err := clerkCLI(t, w, args...)
	if err != nil {
		t.Fatalf("mykeyterm-cli %s (not elevated): %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// clerkRefused runs the installed CLI without elevation and requires it to fail with text in its output.
func clerkRefused(t *testing.T, w *wine, text string, args ...string) {
	t.Helper()
	out, err := clerkCLI(t, w, args...)
	if err == nil || !strings.Contains(out, text) {
		t.Fatalf("mykeyterm-cli %s (not elevated): %v, want a refusal with %q\n%s", strings.Join(args, " "), err, text, out)
	}
	if strings.Contains(out, "platform pin:") || strings.Contains(out, "sealed for") {
		t.Errorf("the Go error reached the clerk:\n%s", out)
	}
}

// setStateValue writes one value of terminal.db's state bucket (nil deletes it), as a program with write access to
// the state file's data (every staff account) could.
func setStateValue(t *testing.T, path, key string, val []byte) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		if val == nil {
			return tx.Bucket([]byte("state")).Delete([]byte(key))
		}
		return tx.Bucket([]byte("state")).Put([]byte(key), val)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// stateValue reads one value of terminal.db's state bucket.
func stateValue(t *testing.T, path, key string) []byte {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 10 * time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v []byte
	db.View(func(tx *bbolt.Tx) error {
		v = append([]byte(nil), tx.Bucket([]byte("state")).Get([]byte(key))...)
		return nil
	})
	return v
}

// writeCA writes a self-signed CA certificate (PEM) to file.
func writeCA(t *testing.T, file, name string) []byte {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, IsCA: true,
		BasicConstraintsValid: true, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}
