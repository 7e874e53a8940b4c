package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
)

// withCardSource makes the card commands use src for the duration of the test.
func withCardSource(t *testing.T, src cardio.Source) {
	old := cardSource
	cardSource = func() (cardio.Source, error) { return src, nil }
	t.Cleanup(func() { cardSource = old })
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCardInfo_PrintsTheSerialAndTheAPDUCountAsJSON(t *testing.T) {
	src := vcard.NewSource()
	src.Insert("yamada")
	withCardSource(t, src)
	code, out, errs := runCLI("card", "info", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var info map[string]any
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatal(err)
	}
	p, _ := demopki.Get("yamada")
	want := 2 + (len(p.AuthCertDER)+255)/256
	if info["auth_cert_serial"] != p.Serial || info["apdus"] != float64(want) || info["auth_pin_tries"] != float64(3) ||
		info["token"] != "JPKIAPICCTOKEN2" || info["reader"] != vcard.ReaderName(0) || info["not_after"] != "2045-01-01T00:00:00Z" ||
		!strings.Contains(info["issuer"].(string), "MyKeyTerm Demo JPKI Auth CA") {
		t.Fatalf("info %v", info)
	}
}

func TestCardInfo_ReadsTheNamedReaderInText(t *testing.T) {
	src := vcard.NewSource()
	src.InsertAt(1, "locked")
	withCardSource(t, src)
	code, out, _ := runCLI("card", "info", "--reader", vcard.ReaderName(1))
	p, _ := demopki.Get("locked")
	if code != 0 || !strings.Contains(out, p.Serial) || !strings.Contains(out, "暗証番号の残り回数\t0") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestCardInfo_FailsInJapaneseWithoutACard(t *testing.T) {
	withCardSource(t, vcard.NewSource())
	code, out, errs := runCLI("card", "info", "--json")
	if code == 0 || out != "" || !strings.Contains(errs, "カードが置かれていません") {
		t.Fatalf("exit %d stdout %q stderr %q", code, out, errs)
	}
	code, _, errs = runCLI("card", "info", "--reader", "Nope")
	if code == 0 || !strings.Contains(errs, "カードリーダーが見つかりません") {
		t.Fatalf("exit %d stderr %q", code, errs)
	}
}

func TestCardInfo_ExpiredCertificateIsShownAndFails(t *testing.T) {
	src := vcard.NewSource()
	src.Insert("expired")
	withCardSource(t, src)
	code, out, errs := runCLI("card", "info", "--json")
	if code == 0 || !strings.Contains(out, `"expired": true`) || !strings.Contains(errs, "有効期限が切れています") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}

func TestReaders_ListsReadersAndPresence(t *testing.T) {
	src := vcard.NewSource()
	src.InsertAt(1, "libcard-180000000011")
	withCardSource(t, src)
	code, out, errs := runCLI("readers", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var list []struct {
		Name    string `json:"name"`
		Present bool   `json:"card_present"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 2 || list[0].Present || !list[1].Present {
		t.Fatalf("%v %s", err, out)
	}
}

// The "Done when", on the real stack: a card in vpcd, `card info --json` through pcscd.
func TestCardInfo_ThroughPcscdPrintsTheProfileSerial(t *testing.T) {
	env := testenv.PCSCD(t)
	env.InsertVirtual(t, "yamada", 0)
	code, out, errs := runCLI("card", "info", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var info map[string]any
	json.Unmarshal([]byte(out), &info)
	p, _ := demopki.Get("yamada")
	if info["auth_cert_serial"] != p.Serial || info["apdus"] != float64(2+(len(p.AuthCertDER)+255)/256) || info["reader"] != testenv.VPCDReader(0) {
		t.Fatalf("%s", out)
	}
	code, out, _ = runCLI("readers")
	if code != 0 || !strings.Contains(out, testenv.VPCDReader(0)+"\tカードあり") {
		t.Fatalf("readers: %d %s", code, out)
	}
}
