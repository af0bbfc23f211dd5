//go:build !linux

package e2etest

import (
	"net"
	"testing"
)

// DeadAddress returns "127.0.0.1:PORT" where no server answers for as long as the test runs, for a URL whose
// server is down. Where a bound socket that never listens is not sure to refuse connections, a listener the test
// holds resets every connection it accepts.
func DeadAddress(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("e2etest: couldn't listen on 127.0.0.1:0: %v", err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			reset(c)
		}
	}()
	t.Cleanup(func() { _ = l.Close() })
	return l.Addr().String()
}
