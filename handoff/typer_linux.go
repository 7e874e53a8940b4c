//go:build linux

package handoff

import (
	"context"
	"io"
	"log"
	"os"
	"sync"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
)

const (
	xkReturn = 0xff0d
	xkTab    = 0xff09
	xkShiftL = 0xffe1
)

var quietXGB sync.Once

// x11Typer types through the X server's XTEST extension, like xdotool: each character's keysym is looked up in the
// keyboard map (column 1 = with Shift); characters the map lacks (kana, kanji, full-width digits) are typed by
// mapping their Unicode keysym onto a spare keycode for the duration of the call.
type x11Typer struct {
	mu   sync.Mutex
	conn *xgb.Conn
	root xproto.Window
	min  xproto.Keycode
	max  xproto.Keycode
}

type keyPos struct {
	code  xproto.Keycode
	shift bool
}

func newTyper() (Typer, error) {
	quietXGB.Do(func() { xgb.Logger = log.New(io.Discard, "", 0) }) // it logs a harmless missing ~/.Xauthority
	if os.Getenv("DISPLAY") == "" {
		if os.Getenv("WAYLAND_DISPLAY") != "" {
			return nil, errf(ErrWedgeUnsupported, "Wayland の画面では ID自動引渡し (キー入力) を使えません。ログイン画面で「Xorg」(X11) のセッションを選ぶか、番号通知方式・バーコード表示方式を使ってください")
		}
		return nil, errf(ErrWedgeUnsupported, "画面 (X11) が見つからないため ID自動引渡し (キー入力) を使えません。デスクトップ画面から起動してください")
	}
	c, err := xgb.NewConn()
	if err != nil {
		return nil, errf(ErrWedgeUnsupported, "画面 (X11, DISPLAY=%s) に接続できないため ID自動引渡し (キー入力) を使えません: %v", os.Getenv("DISPLAY"), err)
	}
	if err := xtest.Init(c); err != nil {
		c.Close()
		return nil, errf(ErrWedgeUnsupported, "この画面 (X11) には XTEST 拡張がないため ID自動引渡し (キー入力) を使えません: %v", err)
	}
	setup := xproto.Setup(c)
	return &x11Typer{conn: c, root: setup.DefaultScreen(c).Root, min: setup.MinKeycode, max: setup.MaxKeycode}, nil
}

func (t *x11Typer) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conn != nil {
		t.conn.Close()
		t.conn = nil
	}
	return nil
}

func runeKeysym(r rune) xproto.Keysym {
	if r >= 0x20 && r <= 0x7E || r >= 0xA0 && r <= 0xFF {
		return xproto.Keysym(r)
	}
	return xproto.Keysym(0x01000000 | r)
}

func (t *x11Typer) Type(ctx context.Context, text string, suffix Suffix, delay time.Duration) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conn == nil {
		return errf(ErrWedgeUnsupported, "キー入力の準備が終了しています。もう一度操作してください")
	}
	c := t.conn
	count := byte(int(t.max) - int(t.min) + 1)
	km, err := xproto.GetKeyboardMapping(c, t.min, count).Reply()
	if err != nil {
		return errf(err, "キーボードの配列を読めませんでした")
	}
	per := int(km.KeysymsPerKeycode)
	pos := map[xproto.Keysym]keyPos{}
	var spare []xproto.Keycode
	for i := 0; i < int(count); i++ {
		row := km.Keysyms[i*per : (i+1)*per]
		empty := true
		for col, ks := range row {
			if ks != 0 {
				empty = false
			}
			if col < 2 && ks != 0 {
				if _, ok := pos[ks]; !ok {
					pos[ks] = keyPos{code: t.min + xproto.Keycode(i), shift: col == 1}
				}
			}
		}
		if empty {
			spare = append(spare, t.min+xproto.Keycode(i))
		}
	}
	shift, ok := pos[xkShiftL]
	if !ok {
		return errf(ErrWedgeUnsupported, "キーボードに Shift キーが見つかりません")
	}
	syms := make([]xproto.Keysym, 0, len(text)+1)
	for _, r := range text {
		syms = append(syms, runeKeysym(r))
	}
	switch suffix {
	case SuffixEnter, "":
		syms = append(syms, xkReturn)
	case SuffixTab:
		syms = append(syms, xkTab)
	}
	// Borrow spare keycodes for what the map lacks; give them back afterwards.
	var borrowed []xproto.Keycode
	for _, ks := range syms {
		if _, ok := pos[ks]; ok {
			continue
		}
		if len(spare) == 0 {
			return errf(ErrNumber, "キーボードの空きキーが足りず、入力できない文字があります")
		}
		kc := spare[0]
		spare = spare[1:]
		row := make([]xproto.Keysym, per)
		for j := range row {
			row[j] = ks
		}
		if err := xproto.ChangeKeyboardMappingChecked(c, 1, kc, byte(per), row).Check(); err != nil {
			return errf(err, "キーボードの配列を変更できませんでした")
		}
		borrowed = append(borrowed, kc)
		pos[ks] = keyPos{code: kc}
	}
	defer func() {
		if len(borrowed) == 0 {
			return
		}
		// The target reads the map again when it handles the keys; give it time before the keycodes go back.
		time.Sleep(100 * time.Millisecond)
		for _, kc := range borrowed {
			_ = xproto.ChangeKeyboardMappingChecked(c, 1, kc, byte(per), make([]xproto.Keysym, per)).Check()
		}
	}()
	if len(borrowed) > 0 {
		time.Sleep(20 * time.Millisecond)
	}
	key := func(kc xproto.Keycode, down bool) error {
		typ := byte(xproto.KeyRelease)
		if down {
			typ = xproto.KeyPress
		}
		return xtest.FakeInputChecked(c, typ, byte(kc), 0, t.root, 0, 0, 0).Check()
	}
	for i, ks := range syms {
		if err := ctx.Err(); err != nil {
			return errf(err, "キー入力を中断しました (%d 文字入力済み)", i)
		}
		p := pos[ks]
		steps := []struct {
			kc   xproto.Keycode
			down bool
		}{{p.code, true}, {p.code, false}}
		if p.shift {
			steps = append([]struct {
				kc   xproto.Keycode
				down bool
			}{{shift.code, true}}, append(steps, struct {
				kc   xproto.Keycode
				down bool
			}{shift.code, false})...)
		}
		for _, s := range steps {
			if err := key(s.kc, s.down); err != nil {
				return errf(err, "キー入力に失敗しました (%d 文字入力済み)", i)
			}
		}
		if delay > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(delay):
			}
		}
	}
	if _, err := xproto.GetInputFocus(c).Reply(); err != nil { // wait until the server has handled every event
		return errf(err, "キー入力の完了を確認できませんでした")
	}
	return nil
}
