package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// screen62 is 画面62 「マイキーIDの変更」: the new MyKey ID by screen 16's candidate rules ([自動生成] at most three
// times, or typed and [重複チェック]), then the own card and PIN (the card signs for "change") → [変更]. The service IDs
// and balances follow the new ID; the session ends and 18 says to log in with the new ID.
type screen62 struct {
	*candidatePicker
	ms                   *myPageSession
	cand                 terminal.Candidates
	fm                   form
	change, back, logout *widget.Button
}

func newScreen62(ms *myPageSession) *screen62 {
	s := &screen62{ms: ms}
	s.candidatePicker = newCandidatePicker(ms.ds.u, &s.cand, ms.desk, &jaLabel{}, ms.touch)
	s.change = &widget.Button{Text: tr("screen62.change", "変更") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onChange}
	s.back = &widget.Button{Text: tr("screen58.back", "利用者マイページへ") + " (Esc)", OnTapped: s.onBack}
	s.logout = &widget.Button{Text: tr("screen19.logout", "ログアウト") + " (F12)", OnTapped: s.onLogout}
	s.field = s.fm.add(newField("mykey_id", tr("screen62.candidate", "新しいマイキーID候補"), s.object(),
		tr("screen16.candidate.rule", "(1)「自動生成」を押すと候補が表示されます（自動生成は3回までで、3回目の値がマイキーIDとして登録されます）。(2) 8ケタの半角大文字英数字を入力して「重複チェック」を押すこともできます（3回重複すると自動生成になります）。")))
	return s
}

func (s *screen62) Title() string    { return tr("screen62.title", "マイキーIDの変更") }
func (s *screen62) MenuButton() bool { return false }

func (s *screen62) Content() fyne.CanvasObject {
	return container.NewVBox(myPageHeader(s.ms, s.logout),
		&jaLabel{Text: tr("screen62.lead", "新しいマイキーID候補を作成し、マイナンバーカードをセットして「変更」を押してください。登録したサービスIDとポイントは新しいマイキーIDに引き継がれます。今のマイキーIDは二度と使えなくなります。")},
		s.fm.object(), container.NewHBox(s.change, s.back))
}

func (s *screen62) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onChange, fyne.KeyEscape: s.onBack, fyne.KeyF12: s.onLogout}
}

func (s *screen62) onChange() {
	ms := s.ms
	u := ms.ds.u
	if !ms.touch() || u.pinDialog != nil {
		return
	}
	if !s.cand.Ready() {
		s.fm.fields[0].setError(Message(terminal.ErrCandidateNone))
		return
	}
	var res *mkpf.MyKeyCreateResult
	withCardPIN(ms.ds, u.Svc.Settings.Load().Reader, ms.desk, mkpf.MyKeyOpChange, tr("screen62.busy", "マイキーIDを変更しています…"),
		func(ctx context.Context, cs mkpf.CardSignature) (err error) {
			res, err = terminal.ChangeMyKeyID(ctx, ms.desk.(terminal.MyPageChanger), ms.login.Session, cs, &s.cand)
			return err
		}, func(err error) {
			if err != nil {
				s.fm.showError(u, err)
				return
			}
			ms.end(tr("screen62.done", "マイキーIDを変更しました。新しいマイキーIDでログインしてください。新しいマイキーID: ") + res.MyKeyID)
		})
}

func (s *screen62) onBack() {
	if s.ms.touch() {
		s.ms.toPage()
	}
}
func (s *screen62) onLogout() { s.ms.end(tr("mypage.ended.logout", msgLogout)) }
