package e2etest

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	remoteapi "github.com/prometheus/client_golang/exp/api/remote"
	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"
)

// Series is one time series to remote-write: its full label set (the metric name under "__name__") and samples.
type Series struct {
	Labels  map[string]string
	Samples []Sample
}

// Sample is one float sample. Remote write keeps millisecond precision: T is truncated to the millisecond.
type Sample struct {
	T time.Time
	V float64
}

// maxSamplesPerRequest bounds the size of one remote-write request, so that days of history at scrape resolution
// go out as many modest requests (Prometheus, like most receivers, limits the decompressed size of one request).
const maxSamplesPerRequest = 10_000

// RemoteWrite sends series to the remote-write endpoint writeURL (for a Prometheus or the daemon,
// "http://host:port/api/v1/write") with Remote-Write 2.0 messages, in time order per series and in requests of at
// most 10,000 samples. Server errors (5xx) are retried briefly; anything the server refuses (a 4xx: out-of-order
// or too-old samples, invalid labels) is returned with the server's message.
//
// A receiver refuses a sample older than the newest one it holds for the same series unless it accepts
// out-of-order samples (PrometheusOptions.OutOfOrderTimeWindow): to backfill history without that, send the
// history before any recent sample of the series.
func RemoteWrite(ctx context.Context, writeURL string, series []Series) error {
	client, err := remoteapi.NewAPI(writeURL,
		remoteapi.WithAPIPath(""), // writeURL is the whole endpoint
		remoteapi.WithAPIHTTPClient(&http.Client{Timeout: 30 * time.Second}),
		remoteapi.WithAPIBackoff(remoteapi.BackoffConfig{Min: 100 * time.Millisecond, Max: time.Second, MaxRetries: 3}),
	)
	if err != nil {
		return fmt.Errorf("remote write to %q: %w", writeURL, err)
	}
	for i, req := range writeRequests(series, maxSamplesPerRequest) {
		if _, err := client.Write(ctx, remoteapi.WriteV2MessageType, req); err != nil {
			return fmt.Errorf("remote write to %s (request %d): %w", writeURL, i+1, err)
		}
	}
	return nil
}

// writeRequests splits series into Remote-Write 2.0 requests of at most limit samples each. The samples of a series
// keep their time order across requests, and requests are meant to be sent in order.
func writeRequests(series []Series, limit int) []*writev2.Request {
	var (
		reqs    []*writev2.Request
		symbols = writev2.NewSymbolTable()
		cur     []*writev2.TimeSeries
		n       int
	)
	flush := func() {
		if len(cur) == 0 {
			return
		}
		reqs = append(reqs, &writev2.Request{Symbols: slices.Clone(symbols.Symbols()), Timeseries: cur})
		symbols.Reset()
		cur, n = nil, 0
	}
	for _, s := range series {
		flat := flatLabels(s.Labels)
		samples := slices.SortedStableFunc(slices.Values(s.Samples), func(a, b Sample) int {
			return a.T.Compare(b.T)
		})
		for len(samples) > 0 {
			if n == limit {
				flush()
			}
			k := min(len(samples), limit-n)
			ts := &writev2.TimeSeries{
				LabelsRefs: symbols.SymbolizeLabels(flat, nil),
				Samples:    make([]*writev2.Sample, 0, k),
			}
			for _, smp := range samples[:k] {
				ts.Samples = append(ts.Samples, &writev2.Sample{Value: smp.V, Timestamp: smp.T.UnixMilli()})
			}
			cur = append(cur, ts)
			n += k
			samples = samples[k:]
		}
	}
	flush()
	return reqs
}

// flatLabels returns the label set as sorted name, value pairs, the order Remote Write asks for.
func flatLabels(ls map[string]string) []string {
	type pair struct{ name, value string }
	pairs := make([]pair, 0, len(ls))
	for name, value := range ls {
		pairs = append(pairs, pair{name, value})
	}
	slices.SortFunc(pairs, func(a, b pair) int { return cmp.Compare(a.name, b.name) })
	flat := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		flat = append(flat, p.name, p.value)
	}
	return flat
}
