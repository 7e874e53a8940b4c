package main

import (
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
)

type adminCmd struct {
	summary string
	run     func(s *platform.Server, fs *flag.FlagSet, args []string, out io.Writer) error
	flags   func(fs *flag.FlagSet)
}

var adminCmds = map[string]adminCmd{}

func adminUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: mkpf-server admin COMMAND (--db FILE | --store postgres://…) [flags]  (on PostgreSQL beside the running servers; a bbolt file only while its server is stopped: it is locked while it runs)")
	names := make([]string, 0, len(adminCmds))
	for n := range adminCmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-26s %s\n", n, adminCmds[n].summary)
	}
}

func admin(args []string, stdout, stderr io.Writer) int {
	for n := min(2, len(args)); n >= 1; n-- {
		name := strings.Join(args[:n], " ")
		c, ok := adminCmds[name]
		if !ok {
			continue
		}
		fs := flag.NewFlagSet("admin "+name, flag.ContinueOnError)
		fs.SetOutput(stderr)
		dbPath := fs.String("db", "", "bbolt database file")
		store := fs.String("store", "", "PostgreSQL URL postgres://user@host/db (or a bbolt file), instead of --db")
		keyFile := fs.String("secret-key-file", "", "operator key file sealing the store's secrets (or $"+platform.SecretKeyEnv+")")
		if c.flags != nil {
			c.flags(fs)
		}
		if err := fs.Parse(args[n:]); err != nil {
			return 2
		}
		if msg := pickStore(dbPath, *store); msg != "" {
			fmt.Fprintln(stderr, "mkpf-server admin: "+msg)
			return 2
		}
		key, err := platform.LoadSecretKey(*keyFile)
		if err != nil {
			fmt.Fprintf(stderr, "mkpf-server admin: operator key: %v\n", err)
			return 1
		}
		srv, err := platform.Open(*dbPath, platform.Options{SecretKey: key})
		if err != nil {
			fmt.Fprintf(stderr, "mkpf-server admin: %v\n", err)
			return 1
		}
		err = c.run(srv, fs, fs.Args(), stdout)
		if cerr := srv.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintf(stderr, "mkpf-server admin %s: %v\n", name, err)
			return 1
		}
		return 0
	}
	adminUsage(stderr)
	return 2
}

// readCert reads a certificate file, DER or PEM.
func readCert(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if blk, _ := pem.Decode(b); blk != nil {
		return blk.Bytes, nil
	}
	return b, nil
}

// str, boolean and integer read a flag of an admin command by name (its adminCmd.flags declared it).
func str(fs *flag.FlagSet, name string) string { return fs.Lookup(name).Value.String() }
func boolean(fs *flag.FlagSet, name string) bool {
	return fs.Lookup(name).Value.(flag.Getter).Get().(bool)
}
func integer(fs *flag.FlagSet, name string) int {
	return fs.Lookup(name).Value.(flag.Getter).Get().(int)
}

// writeJSON writes v as indented JSON, the admin commands' machine-readable output.
func writeJSON(out io.Writer, v any) error {
	e := json.NewEncoder(out)
	e.SetIndent("", "  ")
	return e.Encode(v)
}

func handoffFlags(fs *flag.FlagSet) {
	fs.String("mode", "number", "hand-off mode: number, barcode, wedge or label")
	fs.String("symbology", "", "barcode: nw7, code39 or code128")
	fs.String("nw7-start", "", "NW-7 start character A-D")
	fs.String("nw7-stop", "", "NW-7 stop character A-D")
	fs.String("check-digit", "none", "check digit: none, mod10w21, mod16, 7dr, 7dsr")
	fs.Bool("label-today-only", false, "print 本日限り有効 on labels")
	fs.Bool("show-mykey-id", false, "let this issuer's terminals see the MyKey ID")
}

func handoffOf(fs *flag.FlagSet) mkpf.HandoffSettings {
	return mkpf.HandoffSettings{
		Mode: mkpf.HandoffMode(str(fs, "mode")), Symbology: mkpf.Symbology(str(fs, "symbology")),
		NW7Start: strings.ToUpper(str(fs, "nw7-start")), NW7Stop: strings.ToUpper(str(fs, "nw7-stop")),
		CheckDigit: mkpf.CheckDigitScheme(str(fs, "check-digit")), LabelTodayOnly: boolean(fs, "label-today-only"),
	}
}

func init() {
	adminCmds["municipality add"] = adminCmd{
		summary: "add a municipality (--code 141305 --name 川崎市; the check digit is validated)",
		flags: func(fs *flag.FlagSet) {
			fs.String("code", "", "全国地方公共団体コード, 6 digits")
			fs.String("name", "", "name")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			return s.AddMunicipality(str(fs, "code"), str(fs, "name"))
		},
	}
	adminCmds["issuer add"] = adminCmd{
		summary: "add or replace an ID issuer with its hand-off settings",
		flags: func(fs *flag.FlagSet) {
			fs.String("id", "", "ID付与事業者ID, 6 digits")
			fs.String("name", "", "name, e.g. 川崎市立図書館")
			fs.String("municipality", "", "municipality code")
			handoffFlags(fs)
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			return s.PutIssuer(mkpf.Issuer{ID: str(fs, "id"), Name: str(fs, "name"), MunicipalityCode: str(fs, "municipality"),
				Handoff: handoffOf(fs), ShowMyKeyID: boolean(fs, "show-mykey-id")})
		},
	}
	adminCmds["issuer set-handoff"] = adminCmd{
		summary: "change an issuer's hand-off settings (flags not given keep their current value)",
		flags: func(fs *flag.FlagSet) {
			fs.String("id", "", "issuer ID")
			handoffFlags(fs)
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			is, err := s.Issuer(str(fs, "id"))
			if err != nil {
				return err
			}
			if is == nil {
				return fmt.Errorf("issuer %q not found", str(fs, "id"))
			}
			h, show := is.Handoff, is.ShowMyKeyID
			given := handoffOf(fs)
			fs.Visit(func(f *flag.Flag) {
				switch f.Name {
				case "mode":
					h.Mode = given.Mode
				case "symbology":
					h.Symbology = given.Symbology
				case "nw7-start":
					h.NW7Start = given.NW7Start
				case "nw7-stop":
					h.NW7Stop = given.NW7Stop
				case "check-digit":
					h.CheckDigit = given.CheckDigit
				case "label-today-only":
					h.LabelTodayOnly = given.LabelTodayOnly
				case "show-mykey-id":
					show = boolean(fs, "show-mykey-id")
				}
			})
			return s.SetHandoff(is.ID, h, &show)
		},
	}
	adminCmds["issuer list"] = adminCmd{
		summary: "list the ID issuers (--json for JSON)",
		flags:   func(fs *flag.FlagSet) { fs.Bool("json", false, "JSON output") },
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			list, err := s.Issuers()
			if err != nil {
				return err
			}
			if boolean(fs, "json") {
				return writeJSON(out, list)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tMUNICIPALITY\tMODE\tSYMBOLOGY\tCHECK\tSHOW_MYKEY_ID")
			for _, is := range list {
				sym := string(is.Handoff.Symbology)
				if is.Handoff.Symbology == mkpf.SymNW7 {
					sym += " " + is.Handoff.NW7Start + "…" + is.Handoff.NW7Stop
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%v\n", is.ID, is.Name, is.MunicipalityCode, is.Handoff.Mode, sym, is.Handoff.CheckDigit, is.ShowMyKeyID)
			}
			return tw.Flush()
		},
	}
	adminCmds["roster"] = adminCmd{
		summary: "issue terminal IDs and passwords for a municipality and kind; prints 様式II as CSV",
		flags: func(fs *flag.FlagSet) {
			fs.String("municipality", "", "municipality code")
			fs.String("kind", "", "service_id, point_use, voucher or point_grant")
			fs.String("issuer", "", "service_id terminals: preset ID issuer")
			fs.Int("count", 1, "how many terminals")
			fs.String("location", "", "設置場所 to print in the roster")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			muni := str(fs, "municipality")
			rows, err := s.IssueRoster(muni, mkpf.TerminalKind(str(fs, "kind")), str(fs, "issuer"), integer(fs, "count"), str(fs, "location"))
			if err != nil {
				return err
			}
			name, err := s.MunicipalityName(muni)
			if err != nil {
				return err
			}
			return platform.WriteRosterCSV(out, name, rows)
		},
	}
	adminCmds["terminal add"] = adminCmd{
		summary: "add one terminal with a chosen ID and password",
		flags: func(fs *flag.FlagSet) {
			fs.String("id", "", "terminal ID, 8 digits")
			fs.String("password", "", "terminal password")
			fs.String("kind", "", "service_id, point_use, voucher or point_grant")
			fs.Bool("takes-points", false, "a service_id terminal that also takes points")
			fs.String("municipality", "", "municipality code")
			fs.String("issuer", "", "service_id terminals: preset ID issuer")
			fs.String("location", "", "設置場所")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			return s.AddTerminal(platform.TerminalSpec{ID: str(fs, "id"), Password: str(fs, "password"),
				Kind: mkpf.TerminalKind(str(fs, "kind")), TakesPoints: boolean(fs, "takes-points"),
				Municipality: str(fs, "municipality"), IssuerID: str(fs, "issuer"), Location: str(fs, "location")})
		},
	}
	adminCmds["terminal list"] = adminCmd{
		summary: "list terminals with their contact data (screen 11)",
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			rows, err := s.Terminals()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TERMINAL\tKIND\tMUNICIPALITY\tISSUER\tENROLLED\tDISABLED\tLOCATION\tPERSON\tPHONE\tEMAIL")
			for _, r := range rows {
				var person, phone, email string
				if r.Contact != nil {
					person, phone, email = r.Contact.Person, r.Contact.Phone, r.Contact.Email
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%v\t%s\t%s\t%s\t%s\n", r.Info.TerminalID, r.Info.Kind, r.Info.MunicipalityCode,
					r.Info.IssuerID, r.Enrolled, r.Disabled, r.Info.Location, person, phone, email)
			}
			return tw.Flush()
		},
	}
	adminCmds["mykeyid create"] = adminCmd{
		summary: "create the MyKey ID for a user-authentication certificate (--cert F [--id CHOSEN] [--email ADDR --notify grant,lapse])",
		flags: func(fs *flag.FlagSet) {
			fs.String("cert", "", "user-authentication certificate, DER or PEM")
			fs.String("id", "", "chosen MyKey ID (8 of A-Z0-9); generated when empty")
			noticeFlags(fs) // admin_grants.go
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			der, err := readCert(str(fs, "cert"))
			if err != nil {
				return err
			}
			if err := platform.CheckNotices(str(fs, "email"), splitList(str(fs, "notify"))); err != nil {
				return err
			}
			id, err := s.CreateMyKeyID(der, str(fs, "id"))
			if err != nil {
				return err
			}
			if str(fs, "email") != "" || str(fs, "notify") != "" {
				if err := s.SetNotices(id, str(fs, "email"), splitList(str(fs, "notify"))); err != nil {
					return fmt.Errorf("MyKey ID %s created, but its notices were not set: %w", id, err)
				}
			}
			fmt.Fprintln(out, id)
			return nil
		},
	}
	adminCmds["validity import"] = adminCmd{
		summary: "replace an issuer's card validity list from CSV card_number,status (stopped|expired)",
		flags: func(fs *flag.FlagSet) {
			fs.String("issuer", "", "issuer ID")
			fs.String("csv", "", "CSV file ('-' for stdin)")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			var r io.Reader = os.Stdin
			if p := str(fs, "csv"); p != "-" {
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			n, err := s.ImportCardValidity(str(fs, "issuer"), r)
			if err == nil {
				fmt.Fprintf(out, "%d cards listed as not valid\n", n)
			}
			return err
		},
	}
	adminCmds["feed renewal"] = adminCmd{
		summary: "J-LIS renewal feed: --old SERIAL --new SERIAL [--sign] (linked at first use)",
		flags: func(fs *flag.FlagSet) {
			fs.String("old", "", "old certificate serial (hex)")
			fs.String("new", "", "new certificate serial (hex)")
			fs.Bool("sign", false, "signing certificates (default: user-authentication)")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			return s.FeedRenewal(str(fs, "old"), str(fs, "new"), boolean(fs, "sign"))
		},
	}
	adminCmds["feed address-change"] = adminCmd{
		summary: "J-LIS address-change notice for a signing-certificate serial (--sign-serial)",
		flags:   func(fs *flag.FlagSet) { fs.String("sign-serial", "", "signing certificate serial (hex)") },
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			return s.FeedAddressChange(str(fs, "sign-serial"))
		},
	}
	adminCmds["revoke"] = adminCmd{
		summary: "put a certificate on the revocation list (--serial HEX or --cert F)",
		flags: func(fs *flag.FlagSet) {
			fs.String("serial", "", "certificate serial (hex)")
			fs.String("cert", "", "certificate file, DER or PEM")
			fs.String("reason", "", "reason (free text)")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			if p := str(fs, "cert"); p != "" {
				der, err := readCert(p)
				if err != nil {
					return err
				}
				return s.RevokeCert(der, str(fs, "reason"))
			}
			return s.Revoke(str(fs, "serial"), str(fs, "reason"))
		},
	}
	adminCmds["trust add"] = adminCmd{
		summary: "trust a JPKI root CA: --kind auth|sign --ca F",
		flags: func(fs *flag.FlagSet) {
			fs.String("kind", "auth", "auth (user-authentication) or sign (signing)")
			fs.String("ca", "", "CA certificate, DER or PEM")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			der, err := readCert(str(fs, "ca"))
			if err != nil {
				return err
			}
			return s.AddRoot(str(fs, "kind"), der)
		},
	}
	adminCmds["demo"] = adminCmd{
		summary: "seed the demo world into the database (same as serve --demo)",
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			return s.SeedDemo()
		},
	}
	adminCmds["stats"] = adminCmd{
		summary: "counts of records and the aggregate per-terminal per-day counters",
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			st, err := s.Stats()
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "municipalities %d, issuers %d, terminals %d (enrolled %d), MyKey IDs %d, service IDs %d\n",
				st.Municipalities, st.Issuers, st.Terminals, st.Enrolled, st.MyKeyIDs, st.ServiceIDs)
			rows, err := s.Counters()
			if err != nil {
				return err
			}
			for _, r := range rows {
				fmt.Fprintf(out, "%s %s %s %d\n", r.Day, r.TerminalID, r.Name, r.N)
			}
			return nil
		},
	}
}
