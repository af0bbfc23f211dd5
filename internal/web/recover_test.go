package web_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/web"
	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// lockedBuffer is a log destination written by the server's goroutines and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// panicsOf is slokeeper_http_panics_total of handler in reg; -1 when the series does not exist.
func panicsOf(t *testing.T, reg prometheus.Gatherer, handler string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "slokeeper_http_panics_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == handler {
				return m.GetCounter().GetValue()
			}
		}
	}
	return -1
}

// A panic in a route's function is a 500 in the API's envelope, logged with its stack and counted; the daemon
// goes on answering. Before, net/http dropped the connection and nothing counted it.
func TestHandlerPanic(t *testing.T) {
	reg := prometheus.NewRegistry()
	logs := &lockedBuffer{}
	// A handler that starts its response (here: flushes the status line) and then panics, or that aborts on purpose.
	var abort atomic.Bool
	write := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if abort.Load() {
			panic(http.ErrAbortHandler)
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"status":"succ`))
		_ = http.NewResponseController(w).Flush() // checked by the client: it gets the status line
		panic("half-way")
	})
	s := start(t, web.Options{
		Logger:      slog.New(slog.NewTextHandler(logs, nil)),
		Registerer:  reg,
		Status:      func() any { panic("status broke") },
		RemoteWrite: write,
	}, "", nil)

	require.Zero(t, panicsOf(t, reg, conventions.PathStatus), "every route's series exists from the start")
	r := s.get(t, conventions.PathStatus)
	require.Equal(t, http.StatusInternalServerError, r.code)
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	require.JSONEq(t, `{"status":"error","errorType":"internal","error":"internal error answering /api/v1/status: this is a bug; the daemon's log has the details"}`, r.body)
	require.Equal(t, 1.0, panicsOf(t, reg, conventions.PathStatus))
	require.Contains(t, logs.String(), `level=ERROR msg="Panic in an HTTP handler, answered with a 500" handler=/api/v1/status method=GET path=/api/v1/status panic="status broke"`)
	require.Contains(t, logs.String(), "recover_test.go", "the log has the stack down to the panic")

	// The daemon still answers, on another route and on the same one.
	require.Equal(t, http.StatusOK, s.get(t, conventions.PathHealthy).code)
	require.Equal(t, http.StatusInternalServerError, s.get(t, conventions.PathStatus).code)
	require.Equal(t, 2.0, panicsOf(t, reg, conventions.PathStatus))

	// Once the response started, a 500 cannot be sent: the response is aborted, so that the client sees a broken
	// response, not a truncated body that looks complete.
	resp, err := s.client.Post(s.base+conventions.PathWrite, "application/x-protobuf", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "the status line was flushed before the panic")
	_, err = io.ReadAll(resp.Body)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, 1.0, panicsOf(t, reg, conventions.PathWrite))

	// http.ErrAbortHandler is how a handler aborts on purpose: net/http handles it, it is not counted.
	abort.Store(true)
	_, err = s.send(t.Context(), request{method: http.MethodPost, path: conventions.PathWrite})
	require.Error(t, err)
	require.Equal(t, 1.0, panicsOf(t, reg, conventions.PathWrite))
	require.Equal(t, http.StatusOK, s.get(t, conventions.PathHealthy).code)
}
