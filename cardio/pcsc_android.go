//go:build android

package cardio

import (
	"context"
	"errors"
)

// PCSC on Android: a phone has no PC/SC service. Its cards are read through NFC (package cardio/nfc), whose Source
// goes through the same Guard. Every method answers ErrPCSCUnavailable, so code that probes for PC/SC readers (the
// demo's reader choice) falls back as it does on a PC without a reader.
type PCSC struct{}

var errNoPCSCOnAndroid = errors.New("android: no PC/SC service (cards are read through NFC: cardio/nfc)")

// NewPCSC returns the PC/SC Source, which on Android has no readers.
func NewPCSC() (*PCSC, error) { return &PCSC{}, nil }

// Readers answers ErrPCSCUnavailable.
func (p *PCSC) Readers(ctx context.Context) ([]string, error) {
	return nil, newError(ErrPCSCUnavailable, errNoPCSCOnAndroid)
}

// Connect answers ErrPCSCUnavailable.
func (p *PCSC) Connect(ctx context.Context, reader string) (Card, error) {
	return nil, newError(ErrPCSCUnavailable, errNoPCSCOnAndroid)
}

// Watch answers ErrPCSCUnavailable.
func (p *PCSC) Watch(ctx context.Context) (<-chan Event, error) {
	return nil, newError(ErrPCSCUnavailable, errNoPCSCOnAndroid)
}
