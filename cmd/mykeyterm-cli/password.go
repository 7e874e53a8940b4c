package main

// The terminal password for enroll and the points commands: from --password-file (before the command) or typed at a
// prompt without echo, never needed on the command line (ps, shell history).

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/mykeyterm/mykeyterm/platformclient"
)

var errNoPassword = errors.New("端末パスワードが必要です。--password-file ファイル をコマンドの前に指定するか、端末（コンソール）から実行して入力してください。")

// terminalPassword reads the terminal password: the first line of g.PasswordFile, else a prompt on the console.
func terminalPassword(g *globals) (string, error) {
	var line string
	switch {
	case g.PasswordFile != "":
		b, err := os.ReadFile(g.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("パスワードファイル「%s」を読めません: %w", g.PasswordFile, err)
		}
		line, _, _ = strings.Cut(string(b), "\n")
	case term.IsTerminal(int(os.Stdin.Fd())):
		fmt.Fprint(g.Stderr, "端末パスワード: ")
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(g.Stderr)
		if err != nil {
			return "", err
		}
		line = string(b)
	default:
		l, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		line = l
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errNoPassword
	}
	return line, nil
}

// withPoints is withClient for a points command: it opens the screen-2 session first (the login ID is the enrolled
// terminal's ID, the password comes from terminalPassword), as the GUI's screen 2 does before any points screen.
func withPoints(g *globals, fn func(ctx context.Context, c *platformclient.Client) int) int {
	return withClient(g, true, pointsTimeout, func(ctx context.Context, c *platformclient.Client) int {
		pw, err := terminalPassword(g)
		if err != nil {
			return fail(g, err.Error())
		}
		if _, err := c.Login(ctx, c.Terminal().TerminalID, pw); err != nil {
			return clientFail(g, err)
		}
		return fn(ctx, c)
	})
}
