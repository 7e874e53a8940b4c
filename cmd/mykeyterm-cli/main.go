// Command mykeyterm-cli is the console twin of the mykeyterm GUI, for scripts, roll-outs, tests and other counter
// software. It uses the same services as the GUI (cardio, platformclient, handoff, printing) and imports no Fyne.
//
// Each subcommand lives in its own file and registers itself in init with register.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/mykeyterm/mykeyterm/platformclient"
)

// globals are the flags that come before the subcommand.
type globals struct {
	DataDir string // the terminal's data directory (bbolt state, device key)
	// PasswordFile holds the terminal password for enroll and the points commands' screen-2 login (first line);
	// when empty they prompt on a terminal. The password is never taken from the command line of those commands.
	PasswordFile string
	Stdout       io.Writer
	Stderr       io.Writer
}

type command struct {
	name    string // "card info", "points balance": words joined by one space
	summary string
	run     func(g *globals, args []string) int
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	g := &globals{Stdout: stdout, Stderr: stderr}
	fs := flag.NewFlagSet("mykeyterm-cli", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&g.DataDir, "data-dir", defaultDataDir(), "the terminal's data directory")
	fs.StringVar(&g.PasswordFile, "password-file", "", "file holding the terminal password (enroll, points commands); prompted when empty")
	fs.Usage = func() { usage(stderr) }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rest := fs.Args()
	// The longest registered name that prefixes the arguments wins ("voucher issue" before "voucher").
	for n := min(3, len(rest)); n >= 1; n-- {
		if c, ok := commands[strings.Join(rest[:n], " ")]; ok {
			return c.run(g, rest[n:])
		}
	}
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: mykeyterm-cli [--data-dir DIR] [--password-file FILE] COMMAND [flags]")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-22s %s\n", n, commands[n].summary)
	}
}

func defaultDataDir() string {
	if d := os.Getenv("MYKEYTERM_DATA_DIR"); d != "" {
		return d
	}
	return platformclient.DefaultDataDir() // the GUI's folder: %ProgramData%\mykeyterm on Windows
}

// fail prints the clerk-facing message (Japanese) on stderr and returns exit code 1.
func fail(g *globals, msg string) int {
	fmt.Fprintln(g.Stderr, msg)
	return 1
}
