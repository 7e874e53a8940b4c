package app

import (
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screen39 is 画面39, merge done: the encrypted merge file is in the terminal's merge folder; the shop's
// 「商店街ポイント活用ソフト」 takes it in with 「合算ポイント受取」.
type screen39 struct {
	ptDone
	res  *mkpf.MergeResult
	path string
}

func newScreen39(ps *pointsSession, res *mkpf.MergeResult, path string, b mkpf.Balance) *screen39 {
	s := &screen39{res: res, path: path}
	idLabel := tr("screen37.shoppointid", "商店街ポイントID")
	if res.IDKind == "mykey_id" {
		idLabel = tr("screen39.mykeyid", "マイキーID")
	}
	// The clerk reads the file's name; where the folder is, the settings say (a raw path reads as noise).
	name := res.FileName
	if path != "" {
		name = filepath.Base(path)
	}
	s.ptDone = newPtDone(ps, (&ptSummary{}).
		add(tr("screen39.txn", "取引済番号"), res.Txn).
		add(idLabel, res.ID).
		add(tr("points.kind", "ポイントの種類"), mkpf.PointName(b.Kind, b.ProgramName)).
		add(tr("screen37.points", "合算ポイント数"), pts(res.Points)).
		add(tr("screen38.after", "合算後の残高"), pts(res.BalanceAfter)).
		add(tr("screen39.file", "合算ポイントファイル"), name).
		add(tr("points.at", "日時"), timeJA(res.At)),
		tr("screen39.next", "続けて合算"), (*pointsSession).toMerge)
	return s
}

func (s *screen39) Title() string { return tr("screen39.title", "ポイント合算完了") }

func (s *screen39) Content() fyne.CanvasObject {
	return s.content(fmt.Sprintf(tr("screen39.done", "%sを合算しました。暗号化された合算ポイントファイルを所定のフォルダに保存しました。"), pts(s.res.Points)),
		tr("screen39.lead", "「商店街ポイント活用ソフト」を開き、メニューの「合算ポイント受取」で取り込んでください（同じファイルは一度しか取り込めません）。"))
}
