//go:build windows

package winunit

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"
	"golang.org/x/sys/windows/registry"

	"github.com/mykeyterm/mykeyterm/platformclient"
)

// The platform pin in this prefix's HKLM (the test runs elevated, as wine's programs do, like the installer's step):
// WritePlatformPin refuses what is not a platform URL or a PEM CA; a pinned folder's client shows the pinned URL
// before enrolment and refuses a state file pointing elsewhere or naming another CA file.
func TestSecurity_PlatformPinWrittenToHKLMDecidesThePlatform(t *testing.T) {
	pd := os.Getenv("ProgramData")
	if pd == "" {
		pd = `C:\ProgramData`
	}
	dir := filepath.Join(pd, fmt.Sprintf("mykeyterm-pinunit-%d", time.Now().UnixNano()))
	t.Cleanup(func() {
		os.RemoveAll(dir)
		registry.DeleteKey(registry.LOCAL_MACHINE, `SOFTWARE\mykeyterm\StateFolders\`+folderKey(t, dir))
	})
	if err := platformclient.EnsureStateFolder(dir, true); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp("", "pinunit") // not t.TempDir: Go's RemoveAll fails under wine ("Invalid function")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	ca, evil, junk := filepath.Join(tmp, "ca.pem"), filepath.Join(tmp, "evil.pem"), filepath.Join(tmp, "junk.pem")
	writeCA(t, ca)
	writeCA(t, evil)
	os.WriteFile(junk, []byte("not a certificate"), 0o644)

	for _, c := range []struct{ url, ca, want string }{
		{"http://mkpf.example.jp", "", "https://"},
		{"ftp://mkpf.example.jp", "", "URL"},
		{"https://mkpf.example.jp", junk, "PEM"},
		{"https://mkpf.example.jp", filepath.Join(tmp, "missing.pem"), "PEM"},
	} {
		err := platformclient.WritePlatformPin(dir, c.url, c.ca)
		if err == nil || !strings.Contains(platformclient.Message(err), c.want) {
			t.Errorf("WritePlatformPin(%q, %q) = %v (%q), want a refusal with %q", c.url, c.ca, err, platformclient.Message(err), c.want)
		}
	}
	if err := platformclient.WritePlatformPin(dir, "https://mkpf.example.jp/", ca); err != nil {
		t.Fatal(err)
	}
	c, err := platformclient.Open(dir, platformclient.Options{})
	if err != nil {
		t.Fatalf("Open a pinned, not yet enrolled folder: %v", err)
	}
	if got := c.PlatformURL(); got != "https://mkpf.example.jp" {
		t.Errorf("the platform URL before enrolment is %q, want the pinned https://mkpf.example.jp (screen 9's field)", got)
	}
	if err := c.SetCAFile(evil); err == nil || !strings.Contains(platformclient.Message(err), "管理者が設定したもの") {
		t.Errorf("SetCAFile(another CA) = %v, want the pin's refusal", err)
	}
	if err := c.SetCAFile(ca); err != nil {
		t.Errorf("SetCAFile(the pinned CA's file) = %v", err)
	}
	c.Close()

	for _, s := range []struct{ key, val string }{
		{"platform_url", "https://evil.example.jp"},
		{"ca_file", evil},
	} {
		setState(t, dir, map[string]string{"platform_url": "https://mkpf.example.jp", "ca_file": "", s.key: s.val})
		c, err := platformclient.Open(dir, platformclient.Options{})
		if err == nil {
			c.Close()
			t.Fatalf("Open with %s=%s in the state file: no refusal", s.key, s.val)
		}
		if msg := platformclient.Message(err); !strings.Contains(msg, "管理者が設定したもの") || strings.Contains(msg, "platform pin") {
			t.Errorf("Open with %s=%s: %q", s.key, s.val, msg)
		}
	}
	setState(t, dir, map[string]string{"platform_url": "https://mkpf.example.jp", "ca_file": ""})
	c, err = platformclient.Open(dir, platformclient.Options{})
	if err != nil {
		t.Fatalf("Open with the pinned platform: %v", err)
	}
	c.Close()
}

// folderKey is the pin's registry key name of a state folder (as platformpin_windows.go derives it).
func folderKey(t *testing.T, dir string) string {
	t.Helper()
	return platformclient.PinKeyName(dir)
}

func writeCA(t *testing.T, file string) {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: file}, IsCA: true,
		BasicConstraintsValid: true, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
}

// setState writes values of terminal.db's state bucket, as a staff account with write access to its data could.
func setState(t *testing.T, dir string, vals map[string]string) {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(dir, platformclient.StateFile), 0o600, &bbolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("state"))
		if err != nil {
			return err
		}
		for k, v := range vals {
			if err := b.Put([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
