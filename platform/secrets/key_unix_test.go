//go:build unix

package secrets

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadKey_RefusesAFileOthersCanRead: a key file with group or other permissions is refused; 0600 is read.
func TestLoadKey_RefusesAFileOthersCanRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte(strings.Repeat("07", 32)), 0o600); err != nil {
		t.Fatal(err)
	}
	if k, err := LoadKey(path); err != nil || !bytes.Equal(k, key) {
		t.Fatalf("LoadKey(0600) = %x, %v", k, err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("LoadKey(0644) = %v, want a refusal", err)
	}
}
