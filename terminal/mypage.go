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

// MyPageChanger is the platform's side of screens 59-61 and 63 (platformclient.Client).
type MyPageChanger interface {
	UpdateMyPage(ctx context.Context, req mkpf.MyPageUpdateRequest) (*mkpf.MyPage, error)
	RevokeMyKeyID(ctx context.Context, req mkpf.MyKeyRevokeRequest) error
	ChangeMyKeyID(ctx context.Context, req mkpf.MyKeyChangeRequest) (*mkpf.MyKeyCreateResult, error)
}

// ChangeMyKeyID is screen 62 [変更]: the new ID from the same candidate rules as screen 16 (cand ready), with the
// card's signature for "change" (SignMyKey). The session ends: the patron logs in with the new ID.
func ChangeMyKeyID(ctx context.Context, p MyPageChanger, session string, card mkpf.CardSignature, cand *Candidates) (*mkpf.MyKeyCreateResult, error) {
	if !cand.Ready() {
		return nil, ErrCandidateNone
	}
	return p.ChangeMyKeyID(ctx, mkpf.MyKeyChangeRequest{Session: session, Card: card, NewID: cand.ID})
}

// UpdateMyPage is screens 59-61 [変更]: the form's rules first (a new password 6-16 letters/digits typed twice the
// same, the e-mail twice, notices only with an address), then the platform. An empty Password keeps the password.
func UpdateMyPage(ctx context.Context, p MyPageChanger, session string, f MyPageForm) (*mkpf.MyPage, error) {
	if err := CheckMyPageUpdate(f); err != nil {
		return nil, err
	}
	return p.UpdateMyPage(ctx, mkpf.MyPageUpdateRequest{Session: session, Email: strings.TrimSpace(f.Email),
		Notices: f.Notices, BaseMunicipality: f.BaseMunicipality, NewPassword: f.Password})
}

// CheckMyPageUpdate is screen 59's check before the confirmation (60): CheckMyPageForm, the password only when a new
// one is typed.
func CheckMyPageUpdate(f MyPageForm) error {
	if f.Password == "" && f.PasswordConfirm == "" {
		f.Password, f.PasswordConfirm = "unchanged1", "unchanged1"
	}
	return CheckMyPageForm(f)
}

// ErrRevokeNotConfirmed is screen 63 without the patron's confirmation: nothing is sent.
var ErrRevokeNotConfirmed = &InputError{Key: "screen63.confirm", Format: "マイキーIDを失効すると元に戻せません。失効する場合は、確認してから「失効」を押してください。"}

// RevokeMyKeyID is screen 63 [失効]: only after the patron confirmed (irreversible), with their card's signature for
// "revoke" (SignMyKey).
func RevokeMyKeyID(ctx context.Context, p MyPageChanger, session string, card mkpf.CardSignature, confirmed bool) error {
	if !confirmed {
		return ErrRevokeNotConfirmed
	}
	return p.RevokeMyKeyID(ctx, mkpf.MyKeyRevokeRequest{Session: session, Card: card})
}

// Couponer is the platform's side of screens 20-21 (platformclient.Client).
type Couponer interface {
	Coupon(ctx context.Context, session, code string, use bool) (*mkpf.CouponResult, error)
}

// ErrCouponEmpty is screen 20 with no code: nothing is sent (nothing counted against the desk).
var ErrCouponEmpty = &InputError{Key: "screen20.empty", Format: "クーポンコードを入力してください。"}

// CouponCode is a typed code as sent: half-width, upper case.
func CouponCode(s string) string { return strings.ToUpper(strings.TrimSpace(HalfWidth(s))) }

// LookUpCoupon is screen 20 [確認] → 21: what the code is worth.
func LookUpCoupon(ctx context.Context, p Couponer, session, code string) (*mkpf.CouponResult, error) {
	if code = CouponCode(code); code == "" {
		return nil, ErrCouponEmpty
	}
	return p.Coupon(ctx, session, code, false)
}

// UseCoupon is screen 21 [利用]: the points to 留保ポイント, once.
func UseCoupon(ctx context.Context, p Couponer, session, code string) (*mkpf.CouponResult, error) {
	if code = CouponCode(code); code == "" {
		return nil, ErrCouponEmpty
	}
	return p.Coupon(ctx, session, code, true)
}
