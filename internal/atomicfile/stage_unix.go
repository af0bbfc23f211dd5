//go:build unix

package atomicfile

import (
	"os"
	"syscall"
)

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
