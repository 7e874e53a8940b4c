package platform

import (
	"errors"
	"os"
	"testing"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

var fuzzDirs []string

func mkdirTemp() (string, error) {
	d, err := os.MkdirTemp("", "mkpf-fuzz")
	if err == nil {
		fuzzDirs = append(fuzzDirs, d)
	}
	return d, err
}

// TestMain removes the fuzz server's temporary database (shared by all iterations, so not under a t.TempDir).
func TestMain(m *testing.M) {
	code := m.Run()
	if fuzzSrv != nil {
		fuzzSrv.Close()
	}
	for _, d := range fuzzDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func asAPIError(err error, ae **mkpf.APIError) bool { return errors.As(err, ae) }
