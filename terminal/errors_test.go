package terminal

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// Every package's clerk error is the one type: errors.As finds *mkpf.ClerkError, errors.Is still finds the sentinels,
// Message reads it, and IsTransport tells a device or transport failure from a refusal the flow decided.
func TestClerkError_OneType(t *testing.T) {
	cardErr := fmt.Errorf("lookup: %w", &cardio.Error{Kind: cardio.ErrNoCard, Message: cardio.Message(cardio.ErrNoCard)})
	netErr := fmt.Errorf("use: %w", &platformclient.Error{Op: "points/use", Message: platformclient.MsgUnavailable,
		Err: fmt.Errorf("%w: dial tcp: refused", platformclient.ErrUnavailable)})
	decided := fmt.Errorf("print: %w", ErrNoPrinter)
	cases := []struct {
		name      string
		err       error
		sentinel  error
		msg       string
		transport bool
	}{
		{"card", cardErr, cardio.ErrNoCard, "カードが置かれていません。マイナンバーカードをカードリーダーにセットしてください。", true},
		{"platform", netErr, platformclient.ErrUnavailable, platformclient.MsgUnavailable, true},
		{"decided", decided, nil, ErrNoPrinter.Message, false},
	}
	for _, c := range cases {
		var ce *mkpf.ClerkError
		if !errors.As(c.err, &ce) {
			t.Errorf("%s: errors.As(*mkpf.ClerkError) does not find the error", c.name)
		}
		if c.sentinel != nil && !errors.Is(c.err, c.sentinel) {
			t.Errorf("%s: errors.Is(%v) lost", c.name, c.sentinel)
		}
		if got := Message(c.err); got != c.msg {
			t.Errorf("%s: Message = %q, want %q", c.name, got, c.msg)
		}
		if got := IsTransport(c.err); got != c.transport {
			t.Errorf("%s: IsTransport = %v, want %v", c.name, got, c.transport)
		}
	}
	if errors.Is(cardErr, cardio.ErrNoReader) {
		t.Errorf("a no-card error also reads as no-reader")
	}
	if got := Message(&cardio.WrongPINError{Left: 2}); got != (&cardio.WrongPINError{Left: 2}).Message() {
		t.Errorf("wrong PIN: Message = %q", got)
	}
	api := &mkpf.APIError{Status: 409, Code: "conflict", Message: "すでに登録されています。"}
	if Message(fmt.Errorf("x: %w", api)) != api.Message || IsTransport(api) {
		t.Errorf("an API answer is read as %q (transport %v)", Message(api), IsTransport(api))
	}
}
