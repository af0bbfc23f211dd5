package e2etest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// FreeAddress returns "127.0.0.1:PORT" for a port that was free a moment ago: it listens on port 0, notes the port
// the kernel chose and closes the listener. Another process may take the port before the caller binds it, so
// callers that start servers should retry on "address already in use" (StartPrometheus does).
func FreeAddress(t testing.TB) string {
	t.Helper()
	addr, err := freeAddress()
	if err != nil {
		t.Fatalf("e2etest: %v", err)
	}
	return addr
}

func freeAddress() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("couldn't pick a free port on 127.0.0.1: %w", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("couldn't release port %s: %w", addr, err)
	}
	return addr, nil
}

// WaitHTTP polls GET url every 50ms until it answers with status, and returns nil then; it returns an error that
// names the last status or connection error when ctx ends first.
func WaitHTTP(ctx context.Context, url string, status int) error {
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		last = probe(ctx, client, url, status)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer %d in time: %w (last: %w)", url, status, ctx.Err(), last)
		case <-tick.C:
		}
	}
}

func probe(ctx context.Context, client *http.Client, url string, status int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != status {
		return fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	return nil
}
