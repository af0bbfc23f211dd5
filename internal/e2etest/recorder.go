package e2etest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// recorder keeps what a test server received, in order, and lets tests wait for an item meeting a condition.
type recorder[T any] struct {
	clone func(T) T // a copy the caller may keep while more arrives

	mu      sync.Mutex
	items   []T
	batches int           // calls of add: requests received
	changed chan struct{} // closed and replaced whenever items grow
	// waiting, when set (by this package's tests), is called each time wait blocks for more items.
	waiting func()
}

func newRecorder[T any](clone func(T) T) *recorder[T] {
	return &recorder[T]{clone: clone, changed: make(chan struct{})}
}

// add records the items of one request.
func (r *recorder[T]) add(items ...T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items = append(r.items, items...)
	r.batches++
	close(r.changed)
	r.changed = make(chan struct{})
}

// all returns copies of every item so far, oldest first.
func (r *recorder[T]) all() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]T, len(r.items))
	for i, it := range r.items {
		out[i] = r.clone(it)
	}
	return out
}

func (r *recorder[T]) batchCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.batches
}

// wait returns the most recent item meeting cond, waiting up to timeout for one to arrive; it fails t with what
// did arrive otherwise. what names the awaited item in that message.
func (r *recorder[T]) wait(t testing.TB, timeout time.Duration, what string, cond func(T) bool) T {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		var (
			found T
			ok    bool
		)
		for i := len(r.items) - 1; i >= 0; i-- {
			if cond(r.items[i]) {
				found, ok = r.clone(r.items[i]), true
				break
			}
		}
		changed, waiting := r.changed, r.waiting
		r.mu.Unlock()
		if ok {
			return found
		}
		if waiting != nil {
			waiting()
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("e2etest: no %s within %s; received: %+v", what, timeout, r.all())
			var zero T
			return zero
		case <-t.Context().Done():
			t.Fatalf("e2etest: test ended while waiting for a %s", what)
			var zero T
			return zero
		}
	}
}

// receiver is an HTTP server on 127.0.0.1:0 (httptest's address) that records what the requests to one pattern
// carry: decode reads the items of a request, or an error that is answered 400 with its text.
type receiver[T any] struct {
	srv *httptest.Server
	rec *recorder[T]
}

// newReceiver starts a receiver and registers a t.Cleanup that closes it; clone copies an item for a caller.
func newReceiver[T any](t testing.TB, pattern string, clone func(T) T, decode func(*http.Request) ([]T, error)) receiver[T] {
	rec := newRecorder(clone)
	mux := http.NewServeMux()
	mux.HandleFunc(pattern, func(w http.ResponseWriter, req *http.Request) {
		items, err := decode(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rec.add(items...)
		w.WriteHeader(http.StatusOK)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return receiver[T]{srv: srv, rec: rec}
}
