package app

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal/grant"
)

// screen64 is 画面64 ポイント付与事業登録 (入力): ポイント付与事業名, 担当部署, 付与ポイント数 (per person), 備考 and the
// project's budget are typed; 全国地方公共団体コード, 自治体名 and ポイント有効期限 are shown from the municipal program
// registered before, only checked. [確認] → 65.
type screen64 struct {
	gs       *grantSession
	fm       form
	programs []mkpf.Program
	program  *widget.Select
	muni     *widget.Label
	expiry   *jaLabel
	name     *fkeyEntry
	dept     *fkeyEntry
	points   *fkeyEntry
	budget   *fkeyEntry
	note     *fkeyEntry
	confirm  *widget.Button
	loaded   bool
}

func newScreen64(gs *grantSession) *screen64 {
	s := &screen64{gs: gs}
	u := gs.u
	s.program = widget.NewSelect(nil, func(string) { s.showProgram() })
	s.muni = &widget.Label{}
	s.expiry = &jaLabel{}
	s.name = fkeys(u, &widget.Entry{})
	s.dept = fkeys(u, &widget.Entry{})
	s.points = fkeys(u, &widget.Entry{})
	s.budget = fkeys(u, &widget.Entry{})
	s.note = fkeys(u, &widget.Entry{})
	s.confirm = &widget.Button{Text: tr("screen64.confirm", "確認") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onConfirm}
	s.fm.add(newField("program_id", tr("screen64.program", "付与する自治体ポイント"), s.program, ""))
	s.fm.add(newField("municipality", tr("screen64.municipality", "全国地方公共団体コード・自治体名"), s.muni, ""))
	s.fm.add(newField("expiry", tr("screen64.expiry", "ポイント有効期限"), s.expiry, ""))
	s.fm.add(newField("name", tr("screen64.name", "ポイント付与事業名"), s.name, tr("screen64.name.rule", "事業が分かる名前を100文字までで入力してください（例: 認知症サポーター養成講座）。")))
	s.fm.add(newField("department", tr("screen64.department", "担当部署"), s.dept, ""))
	s.fm.add(newField("points_per_person", tr("screen64.points", "付与ポイント数（1人当たり）"), s.points, tr("screen64.points.rule", grant.CountHint)))
	s.fm.add(newField("budget", tr("screen64.budget", "予算（付与ポイントの総数）"), s.budget, tr("screen64.budget.rule", "この事業で付与できるポイントの合計です。超える付与はできません。")))
	s.fm.add(newField("note", tr("screen64.note", "備考"), s.note, ""))
	return s
}

func (s *screen64) Title() string { return tr("screen64.title", "ポイント付与事業登録") }

func (s *screen64) Content() fyne.CanvasObject {
	return container.NewVBox(
		ptLead(tr("screen64.lead", "ポイント付与事業名、担当部署、付与ポイント数、備考を入力し、「確認」ボタンをクリックしてください。全国地方公共団体コード、自治体名、ポイント有効期限は登録済みの内容です。確認のみ行ってください。")),
		s.fm.object(),
		container.NewHBox(s.confirm, &widget.Button{Text: tr("grant.back", "戻る") + " (Esc)", OnTapped: s.gs.toOffice}),
	)
}

func (s *screen64) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onConfirm, fyne.KeyEscape: s.gs.toOffice}
}

// Shown loads the municipal programs this office may grant (once).
func (s *screen64) Shown() {
	if s.loaded {
		return
	}
	var list *mkpf.GrantProjectList
	s.gs.u.Run(tr("grant.loading", "自治体ポイント管理クラウドに問い合わせています…"), grantTimeout, func(ctx context.Context) (err error) {
		list, err = s.gs.svc.Projects(ctx)
		return err
	}, func(err error) {
		s.gs.u.PlatformResult(err)
		if err != nil {
			s.gs.grantError(err)
			return
		}
		s.loaded = true
		s.setPrograms(list.Programs)
		s.gs.u.Win.Canvas().Focus(s.name)
	})
}

func (s *screen64) setPrograms(ps []mkpf.Program) {
	s.programs = ps
	var opts []string
	for _, p := range ps {
		opts = append(opts, p.Name)
	}
	s.program.SetOptions(opts)
	if len(opts) > 0 && s.program.Selected == "" {
		s.program.SetSelectedIndex(0)
	}
	if len(opts) == 0 {
		s.fm.fields[0].setError(tr("screen64.noprogram", "付与できる自治体ポイントが登録されていません。自治体ポイント管理クラウドの管理者に、自治体ポイントの登録を依頼してください。"))
		s.confirm.Disable()
	}
}

func (s *screen64) selected() (mkpf.Program, bool) {
	i := s.program.SelectedIndex()
	if i < 0 || i >= len(s.programs) {
		return mkpf.Program{}, false
	}
	return s.programs[i], true
}

func (s *screen64) showProgram() {
	p, ok := s.selected()
	if !ok {
		return
	}
	s.muni.SetText(p.MunicipalityCode + "　" + s.gs.term.MunicipalityName)
	rule := p.ExpiryRule
	if rule == "" && p.ExpiryMonths > 0 {
		rule = fmt.Sprintf("付与日から%dか月", p.ExpiryMonths)
	}
	if rule == "" {
		rule = "期限なし"
	}
	s.expiry.SetText(rule)
}

func (s *screen64) onConfirm() {
	s.fm.clearErrors()
	p, _ := s.selected()
	req, errs := grant.CheckProject(grant.ProjectInput{ProgramID: p.ID, Name: s.name.Text, Department: s.dept.Text,
		Points: s.points.Text, Budget: s.budget.Text, Note: s.note.Text})
	if len(errs) > 0 {
		for _, f := range s.fm.fields {
			if m, ok := errs[f.name]; ok {
				f.setError(m)
			}
		}
		return
	}
	toProjectConfirm(s, p, req)
}

// screen65 is 画面65 ポイント付与事業登録 (確認): the entries as they will be registered; [登録] → 66.
type screen65 struct {
	from    *screen64
	program mkpf.Program
	req     mkpf.GrantProjectRequest
	opKey   string
	reg     *widget.Button
}

func newScreen65(from *screen64, p mkpf.Program, req mkpf.GrantProjectRequest) *screen65 {
	s := &screen65{from: from, program: p, req: req, opKey: newIdemKey()}
	s.reg = &widget.Button{Text: tr("screen65.register", "登録") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onRegister}
	return s
}

func (s *screen65) Title() string {
	return tr("screen65.title", "ポイント付与事業登録 確認")
}

func (s *screen65) Content() fyne.CanvasObject {
	var objs []fyne.CanvasObject
	add := func(k, v string) {
		objs = append(objs, &widget.Label{Text: k, TextStyle: fyne.TextStyle{Bold: true}}, &jaLabel{Text: v})
	}
	add(tr("screen64.municipality", "全国地方公共団体コード・自治体名"), s.from.muni.Text)
	add(tr("screen64.program", "付与する自治体ポイント"), s.program.Name)
	add(tr("screen64.expiry", "ポイント有効期限"), s.from.expiry.Text)
	add(tr("screen64.name", "ポイント付与事業名"), s.req.Name)
	add(tr("screen64.department", "担当部署"), s.req.Department)
	add(tr("screen64.points", "付与ポイント数（1人当たり）"), pts(s.req.PointsPerPerson))
	add(tr("screen64.budget", "予算（付与ポイントの総数）"), pts(s.req.Budget))
	add(tr("screen64.note", "備考"), s.req.Note)
	return container.NewVBox(
		ptLead(tr("screen65.lead", "登録内容を確認し、「登録」ボタンを押してください。")),
		rows(objs...),
		container.NewHBox(s.reg, &widget.Button{Text: tr("grant.back", "戻る") + " (Esc)", OnTapped: s.onBack}),
	)
}

func (s *screen65) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onRegister, fyne.KeyEscape: s.onBack}
}

func (s *screen65) Shown() { s.from.gs.u.Win.Canvas().Unfocus() }

func (s *screen65) onBack() { s.from.gs.u.Show(s.from) }

func (s *screen65) onRegister() {
	if s.reg.Disabled() {
		return
	}
	gs := s.from.gs
	var p *mkpf.GrantProject
	s.reg.Disable()
	gs.u.Run(tr("screen65.busy", "ポイント付与事業を登録しています…"), grantTimeout, func(ctx context.Context) (err error) {
		p, err = gs.svc.CreateProject(ctx, s.req, s.opKey)
		return err
	}, func(err error) {
		s.reg.Enable()
		gs.u.PlatformResult(err)
		if err != nil {
			gs.grantError(err)
			return
		}
		gs.toProjectDone(*p)
	})
}

// screen66 is 画面66 ポイント付与事業管理 完了: the completion message; [戻る] → the menu (73).
type screen66 struct {
	gs *grantSession
	p  mkpf.GrantProject
}

func newScreen66(gs *grantSession, p mkpf.GrantProject) *screen66 { return &screen66{gs: gs, p: p} }

func (s *screen66) Title() string {
	return tr("screen66.title", "ポイント付与事業管理 完了")
}

func (s *screen66) Content() fyne.CanvasObject {
	msg := &widget.Label{Text: tr("screen66.done", "ポイント付与事業を登録しました。"), TextStyle: fyne.TextStyle{Bold: true}, Importance: widget.SuccessImportance}
	detail := fmt.Sprintf("%s（事業番号 %s）　1人当たり %s　予算 %s", s.p.Name, s.p.ID, pts(s.p.PointsPerPerson), pts(s.p.Budget))
	return container.NewVBox(msg, wrapLabel(detail),
		ptLead(tr("screen66.next", "続けて「付与事業対象者名簿取り込み入力」または「付与事業対象者個別入力」で対象者を登録してください。")),
		container.NewHBox(&widget.Button{Text: tr("grant.back", "戻る") + " (Esc)", Importance: widget.HighImportance, OnTapped: s.gs.toOffice}))
}

func (s *screen66) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyEscape: s.gs.toOffice}
}

func (s *screen66) Shown() { s.gs.u.Win.Canvas().Unfocus() }
