package e2etest

import (
	"net"
	"strconv"
	"syscall"
	"testing"
)

// DeadAddress returns "127.0.0.1:PORT" where nothing listens for as long as the test runs, for a URL whose server
// is down. A TCP socket is bound to the port and never listens: the kernel answers every connection with a reset
// ("connection refused", as for a port nobody has), and the bound socket, without SO_REUSEADDR, keeps any other
// socket from binding the port until t.Cleanup closes it.
func DeadAddress(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("e2etest: couldn't open a socket: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("e2etest: couldn't bind a socket on 127.0.0.1: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("e2etest: %v", err)
	}
	in4, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		t.Fatalf("e2etest: the socket is bound to a %T, not an IPv4 address", sa)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(in4.Port))
}
