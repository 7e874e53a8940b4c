//go:build !android

package cardio

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ebfe/scard"
)

// DefaultTimeout bounds a PC/SC call whose context has no deadline. Signing on a real card takes seconds.
const DefaultTimeout = 20 * time.Second

// PCSC is the Source over the system's PC/SC service (pcscd on Linux, WinSCard on Windows) via github.com/ebfe/scard.
// Cards are connected exclusively (no other program can talk to the card meanwhile) and support transactions.
// Every blocking PC/SC call runs in its own goroutine and is abandoned with ErrTimeout when the context ends.
type PCSC struct {
	mu  sync.Mutex
	ctx *scard.Context // for Readers and Connect; replaced when it fails or a call on it got stuck
}

// NewPCSC returns the PC/SC Source. It does not contact the service yet, so a terminal can start without it; the
// first call reports ErrPCSCUnavailable if the service is not running.
func NewPCSC() (*PCSC, error) { return &PCSC{}, nil }

type result[T any] struct {
	v   T
	err error
}

// call runs f in a goroutine and waits for it or for ctx (DefaultTimeout if ctx has no deadline). On timeout f keeps
// running until the driver returns; stuck is then true and the caller must discard the handle f used.
func call[T any](ctx context.Context, f func() (T, error)) (v T, err error, stuck bool) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	if err := ctx.Err(); err != nil {
		return v, newError(ErrTimeout, err), false
	}
	ch := make(chan result[T], 1)
	go func() {
		v, err := f()
		ch <- result[T]{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err, false
	case <-ctx.Done():
		return v, newError(ErrTimeout, ctx.Err()), true
	}
}

// pcscError maps a PC/SC error to this package's kinds.
func pcscError(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var se scard.Error
	if !errors.As(err, &se) {
		return newError(ErrCard, err)
	}
	switch se {
	case scard.ErrNoReadersAvailable, scard.ErrUnknownReader, scard.ErrReaderUnavailable:
		return newError(ErrNoReader, err)
	case scard.ErrNoSmartcard, scard.ErrRemovedCard:
		return newError(ErrNoCard, err)
	case scard.ErrSharingViolation:
		return newError(ErrSharing, err)
	case scard.ErrNoService, scard.ErrServiceStopped, scard.ErrInvalidHandle:
		return newError(ErrPCSCUnavailable, err)
	case scard.ErrUnpoweredCard, scard.ErrUnresponsiveCard, scard.ErrUnsupportedCard, scard.ErrCardUnsupported:
		return newError(ErrUnknownCard, err)
	case scard.ErrTimeout:
		return newError(ErrTimeout, err)
	}
	return newError(ErrCard, err)
}

// transmitError maps errors during a transmit: the card leaving shows as removed, not as "no card".
func transmitError(err error) error {
	var se scard.Error
	if errors.As(err, &se) {
		switch se {
		case scard.ErrRemovedCard, scard.ErrNoSmartcard, scard.ErrResetCard, scard.ErrNotTransacted, scard.ErrUnpoweredCard:
			return newError(ErrCardRemoved, err)
		}
	}
	return pcscError(err)
}

func isContextGone(err error) bool {
	var se scard.Error
	return errors.As(err, &se) && (se == scard.ErrNoService || se == scard.ErrServiceStopped || se == scard.ErrInvalidHandle)
}

// context returns the shared PC/SC context, establishing it if needed.
func (p *PCSC) context(ctx context.Context) (*scard.Context, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx != nil {
		return p.ctx, nil
	}
	c, err, _ := call(ctx, scard.EstablishContext)
	if err != nil {
		return nil, pcscUnavailable(err)
	}
	p.ctx = c
	return c, nil
}

func pcscUnavailable(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return newError(ErrPCSCUnavailable, err)
}

// drop forgets a context that failed or got stuck (released in the background: Release may block too).
func (p *PCSC) drop(c *scard.Context) {
	p.mu.Lock()
	if p.ctx == c {
		p.ctx = nil
	}
	p.mu.Unlock()
	go c.Release()
}

// Readers lists the reader names. No reader is not an error here: the list is empty.
func (p *PCSC) Readers(ctx context.Context) ([]string, error) {
	sc, err := p.context(ctx)
	if err != nil {
		return nil, err
	}
	readers, err, stuck := call(ctx, sc.ListReaders)
	if stuck || isContextGone(err) {
		p.drop(sc)
	}
	if errors.Is(err, scard.ErrNoReadersAvailable) {
		return nil, nil
	}
	if err != nil {
		return nil, pcscError(err)
	}
	return readers, nil
}

// presence reports which readers hold a card, without waiting.
func presence(ctx context.Context, sc *scard.Context, readers []string) ([]scard.ReaderState, error, bool) {
	states := make([]scard.ReaderState, len(readers))
	for i, r := range readers {
		states[i] = scard.ReaderState{Reader: r, CurrentState: scard.StateUnaware}
	}
	_, err, stuck := call(ctx, func() (struct{}, error) { return struct{}{}, sc.GetStatusChange(states, 0) })
	return states, err, stuck
}

// Connect connects exclusively to the card in reader ("" = the first reader holding a card). Each card gets its own
// PC/SC context, so a card that hangs cannot block the Source.
func (p *PCSC) Connect(ctx context.Context, reader string) (Card, error) {
	if reader == "" {
		readers, err := p.Readers(ctx)
		if err != nil {
			return nil, err
		}
		if len(readers) == 0 {
			return nil, newError(ErrNoReader, nil)
		}
		sc, err := p.context(ctx)
		if err != nil {
			return nil, err
		}
		states, err, stuck := presence(ctx, sc, readers)
		if stuck || isContextGone(err) {
			p.drop(sc)
		}
		if err != nil && !errors.Is(err, scard.ErrTimeout) {
			return nil, pcscError(err)
		}
		for _, s := range states {
			if s.EventState&scard.StatePresent != 0 && s.EventState&scard.StateMute == 0 {
				reader = s.Reader
				break
			}
		}
		if reader == "" {
			return nil, newError(ErrNoCard, nil)
		}
	}
	sc, err, _ := call(ctx, scard.EstablishContext)
	if err != nil {
		return nil, pcscUnavailable(err)
	}
	h, err, stuck := call(ctx, func() (*scard.Card, error) {
		return sc.Connect(reader, scard.ShareExclusive, scard.ProtocolT0|scard.ProtocolT1)
	})
	if err != nil {
		if !stuck {
			sc.Release()
		}
		return nil, pcscError(err)
	}
	if p := h.ActiveProtocol(); p != scard.ProtocolT0 && p != scard.ProtocolT1 {
		// ebfe/scard's Transmit panics on any other protocol.
		go func() { h.Disconnect(scard.LeaveCard); sc.Release() }()
		return nil, newError(ErrUnknownCard, fmt.Errorf("protocol %d", p))
	}
	return &pcscCard{reader: reader, sc: sc, h: h}, nil
}

// pcscCard is one exclusive connection. Once a call on it times out it is discarded: every later call fails at once
// with ErrTimeout and Close releases it in the background.
type pcscCard struct {
	reader string
	sc     *scard.Context
	h      *scard.Card
	mu     sync.Mutex
	broken atomic.Bool
	closed bool
}

func (c *pcscCard) Reader() string { return c.reader }

func (c *pcscCard) usable() error {
	if c.broken.Load() {
		return newError(ErrTimeout, errors.New("card handle discarded after a timeout"))
	}
	if c.closed {
		return newError(ErrCardRemoved, errors.New("card closed"))
	}
	return nil
}

// Transmit sends one command. A response shorter than 2 bytes (the card left; ebfe/scard reports no error) is
// returned as is: the JPKI layer turns it into ErrCardRemoved.
func (c *pcscCard) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(); err != nil {
		return nil, err
	}
	if len(cmd) == 0 { // ebfe/scard indexes cmd[0]
		return nil, newError(ErrForbiddenAID, errors.New("empty command"))
	}
	resp, err, stuck := call(ctx, func() ([]byte, error) { return c.h.Transmit(cmd) })
	if stuck {
		c.broken.Store(true)
	}
	if err != nil {
		return nil, transmitError(err)
	}
	return resp, nil
}

// Begin starts a PC/SC transaction (the reader is ours until End).
func (c *pcscCard) Begin(ctx context.Context) error {
	return c.simple(ctx, c.h.BeginTransaction)
}

// End ends the transaction, leaving the card as it is.
func (c *pcscCard) End(ctx context.Context) error {
	return c.simple(ctx, func() error { return c.h.EndTransaction(scard.LeaveCard) })
}

func (c *pcscCard) simple(ctx context.Context, f func() error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usable(); err != nil {
		return err
	}
	_, err, stuck := call(ctx, func() (struct{}, error) { return struct{}{}, f() })
	if stuck {
		c.broken.Store(true)
	}
	return transmitError(err)
}

// Close disconnects (resetting nothing) and releases the card's context. A discarded handle is released in the
// background, since Disconnect and Release block as long as the stuck call does.
func (c *pcscCard) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.broken.Load() {
		go func() { c.h.Disconnect(scard.LeaveCard); c.sc.Release() }()
		return nil
	}
	_, err, stuck := call(context.Background(), func() (struct{}, error) {
		err := c.h.Disconnect(scard.LeaveCard)
		c.sc.Release()
		return struct{}{}, err
	})
	if stuck {
		return nil
	}
	var se scard.Error
	if errors.As(err, &se) && (se == scard.ErrRemovedCard || se == scard.ErrNoSmartcard) {
		return nil
	}
	return pcscError(err)
}

// Watch reports insertions and removals. It polls with SCardGetStatusChange in short rounds (watchRound), so it
// notices new and vanished readers and stops soon after ctx ends. The first events give every reader's state.
func (p *PCSC) Watch(ctx context.Context) (<-chan Event, error) {
	sc, err, _ := call(ctx, scard.EstablishContext)
	if err != nil {
		return nil, pcscUnavailable(err)
	}
	ch := make(chan Event, 8)
	go p.watch(ctx, sc, ch)
	return ch, nil
}

const watchRound = 250 * time.Millisecond

func (p *PCSC) watch(ctx context.Context, sc *scard.Context, ch chan<- Event) {
	defer close(ch)
	defer func() { go sc.Release() }()
	known := map[string]scard.ReaderState{}
	send := func(e Event) bool {
		select {
		case ch <- e:
			return true
		case <-ctx.Done():
			return false
		}
	}
	sleep := func(d time.Duration) bool {
		select {
		case <-time.After(d):
			return true
		case <-ctx.Done():
			return false
		}
	}
	for ctx.Err() == nil {
		readers, err, stuck := call(ctx, sc.ListReaders)
		if stuck || ctx.Err() != nil {
			return
		}
		if err != nil && !errors.Is(err, scard.ErrNoReadersAvailable) {
			if isContextGone(err) { // pcscd restarted: start over with a new context
				sc.Release()
				for {
					if !sleep(time.Second) {
						return
					}
					if sc, err = scard.EstablishContext(); err == nil {
						break
					}
				}
				continue
			}
			if !sleep(time.Second) {
				return
			}
			continue
		}
		present := map[string]bool{}
		for _, r := range readers {
			present[r] = true
		}
		for r, s := range known { // vanished readers
			if !present[r] {
				delete(known, r)
				if s.EventState&scard.StatePresent != 0 && !send(Event{Reader: r}) {
					return
				}
			}
		}
		if len(readers) == 0 {
			if !sleep(watchRound) {
				return
			}
			continue
		}
		states := make([]scard.ReaderState, len(readers))
		for i, r := range readers {
			states[i] = scard.ReaderState{Reader: r, CurrentState: scard.StateUnaware}
			if s, ok := known[r]; ok {
				states[i].CurrentState = s.EventState &^ scard.StateChanged
			}
		}
		err = sc.GetStatusChange(states, watchRound)
		if errors.Is(err, scard.ErrTimeout) {
			continue
		}
		if err != nil {
			if !sleep(watchRound) {
				return
			}
			continue
		}
		for _, s := range states {
			old, seen := known[s.Reader]
			was := seen && old.EventState&scard.StatePresent != 0
			now := s.EventState&scard.StatePresent != 0
			known[s.Reader] = s
			// pcsc-lite counts card events in the upper 16 bits: a swap between two rounds shows only there.
			if seen && was && now && old.EventState>>16 != s.EventState>>16 && !send(Event{Reader: s.Reader}) {
				return
			}
			if !seen || was != now || (was && now && old.EventState>>16 != s.EventState>>16) {
				e := Event{Reader: s.Reader, Present: now}
				if now {
					e.ATR = append([]byte(nil), s.Atr...)
				}
				if !send(e) {
					return
				}
			}
		}
	}
}
