package main

// Administrator commands on one terminal (docs/security.md): reset, disable, enable, set-password, set-issuer.

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/mykeyterm/mykeyterm/platform"
)

func init() {
	idFlag := func(fs *flag.FlagSet) { fs.String("id", "", "terminal ID") }
	adminCmds["terminal reset"] = adminCmd{
		summary: "unbind a terminal ID from its device and give it a new password, printed once (--id)",
		flags:   idFlag,
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			pw, err := s.ResetTerminal(str(fs, "id"))
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "terminal %s reset; new terminal password: %s\n", str(fs, "id"), pw)
			return nil
		},
	}
	adminCmds["terminal disable"] = adminCmd{
		summary: "disable a terminal (lost or stolen PC): no token, no login, its sessions end (--id)",
		flags:   idFlag,
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			return s.SetTerminalDisabled(str(fs, "id"), true)
		},
	}
	adminCmds["terminal enable"] = adminCmd{
		summary: "enable a disabled terminal again (--id)",
		flags:   idFlag,
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			return s.SetTerminalDisabled(str(fs, "id"), false)
		},
	}
	adminCmds["terminal set-password"] = adminCmd{
		summary: "set a terminal's password (--id, --password-file F or typed at the prompt); its sessions end",
		flags: func(fs *flag.FlagSet) {
			idFlag(fs)
			fs.String("password-file", "", "file holding the new password (first line); typed at a prompt when empty")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			pw, err := readPassword(str(fs, "password-file"), os.Stdin, out)
			if err != nil {
				return err
			}
			return s.SetTerminalPassword(str(fs, "id"), pw)
		},
	}
	adminCmds["voucher-key rotate"] = adminCmd{
		summary: "make a new voucher signing key current; vouchers of older keys still verify",
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			id, err := s.RotateVoucherKey()
			if err == nil {
				fmt.Fprintf(out, "voucher key %s is current\n", id)
			}
			return err
		},
	}
	adminCmds["program floor-limit"] = adminCmd{
		summary: "set a program's floor limit: above it, or past a card's or terminal's day total without proof, use/voucher/merge need the patron's PIN and card signature (--program --points [--card-day --terminal-day]; 0 = never)",
		flags: func(fs *flag.FlagSet) {
			fs.String("program", "", "program ID")
			fs.Int64("points", 0, "floor limit in points (0: the tap is always enough)")
			fs.Int64("card-day", 0, "points one card may move without proof per Japan-time day (0: the floor limit)")
			fs.Int64("terminal-day", 0, "points one terminal may move without proof per Japan-time day (0: 100 × the floor limit)")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			var n, card, term int64
			if _, err := fmt.Sscan(str(fs, "points"), &n); err != nil {
				return err
			}
			if _, err := fmt.Sscan(str(fs, "card-day"), &card); err != nil {
				return err
			}
			if _, err := fmt.Sscan(str(fs, "terminal-day"), &term); err != nil {
				return err
			}
			if err := s.SetFloorLimit(str(fs, "program"), n); err != nil {
				return err
			}
			given := false // the day totals change only when given (a new floor alone keeps them)
			fs.Visit(func(f *flag.Flag) { given = given || f.Name == "card-day" || f.Name == "terminal-day" })
			if !given {
				return nil
			}
			return s.SetFloorDayLimits(str(fs, "program"), card, term)
		},
	}
	adminCmds["terminal set-issuer"] = adminCmd{
		summary: "fix the ID issuer of a service-ID terminal (--id --issuer); the terminal cannot change it",
		flags: func(fs *flag.FlagSet) {
			idFlag(fs)
			fs.String("issuer", "", "issuer ID of the terminal's municipality")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			return s.SetTerminalIssuer(str(fs, "id"), str(fs, "issuer"))
		},
	}
}

// readPassword reads a password from file (its first line) or, when file is empty, from in: without echo when in is
// a terminal, else its first line. It never comes from the command line (ps, shell history).
func readPassword(file string, in *os.File, prompt io.Writer) (string, error) {
	var line string
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		line, _, _ = strings.Cut(string(b), "\n")
	case term.IsTerminal(int(in.Fd())):
		fmt.Fprint(prompt, "password: ")
		b, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		line = string(b)
	default:
		l, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && l == "" {
			return "", errors.New("no password on standard input")
		}
		line = l
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("the password is empty")
	}
	return line, nil
}
