package main

// Grant phone commands (持ち歩き用ポイント付与アプリ, screens 77-79): the same terminal/grant store as the app. The
// phone is a point-grant terminal enrolled with `enroll`; `grant tap` needs no network.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/terminal/grant"
)

func init() {
	register(command{name: "grant projects", summary: "screen 78: the grant projects of this terminal's municipality", run: runGrantProjects})
	register(command{name: "grant sync", summary: "screen 78: sync a project's roster to this device (--project ID)", run: runGrantSync})
	register(command{name: "grant tap", summary: "screen 79: continuous card reading, granting on the device offline (--count N)", run: runGrantTap})
	register(command{name: "grant pending", summary: "screen 79: grants stored on the device and not yet sent, and those refused", run: runGrantPending})
	register(command{name: "grant upload", summary: "screen 79: send the stored grants to the platform (自治体ポイント管理クラウドへ登録)", run: runGrantUpload})
}

// withGrantLogin is withClient for a grant command: like the app's screens 71 and 77 it logs in first (the login ID
// is the enrolled terminal's ID, the password comes from terminalPassword); the platform refuses every grant route
// without that session, so a copied data directory without the password does nothing.
func withGrantLogin(g *globals, timeout time.Duration, fn func(ctx context.Context, c *platformclient.Client) int) int {
	return withClient(g, true, timeout, func(ctx context.Context, c *platformclient.Client) int {
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

func openDevice(g *globals) (*grant.Device, int) {
	if err := os.MkdirAll(g.DataDir, 0o700); err != nil {
		return nil, fail(g, err.Error())
	}
	d, err := grant.OpenDevice(g.DataDir)
	if err != nil {
		return nil, fail(g, err.Error())
	}
	return d, 0
}

func runGrantProjects(g *globals, args []string) int {
	fs := newFlags("grant projects", g)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	return withGrantLogin(g, platformTimeout, func(ctx context.Context, c *platformclient.Client) int {
		list, err := c.GrantProjects(ctx)
		if err != nil {
			return grantFail(g, err)
		}
		if *asJSON {
			return printJSON(g, list.Projects)
		}
		for _, p := range list.Projects {
			state := "実施中"
			if p.Closed {
				state = "終了"
			} else if p.Pending {
				state = "承認待ち"
			}
			fmt.Fprintf(g.Stdout, "%s\t%s\t%dポイント/人\t%s %s\t予算 %d（付与済み %d）\t対象者 %d人\t%s\n",
				p.ID, p.Name, p.PointsPerPerson, p.MunicipalityName, p.ProgramName, p.Budget, p.Granted, p.Participants, state)
		}
		return 0
	})
}

type syncJSON struct {
	ProjectID   string    `json:"project_id"`
	ProjectName string    `json:"project_name"`
	Points      int64     `json:"points_per_person"`
	SyncID      string    `json:"sync_id"`
	Entries     int       `json:"entries"`
	At          mkpf.Time `json:"at"`
}

func runGrantSync(g *globals, args []string) int {
	fs := newFlags("grant sync", g)
	project := fs.String("project", "", "the grant project ID (grant projects)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *project == "" {
		return fail(g, "ポイント付与事業を --project で指定してください（一覧: mykeyterm-cli grant projects）。")
	}
	d, code := openDevice(g)
	if d == nil {
		return code
	}
	defer d.Close()
	return withGrantLogin(g, platformTimeout, func(ctx context.Context, c *platformclient.Client) int {
		s, err := d.Sync(ctx, grant.FromClient(c), *project)
		if err != nil {
			return grantFail(g, err)
		}
		out := syncJSON{ProjectID: s.Project.ID, ProjectName: s.Project.Name, Points: s.Project.PointsPerPerson, SyncID: s.SyncID, Entries: len(s.Entries), At: s.At}
		if *asJSON {
			return printJSON(g, out)
		}
		fmt.Fprintf(g.Stdout, "%s（%dポイント/人）の対象者名簿を同期しました: %d件\n", out.ProjectName, out.Points, out.Entries)
		return 0
	})
}

// tapJSON is one line of `grant tap --json`.
type tapJSON struct {
	grant.TapResult
	TookMillis float64 `json:"took_ms"`
}

func runGrantTap(g *globals, args []string) int {
	fs := newFlags("grant tap", g)
	count := fs.Int("count", 0, "stop after N cards (0: until interrupted)")
	asJSON := fs.Bool("json", false, "print one JSON line per card")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	d, code := openDevice(g)
	if d == nil {
		return code
	}
	defer d.Close()
	p, _, n, ok := d.Project()
	if !ok {
		return fail(g, grant.ErrNotSynced.Error())
	}
	src, err := cardSource()
	if err != nil {
		return fail(g, err.Error())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fmt.Fprintf(g.Stderr, "%s（%dポイント/人、名簿%d人）: カードをかざしてください。未送信 %d件\n", p.Name, p.PointsPerPerson, n, d.Pending())
	seen := 0
	enc := json.NewEncoder(g.Stdout)
	err = d.Run(ctx, src, func(r grant.TapResult) {
		seen++
		if *asJSON {
			enc.Encode(tapJSON{TapResult: r, TookMillis: float64(r.Took.Microseconds()) / 1000})
		} else {
			fmt.Fprintf(g.Stdout, "%s\t未送信 %d件\n", r.Message, r.Pending)
		}
		if *count > 0 && seen >= *count {
			cancel()
		}
	})
	if err != nil && ctx.Err() == nil {
		return fail(g, err.Error())
	}
	return 0
}

type pendingJSON struct {
	Pending int                 `json:"pending"`
	Grants  []grant.StoredGrant `json:"grants"`
	Refused []grant.StoredGrant `json:"refused"`
}

func runGrantPending(g *globals, args []string) int {
	fs := newFlags("grant pending", g)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	d, code := openDevice(g)
	if d == nil {
		return code
	}
	defer d.Close()
	out := pendingJSON{Grants: d.Grants(grant.StatePending), Refused: d.Grants(grant.StateRefused)}
	out.Pending = len(out.Grants)
	if out.Grants == nil {
		out.Grants = []grant.StoredGrant{}
	}
	if out.Refused == nil {
		out.Refused = []grant.StoredGrant{}
	}
	if *asJSON {
		return printJSON(g, out)
	}
	fmt.Fprintf(g.Stdout, "未送信 %d件\n", out.Pending)
	for _, r := range out.Refused {
		fmt.Fprintf(g.Stdout, "登録できなかった付与 %s（%s）: %s\n", r.GrantID, r.At.Local().Format("2006/01/02 15:04"), r.Message)
	}
	return 0
}

type uploadJSON struct {
	Accepted       int                  `json:"accepted"`
	Refused        int                  `json:"refused"`
	Pending        int                  `json:"pending"`
	AcceptedGrants []mkpf.GrantAccepted `json:"accepted_grants"`
	RefusedGrants  []mkpf.GrantRefused  `json:"refused_grants"`
}

func runGrantUpload(g *globals, args []string) int {
	fs := newFlags("grant upload", g)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	d, code := openDevice(g)
	if d == nil {
		return code
	}
	defer d.Close()
	return withClient(g, true, 10*time.Minute, func(ctx context.Context, c *platformclient.Client) int {
		pw, err := terminalPassword(g)
		if err != nil {
			return fail(g, err.Error())
		}
		if _, err := c.Login(ctx, c.Terminal().TerminalID, pw); err != nil {
			fmt.Fprintf(g.Stderr, "送信できなかった付与 %d件は端末に残っています。通信できる場所で、もう一度［自治体ポイント管理クラウドへ登録］してください。\n", d.Pending())
			return clientFail(g, err)
		}
		rep, err := d.Upload(ctx, grant.FromClient(c), func(done, total int) {
			if total > 0 {
				fmt.Fprintf(g.Stderr, "送信中 %d/%d\n", done, total)
			}
		})
		out := uploadJSON{AcceptedGrants: rep.Accepted, RefusedGrants: rep.Refused, Accepted: len(rep.Accepted), Refused: len(rep.Refused), Pending: rep.Pending}
		if err != nil {
			fmt.Fprintf(g.Stderr, "送信できなかった付与 %d件は端末に残っています。通信できる場所で、もう一度［自治体ポイント管理クラウドへ登録］してください。\n", rep.Pending)
			return grantFail(g, err)
		}
		if *asJSON {
			return printJSON(g, out)
		}
		fmt.Fprintf(g.Stdout, "登録しました: %d件\n", out.Accepted)
		for _, r := range rep.Refused {
			fmt.Fprintf(g.Stdout, "登録できませんでした %s: %s\n", r.GrantID, r.Message)
		}
		return 0
	})
}

// grantFail prints the message of a failed grant or roster operation (and the fields of a platform field error).
func grantFail(g *globals, err error) int {
	fmt.Fprintln(g.Stderr, grant.Message(err))
	if ae, ok := err.(*mkpf.APIError); ok {
		for _, f := range ae.Fields {
			fmt.Fprintf(g.Stderr, "  %s: %s\n", f.Field, f.Message)
		}
	}
	return 1
}
