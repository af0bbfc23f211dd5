package queryapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/util/teststorage"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/conventions"
)

type noRules struct{}

func (noRules) RuleGroups() []*rules.Group           { return nil }
func (noRules) AlertingRules() []*rules.AlertingRule { return nil }

// answer is Prometheus' API envelope.
type answer struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

// testAPI serves an API over a TSDB holding up{job="a"} and up{job="b"}, 1 every 15s for 10 minutes from t0, behind
// a mux that routes conventions.QueryPaths as the daemon's web package does.
func testAPI(t *testing.T, o Options) (get func(path string, params url.Values) (int, answer), t0 time.Time, ready *atomic.Bool) {
	t.Helper()
	db := teststorage.New(t)
	t0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	app := db.Appender(t.Context())
	for _, job := range []string{"a", "b"} {
		for i := range 41 {
			_, err := app.Append(0, labels.FromStrings("__name__", "up", "job", job), t0.Add(time.Duration(i)*15*time.Second).UnixMilli(), 1)
			require.NoError(t, err)
		}
	}
	require.NoError(t, app.Commit())
	ready = &atomic.Bool{}
	o.Queryable, o.Rules, o.Ready, o.TrackerDir, o.Version = db, noRules{}, ready.Load, t.TempDir(), "9.9.9"
	api, err := New(o)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, api.Close()) })
	mux := http.NewServeMux()
	for _, p := range conventions.QueryPaths {
		mux.Handle(p, api)
	}
	get = func(path string, params url.Values) (int, answer) {
		t.Helper()
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequestWithContext(t.Context(), http.MethodGet, path+"?"+params.Encode(), nil))
		body, err := io.ReadAll(w.Result().Body)
		require.NoError(t, err)
		var a answer
		if w.Code != http.StatusServiceUnavailable {
			require.NoError(t, json.Unmarshal(body, &a), string(body))
		}
		return w.Code, a
	}
	return get, t0, ready
}

func TestQueryAPI(t *testing.T) {
	get, t0, ready := testAPI(t, Options{})
	at := fmt.Sprint(t0.Add(5 * time.Minute).Unix())
	code, _ := get("/api/v1/query", url.Values{"query": {"sum(up)"}, "time": {at}})
	require.Equal(t, http.StatusServiceUnavailable, code, "not ready yet")
	ready.Store(true)

	code, a := get("/api/v1/query", url.Values{"query": {"sum(up)"}, "time": {at}})
	require.Equal(t, http.StatusOK, code)
	require.JSONEq(t, `{"resultType":"vector","result":[{"metric":{},"value":[`+at+`,"2"]}]}`, string(a.Data))

	code, a = get("/api/v1/query_range", url.Values{"query": {`up{job="a"}`}, "start": {at}, "end": {fmt.Sprint(t0.Add(6 * time.Minute).Unix())}, "step": {"30"}})
	require.Equal(t, http.StatusOK, code)
	var matrix struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Values [][2]any          `json:"values"`
		} `json:"result"`
	}
	require.NoError(t, json.Unmarshal(a.Data, &matrix))
	require.Equal(t, "matrix", matrix.ResultType)
	require.Len(t, matrix.Result, 1)
	require.Equal(t, map[string]string{"__name__": "up", "job": "a"}, matrix.Result[0].Metric)
	require.Len(t, matrix.Result[0].Values, 3)

	for path, want := range map[string]string{
		"/api/v1/labels":           `["__name__","job"]`,
		"/api/v1/label/job/values": `["a","b"]`,
		"/api/v1/series":           `[{"__name__":"up","job":"a"},{"__name__":"up","job":"b"}]`,
		"/api/v1/rules":            `{"groups":[]}`,
		"/api/v1/alerts":           `{"alerts":[]}`,
	} {
		params := url.Values{"start": {fmt.Sprint(t0.Unix())}, "end": {at}}
		if path == "/api/v1/series" {
			params["match[]"] = []string{"up"}
		}
		code, a := get(path, params)
		require.Equal(t, http.StatusOK, code, path)
		require.JSONEq(t, want, string(a.Data), path)
	}
	code, a = get("/api/v1/status/buildinfo", nil)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, string(a.Data), `"version":"9.9.9"`)

	code, a = get("/api/v1/query", url.Values{"query": {"sum(up"}})
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, "bad_data", a.ErrorType)
}

// The limits are the daemon's: a query that would load more samples than MaxSamples fails rather than taking the
// memory the rules need.
func TestQueryAPILimits(t *testing.T) {
	get, t0, ready := testAPI(t, Options{MaxSamples: 10})
	ready.Store(true)
	code, a := get("/api/v1/query_range", url.Values{"query": {"up"}, "start": {fmt.Sprint(t0.Unix())}, "end": {fmt.Sprint(t0.Add(10 * time.Minute).Unix())}, "step": {"15"}})
	require.Equal(t, http.StatusUnprocessableEntity, code)
	require.Equal(t, "execution", a.ErrorType)
	require.True(t, strings.Contains(a.Error, "too many samples"), a.Error)
}
