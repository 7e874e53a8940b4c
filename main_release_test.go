//go:build !demo

package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/terminal"
)

// The release build links no demo world: --demo says, in Japanese, which build has it, and touches nothing (no card
// reader opened, no state written).
func TestReleaseBuild_DemoFlagSaysToUseTheDemoBuild(t *testing.T) {
	on := true
	dir := t.TempDir()
	err := run(dir, &demoOptions{on: &on}, false)
	if !errors.Is(err, ErrNoDemo) || !strings.Contains(terminal.Message(err), "make run") {
		t.Fatalf("run --demo in the release build: %v", err)
	}
}
