// Package leftover names what a process leaves on disk while it runs (a staging directory, a temporary file, the
// demo's data) with the process's pid, so that a later run can tell what a killed or crashed run left from what a
// running one is using, and remove it. It knows nothing of what the files hold.
package leftover

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Tag is prefix followed by this process's pid and a dash: the start of a name Clean can judge.
func Tag(prefix string) string { return prefix + strconv.Itoa(os.Getpid()) + "-" }

// Clean removes the paths glob matches whose base name holds prefix followed by the pid of a process that no longer
// runs (as Tag writes it), and returns them. Paths of running processes, and names it cannot read a pid from, are
// kept.
func Clean(glob, prefix string) []string {
	matches, _ := filepath.Glob(glob)
	var removed []string
	for _, m := range matches {
		name := filepath.Base(m)
		i := strings.LastIndex(name, prefix)
		if i < 0 {
			continue
		}
		rest := name[i+len(prefix):]
		pid, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, '-'), 0)])
		if err != nil || pid <= 0 || Running(pid) {
			continue
		}
		if os.RemoveAll(m) == nil {
			removed = append(removed, m)
		}
	}
	return removed
}
