package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screen39 is 画面39, merge done: the encrypted merge file is in the terminal's merge folder; the shop's
// 「商店街ポイント活用ソフト」 takes it in with 「合算ポイント受取」.
type screen39 struct {
	ps   *pointsSession
	res  *mkpf.MergeResult
	path string
	sum  *ptSummary
	next *widget.Button
	back *widget.Button
}

func newScreen39(ps *pointsSession, res *mkpf.MergeResult, path string, b mkpf.Balance) *screen39 {
	s := &screen39{ps: ps, res: res, path: path}
	s.next = &widget.Button{Text: tr("screen39.next", "続けて合算") + " (F1)", Icon: theme.NavigateNextIcon(), Importance: widget.HighImportance, OnTapped: s.onNext}
	s.back = menuBackButton(ps)
	idLabel := tr("screen37.shoppointid", "商店街ポイントID")
	if res.IDKind == "mykey_id" {
		idLabel = tr("screen39.mykeyid", "マイキーID")
	}
	if path == "" {
		path = res.FileName
	}
	s.sum = (&ptSummary{}).
		add(tr("screen39.txn", "取引済番号"), res.Txn).
		add(idLabel, res.ID).
		add(tr("points.kind", "ポイントの種類"), b.Kind.LabelJA()+"　"+b.ProgramName).
		add(tr("screen37.points", "合算ポイント数"), pts(res.Points)).
		add(tr("screen38.after", "合算後の残高"), pts(res.BalanceAfter)).
		add(tr("screen39.file", "合算ポイントファイル"), path).
		add(tr("points.at", "日時"), timeJA(res.At))
	return s
}

func (s *screen39) Title() string { return tr("screen39.title", "ポイント合算完了") }

func (s *screen39) Content() fyne.CanvasObject {
	done := &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.SuccessImportance, TextStyle: fyne.TextStyle{Bold: true},
		Text: fmt.Sprintf(tr("screen39.done", "%sを合算しました。暗号化された合算ポイントファイルを合算フォルダに保存しました。"), pts(s.res.Points))}
	next := ptLead(tr("screen39.lead", "「商店街ポイント活用ソフト」を開き、メニューの「合算ポイント受取」で取り込んでください（同じファイルは一度しか取り込めません）。"))
	return container.NewVBox(done, s.sum.object(), next, container.NewHBox(s.next, s.back))
}

func (s *screen39) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF1: s.onNext, fyne.KeyF10: s.ps.toMenu}
}

func (s *screen39) onNext() { s.ps.u.Show(newScreen37(s.ps)) }

// Shown takes the keyboard focus away from the previous screen's field, so the function keys work at once.
func (s *screen39) Shown() { s.ps.u.Win.Canvas().Unfocus() }
