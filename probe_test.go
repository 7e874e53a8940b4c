//go:build demo

package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mykeyterm/mykeyterm/app"
)

// The real-window tests wait for what the app did (app.Probe's lines, written by the app under test to a file the
// test names in MYKEYTERM_TEST_EVENTS), never for a duration: a loaded machine makes them slower, not wrong.

// probeTo makes the app under test (TestMain's child) append its probe lines to path.
func probeTo(path string) {
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	app.Probe = func(ev string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(f, ev)
	}
}

// probeWait is how long a test waits for one thing the app does before it fails and says what it last saw: long,
// since it only bounds a hang (the wait ends as soon as the line is there).
const probeWait = 90 * time.Second

func (a *appUnderTest) lines() []string {
	b, err := os.ReadFile(a.events)
	if err != nil && !os.IsNotExist(err) {
		a.t.Fatal(err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// mark is the number of probe lines so far: waitEvent(mark, …) looks only at what came after.
func (a *appUnderTest) mark() int { return len(a.lines()) }

// waitEvent waits for a probe line after the first since lines that match says yes to.
func (a *appUnderTest) waitEvent(since int, match func(string) bool) {
	a.t.Helper()
	var ls []string
	for deadline := time.Now().Add(probeWait); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ls = a.lines()
		for i := since; i < len(ls); i++ {
			if match(ls[i]) {
				return
			}
		}
	}
	a.t.Fatalf("the app did not do what the test waited for; its probe lines after %d: %q\napp output:\n%s", since, tail(ls, since), a.out)
}

// waitScreen waits until the screen (its type name, "screen78") is shown after the first since probe lines.
func (a *appUnderTest) waitScreen(since int, screen string) {
	a.t.Helper()
	a.waitEvent(since, func(ev string) bool { return ev == "show "+screen })
}

// waitIdle waits until no Run is under way: the last busy/idle line is idle (or there was none).
func (a *appUnderTest) waitIdle() {
	a.t.Helper()
	var ls []string
	for deadline := time.Now().Add(probeWait); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ls = a.lines()
		state := "idle"
		for _, ev := range ls {
			if ev == "busy" || ev == "idle" {
				state = ev
			}
		}
		if state == "idle" {
			return
		}
	}
	a.t.Fatalf("the app stayed busy; its last probe lines: %q\napp output:\n%s", tail(ls, len(ls)-10), a.out)
}

func tail(ls []string, from int) []string {
	if from < 0 {
		from = 0
	}
	if from > len(ls) {
		return nil
	}
	return ls[from:]
}
