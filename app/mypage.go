package app

// 利用者マイページ at the patron desk (screens 18, 19, 58; docs/patron-desk.md). A myPageSession is one patron's login:
// it ends on [ログアウト], after MyPageIdle without moving between its screens, and, when the patron logged in by
// card, when the card leaves the reader. Ending it logs out on the platform (every copy of the session dies) and puts
// screen 18 up empty: the next patron never sees the previous one's page.

import (
	"context"
	"sync"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// MyPageIdle is how long 利用者マイページ stays open without the patron moving between its screens.
var MyPageIdle = 3 * time.Minute

type myPageSession struct {
	ds    *deskSession
	desk  terminal.MyPageDesk
	login *mkpf.MyPageLoginResult

	mu     sync.Mutex
	ended  bool
	idle   *time.Timer
	cancel context.CancelFunc // stops the card watch
}

// startMyPage opens a session after screen 18's login and shows 19.
func startMyPage(ds *deskSession, desk terminal.MyPageDesk, login *mkpf.MyPageLoginResult, reader string) {
	ms := &myPageSession{ds: ds, desk: desk, login: login}
	ctx, cancel := context.WithCancel(ds.u.Context())
	ms.cancel = cancel
	ms.idle = time.AfterFunc(MyPageIdle, func() { ms.ds.u.do(func() { ms.end(tr("mypage.ended.idle", msgIdle)) }) })
	if login.ByCard {
		if events, err := ds.u.Svc.Cards.Watch(ctx); err == nil {
			go func() {
				// The first events give every reader's state: a reader ends the session when a card that was on it
				// (the patron's: the chosen reader, or any when none is chosen) leaves.
				present := map[string]bool{}
				for ev := range events {
					if reader != "" && ev.Reader != reader {
						continue
					}
					if ev.Present {
						present[ev.Reader] = true
					} else if present[ev.Reader] {
						ms.ds.u.do(func() { ms.end(tr("mypage.ended.card", msgCardOut)) })
						return
					}
				}
			}()
		}
	}
	ms.toPage()
}

var (
	msgIdle    = "一定時間操作がなかったため、利用者マイページからログアウトしました。"
	msgCardOut = "マイナンバーカードが取り出されたため、利用者マイページからログアウトしました。"
	msgLogout  = "ログアウトしました。"
)

// touch is a move between the session's screens: the idle time starts again. It reports whether the session is open.
func (ms *myPageSession) touch() bool {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.ended {
		return false
	}
	ms.idle.Reset(MyPageIdle)
	return true
}

// end closes the session (once) and shows screen 18 saying why (translated; on the UI goroutine).
func (ms *myPageSession) end(why string) {
	ms.mu.Lock()
	if ms.ended {
		ms.mu.Unlock()
		return
	}
	ms.ended = true
	ms.idle.Stop()
	ms.cancel()
	ms.mu.Unlock()
	session := ms.login.Session
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		ms.desk.MyPageLogout(ctx, session)
	}()
	ms.ds.toLogin(why)
}

// open reports whether the session still runs (a screen of an ended session does nothing).
func (ms *myPageSession) open() bool {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return !ms.ended
}
