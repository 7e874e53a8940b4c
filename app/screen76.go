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
	name     *fkeyEntry            // 名前, always an item (items[grant.FieldName])
	items    map[string]*fkeyEntry // the identifying items chosen on 72, to narrow the search
	fields   []string              // those items, in their order
	declared *fkeyEntry            // a MyKey ID the participant declares at the counter (§V(5))
	register *widget.Button        // registers it
	justRead string                // the participant whose card was just read here: no 「カードなしで付与」 for them
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
	s.pick.office = true
	s.mykeyID = fkeys(gs.u, &widget.Entry{OnSubmitted: func(string) { s.onSearch() }})
	s.items = map[string]*fkeyEntry{}
	s.fields = grant.DefaultFields
	if o, err := gs.svc.Office(); err == nil {
		s.fields = o.Fields()
	}
	if len(s.fields) == 0 || s.fields[0] != grant.FieldName {
		s.fields = append([]string{grant.FieldName}, s.fields...)
	}
	for _, f := range s.fields {
		s.items[f] = fkeys(gs.u, &widget.Entry{OnSubmitted: func(string) { s.onSearch() }})
	}
	s.name = s.items[grant.FieldName]
	s.declared = fkeys(gs.u, &widget.Entry{OnSubmitted: func(string) { s.onDeclared() }})
	s.declared.SetPlaceHolder(tr("screen76.declared.hint", "本人が申告したマイキーID（英大文字と数字の8文字）"))
	s.register = &widget.Button{Text: tr("screen76.declared.register", "申告されたマイキーIDを登録"), OnTapped: s.onDeclared}
	s.register.Disable()
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
		ptLead(tr("screen76.lead", "ポイント付与事業を選び、「検索」ボタンをクリックしてください。対象者が多いときはマイキーIDや本人確認情報で絞り込めます。対象者を選び、マイナンバーカードをカードリーダーに置いて「登録・読取」ボタンをクリックすると、名簿にマイキーIDを登録します。")),
		rows(s.searchRows(b)...),
		// the count beside the buttons: one row less, so the declared MyKey ID's row stays above the fold
		container.NewBorder(nil, nil, container.NewHBox(s.search, &widget.Button{Text: tr("grant.back", "戻る") + " (Esc)", OnTapped: s.gs.toOffice}), nil, s.count),
		s.list,
		widget.NewSeparator(),
		s.detail,
		container.NewBorder(nil, nil, container.NewHBox(s.readCard, s.noCard), s.register, s.declared),
	)
}

// searchRows are the search conditions: the project, the MyKey ID and the identifying items chosen on 72 (§V(5)
// 「マイキーID や本人確認情報を検索条件に追加し、絞り込むことが可能」).
func (s *screen76) searchRows(b func(string) *widget.Label) []fyne.CanvasObject {
	out := []fyne.CanvasObject{b(tr("grant.project", "ポイント付与事業")), s.pick.object(),
		b(tr("screen75.mykeyid", "マイキーID")), s.mykeyID}
	for _, f := range s.fields {
		out = append(out, b(f), s.items[f])
	}
	return out
}

// query is the search as typed.
func (s *screen76) query(projectID string) grant.Query {
	var p grant.Person
	v := func(f string) string {
		if e := s.items[f]; e != nil {
			return e.Text
		}
		return ""
	}
	p.Name, p.Birth, p.Address, p.Sex = v(grant.FieldName), v(grant.FieldBirth), v(grant.FieldAddress), v(grant.FieldSex)
	p.Phone, p.Email, p.Note = v(grant.FieldPhone), v(grant.FieldEmail), v(grant.FieldNote)
	return grant.Query{ProjectID: projectID, MyKeyID: strings.TrimSpace(s.mykeyID.Text), Person: p}
}

// onDeclared registers the MyKey ID the participant declared for the chosen entry, after the clerk checked the
// declaration (§V(5) 「窓口を訪れた本人からの申告内容を確認し、自治体職員がマイキーID を登録する」).
func (s *screen76) onDeclared() {
	if s.chosen == nil || s.register.Disabled() {
		return
	}
	id, declared := s.chosen.ID, s.declared.Text
	var x *grant.Participant
	s.register.Disable()
	s.gs.u.Run(tr("screen76.declared.busy", "マイキーIDを登録しています…"), grantTimeout, func(ctx context.Context) (err error) {
		x, err = s.gs.svc.RegisterMyKeyID(ctx, id, declared)
		return err
	}, func(err error) {
		s.gs.u.PlatformResult(err)
		if err != nil {
			s.register.Enable()
			s.gs.grantError(err)
			return
		}
		s.declared.SetText("")
		s.choose(x)
		s.setDetail(fmt.Sprintf(tr("screen76.registered", "マイキーID %s を名簿に登録しました。"), x.MyKeyID) + "\n" + s.detail.Text)
		s.refreshList(*x)
	})
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
	s.found = o.Search(s.query(p.ID))
	s.list.RemoveAll()
	s.choose(nil)
	switch n := len(s.found); {
	case n == 0:
		s.count.SetText(tr("screen76.none", "該当する対象者はいません。条件を変えて検索してください。"))
	case n > maxListed:
		s.count.SetText(fmt.Sprintf(tr("screen76.many", "%d人が該当します。先頭の%d人を表示しています。マイキーIDや本人確認情報で絞り込んでください。"), n, maxListed))
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
		s.register.Disable()
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, tr("screen76.chosen", "選んだ対象者: %s"), s.line(*x))
	s.register.Disable()
	switch {
	case x.MyKeyID == "":
		b.WriteString("\n" + tr("screen76.putcard", "対象者のマイナンバーカードをカードリーダーに置き、「登録・読取」ボタンをクリックしてください。カードがなくマイキーIDを申告された場合は、申告内容を確認してから下の欄に入力し、「申告されたマイキーIDを登録」をクリックしてください。"))
		s.readCard.Enable()
		s.noCard.Disable()
		s.register.Enable()
	case x.ID == s.justRead:
		// The card was just read here: the participant has it, so no grant without the card is offered.
		s.readCard.Disable()
		s.noCard.Disable()
	default:
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
		s.justRead = x.ID
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
		s.setDetail(fmt.Sprintf(tr("screen76.granted", "%sを付与しました（カードなし、取引番号 %s）。"), pts(acc.Points), acc.TxnID) + "\n" + s.detail.Text)
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
