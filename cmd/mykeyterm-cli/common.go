package main

// What every subcommand does the same way: its flag set, opening the terminal state with a deadline, reading the
// patron's certificate, and printing JSON and failures.

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// How long one command may take: a card read, a platform call (screens 9-26), a point operation (screens 2, 28-39,
// 87: a receipt or voucher may be printed within it).
const (
	cardTimeout     = 10 * time.Second
	platformTimeout = 30 * time.Second
	pointsTimeout   = 60 * time.Second
)

// newFlags is the flag set of one subcommand: errors and -h go to the command's stderr.
func newFlags(name string, g *globals) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(g.Stderr)
	return fs
}

// parseArgs parses flags that may come before or after positional arguments ("voucher show CODE --json").
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseOneArg is parseArgs for a command that takes exactly one positional argument; usage is the clerk-facing
// message when there is not exactly one. A non-zero code is the command's exit code.
func parseOneArg(g *globals, fs *flag.FlagSet, args []string, usage string) (string, int) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return "", 2
	}
	if len(pos) != 1 {
		return "", fail(g, usage)
	}
	return pos[0], 0
}

// openClient opens the terminal state in --data-dir; needEnrolled refuses a terminal that has not enrolled.
func openClient(g *globals, needEnrolled bool) (*platformclient.Client, int) {
	c, err := platformclient.Open(g.DataDir, platformclient.Options{})
	if err != nil {
		return nil, fail(g, platformclient.Message(err))
	}
	if needEnrolled && !c.Enrolled() {
		c.Close()
		return nil, fail(g, platformclient.MsgNotEnrolled+"（mykeyterm-cli enroll）")
	}
	return c, 0
}

// withClient runs fn with the terminal state (see openClient) and a context that ends after timeout, closes the state
// afterwards and returns fn's exit code (or openClient's when the state cannot be used).
func withClient(g *globals, needEnrolled bool, timeout time.Duration, fn func(ctx context.Context, c *platformclient.Client) int) int {
	c, code := openClient(g, needEnrolled)
	if c == nil {
		return code
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return fn(ctx, c)
}

// cardSource is the Source the commands read cards through; tests replace it with an in-process one.
var cardSource = func() (cardio.Source, error) { return cardio.NewPCSC() }

// withCard runs fn with the card source and a context that ends after cardTimeout.
func withCard(g *globals, fn func(ctx context.Context, src cardio.Source) int) int {
	ctx, cancel := context.WithTimeout(context.Background(), cardTimeout)
	defer cancel()
	src, err := cardSource()
	if err != nil {
		return fail(g, cardio.Message(err))
	}
	return fn(ctx, src)
}

// readCertFile reads a certificate, DER or PEM.
func readCertFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if blk, _ := pem.Decode(b); blk != nil {
		return blk.Bytes, nil
	}
	return b, nil
}

// cardAuthCert reads the user-authentication certificate from the card in reader ("" = the first reader holding a My
// Number Card). An expired certificate is still returned: the platform answers with its own code and message. The
// error's text is the clerk-facing message.
func cardAuthCert(ctx context.Context, reader string) ([]byte, error) {
	src, err := cardSource()
	if err != nil {
		return nil, errors.New(terminal.Message(err))
	}
	der, err := (&terminal.Cards{Src: src}).ReadAuthCert(ctx, reader) // the GUI's card session (screens 25, 29)
	if err != nil {
		return nil, errors.New(terminal.Message(err))
	}
	return der, nil
}

// platformFail prints the message of a failed platform call (screens 9-26) and, for field errors, each field's
// message, as the screens show them beside their fields.
func platformFail(g *globals, err error) int {
	fmt.Fprintln(g.Stderr, platformclient.Message(err))
	if ae, ok := err.(*mkpf.APIError); ok {
		for _, f := range ae.Fields {
			fmt.Fprintf(g.Stderr, "  %s: %s\n", f.Field, f.Message)
		}
	}
	return 1
}

// clientFail prints the message of a failed point operation (screens 2, 28-39, 87): a voucher's own message (state,
// expiry, forged QR) where there is one, else the platform's.
func clientFail(g *globals, err error) int {
	var ve *mkpf.VoucherError
	if errors.As(err, &ve) {
		return fail(g, ve.Message)
	}
	var ie *terminal.InputError
	if errors.As(err, &ie) {
		return fail(g, ie.Error())
	}
	return fail(g, platformclient.Message(err))
}

// printJSON prints v as indented JSON on stdout.
func printJSON(g *globals, v any) int {
	enc := json.NewEncoder(g.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fail(g, err.Error())
	}
	return 0
}
