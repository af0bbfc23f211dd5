package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/exporter-toolkit/web"
)

// readHeaderTimeout bounds how long a client may take to send request headers (slow-loris protection). Bodies
// are not bounded: remote-write batches may be large.
const readHeaderTimeout = time.Minute

// Serve serves h on l until ctx is done, then shuts down gracefully: in-flight requests get up to
// Options.ShutdownTimeout to finish, after which their connections are closed. It returns nil after a shutdown
// triggered by ctx, and an error when serving fails or webConfigFile is invalid. Serve owns l: it is closed when
// Serve returns.
//
// webConfigFile is exporter-toolkit's web configuration (--web.config.file): TLS, basic auth, headers, rate
// limit. It is re-read on every request and TLS handshake, as in Prometheus. Empty means plain HTTP.
func (h *Handler) Serve(ctx context.Context, l net.Listener, webConfigFile string) error {
	defer l.Close() // also when exporter-toolkit returns before handing l to the server
	if err := web.Validate(webConfigFile); err != nil {
		return fmt.Errorf("invalid web configuration (--web.config.file=%q): %w", webConfigFile, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ErrorLog:          slog.NewLogLogger(h.logger.Handler(), slog.LevelWarn),
	}
	noSystemd := false
	flags := &web.FlagConfig{
		WebListenAddresses: &[]string{l.Addr().String()},
		WebSystemdSocket:   &noSystemd,
		WebConfigFile:      &webConfigFile,
	}
	served := make(chan error, 1)
	go func() { served <- web.Serve(l, srv, flags, h.logger) }()

	select {
	case err := <-served:
		return serveError(l, webConfigFile, err)
	case <-ctx.Done():
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), h.opts.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		h.logger.Warn("HTTP requests still in flight at the end of the shutdown timeout; closing their connections",
			"timeout", h.opts.ShutdownTimeout, "err", err)
		_ = srv.Close()
	}
	if err := serveError(l, webConfigFile, <-served); err != nil {
		return err
	}
	h.logger.Info("HTTP server stopped", "address", l.Addr().String())
	return nil
}

// serveError turns what exporter-toolkit's Serve returned into Serve's result.
func serveError(l net.Listener, webConfigFile string, err error) error {
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("couldn't serve HTTP on %s (--web.config.file=%q): %w", l.Addr(), webConfigFile, err)
}
