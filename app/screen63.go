package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// screen63 is 画面63 「マイキーIDの失効」: it says first that a revoked MyKey ID never comes back; the patron confirms,
// sets the own card and enters the PIN (the card signs for "revoke") → [失効]; afterwards 18 says it is done.
type screen63 struct {
	ms                   *myPageSession
	sure                 *widget.Check
	revoke, back, logout *widget.Button
}

func newScreen63(ms *myPageSession) *screen63 {
	s := &screen63{ms: ms}
	s.sure = widget.NewCheck(tr("screen63.sure", "マイキーIDを失効すると元に戻せないことを確認しました"), nil)
	s.revoke = &widget.Button{Text: tr("screen63.revoke", "失効") + " (F5)", Importance: widget.DangerImportance, OnTapped: s.onRevoke}
	s.back = &widget.Button{Text: tr("screen58.back", "利用者マイページへ") + " (Esc)", OnTapped: s.onBack}
	s.logout = &widget.Button{Text: tr("screen19.logout", "ログアウト") + " (F12)", OnTapped: s.onLogout}
	return s
}

func (s *screen63) Title() string    { return tr("screen63.title", "マイキーIDの失効") }
func (s *screen63) MenuButton() bool { return false }

func (s *screen63) Content() fyne.CanvasObject {
	return container.NewVBox(myPageHeader(s.ms, s.logout),
		&jaLabel{Text: tr("screen63.lead", "マイキーIDを失効すると、元に戻すことはできません。登録したサービスID（図書館の利用カードなど）も使えなくなります。同じマイナンバーカードで新しいマイキーIDを作成することはできます。"), Importance: widget.DangerImportance},
		&jaLabel{Text: tr("screen63.card", "失効する場合は、確認のうえマイナンバーカードをICカードリーダーライターにセットし、「失効」を押してください。")},
		s.sure,
		container.NewHBox(s.revoke, s.back))
}

func (s *screen63) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onRevoke, fyne.KeyEscape: s.onBack, fyne.KeyF12: s.onLogout}
}

func (s *screen63) onRevoke() {
	ms := s.ms
	u := ms.ds.u
	if !ms.touch() || u.pinDialog != nil {
		return
	}
	if !s.sure.Checked {
		u.ShowError(terminal.ErrRevokeNotConfirmed)
		return
	}
	withCardPIN(ms.ds, u.Svc.Settings.Load().Reader, ms.desk, mkpf.MyKeyOpRevoke, tr("screen63.busy", "マイキーIDを失効しています…"),
		func(ctx context.Context, cs mkpf.CardSignature) error {
			return terminal.RevokeMyKeyID(ctx, ms.desk.(terminal.MyPageChanger), ms.login.Session, cs, s.sure.Checked)
		}, func(err error) {
			if err != nil {
				u.ShowError(err)
				return
			}
			ms.end(tr("screen63.done", "マイキーIDを失効しました。失効したマイキーIDは元に戻せません。"))
		})
}

func (s *screen63) onBack() {
	if s.ms.touch() {
		s.ms.toPage()
	}
}
func (s *screen63) onLogout() { s.ms.end(tr("mypage.ended.logout", msgLogout)) }
