package platformclient_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// A PC whose board was replaced after enrollment: the next call says so in Japanese with the reset path (not a
// generic authentication failure), and after the platform's admin reset, enrolling again on screen 9 works.
func TestFingerprint_ChangedPCGetsTheResetMessageAndReEnrollsAfterTheReset(t *testing.T) {
	ids := [][]byte{[]byte("ProcessorId=A"), []byte("BaseBoardSerial=BOARD-1")}
	defer platformclient.SetMachineIdentifiersForTest(func() [][]byte { return ids })()
	p := testenv.Platform(t)
	c := p.Enrolled(t, "00052489")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	before := c.Fingerprint()
	if _, err := c.RefreshTerminal(ctx); err != nil {
		t.Fatalf("an enrolled terminal on the same PC: %v", err)
	}

	ids = [][]byte{[]byte("ProcessorId=A"), []byte("BaseBoardSerial=BOARD-2")} // the board was replaced
	if c.Fingerprint() == before {
		t.Fatal("the fingerprint did not change with the board serial")
	}
	c.Close() // the app starts again on the changed PC
	c, err := platformclient.Open(c.DataDir(), platformclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.RefreshTerminal(ctx)
	if !errors.Is(err, platformclient.ErrFingerprintChanged) {
		t.Fatalf("after the board change: %v, want ErrFingerprintChanged", err)
	}
	if msg := platformclient.Message(err); msg != platformclient.MsgFingerprintChanged {
		t.Fatalf("message %q", msg)
	}

	// The reset path: the municipality's administrator resets the terminal (a new password), the clerk enrolls again.
	newPassword, err := p.Server.ResetTerminal("00052489")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Enroll(ctx, p.URL, "00052489", newPassword); err != nil {
		t.Fatalf("enroll after the reset: %v (%s)", err, platformclient.Message(err))
	}
	if _, err := c.RefreshTerminal(ctx); err != nil {
		t.Fatalf("after the reset and enrolling again: %v (%s)", err, platformclient.Message(err))
	}
}

func TestParseSMBIOS_ReadsTheBoardSerialAndTheProcessorID(t *testing.T) {
	// type 1 (system) with strings, type 2 (baseboard: manufacturer, product, version, serial = string 4),
	// type 4 (processor: ID at 08h), type 127 (end).
	tbl := []byte{1, 8, 0, 0, 1, 2, 0, 0}
	tbl = append(tbl, "ACME\x00Box\x00\x00"...)
	tbl = append(tbl, 2, 8, 1, 0, 1, 2, 3, 4)
	tbl = append(tbl, "ACME\x00Board\x001.0\x00SN-1234\x00\x00"...)
	proc := make([]byte, 0x1a)
	proc[0], proc[1] = 4, 0x1a
	copy(proc[8:], []byte{0xa7, 0x06, 0x09, 0x00, 0xff, 0xfb, 0xeb, 0xbf})
	tbl = append(tbl, proc...)
	tbl = append(tbl, 0, 0) // no strings
	tbl = append(tbl, 127, 4, 3, 0, 0, 0)
	s := platformclient.ParseSMBIOS(tbl)
	if s.BoardSerial != "SN-1234" {
		t.Errorf("board serial %q", s.BoardSerial)
	}
	if string(s.ProcessorID) != "\xa7\x06\x09\x00\xff\xfb\xeb\xbf" {
		t.Errorf("processor ID % x", s.ProcessorID)
	}
	// Truncated anywhere: no panic, nothing invented.
	for i := range tbl {
		_ = platformclient.ParseSMBIOS(tbl[:i])
	}
	if s := platformclient.ParseSMBIOS(tbl[:20]); s.BoardSerial != "" || s.ProcessorID != nil {
		t.Errorf("from a truncated table: %+v", s)
	}
}
