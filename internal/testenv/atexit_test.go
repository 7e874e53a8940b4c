package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRemoveAtExit_TheFolderGoesWhenTheTestBinaryEnds runs this test binary as a child that makes a folder in the
// temporary directory, registers it and exits; the folder must be gone soon after (the suite used to leave
// mkpf-pg-*, mkpf-server-bin* and mykeyterm-demo-* folders behind).
func TestRemoveAtExit_TheFolderGoesWhenTheTestBinaryEnds(t *testing.T) {
	if os.Getenv("TESTENV_ATEXIT_CHILD") == "1" {
		dir, err := tempDirAtExit("testenv-atexit-")
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(dir+"/f", []byte("x"), 0o644)
		os.Stdout.WriteString("DIR=" + dir + "\n")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRemoveAtExit_TheFolderGoesWhenTheTestBinaryEnds$", "-test.v")
	cmd.Env = append(os.Environ(), "TESTENV_ATEXIT_CHILD=1", "TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var dir string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "DIR=") {
			dir = strings.TrimPrefix(l, "DIR=")
		}
	}
	if dir == "" {
		t.Fatalf("the child named no folder:\n%s", out)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still there 30 s after the test binary ended", dir)
		}
	}
}
