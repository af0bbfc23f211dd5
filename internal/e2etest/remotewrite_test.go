package e2etest

import (
	"testing"
	"time"

	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"
	"github.com/stretchr/testify/require"
)

// decoded is one time series of a request, with its labels resolved.
type decoded struct {
	labels []string
	ts     []int64
}

func decode(req *writev2.Request) []decoded {
	var out []decoded
	for _, s := range req.Timeseries {
		d := decoded{labels: writev2.DesymbolizeLabels(s.LabelsRefs, req.Symbols, nil)}
		for _, smp := range s.Samples {
			d.ts = append(d.ts, smp.Timestamp)
		}
		out = append(out, d)
	}
	return out
}

func TestWriteRequests(t *testing.T) {
	at := func(ms int64) time.Time { return time.UnixMilli(ms) }
	a := Series{
		Labels:  map[string]string{"__name__": "a", "job": "x", "env": "prod"},
		Samples: []Sample{{at(3), 3}, {at(1), 1}, {at(2), 2}}, // out of order on purpose
	}
	b := Series{Labels: map[string]string{"__name__": "b"}, Samples: []Sample{{at(10), 10}, {at(11), 11}}}
	aLabels := []string{"__name__", "a", "env", "prod", "job", "x"}

	for _, tc := range []struct {
		name   string
		series []Series
		limit  int
		want   [][]decoded // per request
	}{
		{
			name:   "all in one request",
			series: []Series{a, b},
			limit:  100,
			want: [][]decoded{{
				{labels: aLabels, ts: []int64{1, 2, 3}},
				{labels: []string{"__name__", "b"}, ts: []int64{10, 11}},
			}},
		},
		{
			name:   "split within and across series",
			series: []Series{a, b},
			limit:  2,
			want: [][]decoded{
				{{labels: aLabels, ts: []int64{1, 2}}},
				{{labels: aLabels, ts: []int64{3}}, {labels: []string{"__name__", "b"}, ts: []int64{10}}},
				{{labels: []string{"__name__", "b"}, ts: []int64{11}}},
			},
		},
		{
			name:   "series without samples are skipped",
			series: []Series{{Labels: map[string]string{"__name__": "empty"}}},
			limit:  2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reqs := writeRequests(tc.series, tc.limit)
			require.Len(t, reqs, len(tc.want))
			for i, req := range reqs {
				require.Equal(t, "", req.Symbols[0], "Remote-Write 2.0 symbols start with the empty string")
				require.Equal(t, tc.want[i], decode(req), "request %d", i)
			}
		})
	}
	require.Equal(t, []int64{3, 1, 2}, []int64{a.Samples[0].T.UnixMilli(), a.Samples[1].T.UnixMilli(), a.Samples[2].T.UnixMilli()},
		"the caller's samples are not reordered")
}
