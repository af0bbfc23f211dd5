// Package e2etest runs the pieces around the slokeeper daemon for end-to-end tests: a real Prometheus server built
// from the module slokeeper already depends on (the `tool` directive in go.mod), a way to remote-write samples with
// history into it (or into the daemon), PromQL queries against it, a real Alertmanager (Debian's package, which
// `make alertmanager` fetches) with webhooks standing for its receivers' pagers and ticket queues, and a tiny
// Alertmanager stand-in that records the alerts it is sent, for tests about what the daemon sends.
//
// It exists so that daemon tests exercise the same server, wire formats and notifier the daemon meets in
// production, instead of hand-written fakes: remote read/write go through Prometheus' own handlers, alerts arrive as
// Prometheus' notifier encodes them. Everything listens on 127.0.0.1:0 (a child process tells the port it bound in its
// log; no port is picked, released and bound later), writes only under t.TempDir(), and is stopped by t.Cleanup.
//
// The Prometheus binary comes from `go tool -n prometheus`, which builds it into the Go build cache the first time
// (minutes on a small machine) and finds it there afterwards (well under a second); each test process asks once.
// SLOKEEPER_PROMETHEUS_BINARY overrides it with the path of any Prometheus 3.x binary.
//
// It owns only the test harness around the daemon; it must not import the daemon (internal/app) or hold
// assertions about what the daemon decides: those are the tests'.
package e2etest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// PrometheusBinaryEnv names the environment variable that, when set, is used as the Prometheus binary instead of
// building the go.mod tool.
const PrometheusBinaryEnv = "SLOKEEPER_PROMETHEUS_BINARY"

// prometheusTool is the name `go tool` knows the Prometheus server by (the last element of its package path in
// the go.mod tool directive).
const prometheusTool = "prometheus"

var (
	binaryMu   sync.Mutex
	binaryPath string // set once the tool has been built and found; errors are not cached so a retry can succeed
)

// PrometheusBinary returns the path of a Prometheus server binary: the one named by $SLOKEEPER_PROMETHEUS_BINARY if
// set, otherwise the `github.com/prometheus/prometheus/cmd/prometheus` tool of go.mod, built (or found in the Go
// build cache) by `go tool -n prometheus` run at the module root. The build happens at most once per test process,
// and test processes on the same machine take turns (a file lock), so parallel packages do not build it twice.
// It fails t when no binary can be had.
func PrometheusBinary(t testing.TB) string {
	t.Helper()
	path, err := prometheusBinary(t.Context())
	if err != nil {
		t.Fatalf("e2etest: %v", err)
	}
	return path
}

func prometheusBinary(ctx context.Context) (string, error) {
	if p := os.Getenv(PrometheusBinaryEnv); p != "" {
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("$%s: %w", PrometheusBinaryEnv, err)
		}
		return p, nil
	}

	binaryMu.Lock()
	defer binaryMu.Unlock()
	if binaryPath != "" {
		return binaryPath, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	path, err := buildTool(ctx, root, prometheusTool)
	if err != nil {
		return "", fmt.Errorf("couldn't build the prometheus tool of %s (or set $%s): %w",
			filepath.Join(root, "go.mod"), PrometheusBinaryEnv, err)
	}
	binaryPath = path
	return path, nil
}

// buildTool runs `go tool -n name` in dir, which builds the tool into the Go build cache if it is not there yet and
// prints the command it would run: the cached executable followed by no arguments.
func buildTool(ctx context.Context, dir, name string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is needed to build %s: %w", name, err)
	}

	unlock, err := lockBuild(filepath.Join(os.TempDir(), "slokeeper-e2etest-build.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()

	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, goBin, "tool", "-n", name)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go tool -n %s (in %s, after %s): %w: %s", name, dir,
			time.Since(start).Round(time.Millisecond), err, strings.TrimSpace(stderr.String()))
	}
	// The output is one command line; a module tool is run without extra arguments, so it is just the path.
	// Paths with spaces are possible (a GOCACHE under such a directory): trim only the newline.
	path := strings.TrimRight(stdout.String(), "\r\n")
	if path == "" {
		return "", fmt.Errorf("go tool -n %s printed nothing", name)
	}
	if err := checkExecutable(path); err != nil {
		return "", fmt.Errorf("go tool -n %s: %w", name, err)
	}
	return path, nil
}

func checkExecutable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", path)
	}
	return nil
}

// ModuleRoot returns the directory holding the go.mod of the module the test runs in, found by walking up from
// the working directory (a test's working directory is its package directory). Use it to reach repository files
// such as examples/ from any package.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("e2etest: %v", err)
	}
	return root
}

func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("couldn't find the module root: %w", err)
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("couldn't find the module root: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("couldn't find the module root: no go.mod in %s or any parent", wd)
		}
		dir = parent
	}
}

// PromtoolBinary returns the path of the go.mod's promtool, built (or found in the Go build cache) by `go tool -n
// promtool` under the same lock as the Prometheus server's build: a test that needs it while `make tools` or
// another package builds the server waits and then finds most of it built, instead of compiling the same
// packages at the same time. It fails t when no binary can be had.
func PromtoolBinary(t testing.TB) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("e2etest: %v", err)
	}
	path, err := buildTool(t.Context(), root, "promtool")
	if err != nil {
		t.Fatalf("e2etest: couldn't build the promtool tool of %s: %v", filepath.Join(root, "go.mod"), err)
	}
	return path
}
