package app

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// screen25 is 画面25 「サービスIDの照会」: it explains the four hand-off modes (set per ID issuer), the patron sets the
// My Number Card and the clerk clicks [照会] → screen 26. With 「連続照会」 on, the app watches the reader and looks up
// every card put on it without a click, so the clerk never switches windows between patrons.
type screen25 struct {
	u          *UI
	modeTitles map[mkpf.HandoffMode]*widget.Label
	lookup     *widget.Button
	continuous *widget.Check
	state      *jaLabel
}

func newScreen25(u *UI) *screen25 {
	s := &screen25{u: u, modeTitles: map[mkpf.HandoffMode]*widget.Label{}}
	s.lookup = &widget.Button{Text: tr("screen25.lookup", "照会") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onLookup}
	s.continuous = &widget.Check{Text: tr("screen25.continuous", "連続照会（カードを置くたびに自動で照会し、番号を引き渡します）") + " (F6)", OnChanged: s.onContinuous}
	s.state = &jaLabel{Importance: widget.SuccessImportance}
	return s
}

func (s *screen25) Title() string { return tr("screen25.title", "サービスIDの照会") }

func (s *screen25) Content() fyne.CanvasObject {
	mode := func(name, text string, m mkpf.HandoffMode) fyne.CanvasObject {
		title := &widget.Label{Text: name}
		s.modeTitles[m] = title
		return container.NewVBox(title, &jaLabel{Text: "　" + text})
	}
	if s.u.Continuous() {
		s.continuous.Checked = true
		s.state.SetText(tr("screen25.waiting", "カードを待っています。マイナンバーカードをICカードリーダーライターに置いてください。"))
	}
	return container.NewVBox(
		wrapLabel(tr("screen25.step1", "①サービスIDの照会は、次の4通りの方式があります。(ID付与事業者別に方式が設定されています。)\n方式ごとに以下の準備をして下さい。")),
		mode(modeLabel(mkpf.HandoffNumber), tr("screen25.number", "連携システムに手入力するために、次画面で表示される利用カード番号 (サービスID)を確認してください。"), mkpf.HandoffNumber),
		mode(modeLabel(mkpf.HandoffBarcode), tr("screen25.barcode", "連携システムでバーコードを読取るために、連携システム端末に接続されたバーコードリーダを準備してください。"), mkpf.HandoffBarcode),
		mode(modeLabel(mkpf.HandoffWedge), tr("screen25.wedge", "IDを自動で連携システムに引き渡すために、連携システムの利用カード番号の入力欄にカーソルをあててください。"), mkpf.HandoffWedge),
		mode(modeLabel(mkpf.HandoffLabel), tr("screen25.label", "利用カード番号をラベル印刷するために、バーコードが印刷できるプリンタを準備してください。"), mkpf.HandoffLabel),
		widget.NewSeparator(),
		&jaLabel{Text: tr("screen25.step2", "②マイナンバーカードをICカードリーダライタにセットし、「照会」ボタンをクリックして下さい。")},
		container.NewHBox(s.lookup),
		s.continuous,
		s.state,
	)
}

func (s *screen25) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onLookup, fyne.KeyReturn: s.onLookup,
		fyne.KeyF6: func() { s.continuous.SetChecked(!s.continuous.Checked) }}
}

// Shown marks the mode this terminal's ID issuer uses (the platform's issuer table), so the clerk knows what to
// prepare. A failure here is not shown: the lookup itself reports the platform's state.
func (s *screen25) Shown() {
	issuerID := s.u.Svc.Platform.Terminal().IssuerID
	if issuerID == "" {
		return
	}
	s.u.wg.Add(1)
	go func() {
		defer s.u.wg.Done()
		ctx, cancel := context.WithTimeout(s.u.ctx, 5*time.Second)
		defer cancel()
		is, err := s.u.Svc.Platform.Issuers(ctx)
		if err != nil {
			return
		}
		for _, x := range is {
			if x.ID != issuerID {
				continue
			}
			m := x.Handoff.Mode
			if m == "" {
				m = mkpf.HandoffNumber
			}
			s.u.do(func() {
				if l := s.modeTitles[m]; l != nil {
					l.Importance = widget.HighImportance
					l.SetText(l.Text + tr("screen25.thisterminal", "　← この端末の方式"))
				}
			})
		}
	}()
}

// keepsContinuous: the continuous lookup goes on while screens 25 and 26 alternate.
func (s *screen25) keepsContinuous() {}

func (s *screen25) onLookup() { lookupCard(s.u, "", false) }

func (s *screen25) onContinuous(on bool) {
	if on {
		s.u.startContinuous()
		s.state.SetText(tr("screen25.waiting", "カードを待っています。マイナンバーカードをICカードリーダーライターに置いてください。"))
	} else {
		s.u.stopContinuous()
		s.state.SetText("")
	}
}

// lookupCard reads the card's user-authentication certificate, asks the platform and shows screen 26. auto is set
// when the card was tapped in continuous lookup (no click: the app must not take the focus).
func lookupCard(u *UI, reader string, auto bool) {
	if reader == "" {
		reader = u.Svc.Settings.Load().Reader
	}
	var l *terminal.Lookup
	u.Run(tr("screen25.busy", "照会しています…"), 20*time.Second, func(ctx context.Context) (err error) {
		l, err = terminal.LookUp(ctx, u.Svc.Cards, u.Svc.Platform, reader)
		return err
	}, func(err error) {
		if l != nil && l.ReachedPlatform {
			u.PlatformResult(err)
		}
		if err != nil {
			if u.Continuous() {
				if _, on25 := u.cur.(*screen25); !on25 {
					u.toLookup()
				}
			}
			u.ShowError(err)
			return
		}
		u.toLookupResult(l.LookupResult, auto)
	})
}

// startContinuous watches the reader; each card put on it is looked up and handed off.
func (u *UI) startContinuous() {
	if u.contCancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(u.ctx)
	u.contCancel = cancel
	go func() {
		events, err := u.Svc.Cards.Watch(ctx)
		if err != nil {
			u.do(func() { u.stopContinuous(); u.ShowError(err) })
			return
		}
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				if !ev.Present {
					continue
				}
				reader := ev.Reader
				if want := u.Svc.Settings.Load().Reader; want != "" && want != reader {
					continue
				}
				u.do(func() {
					if ctx.Err() == nil {
						lookupCard(u, reader, true)
					}
				})
			}
		}
	}()
}

func (u *UI) stopContinuous() {
	if u.contCancel != nil {
		u.contCancel()
		u.contCancel = nil
	}
}

// Continuous reports whether continuous lookup is on.
func (u *UI) Continuous() bool { return u.contCancel != nil }

// modeLabel is the hand-off mode's name as screens 25 and 26 show it (seed 000: 「番号通知方式（デフォルト）」).
func modeLabel(m mkpf.HandoffMode) string {
	switch m {
	case mkpf.HandoffNumber:
		return tr("mode.number", "番号通知方式（デフォルト）")
	case mkpf.HandoffBarcode:
		return tr("mode.barcode", "バーコード表示方式")
	case mkpf.HandoffWedge:
		return tr("mode.wedge", "ID自動引渡し方式")
	case mkpf.HandoffLabel:
		return tr("mode.label", "ラベル印刷方式")
	}
	return m.LabelJA()
}
