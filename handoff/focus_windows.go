//go:build windows

package handoff

import (
	"context"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// target is where a typed key goes on Windows: the foreground window and the control of its thread that has the
// keyboard focus (the library system's field).
type target struct{ fg, focus windows.HWND }

// currentTarget is the foreground window, its focused control and its process; ok is false while there is no
// foreground window (an activation under way) or its thread has no focused control yet.
func currentTarget() (t target, pid uint32, ok bool) {
	t.fg = windows.GetForegroundWindow()
	if t.fg == 0 {
		return t, 0, false
	}
	tid, err := windows.GetWindowThreadProcessId(t.fg, &pid)
	if err != nil {
		return t, 0, false
	}
	info := windows.GUIThreadInfo{Size: uint32(unsafe.Sizeof(windows.GUIThreadInfo{}))}
	if windows.GetGUIThreadInfo(tid, &info) != nil {
		return t, pid, false
	}
	t.focus = info.Focus
	return t, pid, t.focus != 0
}

// How long the clerk's focus must stay on one field of another program before the wedge types, and how often it is
// looked at. A click into another window is not one event for Windows: the clicked window is activated, its thread
// then gives the keyboard focus to its control (some programs to their frame first); keys sent in between go to
// whatever has the focus at that instant and are lost or land elsewhere. A clerk would not type until the field
// shows its caret; the wedge waits for the same.
const (
	settleFor  = 300 * time.Millisecond
	settleLook = 50 * time.Millisecond
)

// waitFocusSettled returns once the foreground window belongs to another program (not this one, not the desktop),
// its thread has a focused control, and neither has changed for settleFor (and at least three looks), or when ctx
// ends.
func waitFocusSettled(ctx context.Context) error {
	self := windows.GetCurrentProcessId()
	var last target
	var since time.Time
	looks := 0
	t := time.NewTicker(settleLook)
	defer t.Stop()
	for {
		cur, pid, ok := currentTarget()
		ok = ok && pid != self && cur.fg != windows.GetDesktopWindow() && cur.fg != windows.GetShellWindow()
		switch {
		case !ok:
			since, looks = time.Time{}, 0
		case cur != last || since.IsZero():
			since, looks = time.Now(), 1
		default:
			looks++
			if looks >= 3 && time.Since(since) >= settleFor {
				return nil
			}
		}
		last = cur
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
