package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/e2etest"
)

// TestRunSignals runs `slokeeper run` in-process: SIGHUP reloads (and a broken spec is reported, the last good set
// kept), SIGTERM shuts it down cleanly with exit code 0.
func TestRunSignals(t *testing.T) {
	dir := t.TempDir()
	good := strings.Replace(badSpec, "objective: 100", "objective: 99", 1)
	good = good[:strings.Index(good, "  - name: b")]
	spec := writeSpec(t, dir, "api.yaml", good)
	var stdout, stderr e2etest.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"run", "--spec.files=" + spec, "--storage.path=" + filepath.Join(dir, "data"),
			"--web.listen-address=127.0.0.1:0", "--spec.watch-interval=0"}, &stdout, &stderr)
	}()
	// It listens on a port of its own choosing and logs where once it serves.
	listening, cancel := context.WithTimeout(t.Context(), time.Minute)
	go func() {
		select {
		case code := <-done:
			done <- code
			cancel()
		case <-listening.Done():
		}
	}()
	addr, err := e2etest.DaemonAddress(listening, &stderr)
	cancel()
	require.NoError(t, err, "stderr: %s", stderr.String())
	resp, err := http.Get("http://" + addr + "/-/healthy")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	writeSpec(t, dir, "api.yaml", badSpec)
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGHUP))
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "Reload failed") }, 10*time.Second, 50*time.Millisecond)
	require.Contains(t, stderr.String(), "api.yaml:7: slos[0].objective")

	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGTERM))
	select {
	case code := <-done:
		require.Equal(t, 0, code, "stderr: %s", stderr.String())
	case <-time.After(time.Minute):
		t.Fatal("run did not return after SIGTERM")
	}
	require.Contains(t, stderr.String(), "slokeeper stopped")
	_, err = http.Get("http://" + addr + "/-/healthy")
	require.Error(t, err, "still serving after SIGTERM")
}

func TestRunNeedsSpecs(t *testing.T) {
	code, _, stderr := runCLI(t, "run")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "pass --config.file, --spec.files or --demo")
	code, _, stderr = runCLI(t, "run", "--config.file=/nonexistent/slokeeper.yml")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "/nonexistent/slokeeper.yml")
}
