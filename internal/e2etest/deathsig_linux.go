package e2etest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill the Prometheus process when the test process dies (a panic, a timeout, a
// kill), which skips t.Cleanup: no Prometheus outlives its test.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
