package app

import (
	"context"
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal/grant"
)

// screen78 is 画面78 ポイント付与事業の選択: choose the project, [付与事業対象者名簿の同期（取得）] fetches its roster
// (keyed hashes only) onto the device, [設定] → 79 with that roster.
type screen78 struct {
	gs     *grantSession
	pick   *projectPicker
	state  *jaLabel
	sync   *widget.Button
	set    *widget.Button
	synced bool
}

func newScreen78(gs *grantSession) *screen78 {
	s := &screen78{gs: gs}
	s.pick = newProjectPicker(gs, true, s.showState)
	s.state = &jaLabel{}
	s.sync = &widget.Button{Text: grantKey(gs.u, tr("screen78.sync", "付与事業対象者名簿の同期（取得）"), "F4"), Icon: theme.DownloadIcon(), OnTapped: s.onSync}
	s.set = &widget.Button{Text: grantKey(gs.u, tr("screen78.set", "設定"), "F5"), Importance: widget.HighImportance, OnTapped: s.onSet}
	return s
}

func (s *screen78) Title() string    { return tr("screen78.title", "ポイント付与事業の選択") }
func (s *screen78) MenuButton() bool { return false }

func (s *screen78) Content() fyne.CanvasObject {
	return container.NewVBox(
		ptLead(tr("screen78.lead", "ポイント付与事業を選び、通信できる場所で「付与事業対象者名簿の同期（取得）」を押してください。同期した後は通信できない場所でも付与できます。「設定」でポイント付与画面に進みます。")),
		&widget.Label{Text: tr("grant.project", "ポイント付与事業"), TextStyle: fyne.TextStyle{Bold: true}},
		s.pick.object(),
		s.sync,
		s.state,
		s.set,
	)
}

func (s *screen78) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF4: s.onSync, fyne.KeyF5: s.onSet}
}

// Shown lists the projects; without a network, the project synced before is offered on its own.
func (s *screen78) Shown() {
	s.gs.u.Win.Canvas().Unfocus()
	s.showState()
	if s.pick.loaded {
		return
	}
	var list *mkpf.GrantProjectList
	s.gs.u.Run(tr("grant.loading", "自治体ポイント管理クラウドに問い合わせています…"), grantTimeout, func(ctx context.Context) (err error) {
		list, err = s.gs.svc.Projects(ctx)
		return err
	}, func(err error) {
		s.gs.u.PlatformResult(err)
		if err != nil {
			// Offline is normal in the field: keep working with the roster synced before.
			if d, derr := s.gs.svc.Device(); derr == nil {
				if p, _, _, ok := d.Project(); ok {
					s.pick.set([]mkpf.GrantProject{p})
					s.pick.sel.SetSelectedIndex(0)
					s.state.SetText(s.state.Text + "\n" + tr("screen78.offline", "自治体ポイント管理クラウドに接続できないため、前回同期した名簿で付与します。"))
					return
				}
			}
			s.gs.grantError(err)
			return
		}
		s.pick.loaded = true
		s.pick.set(list.Projects)
		if d, err := s.gs.svc.Device(); err == nil {
			if p, _, _, ok := d.Project(); ok {
				for i, x := range s.pick.projects {
					if x.ID == p.ID {
						s.pick.sel.SetSelectedIndex(i)
					}
				}
			}
		}
	})
}

// showState says whether the chosen project's roster is on the device and how many grants wait to be sent.
func (s *screen78) showState() {
	d, err := s.gs.svc.Device()
	if err != nil {
		s.state.SetText(grantMessage(err))
		return
	}
	sel, selOK := s.pick.selected()
	p, at, n, ok := d.Project()
	s.synced = ok && selOK && p.ID == sel.ID
	switch {
	case s.synced:
		s.state.SetText(fmt.Sprintf(tr("screen78.synced", "同期済み: %s　%d人（%s）　未送信の付与: %d件"),
			p.Name, n, at.In(mkpf.JST).Format("2006年1月2日 15:04"), d.Pending()))
	case ok:
		s.state.SetText(fmt.Sprintf(tr("screen78.other", "この端末には「%s」の名簿があります（未送信の付与: %d件）。選んだ事業の名簿を同期してください。"), p.Name, d.Pending()))
	default:
		s.state.SetText(tr("screen78.notsynced", "名簿はまだ同期されていません。"))
	}
}

func (s *screen78) onSync() {
	p, ok := s.pick.need()
	if !ok {
		return
	}
	var sy *mkpf.GrantSync
	s.sync.Disable()
	s.gs.u.Run(tr("screen78.busy", "付与事業対象者名簿を同期しています…"), grantTimeout, func(ctx context.Context) (err error) {
		sy, err = s.gs.svc.Sync(ctx, p.ID)
		return err
	}, func(err error) {
		s.sync.Enable()
		s.gs.u.PlatformResult(err)
		if err != nil {
			s.gs.grantError(err)
			return
		}
		s.showState()
		_ = sy
	})
}

func (s *screen78) onSet() {
	s.showState()
	if !s.synced {
		s.gs.u.ShowError(&ClerkError{Message: grant.ErrNotSynced.Error()})
		return
	}
	s.gs.toGrantTaps()
}

// screen79 is 画面79 ポイント付与: [カード読取・ポイント付与 開始] enters continuous reading; each card tapped is
// answered at once in big type (受け付けました（未送信）, 名簿にありません, 付与済みです or the card's error) with the number of grants
// stored and not yet sent; [終了] leaves it; [自治体ポイント管理クラウドへ登録] uploads the stored grants with progress and
// lists those refused with the reason.
type screen79 struct {
	gs       *grantSession
	project  *jaLabel
	answer   *canvas.Text
	detail   *jaLabel
	pending  *widget.Label
	start    *widget.Button
	stop     *widget.Button
	upload   *widget.Button
	progress *widget.ProgressBar
	refused  *jaLabel
	cancel   context.CancelFunc
	taps     int
}

func newScreen79(gs *grantSession) *screen79 {
	s := &screen79{gs: gs}
	s.project = &jaLabel{TextStyle: fyne.TextStyle{Bold: true}}
	s.answer = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	s.answer.TextStyle = fyne.TextStyle{Bold: true}
	s.answer.Alignment = fyne.TextAlignCenter
	s.detail = &jaLabel{}
	s.pending = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}}
	s.start = &widget.Button{Text: grantKey(gs.u, tr("screen79.start", "カード読取・ポイント付与 開始"), "F6"), Importance: widget.HighImportance, Icon: theme.MediaPlayIcon(), OnTapped: s.onStart}
	s.stop = &widget.Button{Text: tr("screen79.stop", "カード読取・ポイント付与 終了"), Icon: theme.MediaStopIcon(), OnTapped: s.onStop}
	s.upload = &widget.Button{Text: grantKey(gs.u, tr("screen79.upload", "自治体ポイント管理クラウドへ登録"), "F5"), Icon: theme.UploadIcon(), OnTapped: s.onUpload}
	s.progress = widget.NewProgressBar()
	s.progress.Hide()
	s.refused = &jaLabel{Importance: widget.DangerImportance}
	s.stop.Disable()
	s.idle()
	return s
}

func (s *screen79) Title() string    { return tr("screen79.title", "ポイント付与") }
func (s *screen79) MenuButton() bool { return false }

func (s *screen79) Content() fyne.CanvasObject {
	box := container.NewVBox(
		s.project,
		container.NewPadded(container.NewVBox(s.answer, s.detail)),
		s.pending,
		s.start, s.stop,
		widget.NewSeparator(),
		s.upload, s.progress, s.refused,
		&widget.Button{Text: grantKey(s.gs.u, tr("screen79.back", "ポイント付与事業の選択へ"), "Esc"), Importance: widget.LowImportance, OnTapped: s.onBack},
	)
	return box
}

func (s *screen79) Keys() map[fyne.KeyName]func() {
	// F6 turns continuous reading on and off; the button that F6 presses now carries the hint.
	toggle := s.onStart
	if s.cancel != nil {
		toggle = s.onStop
	}
	return map[fyne.KeyName]func(){fyne.KeyF6: toggle, fyne.KeyF5: s.onUpload, fyne.KeyEscape: s.onBack}
}

func (s *screen79) Shown() {
	s.gs.u.Win.Canvas().Unfocus()
	if d, err := s.gs.svc.Device(); err == nil {
		if p, _, n, ok := d.Project(); ok {
			s.project.SetText(fmt.Sprintf(tr("screen79.project", "%s（1人当たり %s、名簿 %d人）"), p.Name, pts(p.PointsPerPerson), n))
		}
		s.showPending(d.Pending())
	}
	grantRelayout(s.gs.u) // the project line may take two lines on a phone
}

// Hidden ends continuous reading when the clerk leaves the screen.
func (s *screen79) Hidden() { s.onStop() }

func (s *screen79) showPending(n int) {
	s.pending.SetText(fmt.Sprintf(tr("screen79.pending", "未送信の付与: %d件"), n))
}

func (s *screen79) onBack() {
	s.onStop()
	s.gs.toGrantProjects()
}

func (s *screen79) onStart() {
	if s.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(s.gs.u.Context())
	s.cancel = cancel
	s.start.Disable()
	s.stop.Enable()
	s.upload.Disable()
	s.start.SetText(tr("screen79.start", "カード読取・ポイント付与 開始"))
	s.stop.SetText(grantKey(s.gs.u, tr("screen79.stop", "カード読取・ポイント付与 終了"), "F6"))
	s.setAnswer(tr("screen79.waiting", "カードをかざしてください"), theme.Color(theme.ColorNameForeground), "")
	go func() {
		err := s.gs.svc.Run(ctx, func(r grant.TapResult) { s.gs.u.do(func() { s.show(r) }) })
		if err != nil && ctx.Err() == nil {
			s.gs.u.do(func() {
				s.onStop()
				s.gs.grantError(err)
			})
		}
	}()
}

func (s *screen79) onStop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	s.start.Enable()
	s.stop.Disable()
	s.upload.Enable()
	s.start.SetText(grantKey(s.gs.u, tr("screen79.start", "カード読取・ポイント付与 開始"), "F6"))
	s.stop.SetText(tr("screen79.stop", "カード読取・ポイント付与 終了"))
	s.idle()
}

// idle says how to begin: a line smaller than the answers, so it fits a phone's width.
func (s *screen79) idle() {
	s.setAnswer(tr("screen79.ready", "開始を押すとカードを読み取ります"), theme.Color(theme.ColorNameForeground), "")
	s.answer.TextSize = min(answerSize/2, fitAnswer(s.gs.u, s.answer.Text, s.answer.TextStyle))
	s.answer.Refresh()
}

// answerSize is the answers' type size (付与済みです etc., read at arm's length).
const answerSize = 40

// fitAnswer is answerSize, smaller on a phone where the answer would not fit the narrowest phone's width in one line
// (「受け付けました（未送信）」 at 40 px is 480 px wide): the big line is one canvas.Text, which does not wrap.
func fitAnswer(u *UI, text string, style fyne.TextStyle) float32 {
	size := float32(answerSize)
	if !u.Svc.Phone {
		return size
	}
	room := PhoneWidthMin - 4*theme.Padding()
	for size > 16 && fyne.MeasureText(text, size, style).Width > room {
		size -= 2
	}
	return size
}

// Answer colours: green granted, red refused or a card error, orange already granted.
var (
	colGranted color.Color = colorSuccess // the theme's colours (theme.go): one green in the app
	colRefused color.Color = colorError
	colAlready color.Color = colorWarning
)

func (s *screen79) show(r grant.TapResult) {
	s.taps++
	col, detail := colRefused, ""
	switch r.Result {
	case grant.ResultGranted:
		// Stored on the phone, not granted yet: the grant is made when the upload is accepted (§V(7)).
		col, detail = colGranted, fmt.Sprintf(tr("screen79.accepted.detail", "%sの付与を受け付けました。「自治体ポイント管理クラウドへ登録」で送信すると付与されます。"), pts(r.Points))
	case grant.ResultAlreadyGranted:
		col, detail = colAlready, tr("screen79.already.detail", "この方には既に付与しています。")
	case grant.ResultNotOnRoster:
		detail = tr("screen79.notonroster.detail", "この事業の名簿にありません。窓口で名簿の登録を確認してください。")
	}
	msg := r.Message
	if r.Result != grant.ResultGranted && r.Result != grant.ResultAlreadyGranted && r.Result != grant.ResultNotOnRoster {
		// A card error: the big line says so; the detail says what to do.
		msg, detail = tr("screen79.carderror", "カードを読み取れません"), r.Message
	}
	s.setAnswer(msg, col, detail)
	s.showPending(r.Pending)
}

func (s *screen79) setAnswer(text string, col color.Color, detail string) {
	s.answer.Text, s.answer.Color, s.answer.TextSize = text, col, fitAnswer(s.gs.u, text, s.answer.TextStyle)
	s.answer.Refresh()
	s.detail.SetText(detail)
	grantRelayout(s.gs.u) // the detail may take more or fewer lines than before
}

// refusedText lists the grants an upload refused by the time their card was tapped (the phone knows no names; the
// staff match the time against their list of the day), with the platform's reason.
func refusedText(rep *grant.UploadReport, taps []grant.StoredGrant) string {
	if rep == nil || len(rep.Refused) == 0 {
		return ""
	}
	at := map[string]grant.StoredGrant{}
	for _, g := range taps {
		at[g.GrantID] = g
	}
	text := fmt.Sprintf(tr("screen79.refused", "登録できなかった付与: %d件（かざした時刻の順）"), len(rep.Refused))
	for _, r := range rep.Refused {
		when := tr("screen79.refused.unknown", "時刻不明のタップ")
		if g, ok := at[r.GrantID]; ok && !g.At.IsZero() {
			when = fmt.Sprintf(tr("screen79.refused.at", "%sにかざしたカード"), g.At.In(mkpf.JST).Format("1月2日 15時04分05秒"))
		}
		text += "\n・" + when + "：" + r.Message
	}
	return text
}

// AnswerText is the big answer shown (tests read it).
func (s *screen79) AnswerText() string { return s.answer.Text }

func (s *screen79) onUpload() {
	if s.cancel != nil || s.upload.Disabled() {
		return
	}
	s.upload.Disable()
	s.progress.SetValue(0)
	s.progress.Show()
	s.refused.SetText("")
	var rep *grant.UploadReport
	s.gs.u.Run(tr("screen79.uploading", "自治体ポイント管理クラウドへ登録しています…"), 5*grantTimeout, func(ctx context.Context) (err error) {
		rep, err = s.gs.svc.Upload(ctx, func(done, total int) {
			s.gs.u.do(func() {
				if total > 0 {
					s.progress.SetValue(float64(done) / float64(total))
				}
			})
		})
		return err
	}, func(err error) {
		s.upload.Enable()
		s.gs.u.PlatformResult(err)
		if d, derr := s.gs.svc.Device(); derr == nil {
			s.showPending(d.Pending())
		}
		if err != nil {
			s.gs.grantError(err)
			return
		}
		s.progress.SetValue(1)
		s.setAnswer(fmt.Sprintf(tr("screen79.uploaded", "%d件を登録しました"), len(rep.Accepted)), colGranted, "")
		s.refused.SetText(refusedText(rep, s.gs.svc.RefusedTaps(rep)))
		grantRelayout(s.gs.u)
	})
}
