package web

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// An Encoded response is served plain or gzipped as asked, is the same envelope respond writes, and renders on
// the status page as its data.
func TestEncodedSLOs(t *testing.T) {
	slos := []map[string]any{{"slo": "api", "service": "payments", "objective": 0.999}}
	e, err := Encode(slos)
	require.NoError(t, err)
	srv := httptest.NewServer(New(Options{SLOs: func() any { return e }}))
	t.Cleanup(srv.Close)
	want, err := json.Marshal(map[string]any{"status": "success", "data": slos})
	require.NoError(t, err)
	for _, encoding := range []string{"identity", "gzip"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+conventions.PathSLOs, nil)
		require.NoError(t, err)
		req.Header.Set("Accept-Encoding", encoding)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		var body io.Reader = resp.Body
		if encoding == "gzip" {
			require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
			gz, err := gzip.NewReader(resp.Body)
			require.NoError(t, err)
			body = gz
		}
		got, err := io.ReadAll(body)
		resp.Body.Close()
		require.NoError(t, err)
		require.JSONEq(t, string(want), string(got), encoding)
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	}
	resp, err := srv.Client().Get(srv.URL + "/")
	require.NoError(t, err)
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Contains(t, string(page), "payments", "the status page renders the data of an Encoded")
}
