//go:build !android

package cardio_test

// Tests on the real PC/SC stack: ebfe/scard → libpcsclite → pcscd → vpcd → the virtual card served by this process.
// testenv.PCSCD starts pcscd if needed and fails (never skips) when pcscd or vpcd is missing.

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
)

func newPCSC(t testing.TB) *cardio.PCSC {
	t.Helper()
	p, err := cardio.NewPCSC()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPCSC_ReadsTheAuthCertThroughPcscd(t *testing.T) {
	env := testenv.PCSCD(t)
	env.InsertVirtual(t, "yamada", 0)
	src := newPCSC(t)
	readers, err := src.Readers(context.Background())
	if err != nil || len(readers) < 2 {
		t.Fatalf("readers %q, %v", readers, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cr, err := cardio.ReadAuthCertWithCA(ctx, src, "")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := demopki.Get("yamada")
	if cr.Reader != testenv.VPCDReader(0) || cr.Serial != p.Serial || !bytes.Equal(cr.DER, p.AuthCertDER) ||
		!bytes.Equal(cr.CADER, demopki.AuthCADER()) {
		t.Fatalf("read %s from %q", cr.Serial, cr.Reader)
	}
	if want := 2 + ceil256(len(p.AuthCertDER)); cr.APDUs != want {
		t.Fatalf("APDUs %d, want %d", cr.APDUs, want)
	}
}

func TestPCSC_PINsSigningAndThePatronCardThroughPcscd(t *testing.T) {
	env := testenv.PCSCD(t)
	env.InsertVirtual(t, "suzuki", 0)
	env.InsertVirtual(t, "libcard-180000000011", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	src := newPCSC(t)
	c, err := src.Connect(ctx, testenv.VPCDReader(0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	j, err := cardio.OpenJPKI(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := j.PINTries(ctx, cardio.PINAuth); err != nil || n != 3 {
		t.Fatalf("tries %d %v", n, err)
	}
	var w *cardio.WrongPINError
	if err := j.VerifyPIN(ctx, cardio.PINAuth, "0000"); !errors.As(err, &w) || w.Left != 2 {
		t.Fatalf("wrong PIN: %v", err)
	}
	if err := j.VerifyPIN(ctx, cardio.PINAuth, "1234"); err != nil {
		t.Fatal(err)
	}
	if sig, err := j.SignAuth(ctx, make([]byte, 51)); err != nil || len(sig) != 256 {
		t.Fatalf("sign: %d bytes, %v", len(sig), err)
	}
	if _, err := j.ReadSignCert(ctx); !errors.Is(err, cardio.ErrPINRequired) {
		t.Fatalf("sign cert without PIN: %v", err)
	}
	lib, err := src.Connect(ctx, testenv.VPCDReader(1))
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	uid, number, err := cardio.ReadPatronCard(ctx, lib, &cardio.FeliCaProfile{ServiceCode: 0x100B})
	if err != nil || uid != "012E4CD123456789" || number != "180000000011" {
		t.Fatalf("patron card %q %q %v", uid, number, err)
	}
}

func TestPCSC_NoCardIsATypedError(t *testing.T) {
	testenv.PCSCD(t)
	_, err := cardio.ReadAuthCert(context.Background(), newPCSC(t), "")
	wantKind(t, err, cardio.ErrNoCard)
	_, err = cardio.ReadAuthCert(context.Background(), newPCSC(t), "No Such Reader 00 00")
	wantKind(t, err, cardio.ErrNoReader)
}

func TestPCSC_SecondProgramGetsASharingViolation(t *testing.T) {
	env := testenv.PCSCD(t)
	env.InsertVirtual(t, "tanaka", 0)
	ctx := context.Background()
	c, err := newPCSC(t).Connect(ctx, testenv.VPCDReader(0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = newPCSC(t).Connect(ctx, testenv.VPCDReader(0))
	wantKind(t, err, cardio.ErrSharing)
}

func TestPCSC_WatchReportsInsertionAndRemoval(t *testing.T) {
	env := testenv.PCSCD(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	events, err := newPCSC(t).Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reader := testenv.VPCDReader(1)
	next := func(present bool) cardio.Event {
		t.Helper()
		for e := range events {
			if e.Reader == reader && e.Present == present {
				return e
			}
		}
		t.Fatalf("no event present=%v for %s", present, reader)
		return cardio.Event{}
	}
	next(false)
	remove := env.InsertVirtual(t, "libcard-180000000011", 1)
	if e := next(true); !bytes.Equal(e.ATR, vcard.ATRFeliCa) {
		t.Fatalf("ATR % X", e.ATR)
	}
	remove()
	next(false)
}

// The card leaves at every APDU position of a read (OpenJPKI + certificate): a typed error each time, no panic, and
// a clean read after re-insertion.
func TestPCSC_CardRemovedAtEveryAPDUPosition(t *testing.T) {
	env := testenv.PCSCD(t)
	p, _ := demopki.Get("yamada")
	n := 2 + 2 + ceil256(len(p.AuthCertDER))
	src := newPCSC(t)
	for pos := 1; pos <= n; pos++ {
		c, _ := vcard.New("yamada")
		c.DropAt = pos
		remove := env.InsertCard(t, c, 0)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := cardio.ReadAuthCert(ctx, src, testenv.VPCDReader(0))
		cancel()
		t.Logf("position %d: %v", pos, err)
		var ce *cardio.Error
		if !errors.As(err, &ce) || ce.Kind != cardio.ErrCardRemoved {
			t.Fatalf("position %d: want ErrCardRemoved, got %v", pos, err)
		}
		remove()
		remove = env.InsertVirtual(t, "yamada", 0)
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
		cr, err := cardio.ReadAuthCert(ctx, src, "")
		cancel()
		if err != nil || cr.Serial != p.Serial {
			t.Fatalf("position %d: read after re-insertion: %v", pos, err)
		}
		remove()
	}
}

// A card that never answers: the caller gets ErrTimeout at its deadline; the stuck PC/SC call stays in its goroutine
// until the card leaves, and a new connection after re-insertion reads cleanly.
func TestPCSC_HangingCardTimesOutAndTheReaderRecovers(t *testing.T) {
	env := testenv.PCSCD(t)
	c, _ := vcard.New("yamada")
	c.HangAt = 5
	remove := env.InsertCard(t, c, 0)
	src := newPCSC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	start := time.Now()
	_, err := cardio.ReadAuthCert(ctx, src, testenv.VPCDReader(0))
	cancel()
	wantKind(t, err, cardio.ErrTimeout)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("returned after %v", d)
	}
	remove()
	env.InsertVirtual(t, "yamada", 0)
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cardio.ReadAuthCert(ctx, src, ""); err != nil {
		t.Fatalf("read after the hang: %v", err)
	}
}

// OpenSC, a client nobody here wrote, reads the virtual card's certificate byte for byte.
func TestOpenSC_ReadsTheSameAuthCertificate(t *testing.T) {
	env := testenv.PCSCD(t)
	tool, err := exec.LookPath("pkcs15-tool")
	if err != nil {
		t.Fatal("pkcs15-tool missing: apt-get install opensc (scripts/install-deps.sh)")
	}
	env.InsertVirtual(t, "yamada", 0)
	out := filepath.Join(t.TempDir(), "cert.pem")
	cmd := exec.Command(tool, "--no-cache", "--reader", "0", "--read-certificate", "01", "-o", out)
	cmd.Env = append(os.Environ(), "OPENSC_CONF=/dev/null")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pkcs15-tool: %v\n%s", err, b)
	}
	pemBytes, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(pemBytes)
	p, _ := demopki.Get("yamada")
	if blk == nil || !bytes.Equal(blk.Bytes, p.AuthCertDER) {
		t.Fatalf("OpenSC read a different certificate:\n%s", pemBytes)
	}
}

// BenchmarkReadAuthCert compares the certificate read through pcscd with the in-process card (the baseline, same
// run): time per read and APDUs per read.
func BenchmarkReadAuthCert(b *testing.B) {
	b.Run("inprocess", func(b *testing.B) {
		src := vcard.NewSource()
		src.Insert("yamada")
		benchRead(b, src, "")
	})
	b.Run("pcscd", func(b *testing.B) {
		env := testenv.PCSCD(b)
		env.InsertVirtual(b, "yamada", 0)
		benchRead(b, newPCSC(b), testenv.VPCDReader(0))
	})
	// The certificate read alone (SELECT AP, SELECT EF, READ BINARY x4) on a connection held open.
	b.Run("pcscd-connected", func(b *testing.B) {
		env := testenv.PCSCD(b)
		env.InsertVirtual(b, "yamada", 0)
		ctx := context.Background()
		c, err := newPCSC(b).Connect(ctx, testenv.VPCDReader(0))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		apdus := 0
		for b.Loop() {
			j, err := cardio.OpenJPKI(ctx, c)
			if err != nil {
				b.Fatal(err)
			}
			before := j.APDUs()
			if _, err := j.ReadAuthCert(ctx); err != nil {
				b.Fatal(err)
			}
			apdus = 1 + j.APDUs() - before
		}
		b.ReportMetric(float64(apdus), "APDUs/read")
	})
}

func benchRead(b *testing.B, src cardio.Source, reader string) {
	ctx := context.Background()
	apdus := 0
	b.ResetTimer()
	for b.Loop() {
		cr, err := cardio.ReadAuthCert(ctx, src, reader)
		if err != nil {
			b.Fatal(err)
		}
		apdus = cr.APDUs
	}
	b.ReportMetric(float64(apdus), "APDUs/read")
}
