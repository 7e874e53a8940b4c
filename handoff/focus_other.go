//go:build !windows

package handoff

import "context"

// waitFocusSettled: under X11 the keys (XTEST) go to the X input focus, which the server moves in one step; there is
// no activation in between to wait for.
func waitFocusSettled(context.Context) error { return nil }
