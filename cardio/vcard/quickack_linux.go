package vcard

import (
	"net"

	"golang.org/x/sys/unix"
)

// quickAck sets TCP_QUICKACK, which Linux clears after each ACK, so it is set again before every read.
func quickAck(c *net.TCPConn) {
	raw, err := c.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) { unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_QUICKACK, 1) })
}
