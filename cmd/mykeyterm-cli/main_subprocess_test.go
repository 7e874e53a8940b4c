package main

import (
	"os"
	"testing"
)

// subprocessEnv makes the test binary run as mykeyterm-cli (its arguments after the binary name), so a test can
// drive the CLI as a real process (e.g. kill it with SIGKILL) without building it first.
const subprocessEnv = "MYKEYTERM_CLI_AS_PROCESS"

func TestMain(m *testing.M) {
	if os.Getenv(subprocessEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
