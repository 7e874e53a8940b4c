package main

// Admin commands of the points half (engineer D's file in B's command): programs, grants, merge credentials, the
// ledger audit and the lapsing of expired vouchers.

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
)

func init() {
	adminCmds["points program"] = adminCmd{
		summary: "add or replace a point program (--id --kind municipal|event|reserved --municipality --name [--valid-from --valid-to])",
		flags: func(fs *flag.FlagSet) {
			fs.String("id", "", "program ID, e.g. 141305-jichitai")
			fs.String("kind", "municipal", "municipal (自治体ポイント), event (特定支援イベントポイント) or reserved (留保ポイント)")
			fs.String("municipality", "", "municipality code")
			fs.String("name", "", "name shown to clerks")
			fs.String("valid-from", "", "first usable day YYYY-MM-DD (events: the service period)")
			fs.String("valid-to", "", "last usable day YYYY-MM-DD")
			fs.String("expiry-rule", "", "the municipality's expiry rule in words")
			fs.Int("expiry-months", 0, "points of each grant expire this many months after the grant day (0 = never)")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			return s.CreateProgram(mkpf.Program{ID: str(fs, "id"), Kind: mkpf.PointKind(str(fs, "kind")), MunicipalityCode: str(fs, "municipality"),
				Name: str(fs, "name"), ValidFrom: str(fs, "valid-from"), ValidTo: str(fs, "valid-to"), ExpiryRule: str(fs, "expiry-rule"),
				ExpiryMonths: integer(fs, "expiry-months")})
		},
	}
	adminCmds["points programs"] = adminCmd{
		summary: "list the point programs (JSON)",
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			ps, err := s.Programs()
			if err != nil {
				return err
			}
			return writeJSON(out, ps)
		},
	}
	adminCmds["points grant"] = adminCmd{
		summary: "grant points of a program to a MyKey ID (--mykey-id --program --points [--note])",
		flags: func(fs *flag.FlagSet) {
			fs.String("mykey-id", "", "MyKey ID")
			fs.String("program", "", "program ID")
			fs.String("points", "", "points to grant")
			fs.String("note", "admin", "note kept with the ledger entry")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			n, err := strconv.ParseInt(str(fs, "points"), 10, 64)
			if err != nil || n <= 0 {
				return errors.New("--points must be a positive integer")
			}
			return s.GrantPoints(str(fs, "mykey-id"), str(fs, "program"), n, str(fs, "note"))
		},
	}
	adminCmds["points merge-config"] = adminCmd{
		summary: "set a shopping-district issuer's merge credentials (--issuer --key HEX32 --secret S [--id-mode shop_point_id|mykey_id])",
		flags: func(fs *flag.FlagSet) {
			fs.String("issuer", "", "ID issuer ID")
			fs.String("key", "", "AES-128 key, 32 hex digits")
			fs.String("secret", "", "secret string for the MD5 tamper check")
			fs.String("id-mode", "shop_point_id", "field 1 of the file: shop_point_id (§14-15) or mykey_id (§17)")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			key, err := hex.DecodeString(str(fs, "key"))
			if err != nil {
				return fmt.Errorf("--key: %v", err)
			}
			return s.SetMergeConfig(str(fs, "issuer"), platform.MergeConfig{Key: key, Secret: str(fs, "secret"), IDMode: str(fs, "id-mode")})
		},
	}
	adminCmds["points audit"] = adminCmd{
		summary: "check the ledger invariant (balances + vouchers + used + merged + lapsed = granted); exit 1 if broken",
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			a, err := s.AuditLedger()
			if err != nil {
				return err
			}
			if err := writeJSON(out, a); err != nil {
				return err
			}
			if !a.OK {
				return errors.New("ledger invariant broken")
			}
			return nil
		},
	}
	adminCmds["points lapse"] = adminCmd{
		summary: "mark outstanding vouchers past their expiry as 失効 and expire points past their program's expiry rule",
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			n, err := s.LapseExpiredVouchers()
			if err != nil {
				return err
			}
			p, err := s.ExpirePoints()
			if err == nil {
				fmt.Fprintf(out, "%d vouchers lapsed, %d points expired\n", n, p)
			}
			return err
		},
	}
}
