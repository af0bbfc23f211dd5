package e2etest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Addresses in tests are never picked and released: a port a test closes may be taken by anyone before it is
// bound again. Servers in the test process listen on 127.0.0.1:0 and hand the listener over; child processes
// listen on 127.0.0.1:0 and report the address they bound in their log (see listeningAddress); an address that
// must outlive a server (a Prometheus restarted with its data) is a Front the test holds; an address where nothing
// listens is a DeadAddress the test holds.

// Front is a TCP address a test holds for its whole run, in front of a server that may come and go: clients
// configured with Front's address reach whichever server is routed to it, and while none is, every connection is
// reset at once (as a stopped server's port refuses it). A restarted server is thus found where its clients expect
// it, without a port picked, released and bound again later.
type Front struct {
	l net.Listener

	mu     sync.Mutex
	target string            // "host:port" of the server, "" for none
	conns  map[net.Conn]bool // open connections, both sides, closed at cleanup
	wg     sync.WaitGroup    // the accept loop and the connections' copying goroutines
	closed bool
}

// NewFront listens on 127.0.0.1:0 and registers a t.Cleanup that closes the listener and every connection.
func NewFront(t testing.TB) *Front {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("e2etest: couldn't listen on 127.0.0.1:0: %v", err)
	}
	f := &Front{l: l, conns: map[net.Conn]bool{}}
	f.wg.Go(f.accept)
	t.Cleanup(f.close)
	return f
}

// Addr is the "127.0.0.1:PORT" the front listens on.
func (f *Front) Addr() string { return f.l.Addr().String() }

// URL is "http://" + Addr().
func (f *Front) URL() string { return "http://" + f.Addr() }

// Route sends the connections accepted from now on to target ("host:port"); "" resets them at once. Connections
// already forwarded stay with the server they reached.
func (f *Front) Route(target string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.target = target
}

func (f *Front) accept() {
	for {
		c, err := f.l.Accept()
		if err != nil {
			return // closed
		}
		f.mu.Lock()
		target, closed := f.target, f.closed
		if !closed && target != "" {
			f.conns[c] = true
			f.wg.Go(func() { f.forward(c, target) })
		}
		f.mu.Unlock()
		if closed || target == "" {
			reset(c)
		}
	}
}

// forward copies between c and a new connection to target until either side closes, then closes both.
func (f *Front) forward(c net.Conn, target string) {
	defer f.drop(c)
	s, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		reset(c)
		return
	}
	if !f.track(s) {
		_ = s.Close()
		return
	}
	defer f.drop(s)
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go cp(s, c)
	go cp(c, s)
	<-done
	_ = c.Close()
	_ = s.Close()
	<-done
}

func (f *Front) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.conns[c] = true
	return true
}

func (f *Front) drop(c net.Conn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
	_ = c.Close()
}

func (f *Front) close() {
	f.mu.Lock()
	f.closed = true
	for c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	_ = f.l.Close()
	f.wg.Wait()
}

// reset closes c with a TCP reset rather than an orderly close: the client sees its connection refused or reset,
// not a server that answered nothing.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
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
