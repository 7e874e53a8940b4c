//go:build !unix

package main

import (
	"log/slog"
	"net"
)

// listenAdmin listens on the admin socket (Windows: the folder's ACL protects it, docs/windows.md).
func listenAdmin(path string) (net.Listener, error) { return net.Listen("unix", path) }

// checkDBDir: the folder's ACL is the installer's (docs/windows.md).
func checkDBDir(dir string, log *slog.Logger) error { return nil }
