package main

// Grant office commands (業務支援システム, screens 72-76): the office roster in the grant office terminal's data
// directory (terminal/grant.Office). The personal fields stay in that directory; only MyKey IDs (or a card's auth
// certificate for register-card) go to the platform.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/terminal/grant"
)

func init() {
	register(command{name: "roster template", summary: "screen 74: the roster file template (取り込み入力用様式, UTF-8 CSV with BOM) [--project ID] [--out FILE]", run: runRosterTemplate})
	register(command{name: "roster import", summary: "screen 74: import a roster file FILE --project ID (Shift_JIS or UTF-8; all or nothing)", run: runRosterImport})
	register(command{name: "roster add", summary: "screen 75: add one participant --project ID --name … [--mykey-id …]", run: runRosterAdd})
	register(command{name: "roster search", summary: "screen 76: search the office roster by project, MyKey ID or identifying items", run: runRosterSearch})
	register(command{name: "roster register-card", summary: "screen 76 [登録・読取]: read the participant's card, put its MyKey ID on the roster (--id P)", run: runRosterRegisterCard})
	register(command{name: "roster grant-without-card", summary: "§V(7): grant to a participant who forgot the card, after the identity check (--id P)", run: runRosterGrantWithoutCard})
	register(command{name: "roster taps", summary: "the project's grants from phone taps per phone and JST hour (--project ID [--json])", run: runRosterTaps})
	register(command{name: "roster settings", summary: "screen 72: the identifying items the roster uses (--fields 名前,生年月日,…)", run: runRosterSettings})
}

// withOffice runs fn with the office roster and, when needClient, the enrolled terminal's platform.
func withOffice(g *globals, needClient bool, fn func(ctx context.Context, o *grant.Office, p grant.Platform) int) int {
	if err := os.MkdirAll(g.DataDir, 0o700); err != nil {
		return fail(g, err.Error())
	}
	o, err := grant.OpenOffice(g.DataDir)
	if err != nil {
		return fail(g, err.Error())
	}
	defer o.Close()
	if !needClient {
		return fn(context.Background(), o, nil)
	}
	return withGrantLogin(g, platformTimeout, func(ctx context.Context, c *platformclient.Client) int {
		return fn(ctx, o, grant.FromClient(c))
	})
}

func runRosterTemplate(g *globals, args []string) int {
	fs := newFlags("roster template", g)
	project := fs.String("project", "", "fill the example line with this project's name and points")
	out := fs.String("out", "", "write to FILE instead of stdout")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	write := func(pr mkpf.GrantProject) int {
		b := grant.Template(pr)
		if *out == "" {
			g.Stdout.Write(b)
			return 0
		}
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			return fail(g, fmt.Sprintf("様式を書き出せません: %v", err))
		}
		return 0
	}
	if *project == "" {
		return write(mkpf.GrantProject{Name: "認知症サポーター養成講座", PointsPerPerson: 100})
	}
	return withGrantLogin(g, platformTimeout, func(ctx context.Context, c *platformclient.Client) int {
		pr, err := grant.FindProject(ctx, grant.FromClient(c), *project)
		if err != nil {
			return grantFail(g, err)
		}
		return write(pr)
	})
}

func runRosterImport(g *globals, args []string) int {
	fs := newFlags("roster import", g)
	project := fs.String("project", "", "the grant project ID")
	asJSON := fs.Bool("json", false, "print JSON")
	file, code := parseOneArg(g, fs, args, "取り込む名簿ファイルを1つ指定してください: mykeyterm-cli roster import FILE --project ID")
	if code != 0 {
		return code
	}
	if *project == "" {
		return fail(g, "ポイント付与事業を --project で指定してください。")
	}
	data, err := readRosterFile(file)
	if err != nil {
		return fail(g, fmt.Sprintf("名簿ファイル「%s」を読めません。ファイル名を確かめてください。", file))
	}
	return withOffice(g, true, func(ctx context.Context, o *grant.Office, p grant.Platform) int {
		pr, err := grant.FindProject(ctx, p, *project)
		if err != nil {
			return grantFail(g, err)
		}
		res, err := o.Import(ctx, p, pr, data)
		if err != nil {
			return grantFail(g, err)
		}
		if *asJSON {
			return printJSON(g, map[string]int{"added": res.Added, "with_mykey_id": res.WithMyKeyID, "already": res.Already})
		}
		fmt.Fprintf(g.Stdout, "%d人を名簿に取り込みました（うちマイキーIDあり %d人）\n", res.Added, res.WithMyKeyID)
		return 0
	})
}

// personFlags are the identifying items as flags (screens 75 and 76).
type personFlags struct{ name, birth, address, sex, phone, email, note *string }

func addPersonFlags(fs *flag.FlagSet) personFlags {
	return personFlags{
		name: fs.String("name", "", "名前"), birth: fs.String("birth", "", "生年月日 (1940年1月1日, 1940/1/1)"),
		address: fs.String("address", "", "住所"), sex: fs.String("sex", "", "性別 (男性, 女性, その他)"),
		phone: fs.String("phone", "", "電話番号"), email: fs.String("email", "", "メールアドレス"), note: fs.String("note", "", "備考"),
	}
}

func (p personFlags) person() grant.Person {
	return grant.Person{Name: *p.name, Birth: *p.birth, Address: *p.address, Sex: *p.sex, Phone: *p.phone, Email: *p.email, Note: *p.note}
}

func runRosterAdd(g *globals, args []string) int {
	fs := newFlags("roster add", g)
	project := fs.String("project", "", "the grant project ID")
	mykeyID := fs.String("mykey-id", "", "the MyKey ID the participant declares (may be left out: register-card later)")
	pf := addPersonFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *project == "" {
		return fail(g, "ポイント付与事業を --project で指定してください。")
	}
	return withOffice(g, true, func(ctx context.Context, o *grant.Office, p grant.Platform) int {
		pr, err := grant.FindProject(ctx, p, *project)
		if err != nil {
			return grantFail(g, err)
		}
		x, err := o.Add(ctx, p, pr, *mykeyID, pf.person())
		if err != nil {
			return grantFail(g, err)
		}
		if *asJSON {
			return printJSON(g, x)
		}
		fmt.Fprintf(g.Stdout, "名簿に登録しました: %s %s\n", x.ID, x.Person.Name)
		return 0
	})
}

func runRosterSearch(g *globals, args []string) int {
	fs := newFlags("roster search", g)
	project := fs.String("project", "", "only this grant project")
	mykeyID := fs.String("mykey-id", "", "MyKey ID (or a part)")
	pf := addPersonFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	return withOffice(g, false, func(_ context.Context, o *grant.Office, _ grant.Platform) int {
		list := o.Search(grant.Query{ProjectID: *project, MyKeyID: *mykeyID, Person: pf.person()})
		if list == nil {
			list = []grant.Participant{}
		}
		if *asJSON {
			return printJSON(g, list)
		}
		if len(list) == 0 {
			fmt.Fprintln(g.Stdout, "該当する対象者はいません。")
		}
		fields := o.Fields()
		for _, x := range list {
			items := []string{x.ID, x.ProjectName, orDash(x.MyKeyID)}
			for _, f := range fields {
				items = append(items, orDash(x.Person.Field(f)))
			}
			if !x.WithoutCardAt.IsZero() {
				items = append(items, "カードなしで付与済み")
			}
			fmt.Fprintln(g.Stdout, strings.Join(items, "\t"))
		}
		return 0
	})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func runRosterRegisterCard(g *globals, args []string) int {
	fs := newFlags("roster register-card", g)
	id := fs.String("id", "", "the participant (roster search shows the IDs)")
	reader := fs.String("reader", "", "card reader (default: the first reader holding a My Number Card)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *id == "" {
		return fail(g, "対象者を --id で指定してください（mykeyterm-cli roster search で探せます）。")
	}
	src, err := cardSource()
	if err != nil {
		return fail(g, cardio.Message(err))
	}
	return withOffice(g, true, func(ctx context.Context, o *grant.Office, p grant.Platform) int {
		x, err := o.RegisterCard(ctx, p, src, *reader, *id)
		if err != nil {
			return grantFail(g, err)
		}
		if *asJSON {
			return printJSON(g, x)
		}
		fmt.Fprintf(g.Stdout, "%s さんのマイキーID %s を名簿に登録しました\n", x.Person.Name, x.MyKeyID)
		return 0
	})
}

func runRosterGrantWithoutCard(g *globals, args []string) int {
	fs := newFlags("roster grant-without-card", g)
	id := fs.String("id", "", "the participant, after the identifying items were checked")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *id == "" {
		return fail(g, "対象者を --id で指定してください（本人確認の項目を確かめてから付与してください）。")
	}
	return withOffice(g, true, func(ctx context.Context, o *grant.Office, p grant.Platform) int {
		a, err := o.GrantWithoutCard(ctx, p, *id)
		if err != nil {
			return grantFail(g, err)
		}
		if *asJSON {
			return printJSON(g, a)
		}
		fmt.Fprintf(g.Stdout, "カードなしで %d ポイントを付与しました（取引 %s）\n", a.Points, a.TxnID)
		return 0
	})
}

func runRosterSettings(g *globals, args []string) int {
	fs := newFlags("roster settings", g)
	fields := fs.String("fields", "", "comma-separated identifying items to use (名前 is always used); empty: show")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	return withOffice(g, false, func(_ context.Context, o *grant.Office, _ grant.Platform) int {
		if *fields != "" {
			var list []string
			for _, f := range strings.Split(*fields, ",") {
				if f = strings.TrimSpace(f); f != "" {
					list = append(list, f)
				}
			}
			if err := o.SetFields(list); err != nil {
				return fail(g, err.Error())
			}
		}
		fmt.Fprintln(g.Stdout, strings.Join(o.Fields(), ","))
		return 0
	})
}

// readRosterFile reads at most one byte more than grant.MaxRosterBytes (a bigger file is refused by the import).
func readRosterFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, grant.MaxRosterBytes+1))
}

func runRosterTaps(g *globals, args []string) int {
	fs := newFlags("roster taps", g)
	project := fs.String("project", "", "the grant project ID")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *project == "" {
		return fail(g, "ポイント付与事業を --project で指定してください。")
	}
	return withGrantLogin(g, platformTimeout, func(ctx context.Context, c *platformclient.Client) int {
		rep, err := c.GrantTaps(ctx, *project)
		if err != nil {
			return grantFail(g, err)
		}
		if *asJSON {
			return printJSON(g, rep)
		}
		fmt.Fprintln(g.Stdout, "時間帯（日本時間）\t端末ID\tカード読取による付与")
		for _, r := range rep.Rows {
			fmt.Fprintf(g.Stdout, "%s台\t%s\t%d件\n", r.Hour, r.TerminalID, r.Taps)
		}
		return 0
	})
}
