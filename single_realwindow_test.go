//go:build demo

package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/app"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
)

// A second start on the same state folder (the desktop icon clicked again) brings the running window forward and
// exits 0 instead of opening a second reader session (internal/single).
func TestRealWindow_SecondStartBringsTheRunningWindowForwardAndExits(t *testing.T) {
	x := testenv.Xvfb(t)
	home := t.TempDir()
	a := startAppEnv(t, x, []string{"MYKEYTERM_DEMO_READER=virtual", "HOME=" + home, "XDG_CONFIG_HOME="}, "--demo")
	first := a.window()
	ils := x.Entry(t, "ILS card number") // another program has the keyboard focus
	_ = ils
	xdo := testenv.Need(t, "xdotool", "xdotool")
	if out, _ := exec.Command(xdo, "getwindowfocus").Output(); strings.TrimSpace(string(out)) == first {
		t.Fatal("the app still has the focus: the test cannot tell whether the second start brings it forward")
	}

	var out bytes.Buffer
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MYKEYTERM_TEST_APP=1", "MYKEYTERM_TEST_ARGS=--demo", "DISPLAY="+x.Display,
		"HOME="+home, "XDG_CONFIG_HOME=", "MYKEYTERM_DEMO_READER=virtual")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the second start: %v, want exit code 0\n%s", err, out.String())
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("the second start did not end: it opened a second session\n%s", out.String())
	}
	ids, _ := exec.Command(xdo, "search", "--onlyvisible", "--name", "^"+app.AppName+"$").Output()
	if n := len(strings.Fields(string(ids))); n != 1 {
		t.Fatalf("%d app windows after the second start, want 1", n)
	}
	focus, _ := exec.Command(xdo, "getwindowfocus").Output()
	if got := strings.TrimSpace(string(focus)); got != first {
		t.Errorf("the keyboard focus is on window %s after the second start, want the app's window %s", got, first)
	}
}
