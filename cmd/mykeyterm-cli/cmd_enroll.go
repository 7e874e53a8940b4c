package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// Screens 9 and 10 as commands, scriptable for roll-outs.

func init() {
	register(command{name: "enroll", summary: "screen 9: register this terminal (--platform URL --terminal-id ID --password PW)", run: runEnroll})
	register(command{name: "contact set", summary: "screen 10: register or change the contact data", run: runContactSet})
	register(showCommand("contact show", "show the registered contact data",
		(*platformclient.Client).Contact, printContact))
	register(showCommand("issuers", "list the ID issuers of this terminal's municipality",
		(*platformclient.Client).Issuers, printIssuers))
	register(showCommand("terminal", "show this terminal's ID, kind, municipality and issuer",
		(*platformclient.Client).RefreshTerminal, printTerminal))
}

func runEnroll(g *globals, args []string) int {
	fs := newFlags("enroll", g)
	url := fs.String("platform", "", "platform URL, e.g. https://platform.example.jp")
	id := fs.String("terminal-id", "", "端末ID (8 digits, from 様式II)")
	pw := fs.String("password", "", "端末パスワード (from 様式II; visible in ps and shell history: prefer --password-file before the command, or the prompt)")
	ca := fs.String("ca-file", "", "PEM CA certificate of the platform's TLS certificate (private deployments)")
	asJSON := fs.Bool("json", false, "print the terminal info as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	return withClient(g, false, platformTimeout, func(ctx context.Context, c *platformclient.Client) int {
		if *ca != "" {
			if err := c.SetCAFile(*ca); err != nil {
				return fail(g, platformclient.Message(err))
			}
		}
		password := *pw
		if password == "" {
			var err error
			if password, err = terminalPassword(g); err != nil {
				return fail(g, err.Error())
			}
		}
		ti, err := c.Enroll(ctx, *url, *id, password)
		if err != nil {
			return platformFail(g, err)
		}
		if *asJSON {
			return printJSON(g, ti)
		}
		fmt.Fprintf(g.Stdout, "端末を登録しました。端末ID:%s（%s、%s）\n", ti.TerminalID, ti.Kind.LabelJA(), ti.MunicipalityName)
		if !ti.ContactDone {
			fmt.Fprintln(g.Stdout, "次に連絡先を登録してください（mykeyterm-cli contact set）。")
		}
		return 0
	})
}

func runContactSet(g *globals, args []string) int {
	fs := newFlags("contact set", g)
	var ct mkpf.Contact
	fs.StringVar(&ct.Location, "location", "", "設置場所 (required)")
	fs.StringVar(&ct.Name, "name", "", "端末名 (required)")
	issuer := fs.String("issuer", "", "ID付与事業者: issuer ID or exact name (service-ID terminals only)")
	fs.StringVar(&ct.Person, "person", "", "担当者名 (required)")
	fs.StringVar(&ct.Organization, "org", "", "所属組織 (required)")
	fs.StringVar(&ct.PostalCode, "postal-code", "", "郵便番号, 3+4 digits (required)")
	fs.StringVar(&ct.Address, "address", "", "住所 (required)")
	fs.StringVar(&ct.Phone, "phone", "", "電話番号 (required)")
	fs.StringVar(&ct.Email, "email", "", "メールアドレス (required)")
	fs.StringVar(&ct.EmailConfirm, "email-confirm", "", "メールアドレス（確認用）; defaults to --email in scripts")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if ct.EmailConfirm == "" {
		ct.EmailConfirm = ct.Email
	}
	return withClient(g, true, platformTimeout, func(ctx context.Context, c *platformclient.Client) int {
		ct.IssuerID = strings.TrimSpace(*issuer)
		if ct.IssuerID != "" && mkpf.ValidateIssuerID(ct.IssuerID) != nil {
			// A name: resolve it through the platform's issuer table, as the screen's pull-down does.
			list, err := c.Issuers(ctx)
			if err != nil {
				return platformFail(g, err)
			}
			for _, is := range list {
				if is.Name == ct.IssuerID {
					ct.IssuerID = is.ID
				}
			}
		}
		if err := c.SetContact(ctx, ct); err != nil {
			return platformFail(g, err)
		}
		ti := c.Terminal()
		fmt.Fprintf(g.Stdout, "連絡先を登録しました。端末ID:%s", ti.TerminalID)
		if ti.IssuerName != "" {
			fmt.Fprintf(g.Stdout, "　ID付与事業者:%s", ti.IssuerName)
		}
		fmt.Fprintln(g.Stdout)
		return 0
	})
}

// showCommand is a command that asks the platform one thing and prints the answer as text, or as JSON with --json.
func showCommand[T any](name, summary string, get func(*platformclient.Client, context.Context) (T, error), text func(io.Writer, T)) command {
	return command{name: name, summary: summary, run: func(g *globals, args []string) int {
		fs := newFlags(name, g)
		asJSON := fs.Bool("json", false, "print JSON")
		if err := fs.Parse(args); err != nil {
			return 2
		}
		return withClient(g, true, platformTimeout, func(ctx context.Context, c *platformclient.Client) int {
			v, err := get(c, ctx)
			if err != nil {
				return platformFail(g, err)
			}
			if *asJSON {
				return printJSON(g, v)
			}
			text(g.Stdout, v)
			return 0
		})
	}}
}

func printContact(w io.Writer, ct *mkpf.Contact) {
	for _, r := range [][2]string{{"設置場所", ct.Location}, {"端末名", ct.Name}, {"ID付与事業者", ct.IssuerID},
		{"担当者名", ct.Person}, {"所属組織", ct.Organization}, {"郵便番号", ct.PostalCode}, {"住所", ct.Address},
		{"電話番号", ct.Phone}, {"メールアドレス", ct.Email}} {
		fmt.Fprintf(w, "%s: %s\n", r[0], r[1])
	}
}

func printIssuers(w io.Writer, list []mkpf.Issuer) {
	for _, is := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\n", is.ID, is.Name, is.Handoff.Mode.LabelJA())
	}
}

func printTerminal(w io.Writer, ti *mkpf.TerminalInfo) {
	fmt.Fprintf(w, "端末ID:%s\n種類:%s\n自治体:%s %s\nID付与事業者:%s %s\n設置場所:%s\n", ti.TerminalID, ti.Kind.LabelJA(),
		ti.MunicipalityCode, ti.MunicipalityName, ti.IssuerID, ti.IssuerName, ti.Location)
}
