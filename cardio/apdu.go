package cardio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
)

// The JPKI applet and its files (DESIGN.md, notes/jpki-pcsc-facts.md).
var (
	AIDJPKI = []byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}

	// The two APs that hold the My Number. Never selected; listed so tests and logs can name them.
	AIDCardInfoInput = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08} // 券面事項入力補助AP
	AIDCardFace      = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02} // 券面AP
)

// EFs inside the JPKI AP.
const (
	EFSignCert   uint16 = 0x0001 // 署名用電子証明書: readable only after the sign PIN
	EFSignCACert uint16 = 0x0002
	EFToken      uint16 = 0x0006
	EFAuthCert   uint16 = 0x000A // 利用者証明用電子証明書: readable without PIN
	EFAuthCACert uint16 = 0x000B
	EFAuthKey    uint16 = 0x0017
	EFAuthPIN    uint16 = 0x0018
	EFSignKey    uint16 = 0x001A
	EFSignPIN    uint16 = 0x001B
)

var allowedEFs = map[uint16]bool{
	EFSignCert: true, EFSignCACert: true, EFToken: true, EFAuthCert: true, EFAuthCACert: true,
	EFAuthKey: true, EFAuthPIN: true, EFSignKey: true, EFSignPIN: true,
}

// Guard is the allow-list every command passes before it is sent. Allowed: SELECT of the JPKI AID by DF name,
// SELECT of a JPKI EF by file ID, READ BINARY, VERIFY, the JPKI signature (80 2A 00 80), and the PC/SC pseudo-APDUs
// for patron cards (FF CA GET DATA, FF A4 SELECT service, FF B0 READ BINARY). Anything else, in particular a SELECT
// of the 券面事項入力補助AP or the 券面AP, gives an *Error of kind ErrForbiddenAID.
func Guard(cmd []byte) error {
	if len(cmd) < 4 {
		return newError(ErrForbiddenAID, fmt.Errorf("command of %d bytes", len(cmd)))
	}
	cla, ins, p1 := cmd[0], cmd[1], cmd[2]
	data := cmdData(cmd)
	switch {
	case cla == 0x00 && ins == 0xA4 && p1 == 0x04:
		if bytes.Equal(data, AIDJPKI) {
			return nil
		}
		return newError(ErrForbiddenAID, fmt.Errorf("SELECT of AID % X", data))
	case cla == 0x00 && ins == 0xA4 && p1 == 0x02:
		if len(data) == 2 && allowedEFs[uint16(data[0])<<8|uint16(data[1])] {
			return nil
		}
		return newError(ErrForbiddenAID, fmt.Errorf("SELECT of EF % X", data))
	case cla == 0x00 && ins == 0xB0 && p1&0x80 == 0: // READ BINARY of the current EF (no SFI)
		return nil
	case cla == 0x00 && ins == 0x20:
		return nil
	case cla == 0x80 && ins == 0x2A && p1 == 0x00 && cmd[3] == 0x80:
		return nil
	case cla == 0xFF && (ins == 0xCA || ins == 0xA4 || ins == 0xB0):
		return nil
	}
	return newError(ErrForbiddenAID, fmt.Errorf("command % X", cmd[:4]))
}

// cmdData is the data field of a short command APDU (nil for cases 1 and 2, or when Lc does not fit).
func cmdData(cmd []byte) []byte {
	if len(cmd) <= 5 {
		return nil
	}
	lc := int(cmd[4])
	if lc == 0 || 5+lc > len(cmd) {
		return nil
	}
	return cmd[5 : 5+lc]
}

// SplitResponse separates a response APDU into data and status word. A response shorter than 2 bytes means the card
// left (ebfe/scard returns 0 bytes and no error when vpcd loses the card): ErrCardRemoved.
func SplitResponse(resp []byte) ([]byte, uint16, error) {
	if len(resp) < 2 {
		return nil, 0, newError(ErrCardRemoved, fmt.Errorf("response of %d bytes", len(resp)))
	}
	n := len(resp) - 2
	return resp[:n], uint16(resp[n])<<8 | uint16(resp[n+1]), nil
}

// Status words used here.
const (
	swOK              = 0x9000
	swFileNotFound    = 0x6A82
	swSecurityStatus  = 0x6982
	swPINBlocked      = 0x6984
	swAuthBlocked     = 0x6983
	swTriesMask       = 0x63C0
	swWrongLengthBase = 0x6C00
)

// TriesLeft reads a VERIFY status word: ok=true for 63 Cx with x tries left.
func TriesLeft(sw uint16) (int, bool) {
	if sw&0xFFF0 == swTriesMask {
		return int(sw & 0x0F), true
	}
	return 0, false
}

// CertLength reads the total length (tag and length bytes included) of a DER SEQUENCE from its first bytes:
// 30 LL (short form), 30 81 LL, 30 82 LL LL, 30 83 LL LL LL. JPKI EFs are addressed with 15-bit offsets, so a length
// beyond 32767 bytes is refused. It needs at most 5 bytes.
func CertLength(head []byte) (int, error) {
	if len(head) < 2 {
		return 0, fmt.Errorf("certificate header of %d bytes", len(head))
	}
	if head[0] != 0x30 {
		return 0, fmt.Errorf("certificate header starts % X, not a SEQUENCE", head[0])
	}
	l := int(head[1])
	if l < 0x80 {
		if l == 0 {
			return 0, errors.New("empty certificate")
		}
		return 2 + l, nil
	}
	n := l & 0x7F
	if n == 0 || n > 3 {
		return 0, fmt.Errorf("certificate length form %02X not supported", head[1])
	}
	if len(head) < 2+n {
		return 0, fmt.Errorf("certificate header of %d bytes, need %d", len(head), 2+n)
	}
	v := 0
	for _, b := range head[2 : 2+n] {
		v = v<<8 | int(b)
	}
	if v < 0x80 || (n > 1 && head[2] == 0) {
		return 0, fmt.Errorf("certificate length %d not in minimal DER form", v)
	}
	total := 2 + n + v
	if total > 0x8000 {
		return 0, fmt.Errorf("certificate length %d beyond the 15-bit EF offset", total)
	}
	return total, nil
}

// transmitter sends guarded commands and counts them.
type transmitter struct {
	card  Card
	apdus int
}

// send checks the command against Guard, transmits it and splits the response. Nothing is sent if Guard refuses.
func (t *transmitter) send(ctx context.Context, cmd []byte) ([]byte, uint16, error) {
	if err := Guard(cmd); err != nil {
		return nil, 0, err
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, newError(ErrTimeout, err)
	}
	t.apdus++
	resp, err := t.card.Transmit(ctx, cmd)
	if err != nil {
		return nil, 0, asCardError(err)
	}
	return SplitResponse(resp)
}

// asCardError keeps errors of this package as they are and wraps anything else (from a Card implementation).
func asCardError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return newError(ErrTimeout, err)
	}
	for kind := range messages {
		if errors.Is(err, kind) {
			return newError(kind, err)
		}
	}
	return newError(ErrCard, err)
}

func selectDF(aid []byte) []byte {
	return append([]byte{0x00, 0xA4, 0x04, 0x0C, byte(len(aid))}, aid...)
}

func selectEF(fid uint16) []byte {
	return []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, byte(fid >> 8), byte(fid)}
}

// readBinary reads n bytes (1..256) at offset; n == 256 is sent as Le=00.
func readBinary(offset, n int) []byte {
	return []byte{0x00, 0xB0, byte(offset >> 8 & 0x7F), byte(offset), byte(n)}
}

func trimToken(b []byte) string { return strings.TrimRight(string(b), " \x00\xFF") }

// Transmit sends one command to c through Guard (nothing is sent if Guard refuses) and splits the response into
// data and status word. For diagnostics and patron-card profiles beyond ReadPatronCard; JPKI and ReadPatronCard use
// the same path.
func Transmit(ctx context.Context, c Card, cmd []byte) (data []byte, sw uint16, err error) {
	t := transmitter{card: c}
	return t.send(ctx, cmd)
}
