package e2etest

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Nothing answers at a DeadAddress: a connection is refused, and no other socket can bind its port while the
// test holds it.
func TestDeadAddress(t *testing.T) {
	addr := DeadAddress(t)
	_, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	_, err = http.Get("http://" + addr + "/")
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	l, err := net.Listen("tcp", addr)
	if err == nil {
		_ = l.Close()
	}
	require.ErrorIs(t, err, syscall.EADDRINUSE, "the port is held")
}

func TestFront(t *testing.T) {
	f := NewFront(t)
	require.Equal(t, "http://"+f.Addr(), f.URL())
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	get := func() (string, error) {
		resp, err := client.Get(f.URL() + "/who")
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	_, err := get()
	require.Error(t, err, "routed nowhere: reset")

	for _, name := range []string{"one", "two"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, name) }))
		f.Route(srv.Listener.Addr().String())
		got, err := get()
		require.NoError(t, err)
		require.Equal(t, name, got)
		srv.Close()
	}
	f.Route("")
	_, err = get()
	require.Error(t, err)
}

func TestListeningAddress(t *testing.T) {
	for _, tc := range []struct{ name, log, want string }{
		{"prometheus (slog)", "time=2026-12-07T22:53:09.374Z level=INFO source=tls_config.go:395 msg=\"Listening on\" component=web address=127.0.0.1:44743\n", "127.0.0.1:44743"},
		{"alertmanager (go-kit)", "ts=2026-12-07T22:53:09.374Z caller=tls_config.go:232 level=info msg=\"Listening on\" address=127.0.0.1:39261\n", "127.0.0.1:39261"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs SyncBuffer
			_, _ = logs.Write([]byte("level=info msg=\"Starting\"\n"))
			got := make(chan string, 1)
			go func() {
				addr, err := listeningAddress(t.Context(), &logs)
				if err != nil {
					addr = err.Error()
				}
				got <- addr
			}()
			_, _ = logs.Write([]byte(tc.log))
			require.Equal(t, tc.want, <-got)
		})
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var logs SyncBuffer
	_, err := logs.WaitMatch(ctx, regexp.MustCompile("never"))
	require.ErrorIs(t, err, errNoMatch)
	require.ErrorIs(t, err, context.Canceled)
}
