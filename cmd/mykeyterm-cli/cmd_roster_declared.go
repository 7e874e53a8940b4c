package main

// roster register-id: screen 76's registration of a MyKey ID the participant declares at the counter (seed 004
// §V(5) 「窓口を訪れた本人からの申告内容を確認し、自治体職員がマイキーIDを登録する」).

import (
	"context"
	"fmt"

	"github.com/mykeyterm/mykeyterm/terminal/grant"
)

func init() {
	register(command{name: "roster register-id", summary: "screen 76: register the MyKey ID a participant declares, after checking the declaration (--id P --mykey-id X)", run: runRosterRegisterID})
}

func runRosterRegisterID(g *globals, args []string) int {
	fs := newFlags("roster register-id", g)
	id := fs.String("id", "", "the participant (roster search shows the IDs)")
	mykeyID := fs.String("mykey-id", "", "the MyKey ID the participant declares")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *id == "" || *mykeyID == "" {
		return fail(g, "対象者を --id で、申告されたマイキーIDを --mykey-id で指定してください（対象者は mykeyterm-cli roster search で探せます）。")
	}
	return withOffice(g, true, func(ctx context.Context, o *grant.Office, p grant.Platform) int {
		x, err := o.RegisterMyKeyID(ctx, p, *id, *mykeyID)
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
