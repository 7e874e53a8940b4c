package cardio

import (
	"context"
	"errors"
	"fmt"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Sentinel error kinds. Functions return them wrapped in *Error (test with errors.Is).
var (
	ErrNoReader        = errors.New("cardio: no card reader")
	ErrNoCard          = errors.New("cardio: no card in the reader")
	ErrCardRemoved     = errors.New("cardio: card removed during the operation")
	ErrUnknownCard     = errors.New("cardio: not a card this terminal can read")
	ErrSharing         = errors.New("cardio: the reader is used by another program")
	ErrTimeout         = errors.New("cardio: the reader did not answer in time")
	ErrCertExpired     = errors.New("cardio: certificate expired")
	ErrPINBlocked      = errors.New("cardio: PIN blocked")
	ErrPINFormat       = errors.New("cardio: PIN has the wrong form")
	ErrPINRequired     = errors.New("cardio: PIN verification required first")
	ErrForbiddenAID    = errors.New("cardio: command or application not on the allow-list")
	ErrPCSCUnavailable = errors.New("cardio: PC/SC service unavailable")
	ErrCard            = errors.New("cardio: the card refused the command")
)

var messages = map[error]string{
	ErrNoReader:        "カードリーダーが見つかりません。リーダーのUSBケーブルを接続してから、もう一度お試しください。",
	ErrNoCard:          "カードが置かれていません。マイナンバーカードをカードリーダーにセットしてください。",
	ErrCardRemoved:     "読み取り中にカードが離れました。カードをリーダーに置き直して、もう一度お試しください。",
	ErrUnknownCard:     "このカードは読み取れません。マイナンバーカード(または対応するICカード)かどうか確かめて、置き直してください。",
	ErrSharing:         "他のプログラムがカードリーダーを使用中です。そのプログラムを終了してから、もう一度お試しください。",
	ErrTimeout:         "カードリーダーが応答しません。カードを置き直し、直らない場合はリーダーのUSBケーブルを挿し直してください。",
	ErrCertExpired:     "このマイナンバーカードの利用者証明用電子証明書は有効期限が切れています。お住まいの市区町村の窓口で更新するようご案内ください。",
	ErrPINBlocked:      "暗証番号がロックされています。お住まいの市区町村の窓口でロック解除の手続きをするようご案内ください。",
	ErrPINFormat:       "暗証番号の形式が違います。利用者証明用は数字4桁、署名用は英数字6〜16文字です。入力し直してください。",
	ErrPINRequired:     "先に暗証番号の確認が必要です。暗証番号を入力してください。",
	ErrForbiddenAID:    "許可されていないカード領域へのアクセスを止めました(マイナンバーは読み取りません)。システム管理者に連絡してください。",
	ErrPCSCUnavailable: "スマートカードのサービス(PC/SC)が動いていません。サービスを起動するか、端末を再起動してください。",
	ErrCard:            "カードが処理を受け付けませんでした。カードを置き直して、もう一度お試しください。",
}

const genericMessage = "カードの読み取りに失敗しました。カードを置き直して、もう一度お試しください。"

// Error is the program's one clerk-error type (mkpf.ClerkError): Kind is one of the sentinels above, Message the
// Japanese text for the clerk (what happened and what to do), Err the cause (a PC/SC error, a status word, ...), which
// may be nil. errors.Is finds both the kind and the cause.
type Error = mkpf.ClerkError

func newError(kind, cause error) *Error {
	return &Error{Kind: kind, Message: messages[kind], Err: cause}
}

// WrongPINError is a failed PIN verification; Left tries remain. Left == 0 means this try blocked the PIN, and then
// errors.Is(err, ErrPINBlocked) holds too.
type WrongPINError struct {
	Left int
}

func (e *WrongPINError) Error() string {
	return fmt.Sprintf("cardio: wrong PIN, %d tries left", e.Left)
}

func (e *WrongPINError) Is(target error) bool { return target == ErrPINBlocked && e.Left == 0 }

// Message is the Japanese text for the clerk.
func (e *WrongPINError) Message() string {
	if e.Left == 0 {
		return "暗証番号が違います。暗証番号がロックされました。お住まいの市区町村の窓口でロック解除の手続きをするようご案内ください。"
	}
	return fmt.Sprintf("暗証番号が違います。あと%d回間違えるとロックされます。ご本人に確かめてから入力し直してください。", e.Left)
}

// SWError is a status word the command did not expect. It is the cause inside an *Error of kind ErrCard or
// ErrUnknownCard.
type SWError struct {
	Command string // what was sent, in words ("READ BINARY 000A")
	SW      uint16
}

func (e *SWError) Error() string { return fmt.Sprintf("%s: status %04X", e.Command, e.SW) }

// Message is the Japanese text for the clerk for any error: the *Error's Message, the wrong-PIN text, or a generic
// fallback. A bare context deadline reads as ErrTimeout.
func Message(err error) string {
	if err == nil {
		return ""
	}
	var w *WrongPINError
	if errors.As(err, &w) {
		return w.Message()
	}
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return messages[ErrTimeout]
	}
	for kind, m := range messages {
		if errors.Is(err, kind) {
			return m
		}
	}
	return genericMessage
}
