package main

import (
	"strings"
	"testing"
)

// 「端末の設定」 from a roll-out script: the flags given are saved (the others kept), shown back, and a wrong value is
// refused in Japanese with nothing saved.
func TestSettings_SetFromAScriptAndShown(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI("--data-dir", dir, "settings", "--printer", "windows:Brother QL-800", "--wedge-suffix", "tab", "--key-delay", "20")
	if code != 0 || !strings.Contains(out, "設定を保存しました") {
		t.Fatalf("settings: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI("--data-dir", dir, "settings", "--reader", "Virtual PCD 00 01")
	if code != 0 {
		t.Fatalf("settings --reader: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"プリンタ: windows:Brother QL-800", "自動引渡しの最後に送るキー: tab", "（ミリ秒）: 20", "カードリーダー: Virtual PCD 00 01"} {
		if !strings.Contains(out, want) {
			t.Errorf("settings shows no %q:\n%s", want, out)
		}
	}
	code, _, errs = runCLI("--data-dir", dir, "settings", "--printer", "cups:X", "--key-delay", "999")
	if code != 1 || !strings.Contains(errs, "0～200") {
		t.Fatalf("a key delay of 999: exit %d, %q", code, errs)
	}
	if _, out, _ = runCLI("--data-dir", dir, "settings"); !strings.Contains(out, "windows:Brother QL-800") {
		t.Errorf("a refused change saved part of it:\n%s", out)
	}
}
