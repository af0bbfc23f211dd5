package app

import (
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
)

// DefaultGCPercent is the garbage collector's target that `slokeeper run` sets when GOGC is not in the
// environment. Most of the daemon's heap lives as long as the rules do (parsed expressions, the rules manager's
// per-rule state, the TSDB head's series), so Go's default of 100 mostly buys idle heap. At 1,000 SLOs
// (BenchmarkDaemonProcessRSS) the resident memory was 243 MiB at 50 and 228 MiB at 30, for a few more
// collections per evaluation cycle (BenchmarkCycle's CPU time). Prometheus itself runs at 75 for the same reason.
const DefaultGCPercent = 30

// DefaultMemoryLimitRatio is the share of a cgroup memory limit `slokeeper run` sets as the Go runtime's soft
// memory limit when GOMEMLIMIT is not in the environment, like Prometheus' --auto-gomemlimit.
const DefaultMemoryLimitRatio = 0.9

// TuneRuntime applies the daemon's runtime defaults, leaving alone what the environment sets: GOGC (see
// DefaultGCPercent) and, when the process runs under a cgroup memory limit, GOMEMLIMIT at ratio × that limit
// (ratio 0 leaves it unset), so that the garbage collector works harder before the kernel kills the process.
func TuneRuntime(logger *slog.Logger, ratio float64) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(DefaultGCPercent)
		logger.Debug("Set the garbage collector target", "GOGC", DefaultGCPercent)
	}
	if ratio <= 0 || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if limit, ok := cgroupMemoryLimit("/sys/fs/cgroup"); ok {
		soft := int64(float64(limit) * ratio)
		debug.SetMemoryLimit(soft)
		logger.Info("Set the Go memory limit from the cgroup's", "cgroup_limit_bytes", limit, "GOMEMLIMIT", soft)
	}
}

// cgroupMemoryLimit reads the memory limit of the process' cgroup under root (cgroup v2 memory.max, else v1
// memory/memory.limit_in_bytes). ok is false when there is none.
func cgroupMemoryLimit(root string) (limit int64, ok bool) {
	for _, f := range []string{"memory.max", filepath.Join("memory", "memory.limit_in_bytes")} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(b))
		if v == "max" {
			return 0, false
		}
		n, err := strconv.ParseInt(v, 10, 64)
		// cgroup v1 writes "no limit" as the largest page-aligned int64.
		if err != nil || n <= 0 || n >= math.MaxInt64/2 {
			return 0, false
		}
		return n, true
	}
	return 0, false
}
