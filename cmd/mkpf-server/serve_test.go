package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// The test binary doubles as mkpf-server when MKPF_SERVER_MAIN=1, so serve runs as a real process.
func init() {
	if os.Getenv("MKPF_SERVER_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
}

func selfSignedTLS(t *testing.T, dir string) (certFile, keyFile string) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "mkpf test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "tls.pem"), filepath.Join(dir, "tls.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServe_DemoOverTLSThenGracefulStop runs `mkpf-server serve --demo --tls-cert --tls-key` as a process, enrolls and
// looks up through HTTPS with the CA file, then stops it with SIGTERM (exit 0) and checks the data survived.
func TestServe_DemoOverTLSThenGracefulStop(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := selfSignedTLS(t, dir)
	addr := freePort(t)
	db := testStore(t, filepath.Join(dir, "data", "p.db"))
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "serve", "--demo", "--addr", addr, "--db", db, "--tls-cert", certFile, "--tls-key", keyFile)
		cmd.Env = append(os.Environ(), "MKPF_SERVER_MAIN=1")
		var logs strings.Builder
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		for i := 0; i < 200; i++ {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				return cmd
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("server did not start: %s", logs.String())
		return nil
	}
	srv := start()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := platformclient.Open(t.TempDir(), platformclient.Options{CAFile: certFile})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Enroll(ctx, "https://"+addr, "00052489", "8912k41a"); err != nil {
		t.Fatal(err)
	}
	y, _ := demopki.Get("yamada")
	if r, err := c.Lookup(ctx, y.AuthCertDER); err != nil || r.CardNumber != "180000000011" {
		t.Fatalf("%+v %v", r, err)
	}
	srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	// Restarted on the same file (--demo again changes nothing): the enrollment is still there.
	start()
	if _, err := c.Issuers(ctx); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}
