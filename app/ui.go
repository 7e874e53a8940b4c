// Package app owns the Fyne user interface of the counter terminal: the navigation between screens (the documents'
// screen numbers 9-10 and 22-26, plus the settings and the demo panel), the theme with the embedded Japanese font,
// the status line, the progress indicator and the one error helper. Screens are small structs with named callbacks
// over the narrow service interfaces of services.go; they hold no business logic.
//
// Every transition between screens is one function of nav.go (the table there); the flows' rules live in package
// terminal. A new screen: build a Screen, add its transition to nav.go, report failures with ui.ShowError(err), run
// waits with ui.Run.
package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// AppName is the program's name as the documents write it (screen 8).
const AppName = "マイキープラットフォーム等活用ソフト"

// GrantAppName is the phone app's name as the documents write it (seed 004 §V(2)(ii), screens 77-79).
const GrantAppName = "持ち歩き用ポイント付与アプリ"

// Screen is one screen of the app. Title is shown in the header; Content is built once per Show.
type Screen interface {
	Title() string
	Content() fyne.CanvasObject
}

// Optional hooks a Screen may implement.
type (
	// shownHook is called after the screen is on the window (start watching a reader, focus a field).
	shownHook interface{ Shown() }
	// hiddenHook is called when another screen replaces it (stop watching).
	hiddenHook interface{ Hidden() }
	// keyHook gives the screen's keyboard shortcuts: function keys and Escape, used when no text field has the focus
	// (text fields submit with Enter themselves).
	keyHook interface {
		Keys() map[fyne.KeyName]func()
	}
	// keepsContinuousHook screens (25, 26) keep the continuous lookup running; any other screen stops it.
	keepsContinuousHook interface{ keepsContinuous() }
	// menuHook says whether the header shows [メニューへ] (not on screens 9 and 10 before the terminal is set up,
	// nor on the menu itself). Screens without it show the button.
	menuHook interface{ MenuButton() bool }
)

// UI is the window's navigation and the helpers every screen uses.
type UI struct {
	Win fyne.Window
	Svc *Services

	title    *widget.Label
	terminal *widget.Label
	menuBtn  *widget.Button
	body     *fyne.Container
	progress *widget.ProgressBarInfinite
	busyText *widget.Label
	busyBox  *fyne.Container
	status   *widget.Label
	root     fyne.CanvasObject
	side     fyne.CanvasObject
	scroll   *container.Scroll // the screen's area between header and status line (the fold is its bottom)

	cur        Screen
	busy       bool
	wg         sync.WaitGroup
	ctx        context.Context
	cancel     context.CancelFunc
	lastError  string
	contCancel context.CancelFunc // continuous lookup (screens 25/26)
	errDialog  dialog.Dialog
	// the signing-PIN dialog of screen 23 (tests fill it)
	pinDialog *dialog.FormDialog
	pinEntry  *widget.Entry
	pinLead   string
	platErr   error // last platform call's error, for the status line

	readerText string
	// Foreground reports whether this app's window has the keyboard focus (the keyboard wedge must not type into it).
	foreground bool
	fgChanged  chan struct{}
	mu         sync.Mutex
	// serial, when set (tests), makes the callbacks of do take turns with the test's own clicks and keystrokes:
	// Fyne's test driver runs fyne.Do on the calling goroutine instead of one UI goroutine, so a callback could
	// otherwise change an Entry while a test keystroke is still refreshing it.
	serial *sync.Mutex
}

// do runs fn on the UI goroutine: the one way work done elsewhere comes back to the widgets.
func (u *UI) do(fn func()) {
	if u.serial != nil {
		u.serial.Lock()
		defer u.serial.Unlock()
	}
	fyne.Do(fn)
}

// New builds the UI in w. side, if not nil, sits at the right of every screen (the demo's virtual-card panel).
func New(w fyne.Window, svc *Services, side fyne.CanvasObject) *UI {
	if svc.Message == nil {
		svc.Message = func(err error) string { return err.Error() }
	}
	if inner := svc.Message; true {
		svc.Message = func(err error) string {
			if m, ok := clerkMessage(err); ok {
				return m
			}
			return inner(err)
		}
	}
	u := &UI{Win: w, Svc: svc, side: side, fgChanged: make(chan struct{})}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	u.title = &widget.Label{SizeName: theme.SizeNameHeadingText}
	u.terminal = &widget.Label{Alignment: fyne.TextAlignTrailing}
	u.menuBtn = &widget.Button{Text: tr("nav.menu", "メニューへ") + " (F12)", Icon: theme.HomeIcon(), OnTapped: u.ShowMenu}
	u.body = container.NewStack()
	u.progress = widget.NewProgressBarInfinite()
	u.progress.Stop()
	u.progress.Hide()
	u.busyText = &widget.Label{}
	u.status = &widget.Label{Truncation: fyne.TextTruncateEllipsis}
	appName := &widget.Label{Text: AppName}
	if u.Svc.Phone {
		appName.Text = GrantAppName
	}
	header := container.NewVBox(
		container.NewBorder(nil, nil, u.menuBtn, u.terminal, appName),
		u.title,
		widget.NewSeparator(),
	)
	if svc.Phone { // 360-412 dp wide: the names wrap and the terminal ID gets its own line
		u.title.Wrapping = fyne.TextWrapBreak
		appName.Wrapping, appName.SizeName = fyne.TextWrapBreak, theme.SizeNameCaptionText
		u.terminal.Alignment = fyne.TextAlignLeading
		header = container.NewVBox(
			container.NewBorder(nil, nil, u.menuBtn, nil, appName),
			u.terminal,
			u.title,
			widget.NewSeparator(),
		)
	}
	u.busyBox = container.NewHBox(u.busyText, container.NewGridWrap(fyne.NewSize(160, 20), u.progress))
	u.busyBox.Hide()
	footer := container.NewVBox(
		widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, u.busyBox, u.status),
	)
	if svc.Phone { // every pixel of a 360 dp screen for the content (the widgets keep their own inner padding)
		u.scroll = container.NewVScroll(u.body)
	} else {
		u.scroll = container.NewVScroll(container.NewPadded(u.body))
	}
	main := container.NewBorder(header, footer, nil, nil, u.scroll)
	if side != nil {
		u.root = container.NewBorder(nil, nil, nil, side, main)
	} else {
		u.root = main
	}
	w.SetContent(u.root)
	w.Canvas().SetOnTypedKey(u.onKey)
	return u
}

// Close stops the UI's background work (reader status polling, continuous lookup).
func (u *UI) Close() { u.stopContinuous(); u.cancel() }

// Context ends when the UI closes.
func (u *UI) Context() context.Context { return u.ctx }

// Start shows the first screen (9 before enrollment, 10 before the contact is registered, else 22) and starts the
// status line's reader polling.
func (u *UI) Start() {
	u.showFirst()
	go u.pollStatus()
}

// Show replaces the current screen.
func (u *UI) Show(s Screen) {
	if h, ok := u.cur.(hiddenHook); ok {
		h.Hidden()
	}
	if u.errDialog != nil {
		u.errDialog.Hide() // a new screen (e.g. the next patron's card in continuous lookup) replaces an old error
		u.errDialog = nil
	}
	if _, ok := s.(keepsContinuousHook); !ok {
		u.stopContinuous()
	}
	// A field of the old screen must not keep the keyboard (function keys go to the canvas only when nothing has it).
	u.Win.Canvas().Unfocus()
	u.cur = s
	u.title.SetText(s.Title())
	if id := u.Svc.Platform.Terminal().TerminalID; id != "" {
		u.terminal.SetText(tr("header.terminal", "端末ID") + ":" + id)
	} else {
		u.terminal.SetText("")
	}
	if m, ok := s.(menuHook); ok && !m.MenuButton() {
		u.menuBtn.Hide()
	} else {
		u.menuBtn.Show()
	}
	if p, ok := u.side.(*demoPanel); ok {
		p.setKind(u.Svc.Platform.Terminal().Kind)
	}
	u.body.Objects = []fyne.CanvasObject{s.Content()}
	u.body.Refresh()
	u.refreshStatus()
	if h, ok := s.(shownHook); ok {
		h.Shown()
	}
	probe("show " + screenName(s))
}

// Current is the screen on the window.
func (u *UI) Current() Screen { return u.cur }

func (u *UI) onKey(ev *fyne.KeyEvent) {
	defer probe("key " + string(ev.Name))
	if u.dialogKey(ev) {
		return
	}
	if k, ok := u.cur.(keyHook); ok {
		if f := k.Keys()[ev.Name]; f != nil {
			f()
			return
		}
	}
	// Esc (戻る) goes back to the menu where the screen has no other way back; F12 is the header's [メニューへ].
	if (ev.Name == fyne.KeyEscape || ev.Name == fyne.KeyF12) && u.menuBtn.Visible() {
		u.ShowMenu()
	}
}

// ShowError shows the Japanese message for err (what happened and what to do next) in a dialog. It is the one place
// errors reach the clerk.
func (u *UI) ShowError(err error) {
	if err == nil {
		return
	}
	msg := u.Svc.Message(err)
	d := dialog.NewCustom(tr("error.title", "エラー"), errorCloseLabel(), &jaLabel{Text: msg}, u.Win)
	d.Resize(fyne.NewSize(560, 240))
	d.SetOnClosed(func() {
		if u.errDialog == d {
			u.errDialog = nil
		}
	})
	d.Show()
	u.errDialog = d
	u.lastError = msg
}

// LastError is the last message ShowError showed (tests read it).
func (u *UI) LastError() string { return u.lastError }

// Run does work off the UI goroutine with a progress indicator and busyText in the status line, then calls done on
// the UI goroutine with work's error. A second Run while one is under way is ignored (double clicks). Every wait in
// the app goes through here.
func (u *UI) Run(busyText string, timeout time.Duration, work func(ctx context.Context) error, done func(err error)) bool {
	if u.busy {
		return false
	}
	u.setBusy(true, busyText)
	probe("busy")
	ctx, cancel := context.WithTimeout(u.ctx, timeout)
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		err := work(ctx)
		cancel()
		u.do(func() {
			u.setBusy(false, "")
			done(err)
			if !u.busy { // done may have started the next step (a new screen's Shown, say)
				probe("idle")
			}
		})
	}()
	return true
}

// Busy reports whether a Run is under way.
func (u *UI) Busy() bool { return u.busy }

// Wait waits until the work started by Run and the background lookups have finished (tests).
func (u *UI) Wait() { u.wg.Wait() }

func (u *UI) setBusy(b bool, text string) {
	u.busy = b
	u.busyText.SetText(text)
	if b {
		u.progress.Show()
		u.progress.Start()
		u.busyBox.Show()
	} else {
		u.progress.Stop()
		u.progress.Hide()
		u.busyBox.Hide()
	}
	if c := u.Win.Canvas(); c != nil && c.Content() != nil {
		c.Content().Refresh() // the status line gives the progress indicator room only while busy
	}
}

// PlatformResult records whether a platform call reached the platform, for the status line.
func (u *UI) PlatformResult(err error) {
	var apiErr *mkpf.APIError
	if err != nil && !errors.As(err, &apiErr) {
		u.platErr = err
	} else {
		u.platErr = nil
	}
	u.refreshStatus()
}

func (u *UI) refreshStatus() {
	u.mu.Lock()
	reader := u.readerText
	u.mu.Unlock()
	if u.Svc.ReaderState != nil {
		reader = u.Svc.ReaderState()
	}
	if reader == "" {
		reader = tr("status.reader.unknown", "確認中")
	}
	plat := tr("status.platform.ok", "接続中")
	switch {
	case u.platErr != nil:
		plat = tr("status.platform.down", "接続できません")
	case !u.Svc.Platform.Enrolled():
		plat = tr("status.platform.unenrolled", "端末が未登録です")
	}
	u.status.SetText(tr("status.reader", "リーダー") + ": " + reader + "　／　" +
		tr("status.platform", "プラットフォーム") + ": " + plat)
}

// pollStatus keeps the status line's reader state current (every 2 s, off the UI goroutine).
func (u *UI) pollStatus() {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(u.ctx, 2*time.Second)
		rs, err := u.Svc.Cards.Readers(ctx)
		cancel()
		text := ""
		switch {
		case err != nil:
			text = tr("status.reader.error", "使えません（") + u.Svc.Message(err) + "）"
		case len(rs) == 0:
			text = tr("status.reader.none", "接続されていません")
		default:
			text = rs[0]
			if want := u.Svc.Settings.Load().Reader; want != "" {
				text = want
			}
			if len(rs) > 1 {
				text += fmt.Sprintf(tr("status.reader.more", " ほか%d台"), len(rs)-1)
			}
		}
		u.mu.Lock()
		u.readerText = text
		u.mu.Unlock()
		u.do(u.refreshStatus)
		select {
		case <-u.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SetForeground records whether the app's window has the keyboard focus; main.go wires it to the app's lifecycle.
func (u *UI) SetForeground(fg bool) {
	u.mu.Lock()
	u.foreground = fg
	close(u.fgChanged)
	u.fgChanged = make(chan struct{})
	u.mu.Unlock()
}

// Foreground is what SetForeground last recorded.
func (u *UI) Foreground() bool { return u.isForeground() }

func (u *UI) isForeground() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.foreground
}

func wrapLabel(t string) *jaLabel { return &jaLabel{Text: t} }

// waitBackground waits until the app's window no longer has the keyboard focus (the clerk clicked into the library
// system), or ctx ends.
func (u *UI) waitBackground(ctx context.Context) error {
	for {
		u.mu.Lock()
		fg, ch := u.foreground, u.fgChanged
		u.mu.Unlock()
		if !fg {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// rows lays out label/field/rule rows of a form (screens 9, 10, 23, settings).
func rows(objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(layout.NewFormLayout(), objs...)
}
