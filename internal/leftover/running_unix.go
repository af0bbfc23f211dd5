//go:build unix

package leftover

import (
	"errors"
	"syscall"
)

// Running tells whether a process pid exists (it may be another program that reused the pid: then what it names
// is kept, which is safe).
func Running(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
