package app

import (
	"fmt"
	"strings"
)

// Probe, when set, is told what the UI just did, one short line an event: "show screen78" when a screen is on the
// window, "busy" when a Run starts, "idle" when the last Run's done callback has returned and no other Run started,
// "key F5" when a key reached the screen's key table or a field. The real-window tests set it (through
// MYKEYTERM_TEST_EVENTS in the test binary's TestMain, never in the app's own main) so that they wait for what the app
// did instead of for a duration; nil in the app, where it costs one comparison.
var Probe func(event string)

func probe(event string) {
	if Probe != nil {
		Probe(event)
	}
}

// screenName is the probe's name for a screen: its type without the package, "screen78".
func screenName(s Screen) string {
	n := fmt.Sprintf("%T", s)
	return n[strings.LastIndexByte(n, '.')+1:]
}
