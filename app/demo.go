package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// VirtualCards is the demo's virtual reader slot (cardio/vcard's in-process Source).
type VirtualCards interface {
	Insert(profile string) error
	Remove() error
}

// Demo configures the demo mode's side panel: tap a virtual card, switch the demo library's hand-off mode.
type Demo struct {
	Cards    VirtualCards // nil when a real reader is used
	Profiles []string
	// SetMode switches the hand-off mode of the demo library (issuer 000001) on the embedded platform.
	SetMode func(mkpf.HandoffMode) error
	Mode    mkpf.HandoffMode
}

var profileLabels = map[string]string{
	"yamada":               "山田（図書館カード登録済み）",
	"suzuki":               "鈴木（サービスID未登録）",
	"tanaka":               "田中（マイキーID未作成）",
	"renewed":              "山田（再発行カード）",
	"expired":              "期限切れの証明書",
	"locked":               "PINロック中",
	"revoked":              "失効した証明書",
	"libcard-180000000011": "図書館カード（FeliCa）180000000011",
}

// NewDemoPanel builds the side panel of demo mode.
func NewDemoPanel(d Demo) fyne.CanvasObject {
	state := &jaLabel{}
	objs := []fyne.CanvasObject{&widget.Label{Text: tr("demo.title", "デモ")}}
	if d.Cards != nil {
		objs = append(objs, widget.NewLabel(tr("demo.cards", "仮想カードをかざす:")))
		for _, p := range d.Profiles {
			p := p
			label := p
			if l, ok := profileLabels[p]; ok {
				label = l
			}
			objs = append(objs, &widget.Button{Text: label, Alignment: widget.ButtonAlignLeading, OnTapped: func() {
				_ = d.Cards.Remove()
				if err := d.Cards.Insert(p); err != nil {
					state.SetText(err.Error())
					return
				}
				state.SetText(tr("demo.inserted", "リーダーに置きました: ") + label)
			}})
		}
		objs = append(objs, &widget.Button{Text: tr("demo.remove", "カードを外す"), OnTapped: func() {
			_ = d.Cards.Remove()
			state.SetText(tr("demo.removed", "カードを外しました。"))
		}})
	} else { // demo mode reading through PC/SC (vsmartcard's virtual readers in tests, or a reader on the desk)
		objs = append(objs, &jaLabel{Text: tr("demo.pcsc", "カードはカードリーダー（PC/SC）に置いてください。")})
	}
	p := &demoPanel{}
	if d.SetMode != nil {
		modes := []mkpf.HandoffMode{mkpf.HandoffNumber, mkpf.HandoffBarcode, mkpf.HandoffWedge, mkpf.HandoffLabel}
		names := make([]string, len(modes))
		for i, m := range modes {
			names[i] = m.LabelJA()
		}
		radio := &widget.RadioGroup{Options: names}
		if d.Mode != "" {
			radio.Selected = d.Mode.LabelJA()
		}
		radio.OnChanged = func(sel string) {
			for _, m := range modes {
				if m.LabelJA() == sel {
					if err := d.SetMode(m); err != nil {
						state.SetText(err.Error())
						return
					}
					state.SetText(tr("demo.mode", "川崎市立図書館の方式: ") + sel)
				}
			}
		}
		// Only a service-ID terminal (ア) hands numbers to a library system: the section shows only there (setKind).
		p.modes = container.NewVBox(widget.NewSeparator(), widget.NewLabel(tr("demo.modes", "図書館の引渡し方式:")), radio)
		p.modes.Hide()
		objs = append(objs, p.modes)
	}
	objs = append(objs, state)
	width := canvas.NewRectangle(color.Transparent)
	width.SetMinSize(fyne.NewSize(300, 1))
	p.content = container.NewHBox(widget.NewSeparator(), container.NewStack(width, container.NewVBox(objs...)))
	p.ExtendBaseWidget(p)
	return p
}

// demoPanel is the demo's side panel; the UI tells it the terminal's kind at every screen.
type demoPanel struct {
	widget.BaseWidget
	content *fyne.Container
	modes   *fyne.Container // the library's hand-off modes (nil when the demo cannot switch them)
}

func (p *demoPanel) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(p.content) }

// setKind shows the hand-off modes only on a service-ID terminal (not on point-use, voucher or grant terminals,
// nor before the terminal is enrolled and its kind is known).
func (p *demoPanel) setKind(k mkpf.TerminalKind) {
	if p.modes == nil || p.modes.Visible() == (k == mkpf.KindServiceID) {
		return
	}
	if k == mkpf.KindServiceID {
		p.modes.Show()
	} else {
		p.modes.Hide()
	}
	p.Refresh()
}
