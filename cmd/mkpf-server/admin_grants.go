package main

// Admin commands of administrative point grants (docs/grants.md): grant projects and their rosters.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
)

func init() {
	adminCmds["grant-project add"] = adminCmd{
		summary: "register a grant project (--municipality --program --name --points N --budget N [--department --note]); prints its ID",
		flags: func(fs *flag.FlagSet) {
			fs.String("municipality", "", "municipality code")
			fs.String("program", "", "the program granted (a municipal program of that municipality; never 留保ポイント)")
			fs.String("name", "", "ポイント付与事業名")
			fs.String("department", "", "担当部署")
			fs.String("note", "", "備考")
			fs.String("points", "", "付与ポイント数 per participant")
			fs.String("budget", "", "total points the project may grant")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			pts, err1 := strconv.ParseInt(str(fs, "points"), 10, 64)
			budget, err2 := strconv.ParseInt(str(fs, "budget"), 10, 64)
			if err1 != nil || err2 != nil {
				return errors.New("--points and --budget must be integers")
			}
			id, err := s.AddGrantProject(str(fs, "municipality"), mkpf.GrantProjectRequest{Name: str(fs, "name"), Department: str(fs, "department"),
				Note: str(fs, "note"), PointsPerPerson: pts, ProgramID: str(fs, "program"), Budget: budget})
			if err != nil {
				return err
			}
			fmt.Fprintln(out, id)
			return nil
		},
	}
	adminCmds["grant-project list"] = adminCmd{
		summary: "list the grant projects ([--municipality CODE] [--json])",
		flags: func(fs *flag.FlagSet) {
			fs.String("municipality", "", "only this municipality's projects")
			fs.Bool("json", false, "JSON output")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			ps, err := s.GrantProjects(str(fs, "municipality"))
			if err != nil {
				return err
			}
			if boolean(fs, "json") {
				return writeJSON(out, ps)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tMUNICIPALITY\tPROGRAM\tPOINTS\tBUDGET\tGRANTED\tPARTICIPANTS\tSTATE")
			for _, p := range ps {
				state := "open"
				if p.Closed {
					state = "closed"
				} else if p.Pending {
					state = "pending-approval"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", p.ID, p.Name, p.MunicipalityCode, p.ProgramID, p.PointsPerPerson,
					p.Budget, p.Granted, p.Participants, state)
			}
			return tw.Flush()
		},
	}
	adminCmds["grant-project close"] = adminCmd{
		summary: "close a grant project: no more grants (--id)",
		flags:   func(fs *flag.FlagSet) { fs.String("id", "", "project ID") },
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			return s.CloseGrantProject(str(fs, "id"))
		},
	}
	adminCmds["grant-project approve"] = adminCmd{
		summary: "approve a grant office's project request: its points per person and budget apply (--id; check them with list first)",
		flags:   func(fs *flag.FlagSet) { fs.String("id", "", "project ID") },
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			p, err := s.ApproveGrantProject(str(fs, "id"))
			if err == nil {
				fmt.Fprintf(out, "%s approved: %d points per person, budget %d\n", p.ID, p.PointsPerPerson, p.Budget)
			}
			return err
		},
	}
	adminCmds["grant-project reopen"] = adminCmd{
		summary: "open a closed grant project again (--id); the phones' refused uploads for it apply when sent again",
		flags:   func(fs *flag.FlagSet) { fs.String("id", "", "project ID") },
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			_, err := s.ReopenGrantProject(str(fs, "id"))
			return err
		},
	}
	adminCmds["grant-cap"] = adminCmd{
		summary: "show or set the grants one MyKey ID may receive per JST month across all projects, and a grant phone's new upload items per JST day ([--per-month N] [--items-per-day N])",
		flags: func(fs *flag.FlagSet) {
			fs.String("per-month", "", "grants per MyKey ID per JST month (1-1000)")
			fs.String("items-per-day", "", "new upload items per grant phone per JST day")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			for _, f := range []struct {
				name string
				set  func(int) error
			}{{"per-month", s.SetGrantCap}, {"items-per-day", s.SetGrantUploadItemsPerDay}} {
				if v := str(fs, f.name); v != "" {
					n, err := strconv.Atoi(v)
					if err != nil {
						return fmt.Errorf("--%s must be an integer", f.name)
					}
					if err := f.set(n); err != nil {
						return err
					}
				}
			}
			perMonth, perDay, err := s.GrantCap()
			if err == nil {
				fmt.Fprintf(out, "%d grants per MyKey ID per month; %d upload items per grant phone per day\n", perMonth, perDay)
			}
			return err
		},
	}
	adminCmds["grant-project participants"] = adminCmd{
		summary: "put MyKey IDs on a project's roster, all or nothing (--id --mykey-ids ID,ID,…)",
		flags: func(fs *flag.FlagSet) {
			fs.String("id", "", "project ID")
			fs.String("mykey-ids", "", "comma-separated MyKey IDs")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			added, already, err := s.AddParticipants(str(fs, "id"), splitList(str(fs, "mykey-ids")))
			if err == nil {
				fmt.Fprintf(out, "%d added, %d already on the roster\n", added, already)
			}
			return err
		},
	}
	adminCmds["mykeyid notices"] = adminCmd{
		summary: "set a MyKey ID's e-mail address and notices (--id --email ADDR --notify grant,lapse; --email '' removes them)",
		flags: func(fs *flag.FlagSet) {
			fs.String("id", "", "MyKey ID")
			noticeFlags(fs)
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			return s.SetNotices(str(fs, "id"), str(fs, "email"), splitList(str(fs, "notify")))
		},
	}
}

// noticeFlags are the e-mail notice flags of `mykeyid create` and `mykeyid notices`.
func noticeFlags(fs *flag.FlagSet) {
	fs.String("email", "", "e-mail address for notices (optional)")
	fs.String("notify", "", "notices to send, comma-separated: grant (points granted), lapse (points lapsed)")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
