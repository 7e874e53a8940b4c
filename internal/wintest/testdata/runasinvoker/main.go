//go:build windows

// Command runasinvoker is the wine tests' clerk: it runs a program without elevation, as a counter clerk's account
// starts it from the desktop icon, and exits with that program's exit code. Wine starts every program with an
// elevated administrator token (TokenElevationTypeFull); its linked token is the same account's limited one
// (TokenElevationTypeLimited), which CreateProcessAsUser gives to the program (as Windows gives a clerk's token to the
// programs the clerk starts). The program's standard handles are this one's.
//
//	runasinvoker.exe PROGRAM [ARGS...]
package main

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: runasinvoker PROGRAM [ARGS...]")
		os.Exit(2)
	}
	limited, err := windows.GetCurrentProcessToken().GetLinkedToken()
	if err != nil {
		fmt.Fprintln(os.Stderr, "runasinvoker: no linked (limited) token:", err)
		os.Exit(3)
	}
	defer limited.Close()
	if limited.IsElevated() {
		fmt.Fprintln(os.Stderr, "runasinvoker: the linked token is elevated")
		os.Exit(3)
	}
	line := ""
	for i, a := range os.Args[1:] {
		if i > 0 {
			line += " "
		}
		line += syscall.EscapeArg(a)
	}
	cmd, err := windows.UTF16PtrFromString(line)
	if err != nil {
		fmt.Fprintln(os.Stderr, "runasinvoker:", err)
		os.Exit(3)
	}
	si := windows.StartupInfo{Flags: windows.STARTF_USESTDHANDLES,
		StdInput: windows.Stdin, StdOutput: windows.Stdout, StdErr: windows.Stderr}
	si.Cb = uint32(unsafe.Sizeof(si))
	var pi windows.ProcessInformation
	if err := windows.CreateProcessAsUser(limited, nil, cmd, nil, nil, true, 0, nil, nil, &si, &pi); err != nil {
		fmt.Fprintln(os.Stderr, "runasinvoker: CreateProcessAsUser:", err)
		os.Exit(3)
	}
	defer windows.CloseHandle(pi.Thread)
	defer windows.CloseHandle(pi.Process)
	if _, err := windows.WaitForSingleObject(pi.Process, windows.INFINITE); err != nil {
		fmt.Fprintln(os.Stderr, "runasinvoker: wait:", err)
		os.Exit(3)
	}
	var code uint32
	if err := windows.GetExitCodeProcess(pi.Process, &code); err != nil {
		fmt.Fprintln(os.Stderr, "runasinvoker: exit code:", err)
		os.Exit(3)
	}
	os.Exit(int(code))
}
