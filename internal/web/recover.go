package web

import (
	"net/http"
	"runtime/debug"

	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
)

// recoverPanics answers a panic in next with a 500 in the API's error envelope, logs it with its stack and counts
// it in slokeeper_http_panics_total under the handler label name.
//
// net/http recovers a handler's panic too, but only by dropping the connection: the client sees a reset rather
// than an error it can report, and nothing counts it. A panic is a bug; the daemon keeps serving the other routes,
// and the callers in internal/app release their locks in defers so that a panic does not leave one held.
//
// http.ErrAbortHandler is re-panicked: it is how a handler asks net/http to abort the response, and net/http
// does so without logging. A panic after the handler started its response is logged and counted, then turned
// into that abort: a 500 can no longer be sent, and a truncated body that looks complete would be worse.
func (h *Handler) recoverPanics(name string, next http.Handler) http.Handler {
	// The series exists from the start at 0, so that an alert on its increase fires on the first panic.
	panics := h.metrics.panics.WithLabelValues(name)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &trackingWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { // compared as net/http compares it
				panic(v)
			}
			panics.Inc()
			h.logger.Error("Panic in an HTTP handler, answered with a 500", "handler", name, "method", r.Method,
				"path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			if tw.wrote {
				panic(http.ErrAbortHandler)
			}
			h.respondError(w, http.StatusInternalServerError, v1.ErrInternal,
				"internal error answering "+name+": this is a bug; the daemon's log has the details")
		}()
		next.ServeHTTP(tw, r)
	})
}

// trackingWriter records whether the response was started, which decides between a 500 and an abort.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *trackingWriter) WriteHeader(code int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *trackingWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Flush starts the response too; it flushes the underlying writer when that can.
func (w *trackingWriter) Flush() {
	w.wrote = true
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer (deadlines, hijacking).
func (w *trackingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
