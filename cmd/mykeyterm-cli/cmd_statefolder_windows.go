//go:build windows

package main

import (
	"fmt"

	"golang.org/x/sys/windows"

	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/terminal"
)

func init() {
	register(command{name: "state-folder", summary: "(administrator) make or repair the state folder %ProgramData%\\mykeyterm: owner Administrators, Users read-only (the installer runs it)", run: runStateFolder})
}

// runStateFolder is the installer's elevated step (installer/mykeyterm.nsi): it makes the shared state folder and
// its state file with their access lists, or resets those of existing ones (platformclient.EnsureStateFolder).
func runStateFolder(g *globals, args []string) int {
	fs := newFlags("state-folder", g)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if !windows.GetCurrentProcessToken().IsElevated() {
		return fail(g, "端末のデータのフォルダを作る・直すには、管理者として実行してください（右クリック →「管理者として実行」）。")
	}
	if err := platformclient.EnsureStateFolder(g.DataDir, true); err != nil {
		return fail(g, terminal.Message(err))
	}
	fmt.Fprintf(g.Stdout, "端末のデータのフォルダを確認しました: %s（所有者: Administrators、Users: 読み取りのみ）\n", g.DataDir)
	return 0
}
