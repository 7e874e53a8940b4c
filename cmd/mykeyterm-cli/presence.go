package main

// Proof of card presence above a program's floor limit (docs/security.md) for points use, voucher issue and merge
// read from the card reader: the tries left are printed first, the PIN comes from an environment variable (never the
// command line), it is verified once, and the request is sent once more with the card's signature.

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// authPINEnv is the environment variable holding the patron's 4-digit user-authentication PIN.
const authPINEnv = "MYKEYTERM_AUTH_PIN"

// prove attaches the proof of card presence to ref (a non-zero code is the command's exit code, its message printed).
// scope is the operation (mkpf.UseScope etc. of the request to send again): it is printed before the card is asked.
func (p patronFlags) prove(ctx context.Context, g *globals, c *platformclient.Client, ref mkpf.PatronRef, scope mkpf.PresenceScope, cause error) (mkpf.PatronRef, int) {
	if *p.cert != "" || len(ref.AuthCert) == 0 {
		return ref, clientFail(g, cause) // a certificate file or a shop card cannot prove presence
	}
	pin := os.Getenv(authPINEnv)
	if pin == "" {
		fmt.Fprintln(g.Stderr, platformclient.Message(cause))
		return ref, fail(g, "利用者証明用の暗証番号（4桁）を環境変数 "+authPINEnv+" で渡して、もう一度実行してください。")
	}
	src, err := cardSource()
	if err != nil {
		return ref, fail(g, cardio.Message(err))
	}
	// The terminal layer's two steps, as on screens 30, 33 and 38: the tries left first, then one PIN, never retried.
	cards := &terminal.Cards{Src: src}
	var asked *terminal.PresenceRequired
	if err := cards.AskPresence(ctx, *p.reader, ref, cause); !errors.As(err, &asked) {
		return ref, fail(g, terminal.Message(err))
	}
	fmt.Fprintf(g.Stderr, "暗証番号で確認する操作: %s %dポイント\n", scope.OperationJA(), scope.Points)
	fmt.Fprintf(g.Stderr, "利用者証明用暗証番号の残り回数: %d\n", asked.Tries)
	proved, err := cards.ProvePresence(ctx, *p.reader, c, ref, scope, pin)
	if err != nil {
		return ref, fail(g, terminal.Message(err)) // a wrong PIN says how many tries are left; nothing is retried
	}
	return proved, 0
}
