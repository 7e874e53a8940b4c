package app

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// barcodePxPerModule is the narrow-module width of the on-screen barcode: counter scanners read 2 px from a monitor;
// 3 leaves a margin for scaled displays.
const barcodePxPerModule = 3

// screen26 is 画面26 「サービスIDの照会結果表示」 in the issuer's hand-off mode: A number (large, grouped, copy button),
// B barcode (with the number), C keyboard wedge (typed into the library system's focused field), D label ([印刷]).
// Reference 27: the platform's card validity and address-change flags are shown above the mode.
type screen26 struct {
	u    *UI
	res  *mkpf.LookupResult
	auto bool // the card was tapped in continuous lookup

	again, menu, copyBtn, printBtn, retype *widget.Button
	state                                  *jaLabel // what the hand-off did (wedge typed, label printed)
	barcodeText                            string
}

func newScreen26(u *UI, res *mkpf.LookupResult, auto bool) *screen26 {
	s := &screen26{u: u, res: res, auto: auto}
	s.again = &widget.Button{Text: tr("screen26.again", "サービスIDの照会へ戻る") + " (Esc)", Importance: widget.HighImportance, OnTapped: s.onAgain}
	s.menu = &widget.Button{Text: tr("screen26.menu", "メニューに戻る") + " (F12)", OnTapped: s.u.ShowMenu}
	s.copyBtn = &widget.Button{Text: tr("screen26.copy", "番号をコピー") + " (F7)", Icon: theme.ContentCopyIcon(), OnTapped: s.onCopy}
	s.printBtn = &widget.Button{Text: tr("screen26.print", "印刷") + " (F9)", Icon: theme.DocumentPrintIcon(), Importance: widget.HighImportance, OnTapped: s.onPrint}
	s.retype = &widget.Button{Text: tr("screen26.retype", "もう一度入力") + " (F8)", OnTapped: s.onType}
	s.state = &jaLabel{}
	return s
}

func (s *screen26) Title() string {
	return tr("screen26.title", "サービスIDの照会結果表示")
}
func (s *screen26) keepsContinuous() {}

func (s *screen26) mode() mkpf.HandoffMode {
	return terminal.ModeOf(s.res)
}

func (s *screen26) Content() fyne.CanvasObject {
	objs := []fyne.CanvasObject{resultRows(s.res.IssuerName, s.res.MyKeyID, s.res.CardNumber)}
	// Reference 27: validity and address change, checked by the platform at every lookup.
	if terminal.CardInvalid(s.res) {
		objs = append(objs, &jaLabel{Importance: widget.DangerImportance,
			Text: fmt.Sprintf(tr("screen26.invalid", "この利用カードは有効ではありません（%s）。図書館システムで利用者の状態を確認してください。"), cardStatusJA(s.res.CardStatus))})
	}
	if s.res.AddressChanged {
		objs = append(objs, &jaLabel{Importance: widget.WarningImportance,
			Text: tr("screen26.address", "この利用者は住所が変更されています。利用者に新しい住所を確認してください。")})
	}
	objs = append(objs, widget.NewSeparator(), &widget.Label{Text: modeLabel(s.mode())})
	big := func(t string) *canvas.Text {
		return &canvas.Text{Text: t, TextSize: 44, Color: theme.Color(theme.ColorNameForeground)}
	}
	// The number reads the same in all four modes: labelled, large and grouped (1800 0000 0011).
	number := func() fyne.CanvasObject {
		return rows(widget.NewLabel(tr("result.number", "利用カード番号(サービスID)")), big(s.u.Svc.Handoff.Group(s.res.CardNumber)))
	}
	switch s.mode() {
	case mkpf.HandoffBarcode:
		objs = append(objs, &jaLabel{Text: tr("screen26.barcode", "画面に表示されたバーコードを連携システム端末に接続されたバーコードリーダで読取ってください。")})
		img, text, err := s.u.Svc.Handoff.BarcodeImage(s.res.CardNumber, s.res.Handoff, barcodePxPerModule)
		if err != nil {
			objs = append(objs, &jaLabel{Text: s.u.Svc.Message(err), Importance: widget.DangerImportance})
		} else {
			s.barcodeText = text
			b := img.Bounds()
			scale := s.u.Win.Canvas().Scale()
			ci := &canvas.Image{Image: img, FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScalePixels}
			// One image pixel per screen pixel: the module width stays exactly barcodePxPerModule on the monitor.
			ci.SetMinSize(fyne.NewSize(float32(b.Dx())/scale, float32(b.Dy())/scale))
			objs = append(objs, container.NewHBox(ci), number())
		}
	case mkpf.HandoffWedge:
		objs = append(objs,
			&jaLabel{Text: tr("screen26.wedge", "下記の利用者カード番号 (サービスID) が、連携システムの画面の利用カード番号入力欄に表示されていることを確認してください。")},
			number(),
			s.state, container.NewHBox(s.retype))
	case mkpf.HandoffLabel:
		objs = append(objs,
			&jaLabel{Text: tr("screen26.label", "次の「印刷」ボタンをクリックし、印刷されたバーコードを連携システム端末に接続されたバーコードリーダで読取ってください。")},
			number(), container.NewHBox(s.printBtn), s.state)
	default:
		objs = append(objs,
			&jaLabel{Text: tr("screen26.number", "下記の利用カード番号 (サービスID) を連携システムに手入力してください。")},
			number(),
			container.NewHBox(s.copyBtn))
	}
	if s.u.Continuous() {
		objs = append(objs, &widget.Label{Importance: widget.SuccessImportance,
			Text: tr("screen26.next", "連続照会中です。次の利用者のカードを置くと、続けて照会します。")})
	}
	objs = append(objs, widget.NewSeparator(), container.NewHBox(s.again, s.menu))
	return container.NewVBox(objs...)
}

func (s *screen26) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF7: s.onCopy, fyne.KeyF9: s.onPrint, fyne.KeyF8: s.onType, fyne.KeyF12: s.u.ShowMenu,
		fyne.KeyEscape: s.onAgain}
}

// Shown starts the hand-off that needs no click: the wedge types at once (after the clerk has clicked into the
// library system, if this app has the focus); in continuous lookup a label is printed at once.
func (s *screen26) Shown() {
	switch s.mode() {
	case mkpf.HandoffWedge:
		s.onType()
	case mkpf.HandoffLabel:
		if s.auto {
			s.onPrint()
		}
	}
}

func (s *screen26) onAgain() { s.u.toLookup() }

func (s *screen26) onCopy() {
	fyne.CurrentApp().Clipboard().SetContent(s.res.CardNumber)
	s.copyBtn.SetText(tr("screen26.copied", "コピーしました") + " (F7)")
}

func (s *screen26) onType() {
	if s.mode() != mkpf.HandoffWedge {
		return
	}
	set := s.u.Svc.Settings.Load()
	number := s.res.CardNumber
	s.state.Importance = widget.WarningImportance
	if s.u.isForeground() { // the clerk clicked here: the keys must wait until the focus is back in the library system
		s.state.SetText(tr("screen26.wedge.wait", "連携システムの利用カード番号の入力欄をクリックしてください。クリックすると自動で入力します。"))
	} else {
		s.state.SetText(tr("screen26.wedge.typing", "連携システムに入力しています…"))
	}
	s.u.Run(tr("screen26.wedge.busy", "連携システムへの入力を待っています…"), 60*time.Second, func(ctx context.Context) error {
		if err := s.u.waitBackground(ctx); err != nil {
			return ErrWedgeNoTarget
		}
		return s.u.Svc.Handoff.Type(ctx, number, set.WedgeSuffix, set.KeyDelay)
	}, func(err error) {
		if err != nil {
			s.state.Importance = widget.DangerImportance
			s.state.SetText(s.u.Svc.Message(err))
			return
		}
		s.state.Importance = widget.SuccessImportance
		s.state.SetText(tr("screen26.wedge.done", "連携システムに入力しました。入力欄に番号が表示されていることを確認してください。"))
	})
}

func (s *screen26) onPrint() {
	if s.mode() != mkpf.HandoffLabel {
		return
	}
	set := s.u.Svc.Settings.Load()
	res := s.res
	var job string
	s.u.Run(tr("screen26.printing", "ラベルを印刷しています…"), 60*time.Second, func(ctx context.Context) (err error) {
		job, err = s.u.Svc.Handoff.PrintLabel(ctx, res, set.Printer, set.LabelSize)
		return err
	}, func(err error) {
		if err != nil {
			s.state.Importance = widget.DangerImportance
			s.state.SetText(s.u.Svc.Message(err))
			s.u.ShowError(err)
			return
		}
		s.state.Importance = widget.SuccessImportance
		s.state.SetText(fmt.Sprintf(tr("screen26.printed", "ラベルを印刷しました（ジョブ %s）。"), job))
	})
}

// cardStatusJA is the terminal layer's name of a card status, translated.
func cardStatusJA(st string) string { return tr(terminal.CardStatusKey(st), terminal.CardStatusJA(st)) }
