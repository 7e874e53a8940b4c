//go:build linux

package single

import (
	"fmt"
	"net"
	"os"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// Claim binds the abstract Unix socket @jp.mykeyterm.app-<key of dir> (freed by the kernel when the process ends, so
// a crash leaves nothing stale). When another process holds it, Claim asks the window manager to activate the window
// titled title (_NET_ACTIVE_WINDOW, as a taskbar click does) and ends this process with exit code 0.
func Claim(dir, title string) (release func()) {
	ln, err := net.Listen("unix", "@jp.mykeyterm.app-"+key(dir))
	if err != nil {
		if c, derr := net.Dial("unix", "@jp.mykeyterm.app-"+key(dir)); derr == nil {
			c.Close()
			if !raise(title, 15*time.Second) {
				fmt.Println(title + "は既に起動しています。起動中の画面を使ってください。")
			}
			os.Exit(0)
		}
		return func() {} // the socket cannot be made (no abstract namespace): run rather than refuse to start
	}
	go func() { // accept and drop: a connection only says "someone started a second instance"
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return func() { ln.Close() }
}

// raise finds the top-level X window whose _NET_WM_NAME is title (waiting up to d while it starts) and sends the
// root window the _NET_ACTIVE_WINDOW request (source: an application) for it; without a window manager it raises the
// window and gives it the input focus itself.
func raise(title string, d time.Duration) bool {
	x, err := xgb.NewConn()
	if err != nil {
		return false
	}
	defer x.Close()
	atom := func(n string) xproto.Atom {
		r, err := xproto.InternAtom(x, false, uint16(len(n)), n).Reply()
		if err != nil {
			return 0
		}
		return r.Atom
	}
	wmName, utf8, active, clients := atom("_NET_WM_NAME"), atom("UTF8_STRING"), atom("_NET_ACTIVE_WINDOW"), atom("_NET_CLIENT_LIST")
	root := xproto.Setup(x).DefaultScreen(x).Root
	for deadline := time.Now().Add(d); ; time.Sleep(250 * time.Millisecond) {
		// With a window manager its client list names the app windows (reparented into frames); without one they
		// are the root's children.
		var wins []xproto.Window
		wm := false
		if p, err := xproto.GetProperty(x, false, root, clients, xproto.AtomWindow, 0, 4096).Reply(); err == nil && p.ValueLen > 0 {
			wm = true
			for i := 0; i+4 <= len(p.Value); i += 4 {
				wins = append(wins, xproto.Window(xgb.Get32(p.Value[i:])))
			}
		} else if tree, err := xproto.QueryTree(x, root).Reply(); err == nil {
			wins = tree.Children
		} else {
			return false
		}
		for _, w := range wins {
			p, err := xproto.GetProperty(x, false, w, wmName, utf8, 0, 1024).Reply()
			if err != nil || string(p.Value) != title {
				continue
			}
			attr, err := xproto.GetWindowAttributes(x, w).Reply()
			if err != nil || attr.MapState != xproto.MapStateViewable {
				continue
			}
			ev := xproto.ClientMessageEvent{Format: 32, Window: w, Type: active,
				Data: xproto.ClientMessageDataUnionData32New([]uint32{1, 0, 0, 0, 0})}
			xproto.SendEvent(x, false, root, xproto.EventMaskSubstructureRedirect|xproto.EventMaskSubstructureNotify, string(ev.Bytes()))
			xproto.MapWindow(x, w)
			xproto.ConfigureWindow(x, w, xproto.ConfigWindowStackMode, []uint32{xproto.StackModeAbove})
			if !wm { // nobody else gives the focus
				xproto.SetInputFocus(x, xproto.InputFocusParent, w, xproto.TimeCurrentTime)
			}
			x.Sync()
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}
