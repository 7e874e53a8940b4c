//go:build !linux

package vcard

import "net"

// quickAck is Linux-only; elsewhere vpcd is not used in practice.
func quickAck(*net.TCPConn) {}
