package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// screen35 is 画面35 「ポイント券消込」: a QR reader working as a keyboard types the voucher's QR text and Enter into the
// code field (focused when the screen opens), or the clerk types the 発券番号 and clicks [ポイント券情報読取]; the
// voucher is shown; [消込処理] clears it → screen 36. Each shown voucher gets one idempotency key for [消込処理].
type screen35 struct {
	ps    *pointsSession
	fm    form
	code  *fkeyEntry
	read  *widget.Button
	info  *fyne.Container
	state *jaLabel
	sum   *ptSummary
	clear *widget.Button
	back  *widget.Button
	v     *mkpf.Voucher
	vcode string // the code the shown voucher was read with (QR text or 8 digits)
	key   string
	body  *fyne.Container
}

func newScreen35(ps *pointsSession) *screen35 {
	s := &screen35{ps: ps}
	s.code = fkeys(ps.u, &widget.Entry{PlaceHolder: tr("screen35.code.placeholder", "QRコードを読み取るか、発券番号（例: 9876-5432）を入力"),
		OnSubmitted: func(string) { s.onRead() }})
	s.read = &widget.Button{Text: tr("screen35.read", "ポイント券情報読取") + " (F2)", Icon: theme.SearchIcon(), OnTapped: s.onRead}
	s.clear = &widget.Button{Text: tr("screen35.clear", "消込処理") + " (F5)", Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: s.onClear}
	s.clear.Disable()
	s.back = menuBackButton(ps)
	s.state = &jaLabel{}
	s.state.Hide()
	s.info = container.NewVBox()
	s.fm.add(newField("code", tr("screen35.code", "QRコード／発券番号"), container.NewBorder(nil, nil, nil, s.read, s.code),
		tr("screen35.code.rule", "QRコードリーダーでポイント券のQRコードを読み取ると自動で入力され、読み取りまで進みます。読み取れないときは、ポイント券に印字された8桁の発券番号を入力し「ポイント券情報読取」をクリックしてください。")))
	return s
}

func (s *screen35) Title() string { return tr("screen35.title", "ポイント券消込") }

func (s *screen35) Content() fyne.CanvasObject {
	s.body = container.NewVBox(
		ptLead(tr("screen35.step1", "①ポイント券に発行認印と利用店舗印が押されていることを確認してください。")),
		ptLead(tr("screen35.step2", "②ポイント券のQRコードをQRコードリーダーにかざしてください。または発券番号を入力し「ポイント券情報読取」ボタンをクリックしてください。")),
		s.fm.object(),
		s.state,
		container.NewHBox(s.clear, s.back), // above the details, so the decision stays on screen
		s.info,
	)
	return s.body
}

// Shown puts the keyboard focus on the code field, so a QR reader's keystrokes land there.
func (s *screen35) Shown() { s.ps.u.Win.Canvas().Focus(s.code) }

func (s *screen35) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF2: s.onRead, fyne.KeyF5: s.onClear, fyne.KeyF10: s.ps.toMenu, fyne.KeyEscape: s.ps.toMenu}
}

func (s *screen35) refocus() {
	s.code.SetText("")
	s.ps.u.Win.Canvas().Focus(s.code)
}

func (s *screen35) onRead() {
	s.fm.clearErrors()
	text := s.code.Text
	if _, err := terminal.VoucherCode(text); err != nil {
		// Checked before anything is sent: an empty field or a malformed code is shown at the field at once.
		s.fm.fields[0].setError(s.ps.u.Svc.Message(err))
		if err != terminal.ErrNoVoucherCode {
			s.showVoucher(nil, "")
		}
		s.refocus()
		return
	}
	var v *mkpf.Voucher
	var code string
	s.read.Disable()
	started := s.ps.u.Run(tr("screen35.busy.read", "ポイント券の情報を確認しています…"), pointsTimeout, func(ctx context.Context) (err error) {
		v, code, err = terminal.ReadVoucher(ctx, s.ps.svc, text)
		return err
	}, func(err error) {
		s.read.Enable()
		s.ps.platformResult(err)
		s.refocus()
		if err != nil {
			// Shown at the field, not in a dialog: the field keeps the focus, so the next scan works at once.
			s.showVoucher(nil, "")
			s.fm.fields[0].setError(s.ps.u.Svc.Message(err))
			return
		}
		s.showVoucher(v, code)
	})
	if !started {
		s.read.Enable()
	}
}

// showVoucher shows v (nil hides the last one) and enables [消込処理] only for an outstanding voucher.
func (s *screen35) showVoucher(v *mkpf.Voucher, code string) {
	s.v, s.vcode, s.key = v, code, ""
	s.info.Objects = nil
	s.clear.Disable()
	if v == nil {
		s.state.SetText("")
		s.state.Hide()
		s.info.Refresh()
		ptRelayout(s.info)
		return
	}
	s.sum = voucherSummary(v)
	switch {
	case terminal.Clearable(v):
		s.key = newIdemKey()
		s.state.Importance = widget.HighImportance
		s.state.SetText(tr("screen35.state.ok", "未消込のポイント券です。内容を確認し、「消込処理」ボタンをクリックしてください。"))
		s.clear.Enable()
	case v.State == mkpf.VoucherCleared:
		s.state.Importance = widget.DangerImportance
		msg := tr("screen35.state.cleared", "このポイント券は消込済みです。二重に消込することはできません。")
		if v.ClearedAt != nil {
			msg += "（" + timeJA(*v.ClearedAt) + "　端末ID " + v.ClearedBy + "）"
		}
		s.state.SetText(msg)
	case v.State == mkpf.VoucherLapsed:
		s.state.Importance = widget.DangerImportance
		s.state.SetText(tr("screen35.state.lapsed", "このポイント券は有効期限を過ぎたため失効しています。消込（精算）はできません。"))
	default:
		s.state.SetText(v.State.LabelJA())
	}
	s.state.Show()
	s.info.Objects = []fyne.CanvasObject{s.sum.columns(2)} // 状態 above the fold
	s.info.Refresh()
	ptRelayout(s.info)
}

func voucherSummary(v *mkpf.Voucher) *ptSummary {
	return (&ptSummary{}).
		add(tr("screen34.number", "発券番号"), displayNumber(v)).
		add(tr("points.kind", "ポイントの種類"), mkpf.PointName("", v.ProgramName)).
		add(tr("screen35.points", "ポイント数"), pts(v.Points)).
		add(tr("screen33.expires", "ポイント券の有効期限"), dayJA(v.Expires)+tr("screen33.expires.until", "まで")).
		add(tr("screen34.place", "発行場所"), v.IssuedPlace).
		add(tr("screen34.at", "発行日時"), timeJA(v.IssuedAt)).
		add(tr("screen35.state", "状態"), v.State.LabelJA())
}

func (s *screen35) onClear() {
	if s.v == nil || s.clear.Disabled() {
		return
	}
	v0, code, key := s.v, s.vcode, s.key
	var v *mkpf.Voucher
	s.clear.Disable()
	s.read.Disable()
	started := s.ps.u.Run(tr("screen35.busy.clear", "ポイント券を消込しています…"), pointsTimeout, func(ctx context.Context) (err error) {
		v, _, err = terminal.ClearVoucher(ctx, s.ps.svc, code, key, nil) // the receipt is screen 36's [レシート印字]
		return err
	}, func(err error) {
		s.read.Enable()
		s.ps.platformResult(err)
		if err != nil {
			if s.v == v0 && terminal.SafeToPressAgain(err) {
				s.clear.Enable() // same voucher, same key: pressing again is safe
			}
			s.ps.showRetryError(err)
			s.ps.u.Win.Canvas().Focus(s.code)
			return
		}
		s.ps.toCleared(v)
	})
	if !started {
		s.read.Enable()
		s.clear.Enable()
	}
}
