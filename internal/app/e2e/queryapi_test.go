package e2e_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/e2etest"
)

// requireQueryAPIMatches asks the daemon's query API and a real Prometheus holding the same samples (the daemon
// receives them by Prometheus' remote write) the same questions: the answers must be the same, value for value.
// Then `promtool query` runs against the daemon, as against any Prometheus.
func requireQueryAPIMatches(t *testing.T, r *running, prom *e2etest.Prometheus) {
	t.Helper()
	client, err := api.NewClient(api.Config{Address: r.base})
	require.NoError(t, err)
	daemon := v1.NewAPI(client)
	questions := map[string]func(context.Context, v1.API, time.Time) (fmt.Stringer, error){
		"instant rate by code": func(ctx context.Context, a v1.API, at time.Time) (fmt.Stringer, error) {
			v, _, _, err := a.Query(ctx, `sum by (code) (rate(shop_requests_total[1m]))`, at)
			return v, err
		},
		"range of a sum": func(ctx context.Context, a v1.API, at time.Time) (fmt.Stringer, error) {
			v, _, _, err := a.QueryRange(ctx, `sum by (job) (shop_requests_total)`, v1.Range{Start: at.Add(-2 * time.Minute), End: at, Step: 15 * time.Second})
			return v, err
		},
		"series": func(ctx context.Context, a v1.API, at time.Time) (fmt.Stringer, error) {
			v, _, _, err := a.Series(ctx, []string{"shop_requests_total"}, at.Add(-2*time.Minute), at)
			return series(v), err
		},
		"label values": func(ctx context.Context, a v1.API, at time.Time) (fmt.Stringer, error) {
			v, _, _, err := a.LabelValues(ctx, "code", []string{"shop_requests_total"}, at.Add(-2*time.Minute), at)
			return stringer(fmt.Sprint(v)), err
		},
	}
	at := caughtUp(t, prom, daemon)
	for name, ask := range questions {
		want, err := ask(t.Context(), prom.API(), at)
		require.NoError(t, err, "%s: Prometheus", name)
		got, err := ask(t.Context(), daemon, at)
		require.NoError(t, err, "%s: the daemon", name)
		require.NotEmpty(t, want.String(), name)
		require.Equal(t, want.String(), got.String(), "%s at %v: the daemon's answer, then Prometheus'", name, at)
	}
	out, err := exec.CommandContext(t.Context(), e2etest.PromtoolBinary(t), "query", "instant", r.base, `count(shop_requests_total)`).CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "=> ")
}

// caughtUp waits until Prometheus holds a minute of the traffic and the daemon the same newest sample, and returns a
// time half a step after it: both hold the same samples up to then (the next sample is a step later), and no
// query's step lands on a sample, so that what the engines look back over counts.
func caughtUp(t *testing.T, prom *e2etest.Prometheus, daemon v1.API) time.Time {
	t.Helper()
	newest := func(a v1.API) (model.SampleValue, bool) {
		v, _, _, err := a.Query(t.Context(), `min(timestamp(shop_requests_total)) and on() min(count_over_time(shop_requests_total[1m])) >= 4`, time.Now())
		if vec, ok := v.(model.Vector); err == nil && ok && len(vec) == 1 {
			return vec[0].Value, true
		}
		return 0, false
	}
	var at model.SampleValue
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		want, ok := newest(prom.API())
		require.True(c, ok, "Prometheus holds a minute of traffic")
		got, ok := newest(daemon)
		require.True(c, ok && got == want, "the daemon holds Prometheus' newest sample")
		at = want
	}, 2*time.Minute, 200*time.Millisecond)
	return time.UnixMilli(int64(float64(at) * 1000)).Add(step / 2)
}

type stringer string

func (s stringer) String() string { return string(s) }

// series prints a series list as one string.
type series []model.LabelSet

func (s series) String() string {
	parts := make([]string, len(s))
	for i, ls := range s {
		parts[i] = ls.String()
	}
	return strings.Join(parts, ",")
}
