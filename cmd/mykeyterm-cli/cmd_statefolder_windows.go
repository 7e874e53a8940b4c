//go:build windows

package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"

	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/terminal"
)

func init() {
	register(command{name: "state-folder", summary: "(administrator) make or repair the state folder %ProgramData%\\mykeyterm: owner Administrators, Users read-only; --platform URL [--ca-file PEM] pins the platform in HKLM (the installer runs it)", run: runStateFolder})
}

// runStateFolder is the installer's elevated step (installer/mykeyterm.nsi): it makes the shared state folder and
// its state file with their access lists, or resets those of existing ones (platformclient.EnsureStateFolder); with
// --platform (MKSSetup.exe /PLATFORM=…) it pins the platform URL and the CA (--ca-file: /PLATFORMCA=…) in HKLM, the
// only platform the terminal then connects to (platformclient.WritePlatformPin).
func runStateFolder(g *globals, args []string) int {
	fs := newFlags("state-folder", g)
	url := fs.String("platform", "", "pin this platform URL for the state folder (HKLM; MKSSetup.exe /PLATFORM=URL)")
	ca := fs.String("ca-file", "", "with --platform: pin this PEM CA certificate of the platform's TLS certificate (MKSSetup.exe /PLATFORMCA=FILE)")
	inst := fs.Bool("installer", false, "read /PLATFORM= and /PLATFORMCA= from MKSSetup.exe's command line ($"+installerArgsEnv+")")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *inst && *url == "" {
		*url, *ca = installerOptions(os.Getenv(installerArgsEnv))
	}
	if !windows.GetCurrentProcessToken().IsElevated() {
		return fail(g, "端末のデータのフォルダを作る・直すには、管理者として実行してください（右クリック →「管理者として実行」）。")
	}
	if err := platformclient.EnsureStateFolder(g.DataDir, true); err != nil {
		return fail(g, terminal.Message(err))
	}
	fmt.Fprintf(g.Stdout, "端末のデータのフォルダを確認しました: %s（所有者: Administrators、Users: 読み取りのみ）\n", g.DataDir)
	if *ca != "" && *url == "" {
		return fail(g, "--ca-file（/PLATFORMCA=）は --platform（/PLATFORM=）と一緒に指定してください。")
	}
	if *url != "" {
		if err := platformclient.WritePlatformPin(g.DataDir, *url, *ca); err != nil {
			return fail(g, terminal.Message(err))
		}
		fmt.Fprintf(g.Stdout, "接続先のプラットフォームを設定しました: %s", *url)
		if *ca != "" {
			fmt.Fprintf(g.Stdout, "（CA証明書: %s）", *ca)
		}
		fmt.Fprintln(g.Stdout)
	}
	return 0
}
