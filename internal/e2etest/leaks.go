package e2etest

import (
	"testing"

	"go.uber.org/goleak"
)

// VerifyNoLeaks runs a daemon test binary's tests (call it from TestMain) and fails it when they leave goroutines
// behind, but for those a process keeps by design: client_golang's process collector and net/http's keep-alive
// pools of the tests' clients.
func VerifyNoLeaks(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
	)
}
