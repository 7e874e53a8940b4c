package platformclient

import (
	"context"
	"errors"
	"net/http"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Sentinel errors; Message turns them into what the clerk reads.
var (
	ErrNotEnrolled = errors.New("platformclient: terminal not enrolled")
	ErrUnavailable = errors.New("platformclient: platform unreachable")
	ErrTimeout     = errors.New("platformclient: platform did not answer in time")
	ErrProtocol    = errors.New("platformclient: unexpected answer from the platform")
	ErrStateLocked = errors.New("platformclient: terminal data in use by another program")
	ErrDeviceKey   = errors.New("platformclient: device key unusable")
)

// Error is a client-side failure (transport, local state): the program's one clerk-error type (mkpf.ClerkError) with
// Op the call that failed ("lookup", "open", …), the Japanese message for the clerk and the cause (errors.Is works
// through it: ErrUnavailable, ErrTimeout, …). Errors the platform returned are *mkpf.APIError instead (they carry the
// platform's message and code).
type Error = mkpf.ClerkError

// Japanese messages of client-side failures.
const (
	MsgUnavailable = "プラットフォームに接続できません。ネットワークの接続と、プラットフォームのURLを確認してください。しばらくしてからもう一度操作してください。"
	MsgTimeout     = "プラットフォームから応答がありません。しばらくしてからもう一度操作してください。"
	MsgNotEnrolled = "この端末はまだ登録されていません。端末IDと端末パスワードを登録してください。"
	MsgProtocol    = "プラットフォームから想定外の応答がありました。ソフトウェアを最新版に更新してください。"
	MsgStateLocked = "端末のデータを別のプログラムが使用中です。マイキープラットフォーム等活用ソフトを二重に起動していないか確認してください。"
	MsgDeviceKey   = "端末の鍵を読み込めません。端末の登録をやり直してください（自治体の担当者に端末登録の解除を依頼してください）。"
	MsgLocalState  = "端末のデータを保存できません。ディスクの空きと書き込み権限を確認してください。"
	MsgGeneric     = "プラットフォームとの通信で問題が発生しました。もう一度操作してください。"
)

// Message is the Japanese message for any error this package returns (and a generic one for others).
func Message(err error) string {
	if err == nil {
		return ""
	}
	var ae *mkpf.APIError
	if errors.As(err, &ae) && ae.Message != "" {
		return ae.Message
	}
	var ce *Error
	if errors.As(err, &ce) && ce.Message != "" {
		return ce.Message
	}
	switch {
	case errors.Is(err, ErrNotEnrolled):
		return MsgNotEnrolled
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return MsgTimeout
	case errors.Is(err, ErrUnavailable):
		return MsgUnavailable
	case errors.Is(err, context.Canceled):
		return "操作を取り消しました。"
	}
	return MsgGeneric
}

// Code is the platform's error code of err ("" when err is not a platform answer).
func Code(err error) string {
	var ae *mkpf.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

// Refused reports whether err is the platform's definitive refusal of a call (an answer with status 4xx other than
// 429): nothing was applied. Any other failure (transport, timeout, 429, 5xx) leaves the outcome unknown; the points
// journal keeps such an operation pending so that its retry goes with the same idempotency key.
func Refused(err error) bool {
	var ae *mkpf.APIError
	return errors.As(err, &ae) && ae.Status != http.StatusTooManyRequests && ae.Status < 500
}
