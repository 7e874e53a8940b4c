package terminal

// 利用者マイページ at the patron desk (screens 18, 19, 58; docs/patron-desk.md) without any UI: log in with the MyKey ID
// and password or with the card and PIN (SignMyKey for "login"), read the page, log out.

import (
	"context"
	"strings"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// MyPageDesk is the platform's side of 利用者マイページ (platformclient.Client).
type MyPageDesk interface {
	MyKeyDesk
	MyPageLogin(ctx context.Context, req mkpf.MyPageLoginRequest) (*mkpf.MyPageLoginResult, error)
	MyPage(ctx context.Context, session string) (*mkpf.MyPage, error)
	MyPageLogout(ctx context.Context, session string) error
}

// ErrMyPageLoginEmpty is screen 18 [ログイン] with a field empty: nothing is sent.
var ErrMyPageLoginEmpty = &InputError{Key: "screen18.empty", Format: "マイキーIDとパスワードを入力してください。"}

// MyPageLoginPassword is screen 18 [ログイン] with the MyKey ID and password (the ID as typed, half-width).
func MyPageLoginPassword(ctx context.Context, p MyPageDesk, id, pw string) (*mkpf.MyPageLoginResult, error) {
	id = strings.ToUpper(NormalizeCandidate(id))
	if id == "" || pw == "" {
		return nil, ErrMyPageLoginEmpty
	}
	return p.MyPageLogin(ctx, mkpf.MyPageLoginRequest{MyKeyID: id, Password: pw})
}

// MyPageLoginCard is screen 18 [ログイン] with the card: the card's signature from screen 15 for "login".
func MyPageLoginCard(ctx context.Context, p MyPageDesk, card mkpf.CardSignature) (*mkpf.MyPageLoginResult, error) {
	return p.MyPageLogin(ctx, mkpf.MyPageLoginRequest{Card: &card})
}
