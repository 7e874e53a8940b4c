package main

// `serve --smtp`: the e-mail notices' SMTP server (docs/grants.md).

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/mykeyterm/mykeyterm/platform"
)

type mailFlags struct {
	smtp, user, passwordFile, from *string
}

func declareMailFlags(fs *flag.FlagSet) mailFlags {
	return mailFlags{
		smtp:         fs.String("smtp", "", "SMTP server HOST:PORT for e-mail notices (none: notices wait in the database)"),
		user:         fs.String("smtp-user", "", "SMTP AUTH user (required, with --smtp-password-file, for a server not on loopback)"),
		passwordFile: fs.String("smtp-password-file", "", "file holding the SMTP AUTH password (first line)"),
		from:         fs.String("mail-from", "no-reply@mykey-platform.example", "sender address of the notices"),
	}
}

// startMailer starts the notice sender when --smtp is given; stop is never nil.
func (f mailFlags) start(srv *platform.Server) (stop func(), err error) {
	if *f.smtp == "" {
		if *f.user != "" || *f.passwordFile != "" {
			return func() {}, fmt.Errorf("--smtp-user and --smtp-password-file need --smtp HOST:PORT")
		}
		return func() {}, nil
	}
	cfg := platform.MailConfig{Addr: *f.smtp, From: *f.from, User: *f.user}
	if *f.passwordFile != "" {
		b, err := os.ReadFile(*f.passwordFile)
		if err != nil {
			return func() {}, fmt.Errorf("--smtp-password-file: %v", err)
		}
		cfg.Password = strings.TrimRight(strings.SplitN(string(b), "\n", 2)[0], "\r")
		if cfg.Password == "" {
			return func() {}, fmt.Errorf("--smtp-password-file %s is empty", *f.passwordFile)
		}
	}
	m, err := srv.StartMailer(cfg)
	if err != nil {
		return func() {}, err
	}
	return m.Stop, nil
}
