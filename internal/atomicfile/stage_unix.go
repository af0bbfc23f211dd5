//go:build unix

package atomicfile

import (
	"errors"
	"os"
	"syscall"
)

// running tells whether a process pid exists (it may be another program that reused the pid: then what it
// names is kept, which is safe).
func running(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// sameDevice tells whether a and b are on one file system, so that a rename from one to the other works.
func sameDevice(a, b string) bool {
	ia, err := os.Stat(a)
	if err != nil {
		return false
	}
	ib, err := os.Stat(b)
	if err != nil {
		return false
	}
	sa, ok := ia.Sys().(*syscall.Stat_t)
	sb, ok2 := ib.Sys().(*syscall.Stat_t)
	return ok && ok2 && sa.Dev == sb.Dev
}
