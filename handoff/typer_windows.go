//go:build windows

package handoff

import (
	"context"
	"time"
	"unicode/utf16"
	"unsafe"

	"golang.org/x/sys/windows"
)

var procSendInput = windows.NewLazySystemDLL("user32.dll").NewProc("SendInput")

const (
	inputKeyboard    = 1
	keyeventfKeyUp   = 0x0002
	keyeventfUnicode = 0x0004
	vkReturn         = 0x0D
	vkTab            = 0x09
)

type keybdInput struct {
	vk        uint16
	scan      uint16
	flags     uint32
	time      uint32
	extraInfo uintptr
}

// input is user32's INPUT with the keyboard member: 40 bytes on 64-bit Windows, 28 on 32-bit.
type input struct {
	typ uint32
	ki  keybdInput
	_   [8]byte
}

// The INPUT layout must match user32's exactly (SendInput rejects a wrong cbSize): 28 bytes on 32-bit Windows, 40 on
// 64-bit. These two array types fail to compile when it does not.
var (
	_ [unsafe.Sizeof(input{}) - (16 + 3*unsafe.Sizeof(uintptr(0)))]struct{}
	_ [(16 + 3*unsafe.Sizeof(uintptr(0))) - unsafe.Sizeof(input{})]struct{}
)

// winTyper types with SendInput and KEYEVENTF_UNICODE, so the keyboard layout (JIS or US) and the IME do not change
// what arrives; Enter and Tab go as virtual keys.
type winTyper struct{}

func newTyper() (Typer, error) { return winTyper{}, nil }

func (winTyper) Close() error { return nil }

func (winTyper) Type(ctx context.Context, text string, suffix Suffix, delay time.Duration) error {
	send := func(in []input) error {
		n, _, err := procSendInput.Call(uintptr(len(in)), uintptr(unsafe.Pointer(&in[0])), unsafe.Sizeof(in[0]))
		if int(n) != len(in) {
			return errf(err, "キー入力が他のアプリに止められました。図書館システムの入力欄をクリックしてからやり直してください")
		}
		return nil
	}
	// Each key goes where the first one went, or none does: when the foreground window or its focused control
	// changes while typing (the clerk clicked elsewhere), the rest would land in another field or program, so the
	// typing stops and the clerk is told; nothing is typed again by itself (the field may hold part of the number).
	// Before Enter/Tab only the window is compared: a field that moves on by itself once it is full is the library
	// system's own doing.
	start, _, _ := currentTarget()
	moved := func(field bool) error {
		cur, _, _ := currentTarget()
		if !field {
			cur.focus = start.focus
		}
		if cur != start {
			return errf(ErrWedgeFocusMoved, "入力中に入力先のウィンドウが切り替わったため、キー入力を止めました。連携システムの入力欄に途中まで入った番号を消し、入力欄をクリックしてから「もう一度入力」を押してください")
		}
		return nil
	}
	units := utf16.Encode([]rune(text))
	for i, u := range units {
		if err := ctx.Err(); err != nil {
			return errf(err, "キー入力を中断しました")
		}
		if err := moved(true); err != nil {
			return err
		}
		in := []input{
			{typ: inputKeyboard, ki: keybdInput{scan: u, flags: keyeventfUnicode}},
			{typ: inputKeyboard, ki: keybdInput{scan: u, flags: keyeventfUnicode | keyeventfKeyUp}},
		}
		if err := send(in); err != nil {
			return err
		}
		if delay > 0 && i < len(units)-1 {
			time.Sleep(delay)
		}
	}
	var vk uint16
	switch suffix {
	case SuffixEnter, "":
		vk = vkReturn
	case SuffixTab:
		vk = vkTab
	}
	if vk != 0 {
		if delay > 0 {
			time.Sleep(delay)
		}
		if err := moved(false); err != nil {
			return err
		}
		return send([]input{
			{typ: inputKeyboard, ki: keybdInput{vk: vk}},
			{typ: inputKeyboard, ki: keybdInput{vk: vk, flags: keyeventfKeyUp}},
		})
	}
	return nil
}
