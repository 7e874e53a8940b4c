// Command vcard runs the virtual cards of package cardio/vcard.
//
//	vcard profiles [--json]                 list the demo profiles with their auth-certificate serials
//	vcard insert --profile NAME [--vpcd HOST:PORT] [--drop-after N] [--hang-after N] [--log]
//
// insert connects to vpcd (pcscd with vsmartcard-vpcd), prints one JSON line {"profile","serial","vpcd"} and keeps the
// card inserted until it is killed (or a fault removes it).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: vcard profiles [--json] | vcard insert --profile NAME [--vpcd HOST:PORT] [--drop-after N] [--hang-after N] [--log]")
		return 2
	}
	switch args[0] {
	case "profiles":
		return profiles(args[1:], stdout, stderr)
	case "insert":
		return insert(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "vcard: unknown command %q\n", args[0])
	return 2
}

type profileJSON struct {
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Serial     string `json:"serial,omitempty"`
	SignSerial string `json:"sign_serial,omitempty"`
	IDm        string `json:"idm,omitempty"`
}

func profiles(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vcard profiles", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var list []profileJSON
	for _, name := range demopki.Profiles() {
		p, err := demopki.Get(name)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		list = append(list, profileJSON{Name: p.Name, Kind: p.Kind, Serial: p.Serial, SignSerial: p.SignSerial, IDm: fmt.Sprintf("%X", p.FeliCaIDm)})
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(list)
		return 0
	}
	for _, p := range list {
		id := p.Serial
		if p.Kind == "felica" {
			id = "IDm " + p.IDm
		}
		fmt.Fprintf(stdout, "%-22s %-6s %s\n", p.Name, p.Kind, id)
	}
	return 0
}

func insert(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vcard insert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profile := fs.String("profile", "yamada", "demo profile (vcard profiles)")
	addr := fs.String("vpcd", vcard.VPCDAddr(0), "vpcd address (127.0.0.1:35963 = Virtual PCD 00 00, :35964 = 00 01)")
	dropAfter := fs.Int("drop-after", -1, "answer N APDUs, then remove the card instead of answering the next (-1 = never)")
	hangAfter := fs.Int("hang-after", -1, "answer N APDUs, then never answer again (-1 = never)")
	logAPDUs := fs.Bool("log", false, "log every APDU on stderr (PINs masked)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	p, err := demopki.Get(*profile)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := log.New(stderr, "", log.Lmicroseconds)
	opts := vcard.Options{
		DropAt: *dropAfter + 1, HangAt: *hangAfter + 1,
		OnAlarm: func(aid []byte) { logger.Printf("ALARM: card-info AP % X selected", aid) },
		Connected: func() {
			line, _ := json.Marshal(map[string]string{"profile": p.Name, "serial": p.Serial, "vpcd": *addr})
			fmt.Fprintln(stdout, string(line))
		},
	}
	if *logAPDUs {
		opts.Log = logger.Printf
	}
	err = vcard.Insert(ctx, p.Name, *addr, opts)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, vcard.ErrDropped):
		fmt.Fprintln(stderr, "vcard: card dropped after", *dropAfter, "APDUs")
		return 0
	}
	fmt.Fprintln(stderr, err)
	return 1
}
