// Package vcard owns the virtual cards of mykeyterm: a JPKI My Number Card applet and a FeliCa patron card built from
// the demo PKI profiles (internal/demopki). They answer APDUs in-process (Card implements cardio.Card; Source is an
// in-process cardio.Source with two slots) and over vpcd into the real pcscd (ServeVPCD, Insert), so tests and demos
// read them through the same stack as a real reader.
//
// The JPKI card keeps PIN counters and blocks, signs with 80 2A 00 80, guards the signing certificate with the
// signing PIN (69 82), and holds a card-info AP with a fake My Number that raises an alarm if it is ever selected.
// Faults: drop the card after N APDUs, or hang (never answer) after N APDUs.
package vcard

import (
	"bytes"
	"context"
	"crypto/rsa"
	"fmt"
	"log"
	"sync"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
)

// ATRs sent over vpcd. The JPKI one is the ATR OpenSC's jpki driver matches (no probing APDUs); the FeliCa one is the
// PC/SC Part 3 ATR of a FeliCa card on a contactless reader.
var (
	ATRJPKI   = []byte{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}
	ATRFeliCa = []byte{0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06, 0x11, 0x00, 0x3B, 0x00, 0x00, 0x00, 0x00, 0x42}
)

// EFSize is the size of the certificate EFs: certificates are padded with zeros to it, so a reader must take the
// length from the DER header, never read until an error.
const EFSize = 2048

// FakeMyNumber is what the card-info AP holds. It is not a valid My Number (bad check digit) and must never leave
// the card: selecting the AP raises the alarm.
const FakeMyNumber = "000000000000"

// Card is one virtual card. Its methods are safe for concurrent use.
type Card struct {
	mu      sync.Mutex
	profile *demopki.Profile
	reader  string

	df          int // dfNone, dfJPKI, dfInfo
	ef          uint16
	authTries   int
	signTries   int
	authOK      bool
	signOK      bool
	feliCaSvc   bool
	apdus       int
	alarms      int
	removed     bool
	removedOnce bool
	hangCh      chan struct{}

	// OnAlarm is called (outside the card's lock) when a card-info AP holding the My Number is selected.
	OnAlarm func(aid []byte)
	// DropAt > 0 removes the card when it receives APDU number DropAt (1-based): in-process that command gets an
	// empty response (as ebfe/scard reports a card lost over vpcd) and later ones ErrCardRemoved; over vpcd the
	// connection is closed instead of answering.
	DropAt int
	// HangAt > 0 makes APDU number HangAt and all later ones never answer (until ctx ends or the card is removed).
	HangAt int
	// Log, if set, gets one line per APDU with PIN bytes masked.
	Log func(format string, args ...any)
}

const (
	dfNone = iota
	dfJPKI
	dfInfo
)

// New makes a fresh card (full PIN counters as in the profile) for a demopki profile name.
func New(profile string) (*Card, error) {
	p, err := demopki.Get(profile)
	if err != nil {
		return nil, err
	}
	return &Card{profile: p, reader: "MyKeyTerm Virtual Reader 0", authTries: p.AuthPINTries, signTries: p.SignPINTries, hangCh: make(chan struct{})}, nil
}

// Profile is the demopki profile the card was made from.
func (c *Card) Profile() *demopki.Profile { return c.profile }

// ATR is the answer-to-reset sent over vpcd.
func (c *Card) ATR() []byte {
	if c.profile.Kind == "felica" {
		return ATRFeliCa
	}
	return ATRJPKI
}

// Alarms counts selections of a card-info AP (券面事項入力補助AP or 券面AP). It must stay 0.
func (c *Card) Alarms() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.alarms
}

// APDUs counts the commands the card received (control messages of vpcd excluded).
func (c *Card) APDUs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.apdus
}

// PINTries gives the current tries left of the auth and sign PIN.
func (c *Card) PINTries() (auth, sign int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.authTries, c.signTries
}

// Reader is the slot name of the in-process card.
func (c *Card) Reader() string { return c.reader }

// Close does nothing: the card stays inserted and keeps its state (PIN counters).
func (c *Card) Close() error { return nil }

// Remove takes the card out: pending and later Transmits fail.
func (c *Card) Remove() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.removed {
		c.removed = true
		close(c.hangCh)
	}
}

// Reset is a card reset (power cycle): selections and verified PINs are cleared; counters are kept.
func (c *Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.df, c.ef, c.authOK, c.signOK, c.feliCaSvc = dfNone, 0, false, false, false
}

// Transmit implements cardio.Card in-process, with the fault injection.
func (c *Card) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	c.mu.Lock()
	if c.removed {
		c.mu.Unlock()
		return nil, &cardio.Error{Kind: cardio.ErrCardRemoved, Message: cardio.Message(cardio.ErrCardRemoved)}
	}
	n := c.apdus + 1
	if c.DropAt > 0 && n >= c.DropAt {
		c.removed = true
		close(c.hangCh)
		c.mu.Unlock()
		return []byte{}, nil
	}
	if c.HangAt > 0 && n >= c.HangAt {
		hang := c.hangCh
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, &cardio.Error{Kind: cardio.ErrTimeout, Message: cardio.Message(cardio.ErrTimeout), Err: ctx.Err()}
		case <-hang:
			return []byte{}, nil
		}
	}
	c.mu.Unlock()
	return c.Process(cmd), nil
}

// Fault reports what the card should do with the next APDU over vpcd: 0 answer, 1 drop, 2 hang.
func (c *Card) fault() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.apdus + 1
	switch {
	case c.DropAt > 0 && n >= c.DropAt:
		return 1
	case c.HangAt > 0 && n >= c.HangAt:
		return 2
	}
	return 0
}

func sw(v uint16) []byte { return []byte{byte(v >> 8), byte(v)} }

// Process answers one command APDU (no faults). It never panics.
func (c *Card) Process(cmd []byte) []byte {
	c.mu.Lock()
	resp, alarm := c.process(cmd)
	c.apdus++
	logf, onAlarm := c.Log, c.OnAlarm
	c.mu.Unlock()
	if logf != nil {
		logf("vcard %s: > % X < % X", c.profile.Name, maskPIN(cmd), shortResp(resp))
	}
	if alarm != nil {
		log.Printf("vcard ALARM: card-info AP % X selected on profile %s (the My Number must never be read)", alarm, c.profile.Name)
		if onAlarm != nil {
			onAlarm(alarm)
		}
	}
	return resp
}

func maskPIN(cmd []byte) []byte {
	if len(cmd) > 5 && cmd[1] == 0x20 {
		m := append([]byte(nil), cmd[:5]...)
		for range cmd[5:] {
			m = append(m, 0x2A)
		}
		return m
	}
	return cmd
}

func shortResp(r []byte) []byte {
	if len(r) > 18 {
		return append(append([]byte(nil), r[:8]...), r[len(r)-2:]...)
	}
	return r
}

func data(cmd []byte) []byte {
	if len(cmd) <= 5 || int(cmd[4])+5 > len(cmd) {
		return nil
	}
	return cmd[5 : 5+int(cmd[4])]
}

func (c *Card) process(cmd []byte) (resp []byte, alarm []byte) {
	if len(cmd) < 4 {
		return sw(0x6700), nil
	}
	cla, ins, p1, p2 := cmd[0], cmd[1], cmd[2], cmd[3]
	if cla == 0xFF {
		return c.pseudo(cmd), nil
	}
	if c.profile.Kind != "jpki" {
		return sw(0x6E00), nil
	}
	switch {
	case cla == 0x00 && ins == 0xA4 && p1 == 0x04:
		aid := data(cmd)
		switch {
		case bytes.Equal(aid, cardio.AIDJPKI):
			c.df, c.ef, c.authOK, c.signOK = dfJPKI, 0, false, false
			return sw(0x9000), nil
		case bytes.Equal(aid, cardio.AIDCardInfoInput), bytes.Equal(aid, cardio.AIDCardFace):
			c.alarms++
			c.df, c.ef = dfInfo, 0
			return sw(0x9000), append([]byte(nil), aid...)
		}
		return sw(0x6A82), nil
	case cla == 0x00 && ins == 0xA4 && p1 == 0x02:
		d := data(cmd)
		if len(d) != 2 {
			return sw(0x6700), nil
		}
		fid := uint16(d[0])<<8 | uint16(d[1])
		if c.df == dfJPKI && c.fileExists(fid) || c.df == dfInfo && fid == 0x0001 {
			c.ef = fid
			return sw(0x9000), nil
		}
		return sw(0x6A82), nil
	case cla == 0x00 && ins == 0xA4:
		return sw(0x6A86), nil
	case cla == 0x00 && ins == 0xB0:
		if p1&0x80 != 0 {
			return sw(0x6A81), nil
		}
		return c.readBinary(int(p1)<<8|int(p2), cmd), nil
	case cla == 0x00 && ins == 0x20 && p1 == 0x00 && p2 == 0x80:
		return c.verify(cmd), nil
	case cla == 0x80 && ins == 0x2A && p1 == 0x00 && p2 == 0x80:
		return c.sign(cmd), nil
	case cla == 0x00 || cla == 0x80:
		return sw(0x6D00), nil
	}
	return sw(0x6E00), nil
}

func (c *Card) fileExists(fid uint16) bool {
	switch fid {
	case cardio.EFSignCert, cardio.EFSignCACert, cardio.EFToken, cardio.EFAuthCert, cardio.EFAuthCACert,
		cardio.EFAuthKey, cardio.EFAuthPIN, cardio.EFSignKey, cardio.EFSignPIN:
		return true
	}
	return false
}

// content is the readable EF's bytes (certificates padded to EFSize), or a status word.
func (c *Card) content() ([]byte, uint16) {
	if c.df == dfInfo {
		return []byte(FakeMyNumber), 0
	}
	if c.df != dfJPKI {
		return nil, 0x6986
	}
	pad := func(b []byte) []byte {
		out := make([]byte, max(EFSize, len(b)))
		copy(out, b)
		return out
	}
	switch c.ef {
	case cardio.EFToken:
		t := make([]byte, 0x20)
		for i := range t {
			t[i] = ' '
		}
		copy(t, "JPKIAPICCTOKEN2")
		return t, 0
	case cardio.EFAuthCert:
		return pad(c.profile.AuthCertDER), 0
	case cardio.EFAuthCACert:
		return pad(c.profile.AuthCADER), 0
	case cardio.EFSignCACert:
		return pad(c.profile.SignCADER), 0
	case cardio.EFSignCert:
		if !c.signOK {
			return nil, 0x6982
		}
		return pad(c.profile.SignCertDER), 0
	case 0:
		return nil, 0x6986
	}
	return nil, 0x6981 // keys and PINs are not readable
}

func (c *Card) readBinary(off int, cmd []byte) []byte {
	b, status := c.content()
	if status != 0 {
		return sw(status)
	}
	le := 256
	if len(cmd) >= 5 && cmd[4] != 0 {
		le = int(cmd[4])
	}
	if off >= len(b) {
		return sw(0x6B00)
	}
	end := min(off+le, len(b))
	return append(append([]byte(nil), b[off:end]...), 0x90, 0x00)
}

func (c *Card) verify(cmd []byte) []byte {
	var tries *int
	var ok *bool
	var pin string
	var max int
	switch {
	case c.df == dfJPKI && c.ef == cardio.EFAuthPIN:
		tries, ok, pin, max = &c.authTries, &c.authOK, c.profile.AuthPIN, 3
	case c.df == dfJPKI && c.ef == cardio.EFSignPIN:
		tries, ok, pin, max = &c.signTries, &c.signOK, c.profile.SignPIN, 5
	default:
		return sw(0x6986)
	}
	d := data(cmd)
	if d == nil { // retry query: spends nothing
		if *ok {
			return sw(0x9000)
		}
		return sw(0x63C0 | uint16(*tries))
	}
	if *tries == 0 {
		return sw(0x6984)
	}
	if string(d) == pin {
		*tries, *ok = max, true
		return sw(0x9000)
	}
	*tries--
	*ok = false
	return sw(0x63C0 | uint16(*tries))
}

func (c *Card) sign(cmd []byte) []byte {
	var key *rsa.PrivateKey
	switch {
	case c.df == dfJPKI && c.ef == cardio.EFAuthKey && c.authOK:
		key = c.profile.AuthKey
	case c.df == dfJPKI && c.ef == cardio.EFSignKey && c.signOK:
		key = c.profile.SignKey
	case c.df == dfJPKI && (c.ef == cardio.EFAuthKey || c.ef == cardio.EFSignKey):
		return sw(0x6982)
	default:
		return sw(0x6986)
	}
	d := data(cmd)
	if len(d) == 0 {
		return sw(0x6700)
	}
	sig, err := rsa.SignPKCS1v15(nil, key, 0, d) // hash 0: d is the DigestInfo, the card only pads
	if err != nil {
		return sw(0x6A80)
	}
	return append(sig, 0x90, 0x00)
}

// pseudo answers the PC/SC pseudo-APDUs a contactless reader handles for FeliCa cards (over vpcd the card must).
func (c *Card) pseudo(cmd []byte) []byte {
	p := c.profile
	if p.Kind != "felica" {
		return sw(0x6A81)
	}
	switch {
	case cmd[1] == 0xCA && cmd[2] == 0x00:
		return append(append([]byte(nil), p.FeliCaIDm...), 0x90, 0x00)
	case cmd[1] == 0xCA:
		return sw(0x6A81)
	case cmd[1] == 0xA4:
		d := data(cmd)
		if len(d) == 2 && uint16(d[0])|uint16(d[1])<<8 == p.FeliCaServiceCode {
			c.feliCaSvc = true
			return sw(0x9000)
		}
		c.feliCaSvc = false
		return sw(0x6A82)
	case cmd[1] == 0xB0:
		blk := int(cmd[3])
		if !c.feliCaSvc || blk >= len(p.FeliCaBlocks) {
			return sw(0x6A82)
		}
		return append(append([]byte(nil), p.FeliCaBlocks[blk]...), 0x90, 0x00)
	}
	return sw(0x6A81)
}

func (c *Card) String() string { return fmt.Sprintf("vcard(%s)", c.profile.Name) }
