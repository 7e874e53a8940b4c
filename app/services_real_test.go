package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/mkpf"
)

func TestHandoffService_LabelModePrintsThroughThePrintingPackage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "label.pdf")
	res := &mkpf.LookupResult{IssuerName: "川崎市立図書館", CardNumber: "180000000011",
		Handoff: mkpf.HandoffSettings{Mode: mkpf.HandoffLabel, Symbology: mkpf.SymNW7, NW7Start: "A", NW7Stop: "A", CheckDigit: mkpf.CheckMod10W21}}
	if _, err := (HandoffService{}).PrintLabel(context.Background(), res, "pdf:"+out, "62x29"); err != nil {
		t.Fatalf("%v: %s", err, Message(err))
	}
	raw, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(raw, []byte("%PDF")) {
		t.Fatalf("label PDF: %v, %d bytes", err, len(raw))
	}
	if _, err := (HandoffService{}).PrintLabel(context.Background(), res, "", "62x29"); !strings.Contains(Message(err), "端末の設定") {
		t.Errorf("no printer: %q", Message(err))
	}
}

func TestMessage_EveryServiceErrorIsJapanese(t *testing.T) {
	for _, err := range []error{
		&cardio.Error{Kind: cardio.ErrNoReader, Message: "カードリーダーが見つかりません。"},
		&cardio.WrongPINError{Left: 2},
		&mkpf.APIError{Code: mkpf.CodeNoServiceID, Message: "登録していません。"},
		ErrWedgeNoTarget,
		context.DeadlineExceeded,
		errors.New("something unexpected"),
	} {
		m := Message(err)
		if m == "" || m == err.Error() && !strings.ContainsAny(m, "ぁあいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんアイウエオカキクケコサシスセソタチツテト") {
			t.Errorf("%v: message %q is not a Japanese sentence", err, m)
		}
	}
}
