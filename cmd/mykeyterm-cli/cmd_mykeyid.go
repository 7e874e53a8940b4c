package main

// The patron desk (利用者窓口, screens 14-21 and 58-63; docs/patron-desk.md): the same flows as the screens, through
// terminal/. The user-authentication PIN comes from MYKEYTERM_AUTH_PIN (never the command line), the 利用者マイページ
// password from a file.

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/terminal"
)

func init() {
	register(command{name: "mykeyid create", summary: "screens 14-17: make the patron's MyKey ID with their card and PIN ([--id C | --auto] --mypage-password-file F)", run: runMyKeyIDCreate})
}

// readSecretFile is the first line of a file holding a password.
func readSecretFile(path, what string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%sのファイル「%s」を読めません。", what, path)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	return strings.TrimRight(sc.Text(), "\r"), nil
}

// deskCard is screens 14-15 on the command line: the tries left printed first, then the PIN of MYKEYTERM_AUTH_PIN
// verified once and the card's signature for op.
func deskCard(ctx context.Context, g *globals, c *platformclient.Client, reader, op string) (mkpf.CardSignature, int) {
	pin := os.Getenv(authPINEnv)
	src, err := cardSource()
	if err != nil {
		return mkpf.CardSignature{}, fail(g, cardio.Message(err))
	}
	cards := &terminal.Cards{Src: src}
	tries, err := cards.MyKeyTries(ctx, reader)
	if err != nil {
		return mkpf.CardSignature{}, fail(g, terminal.Message(err))
	}
	fmt.Fprintf(g.Stderr, "利用者証明用暗証番号の残り回数: %d\n", tries)
	if pin == "" {
		return mkpf.CardSignature{}, fail(g, "利用者証明用の暗証番号（4桁）を環境変数 "+authPINEnv+" で渡して、もう一度実行してください。")
	}
	cs, err := cards.SignMyKey(ctx, reader, c, op, pin)
	if err != nil {
		return cs, fail(g, terminal.Message(err)) // a wrong PIN says how many tries are left; nothing is retried
	}
	return cs, 0
}

// deskFail prints a failure of the patron desk: a typing mistake's or the platform's message with its fields.
func deskFail(g *globals, err error) int {
	var ie *terminal.InputError
	if errors.As(err, &ie) {
		return fail(g, ie.Error())
	}
	var ae *mkpf.APIError
	if errors.As(err, &ae) {
		return platformFail(g, ae)
	}
	return fail(g, terminal.Message(err))
}

// myPageFlags are the settings of screens 16 and 59-61.
type myPageFlags struct {
	pwFile, email, notify, base *string
}

func addMyPageFlags(fs *flag.FlagSet) myPageFlags {
	return myPageFlags{
		pwFile: fs.String("mypage-password-file", "", "file holding the 利用者マイページ password (6-16 letters/digits; first line)"),
		email:  fs.String("email", "", "e-mail address for notices (optional)"),
		notify: fs.String("notify", "", "notices wanted, comma-separated: grant,lapse,password,mykeyid (needs --email)"),
		base:   fs.String("base-municipality", "", "基本自治体ポイント口座: code of a municipality that runs 自治体ポイント"),
	}
}

func (m myPageFlags) form(needPassword bool) (terminal.MyPageForm, error) {
	var f terminal.MyPageForm
	if *m.pwFile != "" {
		pw, err := readSecretFile(*m.pwFile, "利用者マイページログイン用パスワード")
		if err != nil {
			return f, err
		}
		f.Password, f.PasswordConfirm = pw, pw
	} else if needPassword {
		return f, errors.New("利用者マイページログイン用パスワードのファイルを --mypage-password-file で指定してください。")
	}
	f.Email, f.EmailConfirm = *m.email, *m.email
	for _, n := range strings.Split(*m.notify, ",") {
		if n = strings.TrimSpace(n); n != "" {
			f.Notices = append(f.Notices, n)
		}
	}
	f.BaseMunicipality = strings.TrimSpace(*m.base)
	return f, nil
}

// candidate is screen 16's MyKey ID candidate from --id or --auto.
func candidate(ctx context.Context, c *platformclient.Client, id string, auto bool) (*terminal.Candidates, error) {
	cand := &terminal.Candidates{}
	if auto || id == "" {
		_, err := cand.Auto(ctx, c)
		return cand, err
	}
	return cand, cand.Check(ctx, c, id)
}

func runMyKeyIDCreate(g *globals, args []string) int {
	fs := newFlags("mykeyid create", g)
	id := fs.String("id", "", "MyKey ID candidate: 8 half-width upper-case letters/digits (checked for duplicates)")
	auto := fs.Bool("auto", false, "generate the MyKey ID (自動生成; the default without --id)")
	reader := fs.String("reader", "", "card reader (default: the first reader holding a My Number Card)")
	mp := addMyPageFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	if *id != "" && *auto {
		return fail(g, "--id と --auto はどちらか一方を指定してください。")
	}
	form, err := mp.form(true)
	if err != nil {
		return fail(g, err.Error())
	}
	if err := terminal.CheckMyPageForm(form); err != nil {
		return deskFail(g, err)
	}
	return withClient(g, true, platformTimeout, func(ctx context.Context, c *platformclient.Client) int {
		// The candidate first: a taken one costs no PIN try.
		cand, err := candidate(ctx, c, *id, *auto)
		if err != nil {
			return deskFail(g, err)
		}
		card, code := deskCard(ctx, g, c, *reader, mkpf.MyKeyOpCreate)
		if code != 0 {
			return code
		}
		res, err := terminal.CreateMyKeyID(ctx, c, card, cand, form)
		if err != nil {
			return deskFail(g, err)
		}
		if *asJSON {
			return printJSON(g, res)
		}
		fmt.Fprintln(g.Stdout, "マイキーIDおよび利用者マイページログイン用パスワード等の登録等が完了しました。")
		fmt.Fprintf(g.Stdout, "マイキーID: %s\n", res.MyKeyID)
		return 0
	})
}
