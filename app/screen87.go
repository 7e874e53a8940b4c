package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// screen87 is 画面87 「自治体ポイント集計」 for shops and museums: a period → the terminal's location, the number of
// transactions and the total points; [明細ダウンロード] saves the detail (集計表・明細表) as a CSV Excel opens (UTF-8 with
// BOM, CRLF).
type screen87 struct {
	ps       *pointsSession
	fm       form
	from, to *fkeyEntry
	run      *widget.Button
	download *widget.Button
	back     *widget.Button
	result   *fyne.Container
	sum      *ptSummary
	agg      *mkpf.Aggregate
	// save asks where to save the CSV and writes it; tests replace it.
	save  func(name string, data []byte, done func(path string, err error))
	saved string // the last file written
}

// aggregateDetailRows is how many detail rows the screen lists; the CSV always has all of them.
const aggregateDetailRows = 200

func newScreen87(ps *pointsSession) *screen87 {
	s := &screen87{ps: ps}
	t := ptToday()
	s.from = fkeys(ps.u, &widget.Entry{Text: dayText(t.AddDate(0, 0, 1-t.Day()))})
	s.to = fkeys(ps.u, &widget.Entry{Text: dayText(t), OnSubmitted: func(string) { s.onRun() }})
	s.run = &widget.Button{Text: tr("screen87.run", "集計") + " (F5)", Icon: theme.SearchIcon(), Importance: widget.HighImportance, OnTapped: s.onRun}
	s.download = &widget.Button{Text: tr("screen87.download", "明細ダウンロード") + " (F9)", Icon: theme.DownloadIcon(), OnTapped: s.onDownload}
	s.download.Disable()
	s.back = menuBackButton(ps)
	s.result = container.NewVBox()
	s.save = s.saveWithDialog
	s.fm.add(newField("from", tr("screen87.from", "集計対象期間（開始日）"), s.from,
		tr("screen87.from.rule", "2026年11月1日 の形で入力してください（20261101 のように数字だけでも入力できます）。")))
	s.fm.add(newField("to", tr("screen87.to", "集計対象期間（終了日）"), s.to,
		tr("screen87.to.rule", "この日を含みます。開始日以降の日付を入力してください。")))
	return s
}

func (s *screen87) Title() string { return tr("screen87.title", "自治体ポイント集計") }

func (s *screen87) Content() fyne.CanvasObject {
	return container.NewVBox(
		ptLead(tr("screen87.lead", "集計対象期間を入力し、「集計」ボタンをクリックしてください。精算金等の確認に必要な明細は「明細ダウンロード」で保存できます。")),
		s.fm.object(),
		container.NewHBox(s.run, s.download, s.back),
		s.result,
	)
}

func (s *screen87) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onRun, fyne.KeyF9: s.onDownload, fyne.KeyF10: s.ps.toMenu, fyne.KeyEscape: s.ps.toMenu}
}

func (s *screen87) onRun() {
	s.fm.clearErrors()
	from, to, field, err := terminal.CheckPeriod(s.from.Text, s.to.Text)
	if err != nil {
		s.fm.fields[field].setError(Message(err))
		return
	}
	var agg *mkpf.Aggregate
	s.run.Disable()
	started := s.ps.u.Run(tr("screen87.busy", "集計しています…"), pointsTimeout, func(ctx context.Context) (err error) {
		agg, err = s.ps.svc.Aggregate(ctx, from, to)
		return err
	}, func(err error) {
		s.run.Enable()
		s.ps.platformResult(err)
		if err != nil {
			s.fm.showError(s.ps.u, err)
			return
		}
		s.show(agg)
	})
	if !started {
		s.run.Enable()
	}
}

func (s *screen87) show(agg *mkpf.Aggregate) {
	s.agg = agg
	s.sum = (&ptSummary{}).
		add(tr("screen87.location", "端末設置場所"), agg.Location).
		add(tr("screen87.period", "集計対象期間"), dayJA(agg.From)+" ～ "+dayJA(agg.To)).
		add(tr("screen87.count", "取引回数合計"), fmt.Sprintf(tr("screen87.count.unit", "%d回"), agg.Count)).
		add(tr("screen87.total", "利用ポイント数合計"), pts(agg.Total))
	objs := []fyne.CanvasObject{s.sum.object()}
	if len(agg.Rows) > 0 {
		grid := container.NewGridWithColumns(4,
			boldLabel(tr("screen87.col.at", "日時")), boldLabel(tr("screen87.col.kind", "取引種別")),
			boldLabel(tr("screen87.col.program", "ポイントの種類")), boldLabel(tr("screen87.col.points", "ポイント数")))
		for i, r := range agg.Rows {
			if i == aggregateDetailRows {
				break
			}
			kind := mkpf.MoveKindLabelJA(r.Kind)
			if r.VoucherNo != "" {
				kind += " " + mkpf.FormatVoucherNumber(r.VoucherNo)
			}
			grid.Add(widget.NewLabel(timeJA(r.At)))
			grid.Add(widget.NewLabel(kind))
			grid.Add(widget.NewLabel(r.ProgramName))
			grid.Add(&widget.Label{Text: pts(r.Points), Alignment: fyne.TextAlignTrailing})
		}
		objs = append(objs, grid)
		if len(agg.Rows) > aggregateDetailRows {
			objs = append(objs, ptLead(fmt.Sprintf(tr("screen87.more", "ほか%d件は「明細ダウンロード」で確認してください。"), len(agg.Rows)-aggregateDetailRows)))
		}
	} else {
		objs = append(objs, ptLead(tr("screen87.none", "この期間の取引はありません。")))
	}
	s.result.Objects = objs
	s.result.Refresh()
	ptRelayout(s.result)
	s.download.Enable()
}

func boldLabel(t string) *widget.Label {
	return &widget.Label{Text: t}
}

// csvName is the file name the download suggests.
func (s *screen87) csvName() string {
	return fmt.Sprintf("自治体ポイント明細_%s_%s_%s.csv", s.agg.TerminalID, s.agg.From, s.agg.To)
}

func (s *screen87) onDownload() {
	if s.agg == nil || s.download.Disabled() {
		return
	}
	s.save(s.csvName(), mkpf.AggregateCSV(s.agg), func(path string, err error) {
		if err != nil {
			s.ps.u.ShowError(&ClerkError{Message: saveFailedMessage(err), Err: err})
			return
		}
		if path == "" {
			return // cancelled
		}
		s.saved = path
		dialog.ShowInformation(s.Title(), tr("screen87.saved", "明細を保存しました。")+"\n"+path, s.ps.u.Win)
	})
}

// saveWithDialog asks for the file with the OS-independent Fyne save dialog, starting in the user's Downloads folder.
func (s *screen87) saveWithDialog(name string, data []byte, done func(string, error)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			done("", err)
			return
		}
		_, werr := w.Write(data)
		cerr := w.Close()
		if werr == nil {
			werr = cerr
		}
		done(w.URI().Path(), werr)
	}, s.ps.u.Win)
	d.SetFileName(name)
	if home, err := os.UserHomeDir(); err == nil {
		for _, dir := range []string{filepath.Join(home, "Downloads"), filepath.Join(home, "ダウンロード"), home} {
			if st, err := os.Stat(dir); err == nil && st.IsDir() {
				if l, err := listableURI(dir); err == nil {
					d.SetLocation(l)
				}
				break
			}
		}
	}
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

func listableURI(dir string) (fyne.ListableURI, error) {
	return storage.ListerForURI(storage.NewFileURI(dir))
}

// Shown takes the keyboard focus away from the previous screen's field, so the function keys work at once.
func (s *screen87) Shown() { s.ps.u.Win.Canvas().Unfocus() }

// saveFailedMessage is what the clerk reads when the statement could not be saved: what happened and what to do, in
// Japanese; the OS's error text (a path, "permission denied") is kept in the error's cause, not shown.
func saveFailedMessage(err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return tr("screen87.save.denied", "この保存先には書き込めません。「ドキュメント」などほかのフォルダを選んで、もう一度「明細ダウンロード」をクリックしてください。")
	case errors.Is(err, syscall.ENOSPC):
		return tr("screen87.save.full", "保存先の空き容量が足りません。USBメモリなどほかの保存先を選んで、もう一度「明細ダウンロード」をクリックしてください。")
	}
	return tr("screen87.save.failed", "明細を保存できませんでした。保存先を変えて、もう一度「明細ダウンロード」をクリックしてください。")
}
