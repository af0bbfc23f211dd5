package e2etest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// process is a server a test started (Prometheus, Alertmanager): its output, its exit status, a wait for its
// readiness endpoint and a stop that escalates from SIGTERM to SIGKILL.
type process struct {
	name        string // for messages, e.g. "prometheus on 127.0.0.1:PORT"
	t           testing.TB
	cmd         *exec.Cmd
	logs        *SyncBuffer
	stopTimeout time.Duration

	exited  chan struct{} // closed once the process has been waited for
	waitErr error         // cmd.Wait's result, readable once exited is closed

	stopOnce sync.Once
	killed   bool // Stop had to SIGKILL it
}

// startProcess starts bin with args in dir, its output captured (and logged if the test fails), killed by the
// kernel if the test process dies, and stopped by t.Cleanup. It returns the process even on error, so callers can
// read its logs.
func startProcess(t testing.TB, name, bin string, args []string, dir string, stopTimeout time.Duration) (*process, error) {
	t.Helper()
	p := &process{name: name, t: t, logs: &SyncBuffer{}, stopTimeout: stopTimeout, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	dieWithParent(p.cmd)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	// Registered before the Stop cleanup so that it runs after it, with the shutdown logs included.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("e2etest: output of %s:\n%s", name, p.Logs())
		}
	})
	if err := p.cmd.Start(); err != nil {
		close(p.exited)
		return p, fmt.Errorf("couldn't start %s: %w", bin, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.Stop)
	return p, nil
}

// waitListening waits for the process to log the address it listens on (it was started on 127.0.0.1:0), and
// gives up early if the process exits.
func (p *process) waitListening(ctx context.Context, timeout time.Duration) (string, error) {
	ctx, cancel := p.whileRunning(ctx, timeout)
	defer cancel()
	addr, err := listeningAddress(ctx, p.logs)
	if err := p.exitErr(); err != nil {
		return "", err
	}
	if err != nil {
		return "", fmt.Errorf("%s reported no listen address within %s: %w", p.name, timeout, err)
	}
	return addr, nil
}

// waitReady waits for GET url to answer 200, and gives up early if the process exits.
func (p *process) waitReady(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := p.whileRunning(ctx, timeout)
	defer cancel()
	err := WaitHTTP(ctx, url, http.StatusOK)
	if err := p.exitErr(); err != nil {
		return err
	}
	if err != nil {
		return fmt.Errorf("%s is not ready after %s: %w", p.name, timeout, err)
	}
	return nil
}

// whileRunning is ctx with timeout, also cancelled when the process exits.
func (p *process) whileRunning(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	go func() {
		select {
		case <-p.exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// exitErr is an error if the process has exited.
func (p *process) exitErr() error {
	select {
	case <-p.exited:
		return fmt.Errorf("%s exited before it was ready: %v", p.name, p.waitErr)
	default:
		return nil
	}
}

// Stop stops the process: SIGTERM, then SIGKILL if it has not exited within its stop timeout. It returns once the
// process is gone. It is safe to call more than once and from several goroutines; t.Cleanup calls it too.
func (p *process) Stop() {
	p.stopOnce.Do(func() {
		select {
		case <-p.exited:
			if p.waitErr != nil {
				p.t.Logf("e2etest: %s had already exited: %v", p.name, p.waitErr)
			}
			return
		default:
		}
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			p.t.Logf("e2etest: couldn't SIGTERM %s (pid %d): %v", p.name, p.cmd.Process.Pid, err)
		}
		timer := time.NewTimer(p.stopTimeout)
		defer timer.Stop()
		select {
		case <-p.exited:
		case <-timer.C:
			p.t.Logf("e2etest: %s did not stop within %s of SIGTERM; killing pid %d", p.name, p.stopTimeout, p.cmd.Process.Pid)
			p.killed = true
			if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
				p.t.Logf("e2etest: couldn't SIGKILL %s (pid %d): %v", p.name, p.cmd.Process.Pid, err)
			}
			<-p.exited
		}
	})
}

// PID returns the process id.
func (p *process) PID() int { return p.cmd.Process.Pid }

// Logs returns everything the process has written to stdout and stderr so far.
func (p *process) Logs() string { return p.logs.String() }
