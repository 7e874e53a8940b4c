package terminal

import (
	"context"
	"errors"
	"fmt"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// ClerkError is the program's one clerk-error type (mkpf.ClerkError): Message is already the Japanese message for the
// clerk, what happened and what to do next. The screens and the CLI show it as it is.
type ClerkError = mkpf.ClerkError

// InputError is a clerk's typing mistake found before anything is sent (an amount, a day, a card number). Key names
// the message in the UI's translation table (app/translations); Format is the Japanese text, with Args when it has
// verbs (the screens translate Format and apply the same Args).
type InputError struct {
	Key    string
	Format string
	Args   []any
}

func (e *InputError) Error() string {
	if len(e.Args) == 0 {
		return e.Format
	}
	return fmt.Sprintf(e.Format, e.Args...)
}

// Errors the flows raise themselves.
var (
	ErrSignPINBlocked = &ClerkError{Message: "署名用電子証明書のパスワードがロックされています。利用者に市区町村の窓口でロック解除（初期化）の手続きをするよう案内してください。住所変更通知を「いいえ」にすれば登録はできます。"}
	ErrSignPINFormat  = &ClerkError{Message: "署名用電子証明書のパスワードは英数字6～16文字です。利用者にもう一度入力してもらってください（この入力ではカードに送っていないので、残り回数は減っていません）。"}
	ErrWedgeNoTarget  = &ClerkError{Message: "連携システムの入力欄がクリックされなかったため、番号を入力しませんでした。連携システムの利用カード番号の入力欄をクリックしてから「もう一度入力」を押してください。"}
	ErrNoLabelPrinter = &ClerkError{Message: "ラベルを印刷するプリンターが設定されていません。メニューの「端末の設定」でプリンターを選んでください。"}
	ErrNoPatronNumber = &ClerkError{Message: "利用カードに番号がありません。利用カードをカードリーダーに置き直してください。"}
	ErrNoPrinter      = &ClerkError{Message: "プリンターが設定されていません。「端末の設定」でプリンターを選んでから、もう一度印字してください。"}
)

// Message is the Japanese clerk message for an error of any flow or package below it. Every package's clerk error is
// the one type ClerkError (a card failure carries its Kind, a platform call its Op); the other types are the
// platform's answers (mkpf.APIError, mkpf.VoucherError), a wrong PIN and a typing mistake.
func Message(err error) string {
	if err == nil {
		return ""
	}
	var ce *ClerkError
	var ie *InputError
	var apiErr *mkpf.APIError
	var wErr *cardio.WrongPINError
	var vErr *mkpf.VoucherError
	switch {
	case errors.As(err, &wErr):
		return wErr.Message()
	case errors.As(err, &ce) && ce.Message != "":
		return ce.Message
	case errors.As(err, &ie):
		return ie.Error()
	case errors.As(err, &vErr):
		return vErr.Message
	case errors.As(err, &apiErr):
		return platformclient.Message(err)
	case errors.Is(err, context.DeadlineExceeded):
		return "時間内に終わりませんでした。もう一度操作してください。"
	}
	return cardio.Message(err)
}

// IsTransport reports whether err never got a definitive answer from the platform's API (network down, timeout): the
// request may or may not have been applied, so the clerk presses the same button again (the client's journal sends
// the same idempotency key, so nothing is applied twice).
func IsTransport(err error) bool {
	var apiErr *mkpf.APIError
	var ie *InputError
	var ve *mkpf.VoucherError
	return err != nil && !errors.As(err, &apiErr) && !mkpf.Decided(err) && !errors.As(err, &ie) && !errors.As(err, &ve)
}

// APICode is the platform's error code in err, or "".
func APICode(err error) string {
	var apiErr *mkpf.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code
	}
	return ""
}
