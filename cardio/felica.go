package cardio

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
)

// FeliCaProfile says where an ID issuer keeps the card number on its FeliCa patron card: a service (the code as
// written by the issuer; sent little-endian), a block (16 bytes) and the padding to trim (default spaces and NULs).
type FeliCaProfile struct {
	ServiceCode uint16
	Block       byte
	Trim        string
}

// ReadPatronCard reads a patron or shop IC card: the UID/IDm with the PC/SC GET DATA (FF CA 00 00 00) and, if p is
// not nil, the card number from a FeliCa block (FF A4 00 01 02 <service LE>, FF B0 00 <block> 00). uid is uppercase
// hex; number is empty when p is nil.
func ReadPatronCard(ctx context.Context, c Card, p *FeliCaProfile) (uid string, number string, err error) {
	t := transmitter{card: c}
	data, sw, err := t.send(ctx, []byte{0xFF, 0xCA, 0x00, 0x00, 0x00})
	if err != nil {
		return "", "", err
	}
	if sw != swOK || len(data) == 0 {
		return "", "", newError(ErrUnknownCard, &SWError{"GET DATA UID", sw})
	}
	uid = strings.ToUpper(hex.EncodeToString(data))
	if p == nil {
		return uid, "", nil
	}
	_, sw, err = t.send(ctx, []byte{0xFF, 0xA4, 0x00, 0x01, 0x02, byte(p.ServiceCode), byte(p.ServiceCode >> 8)})
	if err != nil {
		return uid, "", err
	}
	if sw != swOK {
		return uid, "", newError(ErrUnknownCard, &SWError{fmt.Sprintf("SELECT service %04X", p.ServiceCode), sw})
	}
	data, sw, err = t.send(ctx, []byte{0xFF, 0xB0, 0x00, p.Block, 0x00})
	if err != nil {
		return uid, "", err
	}
	if sw != swOK {
		return uid, "", newError(ErrUnknownCard, &SWError{fmt.Sprintf("READ block %d", p.Block), sw})
	}
	trim := p.Trim
	if trim == "" {
		trim = " \x00"
	}
	number = strings.Trim(string(data), trim)
	for _, r := range number {
		if r < 0x20 || r > 0x7E {
			return uid, "", newError(ErrUnknownCard, fmt.Errorf("block %d is not printable text: % X", p.Block, data))
		}
	}
	if number == "" {
		return uid, "", newError(ErrUnknownCard, fmt.Errorf("block %d is empty", p.Block))
	}
	return uid, number, nil
}
