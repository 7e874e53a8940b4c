//go:build demo

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
)

// The points screens in the real window (Xvfb, XTEST keystrokes through xdotool, the demo platform embedded, the
// virtual card through the real pcscd, the "pdf:" printer): what the clerk's keyboard and a keyboard-wedge QR reader
// do, and what comes out of the printer.

// ptType types text into the app's focused field as a keyboard (or a keyboard-wedge reader) does.
func ptType(a *appUnderTest, text string, perKey time.Duration) {
	a.t.Helper()
	a.focus()
	out, err := exec.Command(testenv.Need(a.t, "xdotool", "xdotool"), "type", "--delay", strconv.Itoa(int(perKey/time.Millisecond)), text).CombinedOutput()
	if err != nil {
		a.t.Fatalf("xdotool type: %v %s", err, out)
	}
	time.Sleep(300 * time.Millisecond)
}

// waitPDF waits for the "pdf:" printer's file to be (re)written after since and returns its text (pdftotext).
func waitPDF(t *testing.T, path string, since time.Time) string {
	t.Helper()
	bin := testenv.Need(t, "pdftotext", "poppler-utils")
	for deadline := time.Now().Add(probeWait); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		st, err := os.Stat(path)
		if err != nil || st.ModTime().Before(since) || st.Size() == 0 {
			continue
		}
		out, err := exec.Command(bin, "-layout", path, "-").Output()
		if err == nil && len(out) > 0 {
			return string(out)
		}
	}
	t.Fatalf("nothing printed to %s", path)
	return ""
}

func startPointsApp(t *testing.T, terminalID, password string) (*appUnderTest, string) {
	t.Helper()
	x := testenv.Xvfb(t)
	pc := testenv.PCSCD(t)
	pc.InsertVirtual(t, "yamada", 0)
	pdf := filepath.Join(t.TempDir(), "print.pdf")
	a := startApp(t, x, "--demo", "--demo-ready", "--demo-terminal", terminalID, "--demo-printer", "pdf:"+pdf)
	a.key("F4") // menu 22 → screen 2 (the login ID is the terminal ID, prefilled)
	ptType(a, password, 30*time.Millisecond)
	since := a.mark()
	a.key("Return")
	a.waitScreen(since, "screen28")
	return a, pdf
}

func TestRealWindow_Screens29To31UseFiveHundredPointsAndPrintTheReceipt(t *testing.T) {
	a, pdf := startPointsApp(t, "00052589", "15ad3z09a")
	a.screenshot("screen28_real_pointuse")
	a.key("F1", "F2")                     // ポイント利用, カード読取
	ptType(a, "500", 30*time.Millisecond) // the points field has the focus after the card was read
	a.screenshot("screen29_real_balances")
	a.key("F5") // 確認, pressed in the field
	a.screenshot("screen30_real")
	a.key("F5") // 利用
	a.screenshot("screen31_real")
	since := time.Now()
	a.key("F9") // レシート印字
	text := waitPDF(t, pdf, since)
	if !strings.Contains(text, "500") || !strings.Contains(text, "9,500") {
		t.Errorf("the receipt does not show 500 points used and 9,500 left:\n%s", text)
	}
}

func TestRealWindow_Screens32To36IssueAVoucherAndClearItFromTheQRReadersKeystrokes(t *testing.T) {
	zbar := testenv.Need(t, "zbarimg", "zbar-tools")
	a, pdf := startPointsApp(t, "00053059", "mnv88833")
	a.key("F2", "F2") // ポイント券発行, カード読取
	ptType(a, "1000", 30*time.Millisecond)
	a.key("F5") // 確認
	since := time.Now()
	a.key("F5") // 発行: issued and printed
	waitPDF(t, pdf, since)
	a.screenshot("screen34_real")
	png := testenv.Rasterize(t, pdf, 300)
	out, err := exec.Command(zbar, "-q", "--raw", png).Output()
	if err != nil {
		t.Fatalf("no QR code found in the printed voucher: %v", err)
	}
	qr := strings.TrimSpace(string(out))
	a.key("F10", "F3") // ポイントメニュー → ポイント券消込: the code field has the focus
	// A keyboard-wedge QR reader types fast; with Caps Lock on the letters arrive in lower case.
	ptType(a, strings.ToLower(qr), 2*time.Millisecond)
	a.key("Return")
	a.screenshot("screen35_real_voucher")
	a.key("F5") // 消込処理
	a.screenshot("screen36_real")
	since = time.Now()
	a.key("F9") // レシート印字
	text := waitPDF(t, pdf, since)
	number := ""
	for _, f := range strings.Fields(text) {
		if len(f) == 9 && f[4] == '-' {
			number = f
		}
	}
	if number == "" || !strings.Contains(text, "1,000") {
		t.Errorf("the clearing receipt does not show a voucher number and 1,000 points:\n%s", text)
	}
}
