package vcard

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/cardio"
)

func swOf(r []byte) uint16 { return uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1]) }

func TestCard_SelectingACardInfoAPRaisesTheAlarm(t *testing.T) {
	for _, aid := range [][]byte{cardio.AIDCardInfoInput, cardio.AIDCardFace} {
		c, _ := New("yamada")
		var got []byte
		c.OnAlarm = func(a []byte) { got = a }
		r := c.Process(append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A}, aid...))
		if swOf(r) != 0x9000 || c.Alarms() != 1 || !bytes.Equal(got, aid) {
			t.Fatalf("% X: sw %04X alarms %d", aid, swOf(r), c.Alarms())
		}
	}
}

func TestCard_AnswersErrorsLikeTheRealApplet(t *testing.T) {
	c, _ := New("yamada")
	selAP := append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A}, cardio.AIDJPKI...)
	for _, tc := range []struct {
		name string
		cmd  []byte
		sw   uint16
	}{
		{"read before select", []byte{0x00, 0xB0, 0x00, 0x00, 0x00}, 0x6986},
		{"select AP", selAP, 0x9000},
		{"unknown EF", []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x12, 0x34}, 0x6A82},
		{"unknown AID", []byte{0x00, 0xA4, 0x04, 0x0C, 0x02, 0xA0, 0x00}, 0x6A82},
		{"select key EF", []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x17}, 0x9000},
		{"read key", []byte{0x00, 0xB0, 0x00, 0x00, 0x00}, 0x6981},
		{"sign without PIN", []byte{0x80, 0x2A, 0x00, 0x80, 0x01, 0x00, 0x00}, 0x6982},
		{"select cert", []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A}, 0x9000},
		{"read past the EF", []byte{0x00, 0xB0, 0x7F, 0x00, 0x00}, 0x6B00},
		{"SFI read", []byte{0x00, 0xB0, 0x81, 0x00, 0x00}, 0x6A81},
		{"verify on a cert EF", []byte{0x00, 0x20, 0x00, 0x80}, 0x6986},
		{"unknown INS", []byte{0x00, 0x88, 0x00, 0x00, 0x00}, 0x6D00},
		{"unknown CLA", []byte{0xB0, 0x00, 0x00, 0x00}, 0x6E00},
		{"pseudo-APDU on a JPKI card", []byte{0xFF, 0xCA, 0x00, 0x00, 0x00}, 0x6A81},
		{"too short", []byte{0x00}, 0x6700},
	} {
		if sw := swOf(c.Process(tc.cmd)); sw != tc.sw {
			t.Errorf("%s: %04X, want %04X", tc.name, sw, tc.sw)
		}
	}
	if c.Alarms() != 0 {
		t.Fatal("alarm")
	}
}

func TestCard_CertificateEFIsPaddedSoReadersMustUseTheHeader(t *testing.T) {
	c, _ := New("yamada")
	c.Process(append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A}, cardio.AIDJPKI...))
	c.Process([]byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A})
	r := c.Process([]byte{0x00, 0xB0, 0x07, 0xF0, 0x00}) // last 16 bytes of the 2048-byte EF
	if len(r) != 18 || swOf(r) != 0x9000 || !bytes.Equal(r[:16], make([]byte, 16)) {
		t.Fatalf("% X", r)
	}
}

func TestCard_FeliCaAnswersThePCSCPseudoAPDUs(t *testing.T) {
	c, _ := New("libcard-180000000011")
	if r := c.Process([]byte{0xFF, 0xCA, 0x00, 0x00, 0x00}); !bytes.Equal(r, []byte{0x01, 0x2E, 0x4C, 0xD1, 0x23, 0x45, 0x67, 0x89, 0x90, 0x00}) {
		t.Fatalf("IDm % X", r)
	}
	if sw := swOf(c.Process([]byte{0xFF, 0xB0, 0x00, 0x00, 0x00})); sw != 0x6A82 {
		t.Fatalf("read before service select: %04X", sw)
	}
	if sw := swOf(c.Process([]byte{0xFF, 0xA4, 0x00, 0x01, 0x02, 0x0B, 0x10})); sw != 0x9000 {
		t.Fatalf("service select: %04X", sw)
	}
	r := c.Process([]byte{0xFF, 0xB0, 0x00, 0x00, 0x00})
	if string(r[:12]) != "180000000011" || len(r) != 18 {
		t.Fatalf("block 0 % X", r)
	}
	if sw := swOf(c.Process(append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A}, cardio.AIDJPKI...))); sw != 0x6E00 {
		t.Fatalf("JPKI select on a FeliCa card: %04X", sw)
	}
}

// fakeVPCD plays vpcd's side of the protocol on a loopback listener.
type fakeVPCD struct {
	ln   net.Listener
	conn net.Conn
}

func newFakeVPCD(t *testing.T) *fakeVPCD {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &fakeVPCD{ln: ln}
}

func (f *fakeVPCD) accept(t *testing.T) {
	f.ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	c, err := f.ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	f.conn = c
	t.Cleanup(func() { c.Close() })
}

func (f *fakeVPCD) exchange(msg []byte) ([]byte, error) {
	out := binary.BigEndian.AppendUint16(nil, uint16(len(msg)))
	if _, err := f.conn.Write(append(out, msg...)); err != nil {
		return nil, err
	}
	f.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	var hdr [2]byte
	if _, err := io.ReadFull(f.conn, hdr[:]); err != nil {
		return nil, err
	}
	resp := make([]byte, binary.BigEndian.Uint16(hdr[:]))
	_, err := io.ReadFull(f.conn, resp)
	return resp, err
}

func TestServeVPCD_SpeaksTheVPCDProtocolAndDropsOnFault(t *testing.T) {
	v := newFakeVPCD(t)
	c, _ := New("yamada")
	c.DropAt = 2
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.ServeVPCD(ctx, v.ln.Addr().String(), nil) }()
	v.accept(t)
	v.conn.Write([]byte{0x00, 0x01, 0x01}) // power on: no answer
	if atr, err := v.exchange([]byte{0x04}); err != nil || !bytes.Equal(atr, ATRJPKI) {
		t.Fatalf("ATR % X %v", atr, err)
	}
	if r, err := v.exchange(append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A}, cardio.AIDJPKI...)); err != nil || !bytes.Equal(r, []byte{0x90, 0x00}) {
		t.Fatalf("SELECT % X %v", r, err)
	}
	if r, err := v.exchange([]byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A}); err == nil {
		t.Fatalf("APDU 2 answered % X despite DropAt", r)
	}
	if err := <-done; !errors.Is(err, ErrDropped) {
		t.Fatalf("ServeVPCD: %v", err)
	}
}

func TestServeVPCD_StopsWhenTheContextEnds(t *testing.T) {
	v := newFakeVPCD(t)
	c, _ := New("suzuki")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.ServeVPCD(ctx, v.ln.Addr().String(), nil) }()
	v.accept(t)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("ServeVPCD did not stop")
	}
}

func TestInsert_FailsClearlyWithoutVPCD(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if err := Insert(context.Background(), "yamada", addr, Options{}); err == nil {
		t.Fatal("want error")
	}
	if err := Insert(context.Background(), "nobody", addr, Options{}); err == nil {
		t.Fatal("want error for an unknown profile")
	}
}
