package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal/grant"
)

// screen76 is 画面76 付与事業対象者検索: choose the project and [検索] (narrowed by MyKey ID or the identifying items);
// for the chosen participant, [登録・読取] reads the card on the reader and puts its MyKey ID on the roster, and a
// participant who forgot the card can be granted after the clerk checked the identifying items (§V(7)).
type screen76 struct {
	gs       *grantSession
	pick     *projectPicker
	mykeyID  *fkeyEntry
	name     *fkeyEntry
	search   *widget.Button
	list     *fyne.Container
	found    []grant.Participant
	chosen   *grant.Participant
	detail   *jaLabel
	readCard *widget.Button
	noCard   *widget.Button
	count    *widget.Label
}

func newScreen76(gs *grantSession) *screen76 {
	s := &screen76{gs: gs}
	s.pick = newProjectPicker(gs, false, nil)
	s.mykeyID = fkeys(gs.u, &widget.Entry{OnSubmitted: func(string) { s.onSearch() }})
	s.name = fkeys(gs.u, &widget.Entry{OnSubmitted: func(string) { s.onSearch() }})
	s.search = &widget.Button{Text: tr("screen76.search", "検索") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onSearch}
	s.list = container.NewVBox()
	s.count = &widget.Label{}
	s.detail = &jaLabel{}
	s.readCard = &widget.Button{Text: tr("screen76.read", "登録・読取") + " (F2)", Importance: widget.HighImportance, OnTapped: s.onReadCard}
	s.noCard = &widget.Button{Text: tr("screen76.nocard", "カードなしで付与") + " (F3)", Importance: widget.WarningImportance, OnTapped: s.onNoCard}
	s.readCard.Disable()
	s.noCard.Disable()
	return s
}

func (s *screen76) Title() string { return tr("screen76.title", "付与事業対象者検索") }

func (s *screen76) Content() fyne.CanvasObject {
	b := func(t string) *widget.Label { return &widget.Label{Text: t, TextStyle: fyne.TextStyle{Bold: true}} }
	return container.NewVBox(
		ptLead(tr("screen76.lead", "ポイント付与事業を選び、「検索」ボタンをクリックしてください。対象者が多いときはマイキーIDや名前で絞り込めます。対象者を選び、マイナンバーカードをカードリーダーに置いて「登録・読取」ボタンをクリックすると、名簿にマイキーIDを登録します。")),
		rows(b(tr("grant.project", "ポイント付与事業")), s.pick.object(),
			b(tr("screen75.mykeyid", "マイキーID")), s.mykeyID,
			b(grant.FieldName), s.name),
		container.NewHBox(s.search, &widget.Button{Text: tr("grant.back", "戻る") + " (Esc)", OnTapped: s.gs.toOffice}),
		s.count,
		s.list,
		widget.NewSeparator(),
		s.detail,
		container.NewHBox(s.readCard, s.noCard),
	)
}

func (s *screen76) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onSearch, fyne.KeyF2: s.onReadCard, fyne.KeyF3: s.onNoCard, fyne.KeyEscape: s.gs.toOffice}
}

func (s *screen76) Shown() { s.pick.load(nil) }

// maxListed bounds the result list; the clerk narrows the search beyond it.
const maxListed = 50

func (s *screen76) onSearch() {
	p, ok := s.pick.need()
	if !ok {
		return
	}
	o, err := s.gs.svc.Office()
	if err != nil {
		s.gs.grantError(err)
		return
	}
	s.found = o.Search(grant.Query{ProjectID: p.ID, MyKeyID: strings.TrimSpace(s.mykeyID.Text), Person: grant.Person{Name: s.name.Text}})
	s.list.RemoveAll()
	s.choose(nil)
	switch n := len(s.found); {
	case n == 0:
		s.count.SetText(tr("screen76.none", "該当する対象者はいません。条件を変えて検索してください。"))
	case n > maxListed:
		s.count.SetText(fmt.Sprintf(tr("screen76.many", "%d人が該当します。先頭の%d人を表示しています。マイキーIDや名前で絞り込んでください。"), n, maxListed))
	default:
		s.count.SetText(fmt.Sprintf(tr("screen76.count", "%d人が該当します。対象者を選んでください。"), n))
	}
	for i := range s.found {
		if i == maxListed {
			break
		}
		x := s.found[i]
		s.list.Add(&widget.Button{Text: s.line(x), Alignment: widget.ButtonAlignLeading, OnTapped: func() { s.choose(&x) }})
	}
}

// line is one participant in the result list: the identifying items chosen on 72 and the MyKey ID state.
func (s *screen76) line(x grant.Participant) string {
	var parts []string
	if o, err := s.gs.svc.Office(); err == nil {
		for _, f := range o.Fields() {
			if v := x.Person.Field(f); v != "" {
				if f == grant.FieldBirth {
					v = jaDate(v)
				}
				parts = append(parts, v)
			}
		}
	}
	id := tr("screen76.noid", "マイキーID未登録")
	if x.MyKeyID != "" {
		id = x.MyKeyID
	}
	parts = append(parts, id)
	if !x.WithoutCardAt.IsZero() {
		parts = append(parts, tr("screen76.grantednocard", "カードなしで付与済み"))
	}
	return strings.Join(parts, "　")
}

func (s *screen76) choose(x *grant.Participant) {
	s.chosen = x
	if x == nil {
		s.setDetail("")
		s.readCard.Disable()
		s.noCard.Disable()
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, tr("screen76.chosen", "選んだ対象者: %s"), s.line(*x))
	if x.MyKeyID == "" {
		b.WriteString("\n" + tr("screen76.putcard", "対象者のマイナンバーカードをカードリーダーに置き、「登録・読取」ボタンをクリックしてください。"))
		s.readCard.Enable()
		s.noCard.Disable()
	} else {
		b.WriteString("\n" + tr("screen76.forgot", "カードを忘れた方は、本人確認情報と申告内容を照合したうえで「カードなしで付与」をクリックしてください。"))
		s.readCard.Disable()
		if x.WithoutCardAt.IsZero() {
			s.noCard.Enable()
		} else {
			s.noCard.Disable()
		}
	}
	s.setDetail(b.String())
}

// setDetail shows text under the list and lays the screen out again (a label that grows does not move what is
// below it by itself).
func (s *screen76) setDetail(text string) {
	s.detail.SetText(text)
	grantRelayout(s.gs.u)
}

func (s *screen76) onReadCard() {
	if s.chosen == nil || s.readCard.Disabled() {
		return
	}
	id := s.chosen.ID
	var x *grant.Participant
	s.readCard.Disable()
	s.gs.u.Run(tr("screen76.reading", "カードを読み取っています…"), grantTimeout, func(ctx context.Context) (err error) {
		x, err = s.gs.svc.RegisterCard(ctx, id)
		return err
	}, func(err error) {
		s.gs.u.PlatformResult(err)
		if err != nil {
			s.readCard.Enable()
			s.gs.grantError(err)
			return
		}
		s.choose(x)
		s.setDetail(fmt.Sprintf(tr("screen76.registered", "マイキーID %s を名簿に登録しました。"), x.MyKeyID) + "\n" + s.detail.Text)
		s.refreshList(*x)
	})
}

// refreshList replaces x's line in the result list after a change.
func (s *screen76) refreshList(x grant.Participant) {
	for i := range s.found {
		if s.found[i].ID == x.ID && i < len(s.list.Objects) {
			s.found[i] = x
			if b, ok := s.list.Objects[i].(*widget.Button); ok {
				b.SetText(s.line(x))
				b.OnTapped = func() { s.choose(&x) }
			}
		}
	}
}

// onNoCard asks the clerk to confirm the identity check first, then grants without the card.
func (s *screen76) onNoCard() {
	if s.chosen == nil || s.noCard.Disabled() {
		return
	}
	x := *s.chosen
	dialog.NewCustomConfirm(tr("screen76.nocard.title", "カードなしで付与"), tr("grant.yes", "はい"), tr("grant.no", "いいえ"),
		wrapLabel(fmt.Sprintf(tr("screen76.nocard.ask", "%s さんの本人確認情報と申告内容を照合しましたか？照合できた場合のみ「はい」を押してください。"), x.Person.Name)),
		func(ok bool) {
			if ok {
				s.grantNoCard(x)
			}
		}, s.gs.u.Win).Show()
}

func (s *screen76) grantNoCard(x grant.Participant) {
	var acc *mkpf.GrantAccepted
	s.noCard.Disable()
	s.gs.u.Run(tr("screen76.granting", "ポイントを付与しています…"), grantTimeout, func(ctx context.Context) (err error) {
		acc, err = s.gs.svc.GrantWithoutCard(ctx, x.ID)
		return err
	}, func(err error) {
		s.gs.u.PlatformResult(err)
		if err != nil {
			s.noCard.Enable()
			s.gs.grantError(err)
			return
		}
		o, _ := s.gs.svc.Office()
		if o != nil {
			if nx, err := o.Participant(x.ID); err == nil {
				x = nx
			}
		}
		s.choose(&x)
		s.refreshList(x)
		s.setDetail(fmt.Sprintf(tr("screen76.granted", "%s を付与しました（カードなし、取引番号 %s）。"), pts(acc.Points), acc.TxnID) + "\n" + s.detail.Text)
	})
}

// jaDate shows a YYYY-MM-DD date the way the counter screens write dates: 1940年1月1日.
func jaDate(iso string) string {
	t, err := time.Parse("2006-01-02", iso)
	if err != nil {
		return iso
	}
	return t.Format("2006年1月2日")
}
