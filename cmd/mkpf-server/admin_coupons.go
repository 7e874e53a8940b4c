package main

import (
	"errors"
	"flag"
	"io"

	"github.com/mykeyterm/mykeyterm/platform"
)

func init() {
	adminCmds["coupon issue"] = adminCmd{
		summary: "screens 20-21: issue coupon codes for a partner company (registered on first use); CSV of the codes on stdout",
		flags: func(fs *flag.FlagSet) {
			fs.String("partner", "", "the partner company's name (地域経済応援ポイント協力会社)")
			fs.Int("points", 0, "points per code (credited to 留保ポイント)")
			fs.Int("count", 1, "how many codes")
		},
		run: func(s *platform.Server, fs *flag.FlagSet, _ []string, out io.Writer) error {
			if str(fs, "partner") == "" || integer(fs, "points") <= 0 {
				return errors.New("--partner and --points (1 or more) are required")
			}
			codes, err := s.IssueCoupons(str(fs, "partner"), int64(integer(fs, "points")), integer(fs, "count"))
			if err != nil {
				return err
			}
			return platform.WriteCouponCSV(out, str(fs, "partner"), int64(integer(fs, "points")), codes)
		},
	}
}
