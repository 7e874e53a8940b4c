//go:build !android

package cardio

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ebfe/scard"
)

func TestPCSCErrors_MapToTheClerksKinds(t *testing.T) {
	for _, tc := range []struct {
		err      error
		kind     error
		transmit error // kind during a transmit, if different
	}{
		{scard.ErrNoReadersAvailable, ErrNoReader, nil},
		{scard.ErrUnknownReader, ErrNoReader, nil},
		{scard.ErrNoSmartcard, ErrNoCard, ErrCardRemoved},
		{scard.ErrRemovedCard, ErrNoCard, ErrCardRemoved},
		{scard.ErrNotTransacted, ErrCard, ErrCardRemoved},
		{scard.ErrResetCard, ErrCard, ErrCardRemoved},
		{scard.ErrSharingViolation, ErrSharing, nil},
		{scard.ErrNoService, ErrPCSCUnavailable, nil},
		{scard.ErrServiceStopped, ErrPCSCUnavailable, nil},
		{scard.ErrUnresponsiveCard, ErrUnknownCard, nil},
		{scard.ErrTimeout, ErrTimeout, nil},
		{fmt.Errorf("wrapped: %w", scard.ErrSharingViolation), ErrSharing, nil},
		{errors.New("other"), ErrCard, nil},
	} {
		if got := pcscError(tc.err); !errors.Is(got, tc.kind) || !errors.Is(got, tc.err) {
			t.Errorf("%v: got %v, want kind %v", tc.err, got, tc.kind)
		}
		want := tc.transmit
		if want == nil {
			want = tc.kind
		}
		if got := transmitError(tc.err); !errors.Is(got, want) {
			t.Errorf("transmit %v: got %v, want kind %v", tc.err, got, want)
		}
	}
	if pcscError(nil) != nil {
		t.Error("nil")
	}
}

func TestCall_ReturnsErrTimeoutAtTheDeadlineAndLeavesTheCallRunning(t *testing.T) {
	release := make(chan struct{})
	finished := make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err, stuck := call(ctx, func() (int, error) {
		<-release
		close(finished)
		return 1, nil
	})
	if !errors.Is(err, ErrTimeout) || !stuck || time.Since(start) > time.Second {
		t.Fatalf("err %v stuck %v after %v", err, stuck, time.Since(start))
	}
	close(release) // the driver returns later: the goroutine ends, its result is dropped
	<-finished
	v, err, stuck := call(context.Background(), func() (int, error) { return 7, nil })
	if v != 7 || err != nil || stuck {
		t.Fatalf("%d %v %v", v, err, stuck)
	}
}

func TestPCSCCard_ADiscardedHandleFailsAtOnce(t *testing.T) {
	c := &pcscCard{reader: "r"}
	c.broken.Store(true)
	if _, err := c.Transmit(context.Background(), []byte{0, 0xA4, 4, 0x0C}); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
}
