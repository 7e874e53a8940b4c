package main

import (
	"context"
	"fmt"
	"os"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// Screens 23-26 as commands. The certificate comes from the card on the reader (cardio) or from --cert FILE.

func init() {
	register(command{name: "lookup", summary: "screens 25-26: the patron's card number at this terminal's issuer ([--reader NAME | --cert FILE] [--json])", run: runLookup})
	register(command{name: "service-id register", summary: "screens 23-24: link a card number to the patron's MyKey ID (--card-number N)", run: runRegister})
}

// authCert gets the user-authentication certificate from --cert or the card. An expired certificate read from the
// card is still sent: the platform answers with its own code and message.
func authCert(ctx context.Context, g *globals, certFile, reader string) ([]byte, int) {
	if certFile != "" {
		der, err := readCertFile(certFile)
		if err != nil {
			return nil, fail(g, "証明書ファイルを読めません: "+err.Error())
		}
		return der, 0
	}
	der, err := cardAuthCert(ctx, reader)
	if err != nil {
		return nil, fail(g, err.Error())
	}
	return der, 0
}

// lookupJSON is the --json output of lookup: the LookupResult plus the flat fields scripts expect.
type lookupJSON struct {
	IssuerID       string               `json:"issuer_id"`
	IssuerName     string               `json:"issuer_name"`
	CardNumber     string               `json:"card_number"`
	HandoffMode    mkpf.HandoffMode     `json:"handoff_mode"`
	Handoff        mkpf.HandoffSettings `json:"handoff"`
	CardValid      bool                 `json:"card_valid"`
	CardStatus     string               `json:"card_status,omitempty"`
	AddressChanged bool                 `json:"address_changed"`
	MyKeyID        string               `json:"mykey_id,omitempty"`
}

func runLookup(g *globals, args []string) int {
	fs := newFlags("lookup", g)
	reader := fs.String("reader", "", "card reader name (default: the first reader holding a My Number Card)")
	certFile := fs.String("cert", "", "user-authentication certificate file (DER or PEM) instead of the card")
	asJSON := fs.Bool("json", false, "print JSON")
	var hf handoffFlags // lookup_handoff.go
	fs.StringVar(&hf.mode, "handoff", "", handoffUsage)
	fs.StringVar(&hf.printer, "printer", "", "label printer (printing.Open spec or queue name; default: settings)")
	fs.StringVar(&hf.out, "out", "", "barcode: write the PNG here; label: write the PDF here instead of printing")
	fs.StringVar(&hf.labelSize, "label-size", "", "label size: 62x29, 50x30, A4 (default: settings)")
	fs.StringVar(&hf.suffix, "suffix", "", "wedge: key after the number: enter, tab, none (default: settings, enter)")
	fs.DurationVar(&hf.keyDelay, "key-delay", 0, "wedge: pause between keys (default: settings, 8ms)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	return withClient(g, true, platformTimeout, func(ctx context.Context, c *platformclient.Client) int {
		var l *terminal.Lookup
		var err error
		if *certFile != "" {
			der, code := authCert(ctx, g, *certFile, "")
			if der == nil {
				return code
			}
			l, err = terminal.LookUpCert(ctx, c, der)
		} else {
			src, serr := cardSource()
			if serr != nil {
				return fail(g, terminal.Message(serr))
			}
			// The same card session and transaction as the GUI's screen 25 (terminal.Cards).
			l, err = terminal.LookUp(ctx, &terminal.Cards{Src: src}, c, *reader)
		}
		if err != nil {
			if !l.ReachedPlatform {
				return fail(g, terminal.Message(err))
			}
			return platformFail(g, err)
		}
		res := l.LookupResult
		if *asJSON {
			return printJSON(g, lookupJSON{IssuerID: res.IssuerID, IssuerName: res.IssuerName, CardNumber: res.CardNumber,
				HandoffMode: res.Handoff.Mode, Handoff: res.Handoff, CardValid: res.CardValid, CardStatus: res.CardStatus,
				AddressChanged: res.AddressChanged, MyKeyID: res.MyKeyID})
		}
		fmt.Fprintf(g.Stdout, "ID付与事業者名: %s\n", res.IssuerName)
		if res.MyKeyID != "" {
			fmt.Fprintf(g.Stdout, "マイキーID: %s\n", res.MyKeyID)
		}
		fmt.Fprintf(g.Stdout, "利用カード番号: %s\n", res.CardNumber)
		fmt.Fprintf(g.Stdout, "引渡し方式: %s\n", res.Handoff.Mode.LabelJA())
		if terminal.CardInvalid(res) {
			fmt.Fprintf(g.Stdout, "注意: この利用カードは有効ではありません（%s）。\n", terminal.CardStatusJA(res.CardStatus))
		}
		if res.AddressChanged {
			fmt.Fprintln(g.Stdout, "注意: 住所変更の通知があります。利用者の登録内容を確認してください。")
		}
		if hf.mode != "" {
			settings, _ := terminal.LoadSettings(c)
			return lookupHandoff(g, settings, res, hf)
		}
		return 0
	})
}

func runRegister(g *globals, args []string) int {
	fs := newFlags("service-id register", g)
	number := fs.String("card-number", "", "利用カード番号(サービスID) (required)")
	notice := fs.Bool("address-notice", false, "現住所の変更通知: yes (uses the signing certificate)")
	replace := fs.Bool("replace", false, "replace this patron's existing number at this issuer (card re-issued)")
	reader := fs.String("reader", "", "card reader name (default: the first reader holding a My Number Card)")
	certFile := fs.String("cert", "", "user-authentication certificate file (DER or PEM) instead of the card")
	signFile := fs.String("sign-cert", "", "signing certificate file (with --cert and --address-notice)")
	pinEnv := fs.String("sign-pin-env", "MYKEYTERM_SIGN_PIN", "environment variable holding the signing password (card, --address-notice)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	return withClient(g, true, platformTimeout, func(ctx context.Context, c *platformclient.Client) int {
		req := mkpf.RegisterRequest{CardNumber: *number, AddressNotice: *notice, Replace: *replace}
		if *certFile != "" {
			der, code := authCert(ctx, g, *certFile, "")
			if der == nil {
				return code
			}
			req.AuthCert = der
			if *notice {
				if *signFile == "" {
					return fail(g, "現住所の変更通知には署名用電子証明書が必要です（--sign-cert FILE）。")
				}
				sd, err := readCertFile(*signFile)
				if err != nil {
					return fail(g, "証明書ファイルを読めません: "+err.Error())
				}
				req.SignCert = sd
			}
		} else {
			auth, sign, code := readCardCerts(ctx, g, *reader, *notice, os.Getenv(*pinEnv))
			if auth == nil {
				return code
			}
			req.AuthCert, req.SignCert = auth, sign
		}
		res, err := c.RegisterServiceID(ctx, req)
		if err != nil {
			return platformFail(g, err)
		}
		if *asJSON {
			return printJSON(g, res)
		}
		fmt.Fprintln(g.Stdout, "サービスIDの登録完了")
		fmt.Fprintln(g.Stdout, "利用者の利用カード番号があっていることを確認してください。")
		fmt.Fprintf(g.Stdout, "ID付与事業者名: %s\n", res.IssuerName)
		if res.MyKeyID != "" {
			fmt.Fprintf(g.Stdout, "マイキーID: %s\n", res.MyKeyID)
		}
		fmt.Fprintf(g.Stdout, "利用カード番号(サービスID): %s\n", res.CardNumber)
		if res.Replaced != "" {
			fmt.Fprintf(g.Stdout, "（置き換え前の番号: %s）\n", res.Replaced)
		}
		if res.Unchanged {
			fmt.Fprintln(g.Stdout, "（この番号は既に登録されています）")
		}
		return 0
	})
}

// readCardCerts reads the auth certificate and, for the address notice, the signing certificate after the signing
// PIN, through the terminal layer's registration (terminal.Registration, as screen 23): the tries left are shown
// first, a PIN outside 6-16 characters is never sent, a wrong PIN is never retried.
func readCardCerts(ctx context.Context, g *globals, reader string, withSign bool, signPIN string) (auth, sign []byte, code int) {
	src, err := cardSource()
	if err != nil {
		return nil, nil, fail(g, terminal.Message(err))
	}
	cards := &terminal.Cards{Src: src}
	if withSign && signPIN == "" {
		return nil, nil, fail(g, "署名用パスワード（6～16文字）を環境変数 MYKEYTERM_SIGN_PIN で渡してください。")
	}
	r, err := terminal.BeginRegistration(ctx, cards, reader, mkpf.RegisterRequest{AddressNotice: withSign})
	if err != nil {
		return nil, nil, fail(g, terminal.Message(err))
	}
	if !withSign {
		return r.Req.AuthCert, nil, 0
	}
	fmt.Fprintf(g.Stderr, "署名用パスワードの残り回数: %d\n", r.Tries)
	if err := r.Sign(ctx, cards, signPIN); err != nil {
		return nil, nil, fail(g, terminal.Message(err))
	}
	return r.Req.AuthCert, r.Req.SignCert, 0
}
