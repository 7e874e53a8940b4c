package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// NewPDF waits up to d for a cups-pdf output file written after since (complete: ending in %%EOF) and returns its
// path; for jobs whose CUPS job id the test does not know (a Windows program printing through wine). The file is
// removed at cleanup.
func (c *CUPSEnv) NewPDF(t testing.TB, since time.Time, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		for _, dir := range cupsPDFDirs() {
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				p := filepath.Join(dir, e.Name())
				if !strings.HasSuffix(e.Name(), ".pdf") {
					continue
				}
				if st, err := os.Stat(p); err == nil && st.Size() > 0 && st.ModTime().After(since) && pdfComplete(p) {
					t.Cleanup(func() { os.Remove(p) })
					return p
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new cups-pdf output in %v within %v (see /var/log/cups/error_log)", cupsPDFDirs(), d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
