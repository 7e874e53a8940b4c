package vcard

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// vpcd's TCP ports on 127.0.0.1 (Debian's /etc/reader.conf.d/vpcd): slot 0 = "Virtual PCD 00 00", slot 1 = "… 00 01".
const (
	VPCDPort0 = 35963
	VPCDPort1 = 35964
)

// VPCDAddr is the address of vpcd's slot on this machine.
func VPCDAddr(slot int) string { return fmt.Sprintf("127.0.0.1:%d", VPCDPort0+slot) }

// Options tune Insert.
type Options struct {
	DropAt  int                              // see Card.DropAt: close the connection instead of answering APDU number DropAt (1-based)
	HangAt  int                              // see Card.HangAt: never answer APDU number HangAt and later ones (until ctx ends)
	OnAlarm func(aid []byte)                 // see Card.OnAlarm
	Log     func(format string, args ...any) // one line per APDU, PINs masked
	// Connected, if set, is called once the TCP connection to vpcd stands (pcscd then powers the card on).
	Connected func()
}

// Insert makes a card of the profile and serves it on vpcd at addr (host:port) until ctx ends or a fault ends it.
func Insert(ctx context.Context, profile, addr string, opts Options) error {
	c, err := New(profile)
	if err != nil {
		return err
	}
	c.DropAt, c.HangAt, c.OnAlarm, c.Log = opts.DropAt, opts.HangAt, opts.OnAlarm, opts.Log
	return c.ServeVPCD(ctx, addr, opts.Connected)
}

// ErrDropped is returned by ServeVPCD when the card was dropped by fault injection.
var ErrDropped = errors.New("vcard: card dropped (fault injection)")

// ServeVPCD connects to vpcd at addr and answers its messages until ctx ends (nil is returned), vpcd closes the
// connection, or a DropAt fault removes the card (ErrDropped). Closing the connection is how a card leaves the
// reader. TCP_QUICKACK is set before every read: Debian's vpcd 3.3 sends length and payload in two segments, and
// without it Nagle plus delayed ACK cost 40 ms per APDU.
func (c *Card) ServeVPCD(ctx context.Context, addr string, connected func()) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("vcard: connect to vpcd at %s (is pcscd with vsmartcard-vpcd running?): %w", addr, err)
	}
	tcp := conn.(*net.TCPConn)
	tcp.SetNoDelay(true)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			conn.Close()
		case <-done:
		}
	}()
	defer conn.Close()
	if connected != nil {
		connected()
	}
	var hdr [2]byte
	for {
		quickAck(tcp)
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return endErr(ctx, err)
		}
		n := int(binary.BigEndian.Uint16(hdr[:]))
		msg := make([]byte, n)
		quickAck(tcp)
		if _, err := io.ReadFull(conn, msg); err != nil {
			return endErr(ctx, err)
		}
		var resp []byte
		switch {
		case n == 1:
			switch msg[0] {
			case 0x00, 0x01, 0x02: // power off, power on, reset
				c.Reset()
				continue
			case 0x04:
				resp = c.ATR()
			default:
				continue
			}
		case n == 0:
			continue
		default:
			switch c.fault() {
			case 1:
				c.Remove()
				return ErrDropped
			case 2:
				c.mu.Lock()
				c.apdus++
				c.mu.Unlock()
				<-ctx.Done()
				return nil
			}
			resp = c.Process(msg)
		}
		out := make([]byte, 2+len(resp))
		binary.BigEndian.PutUint16(out, uint16(len(resp)))
		copy(out[2:], resp)
		conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Write(out); err != nil { // one write: length and payload in one segment
			return endErr(ctx, err)
		}
	}
}

func endErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("vcard: vpcd connection: %w", err)
}
