//go:build !linux && !windows

package handoff

func newTyper() (Typer, error) {
	return nil, errf(ErrWedgeUnsupported, "このパソコンでは ID自動引渡し (キー入力) を使えません。番号通知方式かバーコード表示方式を使ってください")
}
