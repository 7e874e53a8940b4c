package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mykeyterm/mykeyterm/cardio"
)

func init() {
	register(command{name: "readers", summary: "list the card readers and whether a card is in each", run: runReaders})
	register(command{name: "card info", summary: "read the My Number Card's auth certificate: serial, subject, expiry, PIN tries, APDUs", run: runCardInfo})
}

func runReaders(g *globals, args []string) int {
	fs := newFlags("readers", g)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	return withCard(g, func(ctx context.Context, src cardio.Source) int {
		readers, err := src.Readers(ctx)
		if err != nil {
			return fail(g, cardio.Message(err))
		}
		if len(readers) == 0 {
			return fail(g, cardio.Message(cardio.ErrNoReader))
		}
		type readerJSON struct {
			Name    string `json:"name"`
			Present bool   `json:"card_present"`
			ATR     string `json:"atr,omitempty"`
		}
		// The watch's first events are the current state of every reader.
		state := map[string]readerJSON{}
		wctx, wcancel := context.WithTimeout(ctx, 2*time.Second)
		defer wcancel()
		if events, err := src.Watch(wctx); err == nil {
			for e := range events {
				state[e.Reader] = readerJSON{Name: e.Reader, Present: e.Present, ATR: fmt.Sprintf("% X", e.ATR)}
				if len(state) >= len(readers) {
					wcancel()
				}
			}
		}
		out := make([]readerJSON, 0, len(readers))
		for _, r := range readers {
			s, ok := state[r]
			if !ok {
				s = readerJSON{Name: r}
			}
			out = append(out, s)
		}
		if *asJSON {
			return printJSON(g, out)
		}
		for _, r := range out {
			mark := "(空)"
			if r.Present {
				mark = "カードあり ATR " + r.ATR
			}
			fmt.Fprintf(g.Stdout, "%s\t%s\n", r.Name, mark)
		}
		return 0
	})
}

type cardInfoJSON struct {
	Reader         string  `json:"reader"`
	Token          string  `json:"token"`
	AuthCertSerial string  `json:"auth_cert_serial"`
	Subject        string  `json:"subject"`
	Issuer         string  `json:"issuer"`
	NotAfter       string  `json:"not_after"`
	Expired        bool    `json:"expired"`
	AuthPINTries   int     `json:"auth_pin_tries"`
	CertBytes      int     `json:"cert_bytes"`
	APDUs          int     `json:"apdus"`       // the certificate read: 2 + ⌈L/256⌉
	APDUsTotal     int     `json:"apdus_total"` // with the token check and the PIN-tries query
	ReadMillis     float64 `json:"read_ms"`
}

func runCardInfo(g *globals, args []string) int {
	fs := newFlags("card info", g)
	reader := fs.String("reader", "", "reader name (default: the first reader holding a My Number Card)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	return withCard(g, func(ctx context.Context, src cardio.Source) int {
		cr, err := cardio.ReadAuthCert(ctx, src, *reader)
		if err != nil && !errors.Is(err, cardio.ErrCertExpired) {
			return fail(g, cardio.Message(err))
		}
		expired := err != nil
		info := cardInfoJSON{
			Reader: cr.Reader, Token: cr.Token, AuthCertSerial: cr.Serial,
			Subject: cr.Cert.Subject.String(), Issuer: cr.Cert.Issuer.String(),
			NotAfter: cr.Cert.NotAfter.UTC().Format(time.RFC3339), Expired: expired,
			CertBytes: len(cr.DER), APDUs: cr.APDUs, ReadMillis: float64(cr.Took.Microseconds()) / 1000,
		}
		// PIN tries: a second connection (the read released the card); costs SELECT AP + token + SELECT EF + VERIFY.
		c, err := src.Connect(ctx, cr.Reader)
		if err != nil {
			return fail(g, cardio.Message(err))
		}
		defer c.Close()
		j, err := cardio.OpenJPKI(ctx, c)
		if err != nil {
			return fail(g, cardio.Message(err))
		}
		if info.AuthPINTries, err = j.PINTries(ctx, cardio.PINAuth); err != nil {
			return fail(g, cardio.Message(err))
		}
		info.APDUsTotal = cr.TotalAPDUs + j.APDUs()
		if *asJSON {
			if code := printJSON(g, info); code != 0 {
				return code
			}
		} else {
			fmt.Fprintf(g.Stdout, "リーダー\t%s\nトークン\t%s\n発行番号(シリアル)\t%s\n主体者\t%s\n発行者\t%s\n有効期限\t%s\n暗証番号の残り回数\t%d\nAPDU数\t%d (合計 %d)\n読取時間\t%.2f ms\n",
				info.Reader, info.Token, info.AuthCertSerial, info.Subject, info.Issuer, info.NotAfter, info.AuthPINTries, info.APDUs, info.APDUsTotal, info.ReadMillis)
		}
		if expired {
			fmt.Fprintln(g.Stderr, cardio.Message(cardio.ErrCertExpired))
			return 1
		}
		return 0
	})
}
