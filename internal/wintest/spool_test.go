//go:build wine

package wintest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
)

// winPrinter is the demo app's printer setting for the harness's cups-pdf queue as Windows programs under wine see
// it: wine's spooler lists the CUPS queues as Windows printers (port CUPS:NAME, wine's PostScript driver).
const winPrinter = "windows:" + testenv.PDFQueue

// cupsPDFDirs are where cups-pdf writes its PDFs (per user `${HOME}/PDF`, anonymous jobs in the spool).
func cupsPDFDirs() []string {
	dirs := []string{"/var/spool/cups-pdf/ANONYMOUS", "/root/PDF"}
	if h, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(h, "PDF"))
	}
	homes, _ := filepath.Glob("/home/*/PDF")
	return append(dirs, homes...)
}

// spooledPDF waits up to d for cups-pdf's output of a job whose file name starts with title ("" any), written after since and
// complete (%%EOF at its end), and returns its path (removed at cleanup). The Windows spooler's job id is wine's own,
// not CUPS's, so the PDF is found by its time and the job's title.
func spooledPDF(t *testing.T, title string, since time.Time, d time.Duration) string {
	t.Helper()
	for deadline := time.Now().Add(d); ; time.Sleep(100 * time.Millisecond) {
		for _, dir := range cupsPDFDirs() {
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				if !strings.HasSuffix(e.Name(), ".pdf") || !strings.HasPrefix(e.Name(), title) {
					continue
				}
				p := filepath.Join(dir, e.Name())
				st, err := os.Stat(p)
				if err != nil || st.ModTime().Before(since) || !pdfComplete(p) {
					continue
				}
				t.Cleanup(func() { os.Remove(p) })
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no PDF titled %q reached cups-pdf (%v) within %v: the Windows spooler → wine's PostScript driver → CUPS "+
				"path did not print (see /var/log/cups/error_log; `lpstat -p %s` must show the queue)", title, cupsPDFDirs(), d, testenv.PDFQueue)
		}
	}
}

func pdfComplete(p string) bool {
	b, err := os.ReadFile(p)
	return err == nil && strings.Contains(string(b[max(0, len(b)-64):]), "%%EOF")
}

// pdfInfo is pdfinfo's report on a PDF (poppler-utils).
func pdfInfo(t *testing.T, p string) string {
	t.Helper()
	out, err := exec.Command(testenv.Need(t, "pdfinfo", "poppler-utils"), p).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo %s: %v\n%s", p, err, out)
	}
	return string(out)
}
