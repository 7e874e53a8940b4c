package app

import "errors"

// Errors the screens themselves raise; Message (services_real.go) and the tests' fakes give their Japanese text.
var (
	ErrSignPINBlocked = &ClerkError{Msg: "署名用電子証明書のパスワードがロックされています。利用者に市区町村の窓口でロック解除（初期化）の手続きをするよう案内してください。住所変更通知を「いいえ」にすれば登録はできます。"}
	ErrSignPINFormat  = &ClerkError{Msg: "署名用電子証明書のパスワードは英数字6～16文字です。利用者にもう一度入力してもらってください（この入力ではカードに送っていないので、残り回数は減っていません）。"}
	ErrWedgeNoTarget  = &ClerkError{Msg: "連携システムの入力欄がクリックされなかったため、番号を入力しませんでした。連携システムの利用カード番号の入力欄をクリックしてから「もう一度入力」を押してください。"}
)

// ClerkError is an error whose text is already the Japanese message for the clerk.
type ClerkError struct {
	Msg string
	Err error
}

func (e *ClerkError) Error() string { return e.Msg }
func (e *ClerkError) Unwrap() error { return e.Err }

// clerkMessage returns the message of a ClerkError in err's chain.
func clerkMessage(err error) (string, bool) {
	var ce *ClerkError
	if errors.As(err, &ce) {
		return ce.Msg, true
	}
	return "", false
}
