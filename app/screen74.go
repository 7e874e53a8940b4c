package app

import (
	"context"
	"fmt"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal/grant"
)

// projectPicker is the ポイント付与事業 pull-down of screens 74, 75, 76 and 78, with the chosen project's per-person
// points beside it. It loads the projects of the terminal's municipality when its screen is shown.
type projectPicker struct {
	gs       *grantSession
	projects []mkpf.GrantProject
	sel      *widget.Select
	info     *jaLabel
	loaded   bool
	changed  func()
	openOnly bool
	// office: the line counts the office roster's people of the project (with or without a MyKey ID yet; screens
	// 74-76), not only those whose MyKey ID is on the platform's roster.
	office bool
}

func newProjectPicker(gs *grantSession, openOnly bool, changed func()) *projectPicker {
	p := &projectPicker{gs: gs, openOnly: openOnly, changed: changed}
	p.sel = widget.NewSelect(nil, func(string) { p.showInfo() })
	p.sel.PlaceHolder = tr("grant.project.choose", "ポイント付与事業を選んでください")
	p.info = &jaLabel{}
	return p
}

func (p *projectPicker) object() fyne.CanvasObject { return container.NewVBox(p.sel, p.info) }

// load asks the platform for the projects (once per screen); then calls done on the UI goroutine.
func (p *projectPicker) load(done func()) {
	if p.loaded {
		return
	}
	var list *mkpf.GrantProjectList
	p.gs.u.Run(tr("grant.loading", "自治体ポイント管理クラウドに問い合わせています…"), grantTimeout, func(ctx context.Context) (err error) {
		list, err = p.gs.svc.Projects(ctx)
		return err
	}, func(err error) {
		p.gs.u.PlatformResult(err)
		if err != nil {
			p.gs.grantError(err)
			return
		}
		p.loaded = true
		p.set(list.Projects)
		if done != nil {
			done()
		}
	})
}

func (p *projectPicker) set(ps []mkpf.GrantProject) {
	p.projects = nil
	var opts []string
	for _, x := range ps {
		if p.openOnly && x.Closed {
			continue
		}
		p.projects = append(p.projects, x)
		opts = append(opts, x.Name)
	}
	p.sel.SetOptions(opts)
	if len(opts) == 1 {
		p.sel.SetSelectedIndex(0)
	}
	if len(opts) == 0 {
		p.info.SetText(tr("grant.project.none", "登録されているポイント付与事業がありません。先に「ポイント付与事業登録」で事業を登録してください。"))
	}
}

func (p *projectPicker) selected() (mkpf.GrantProject, bool) {
	i := p.sel.SelectedIndex()
	if i < 0 || i >= len(p.projects) {
		return mkpf.GrantProject{}, false
	}
	return p.projects[i], true
}

func (p *projectPicker) showInfo() {
	x, ok := p.selected()
	if !ok {
		return
	}
	state := ""
	if x.Closed {
		state = "（終了）"
	}
	roster := fmt.Sprintf("%d人", x.Participants)
	if p.office {
		if o, err := p.gs.svc.Office(); err == nil {
			roster = fmt.Sprintf("%d人（マイキーID登録済み %d人）", len(o.Search(grant.Query{ProjectID: x.ID})), x.Participants)
		}
	}
	p.info.SetText(fmt.Sprintf("1人当たりの付与ポイント数: %s　名簿: %s　付与済み: %s／予算 %s%s",
		pts(x.PointsPerPerson), roster, pts(x.Granted), pts(x.Budget), state))
	grantRelayout(p.gs.u)
	if p.changed != nil {
		p.changed()
	}
}

// reload asks the platform for the projects again and keeps the chosen one, so its line (名簿 N人) shows what was
// just registered (screen 74 after 「N人を名簿に登録しました」).
func (p *projectPicker) reload() {
	keep, ok := p.selected()
	p.loaded = false
	p.load(func() {
		for i, x := range p.projects {
			if ok && x.ID == keep.ID {
				p.sel.SetSelectedIndex(i)
			}
		}
		p.showInfo()
	})
}

// need returns the chosen project, or shows what to do and reports false.
func (p *projectPicker) need() (mkpf.GrantProject, bool) {
	x, ok := p.selected()
	if !ok {
		p.gs.u.ShowError(&ClerkError{Message: tr("grant.project.need", "ポイント付与事業をプルダウンから選んでください。")})
	}
	return x, ok
}

// screen74 is 画面74 付与事業対象者名簿取り込み入力: choose the project (its per-person points shown),
// [取り込み入力用様式ダウンロード] saves the template, [ファイル選択] picks the filled-in file, [登録] imports it, all or
// nothing; a bad header or bad rows are listed by line number.
type screen74 struct {
	gs       *grantSession
	pick     *projectPicker
	fileName *widget.Label
	data     []byte
	result   *jaLabel
	download *widget.Button
	choose   *widget.Button
	reg      *widget.Button
}

func newScreen74(gs *grantSession) *screen74 {
	s := &screen74{gs: gs}
	s.pick = newProjectPicker(gs, true, nil)
	s.pick.office = true
	s.fileName = &widget.Label{Text: tr("screen74.nofile", "ファイルが選択されていません。")}
	s.result = &jaLabel{}
	s.download = &widget.Button{Text: tr("screen74.download", "取り込み入力用様式ダウンロード") + " (F9)", OnTapped: s.onDownload}
	s.choose = &widget.Button{Text: tr("screen74.choose", "ファイル選択") + " (F2)", OnTapped: s.onChoose}
	s.reg = &widget.Button{Text: tr("screen74.register", "登録") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onRegister}
	return s
}

func (s *screen74) Title() string {
	return tr("screen74.title", "付与事業対象者名簿取り込み入力")
}

func (s *screen74) Content() fyne.CanvasObject {
	return container.NewVBox(
		ptLead(tr("screen74.lead", "ポイント付与事業を選び、1人当たりの付与ポイント数を確認してください。様式ファイルをダウンロードして対象者を記入し、「ファイル選択」で選んで「登録」ボタンをクリックしてください。ファイルはExcelのCSV（Shift_JIS）またはUTF-8のCSVです。")),
		rows(&widget.Label{Text: tr("grant.project", "ポイント付与事業"), TextStyle: fyne.TextStyle{Bold: true}}, s.pick.object()),
		container.NewHBox(s.download, s.choose),
		s.fileName,
		container.NewHBox(s.reg, &widget.Button{Text: tr("grant.back", "戻る") + " (Esc)", OnTapped: s.gs.toOffice}),
		s.result,
	)
}

func (s *screen74) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF9: s.onDownload, fyne.KeyF2: s.onChoose, fyne.KeyF5: s.onRegister, fyne.KeyEscape: s.gs.toOffice}
}

func (s *screen74) Shown() { s.pick.load(nil) }

// template is the template file for the chosen project (screen 74 [取り込み入力用様式ダウンロード]).
func (s *screen74) template() ([]byte, string, bool) {
	p, ok := s.pick.need()
	if !ok {
		return nil, "", false
	}
	return grant.Template(p), "付与事業対象者名簿_" + p.ID + ".csv", true
}

func (s *screen74) onDownload() {
	data, name, ok := s.template()
	if !ok {
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			s.gs.grantError(err)
			return
		}
		defer w.Close()
		if _, err := w.Write(data); err != nil {
			s.gs.grantError(err)
			return
		}
		s.result.SetText(fmt.Sprintf(tr("screen74.saved", "様式ファイルを保存しました: %s"), w.URI().Path()))
	}, s.gs.u.Win)
	d.SetFileName(name)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv"}))
	d.Show()
}

func (s *screen74) onChoose() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			s.gs.grantError(err)
			return
		}
		defer r.Close()
		data, err := io.ReadAll(io.LimitReader(r, 32<<20))
		if err != nil {
			s.gs.grantError(err)
			return
		}
		s.load(r.URI().Name(), data)
	}, s.gs.u.Win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv", ".txt"}))
	d.Show()
}

// load takes the chosen file's name and bytes (the file dialog, or tests).
func (s *screen74) load(name string, data []byte) {
	s.data = data
	s.fileName.SetText(fmt.Sprintf(tr("screen74.file", "選択したファイル: %s（%d バイト）"), name, len(data)))
	s.result.SetText("")
}

func (s *screen74) onRegister() {
	p, ok := s.pick.need()
	if !ok {
		return
	}
	if s.data == nil {
		s.gs.u.ShowError(&ClerkError{Message: tr("screen74.needfile", "取り込むファイルが選ばれていません。「ファイル選択」でファイルを選んでください。")})
		return
	}
	data := s.data
	var res *grant.ImportResult
	s.reg.Disable()
	s.gs.u.Run(tr("screen74.busy", "名簿を取り込んでいます…"), grantTimeout, func(ctx context.Context) (err error) {
		res, err = s.gs.svc.Import(ctx, p, data)
		return err
	}, func(err error) {
		s.reg.Enable()
		s.gs.u.PlatformResult(err)
		if err != nil {
			s.result.Importance = widget.DangerImportance
			s.result.SetText(grantMessage(err))
			s.gs.grantError(err)
			return
		}
		s.data = nil
		s.fileName.SetText(tr("screen74.nofile", "ファイルが選択されていません。"))
		s.result.Importance = widget.SuccessImportance
		s.result.SetText(fmt.Sprintf(tr("screen74.done", "%d人を名簿に登録しました（マイキーIDあり %d人、登録済み %d人）。マイキーIDのない対象者は「付与事業対象者検索」でカードを読み取って登録してください。"),
			res.Added, res.WithMyKeyID, res.Already))
		s.pick.reload() // the project's line counts them now
	})
}

// screen75 is 画面75 付与事業対象者個別入力: one participant typed by hand; the identifying items chosen on 72 are
// required, the MyKey ID may be left empty (the card is read later on 76).
type screen75 struct {
	gs      *grantSession
	pick    *projectPicker
	fm      form
	mykeyID *fkeyEntry
	person  map[string]*fkeyEntry // the typed items (all but 性別)
	sex     *widget.RadioGroup    // 性別: one of grant.Sexes, or none (tap the chosen one again to clear it)
	reg     *widget.Button
	result  *jaLabel
}

func newScreen75(gs *grantSession) *screen75 {
	s := &screen75{gs: gs, person: map[string]*fkeyEntry{}}
	s.pick = newProjectPicker(gs, true, nil)
	s.pick.office = true
	s.mykeyID = fkeys(gs.u, &widget.Entry{})
	s.fm.add(newField("mykey_id", tr("screen75.mykeyid", "マイキーID"), s.mykeyID, tr("screen75.mykeyid.rule", "分からないときは空けておき、「付与事業対象者検索」でカードを読み取ってください。")))
	required := map[string]bool{}
	if o, err := gs.svc.Office(); err == nil {
		for _, f := range o.Fields() {
			required[f] = true
		}
	}
	for _, f := range grant.IdentifyingFields {
		rule := ""
		if required[f] {
			rule = tr("screen75.required", "必須（初期設定で選んだ対象者確認項目）")
		}
		if f == grant.FieldSex {
			s.sex = widget.NewRadioGroup(grant.Sexes, nil)
			s.sex.Horizontal = true
			s.fm.add(newField(f, f, s.sex, rule))
			continue
		}
		e := fkeys(gs.u, &widget.Entry{})
		s.person[f] = e
		if f == grant.FieldBirth {
			rule = strings.TrimPrefix(rule+"　"+tr("screen75.birth.rule", "1940年1月1日 のように入力してください。"), "　")
		}
		s.fm.add(newField(f, f, e, rule))
	}
	s.reg = &widget.Button{Text: tr("screen75.register", "登録") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onRegister}
	s.result = &jaLabel{}
	return s
}

func (s *screen75) Title() string { return tr("screen75.title", "付与事業対象者個別入力") }

func (s *screen75) Content() fyne.CanvasObject {
	return container.NewVBox(
		ptLead(tr("screen75.lead", "ポイント付与事業を選び、対象者の登録内容を入力して「登録」ボタンをクリックしてください。")),
		rows(&widget.Label{Text: tr("grant.project", "ポイント付与事業"), TextStyle: fyne.TextStyle{Bold: true}}, s.pick.object()),
		s.fm.columns(2), // 備考 and [登録] above the fold at the counter window's size
		container.NewHBox(s.reg, &widget.Button{Text: tr("grant.back", "戻る") + " (Esc)", OnTapped: s.gs.toOffice}),
		s.result,
	)
}

func (s *screen75) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onRegister, fyne.KeyEscape: s.gs.toOffice}
}

func (s *screen75) Shown() { s.pick.load(nil) }

func (s *screen75) typed() grant.Person {
	v := func(f string) string { return s.person[f].Text }
	return grant.Person{Name: v(grant.FieldName), Birth: v(grant.FieldBirth), Address: v(grant.FieldAddress), Sex: s.sex.Selected,
		Phone: v(grant.FieldPhone), Email: v(grant.FieldEmail), Note: v(grant.FieldNote)}
}

func (s *screen75) onRegister() {
	s.fm.clearErrors()
	p, ok := s.pick.need()
	if !ok {
		return
	}
	person, id := s.typed(), strings.TrimSpace(s.mykeyID.Text)
	var x *grant.Participant
	s.reg.Disable()
	s.gs.u.Run(tr("screen75.busy", "対象者を登録しています…"), grantTimeout, func(ctx context.Context) (err error) {
		x, err = s.gs.svc.Add(ctx, p, id, person)
		return err
	}, func(err error) {
		s.reg.Enable()
		s.gs.u.PlatformResult(err)
		if err != nil {
			if !s.showRowErrors(err) {
				s.gs.grantError(err)
			}
			return
		}
		for _, e := range s.person {
			e.SetText("")
		}
		s.sex.SetSelected("")
		s.mykeyID.SetText("")
		s.result.Importance = widget.SuccessImportance
		s.result.SetText(fmt.Sprintf(tr("screen75.done", "%s さんを「%s」の名簿に登録しました。"), x.Person.Name, x.ProjectName))
		s.pick.reload()
	})
}

// showRowErrors puts an *grant.ImportError's item errors at their fields.
func (s *screen75) showRowErrors(err error) bool {
	ie, ok := err.(*grant.ImportError)
	if !ok || len(ie.Rows) == 0 {
		return false
	}
	shown := false
	for _, re := range ie.Rows {
		for _, f := range s.fm.fields {
			if f.name == re.Field || re.Field == "マイキーID" && f.name == "mykey_id" {
				f.setError(re.Message)
				shown = true
			}
		}
	}
	return shown
}
