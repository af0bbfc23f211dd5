package e2etest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
)

// errNoMatch is what SyncBuffer.WaitMatch returns when ctx ends first.
var errNoMatch = errors.New("not written")

// SyncBuffer is a bytes.Buffer safe for concurrent writes and reads: process output written by os/exec's copying
// goroutines, or a daemon's log, read by the test meanwhile. WaitMatch waits for a line without polling: every
// write wakes it. The zero value is an empty buffer.
type SyncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced by every write; nil until someone waits
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// WaitMatch waits until what was written matches re and returns the match and its submatches (as
// regexp.FindStringSubmatch); it returns an error when ctx ends first.
func (b *SyncBuffer) WaitMatch(ctx context.Context, re *regexp.Regexp) ([]string, error) {
	for {
		b.mu.Lock()
		m := re.FindStringSubmatch(b.buf.String())
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		changed := b.changed
		b.mu.Unlock()
		if m != nil {
			return m, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: no match of %s: %w", errNoMatch, re, ctx.Err())
		}
	}
}

// listeningOn is the line exporter-toolkit's web.Serve logs for each listener it serves, with the address the
// listener is bound to: Prometheus' `msg="Listening on" component=web address=127.0.0.1:PORT` (log/slog, logfmt)
// and Alertmanager's `msg="Listening on" address=127.0.0.1:PORT` (go-kit log, logfmt) alike. Both are started on
// 127.0.0.1:0 and found where they say.
var listeningOn = regexp.MustCompile(`msg="Listening on"[^\n]* address=(127\.0\.0\.1:[0-9]+)`)

// listeningAddress waits until logs report the address a child process listens on.
func listeningAddress(ctx context.Context, logs *SyncBuffer) (string, error) {
	m, err := logs.WaitMatch(ctx, listeningOn)
	if err != nil {
		return "", err
	}
	return m[1], nil
}

// daemonRunning is the line `slokeeper run` logs (at info) once it serves, with the address its listener is bound
// to: started with --web.listen-address=127.0.0.1:0, the daemon is found where it says.
var daemonRunning = regexp.MustCompile(`msg="slokeeper is running" address=(127\.0\.0\.1:[0-9]+)`)

// DaemonAddress waits until logs (the output of `slokeeper run` at log level info or debug) report the address the
// daemon serves on, and returns it; it returns an error when ctx ends first.
func DaemonAddress(ctx context.Context, logs *SyncBuffer) (string, error) {
	m, err := logs.WaitMatch(ctx, daemonRunning)
	if err != nil {
		return "", err
	}
	return m[1], nil
}
