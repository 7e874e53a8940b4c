package testenv

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// CUPSEnv is the real CUPS scheduler of the machine (started by Cupsd when it is not running) with a cups-pdf queue:
// printing tests send jobs over IPP to localhost:631 and find what came out.
type CUPSEnv struct {
	PDFQueue string // a cups-pdf queue: every job becomes a PDF file (FindPDF)
	since    time.Time
}

// PDFQueue is the cups-pdf queue Cupsd creates.
const PDFQueue = "MYKEYTERM_PDF"

// Cupsd makes sure cupsd runs (starting `/usr/sbin/cupsd -f` and stopping it at cleanup if it was not running) and has
// the cups-pdf queue. It holds the "cupsd" lock until cleanup, so tests in other packages wait their turn.
func Cupsd(t testing.TB) *CUPSEnv {
	t.Helper()
	Lock(t, "cupsd")
	cupsd := "/usr/sbin/cupsd"
	if _, err := os.Stat(cupsd); err != nil {
		t.Fatalf("cupsd is missing: install it with `apt-get install -y cups cups-client printer-driver-cups-pdf` (or run scripts/install-deps.sh)")
	}
	Need(t, "lpadmin", "cups-client")
	if _, err := os.Stat("/usr/lib/cups/backend/cups-pdf"); err != nil {
		t.Fatalf("the cups-pdf backend is missing: install it with `apt-get install -y printer-driver-cups-pdf`")
	}
	if !cupsUp() {
		cmd := exec.Command(cupsd, "-f")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil // never hold go test's pipes open
		if err := cmd.Start(); err != nil {
			t.Fatalf("start cupsd: %v", err)
		}
		t.Cleanup(func() { _ = cmd.Process.Signal(os.Interrupt); cupsWait(cmd, 5*time.Second) })
		deadline := time.Now().Add(15 * time.Second)
		for !cupsUp() {
			if time.Now().After(deadline) {
				t.Fatalf("cupsd did not start listening on localhost:631 within 15 s")
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if out, err := exec.Command("lpstat", "-p", PDFQueue).CombinedOutput(); err != nil {
		if out, err := exec.Command("lpadmin", "-p", PDFQueue, "-v", "cups-pdf:/", "-E",
			"-m", "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd").CombinedOutput(); err != nil {
			t.Fatalf("create the cups-pdf queue: %v %s", err, out)
		}
	} else {
		_ = out
	}
	return &CUPSEnv{PDFQueue: PDFQueue, since: time.Now()}
}

func cupsUp() bool {
	c, err := net.DialTimeout("tcp", "localhost:631", 300*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return exec.Command("lpstat", "-r").Run() == nil
}

func cupsWait(cmd *exec.Cmd, d time.Duration) {
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		_ = cmd.Process.Kill()
		<-done
	}
}

// cupsPDFDirs are where cups-pdf writes (`Out ${HOME}/PDF` per user, anonymous jobs in the spool).
func cupsPDFDirs() []string {
	dirs := []string{"/var/spool/cups-pdf/ANONYMOUS", "/root/PDF"}
	if h, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(h, "PDF"))
	}
	homes, _ := filepath.Glob("/home/*/PDF")
	return append(dirs, homes...)
}

// FindPDF waits up to d for cups-pdf's output of the job and returns its path. cups-pdf puts junk between the title
// and the job id in the name, so the file is found by its "-job_<id>.pdf" suffix. A restarted cupsd reuses job ids,
// so files older than this CUPSEnv are not taken for the job's output; a file still being written (no %%EOF at its
// end yet) is waited for. The file is removed at cleanup.
func (c *CUPSEnv) FindPDF(t testing.TB, jobID string, d time.Duration) string {
	t.Helper()
	suffix := "-job_" + jobID + ".pdf"
	deadline := time.Now().Add(d)
	for {
		for _, dir := range cupsPDFDirs() {
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				if strings.HasSuffix(e.Name(), suffix) {
					p := filepath.Join(dir, e.Name())
					if st, err := os.Stat(p); err == nil && st.Size() > 0 && !st.ModTime().Before(c.since) && pdfComplete(p) {
						t.Cleanup(func() { os.Remove(p) })
						return p
					}
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no cups-pdf output ending in %s in %v after %v (see /var/log/cups/error_log)", suffix, cupsPDFDirs(), d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pdfComplete reports whether cups-pdf has finished writing the file: it ends with the %%EOF marker.
func pdfComplete(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() < 16 {
		return false
	}
	tail := make([]byte, min(64, st.Size()))
	if _, err := f.ReadAt(tail, st.Size()-int64(len(tail))); err != nil {
		return false
	}
	return strings.Contains(string(tail), "%%EOF")
}

// Rasterize renders page 1 of a PDF to an 8-bit gray PNG at dpi with pdftoppm (poppler-utils) and returns its path.
func Rasterize(t testing.TB, pdf string, dpi int) string {
	t.Helper()
	bin := Need(t, "pdftoppm", "poppler-utils")
	base := filepath.Join(t.TempDir(), "page")
	if out, err := exec.Command(bin, "-r", fmt.Sprint(dpi), "-gray", "-png", "-singlefile", pdf, base).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm %s: %v %s", pdf, err, out)
	}
	return base + ".png"
}

// FakePrinter is a network printer on 127.0.0.1 (the raw port-9100 protocol) that keeps every job it receives.
type FakePrinter struct {
	Addr string // host:port
	jobs chan []byte
}

// NewFakePrinter listens on a free port of 127.0.0.1 until cleanup.
func NewFakePrinter(t testing.TB) *FakePrinter {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	p := &FakePrinter{Addr: l.Addr().String(), jobs: make(chan []byte, 16)}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				b, _ := io.ReadAll(c)
				p.jobs <- b
			}()
		}
	}()
	return p
}

// Next returns the bytes of the next job, or fails the test after d.
func (p *FakePrinter) Next(t testing.TB, d time.Duration) []byte {
	t.Helper()
	select {
	case b := <-p.jobs:
		return b
	case <-time.After(d):
		t.Fatalf("the fake printer on %s received no job within %v", p.Addr, d)
		return nil
	}
}

// SocketQueue creates the CUPS queue name sending to the fake printer over socket:// with the driver model ("raw",
// or a ptouch PPD such as "ptouch:0/ppd/ptouch-driver/Brother-QL-800-ptouch-ql.ppd") and deletes it at cleanup.
// snmp=false keeps the socket backend from spending ~4 s per job probing the fake printer.
func (c *CUPSEnv) SocketQueue(t testing.TB, name, model string, p *FakePrinter) {
	t.Helper()
	uri := "socket://" + p.Addr + "/?snmp=false"
	if out, err := exec.Command("lpadmin", "-p", name, "-v", uri, "-E", "-m", model).CombinedOutput(); err != nil {
		hint := ""
		if strings.Contains(model, "ptouch") {
			hint = " (install printer-driver-ptouch)"
		}
		t.Fatalf("lpadmin -p %s -m %s: %v %s%s", name, model, err, out, hint)
	}
	t.Cleanup(func() { _ = exec.Command("lpadmin", "-x", name).Run() })
}
