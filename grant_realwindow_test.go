//go:build demo

package main

import (
	"image"
	"image/color"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
)

// Screen 79 in the real window (Xvfb, XTEST keys through xdotool, the demo platform embedded, the virtual cards
// through the real pcscd): continuous taps on a point-grant terminal (a Windows tablet with a PC/SC reader), each
// answered in big type in its colour (green 受け付けました（未送信）, orange 付与済みです, red 名簿にありません), and the upload.

// answerPixels counts the screenshot's pixels of exactly c (the answer's colour in screen79's colGranted etc.).
func answerPixels(img image.Image, c color.NRGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
				n++
			}
		}
	}
	return n
}

// The answer colours of app/screen78.go (screen 79).
var (
	granted = color.NRGBA{R: 0x1b, G: 0x7f, B: 0x3b, A: 0xff}
	refused = color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
	already = color.NRGBA{R: 0x9a, G: 0x5b, B: 0x00, A: 0xff} // the theme's warning colour (app/theme.go)
)

// waitAnswerColour takes screenshots until the big answer shows in c (generous: pcscd notices a vpcd card on its
// ~400 ms poll), and fails with the last screenshot's counts otherwise.
func waitAnswerColour(t *testing.T, a *appUnderTest, name string, c color.NRGBA) {
	t.Helper()
	var img image.Image
	for deadline := time.Now().Add(probeWait); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		img = a.x.Screenshot(t)
		if answerPixels(img, c) > 200 {
			a.screenshot(name)
			return
		}
	}
	t.Fatalf("%s: the answer in %v did not appear (pixels granted %d, already %d, refused %d)", name, c,
		answerPixels(img, granted), answerPixels(img, already), answerPixels(img, refused))
}

func TestRealWindow_Screen79ContinuousTapsThroughPCSCD(t *testing.T) {
	x := testenv.Xvfb(t)
	pc := testenv.PCSCD(t)
	a := startApp(t, x, "--demo", "--demo-ready", "--demo-terminal", "00053062")
	a.key("F4") // menu 22 → screen 77 (the terminal ID is prefilled)
	ptType(a, "8g8k6k2", 30*time.Millisecond)
	since := a.mark()
	a.key("F5") // ログイン → 78, the demo's one open project is chosen
	a.waitScreen(since, "screen78")
	a.key("F4") // 付与事業対象者名簿の同期（取得）
	a.screenshot("screen78_real")
	a.key("F5", "F6") // 設定 → 79, カード読取・ポイント付与 開始

	remove := pc.InsertVirtual(t, "yamada", 0) // on the demo project's roster
	waitAnswerColour(t, a, "screen79_real_granted", granted)
	remove()
	remove = pc.InsertVirtual(t, "yamada", 0) // the same person again
	waitAnswerColour(t, a, "screen79_real_already", already)
	remove()
	remove = pc.InsertVirtual(t, "suzuki", 0) // not on the roster
	waitAnswerColour(t, a, "screen79_real_notonroster", refused)
	remove()

	a.key("F6", "F5") // 終了, 自治体ポイント管理クラウドへ登録: the one grant is accepted
	waitAnswerColour(t, a, "screen79_real_uploaded", granted)
}
