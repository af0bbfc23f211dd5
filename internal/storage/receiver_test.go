package storage

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
	"github.com/stretchr/testify/require"
)

// ownedForTest stands for conventions.Owned (which this package must not know).
func ownedForTest(name string) bool { return strings.HasPrefix(name, "slo:") }

// post sends a snappy-compressed body to the receiver and returns the status and the answer.
func post(t *testing.T, srv *httptest.Server, contentType string, raw []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, bytes.NewReader(snappy.Encode(nil, raw)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Content-Encoding", "snappy")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

const (
	contentV1 = "application/x-protobuf"
	contentV2 = "application/x-protobuf;proto=io.prometheus.write.v2.Request"
)

func marshalV1(t *testing.T, ts ...prompb.TimeSeries) []byte {
	t.Helper()
	raw, err := (&prompb.WriteRequest{Timeseries: ts}).Marshal()
	require.NoError(t, err)
	return raw
}

func newReceiver(t *testing.T, l ReceiverLimits) (*Storage, *httptest.Server, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	s, err := Open(Options{Dir: t.TempDir(), Registerer: reg})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	srv := httptest.NewServer(s.Receiver(l, ownedForTest))
	t.Cleanup(srv.Close)
	return s, srv, reg
}

// A client cannot write the series slokeeper records itself: a forged budget is refused with a 400 that says why,
// in both protocols, while the raw series of the same request are written.
func TestReceiverRefusesOwnedSeries(t *testing.T) {
	s, srv, reg := newReceiver(t, DefaultReceiverLimits())
	raw := map[string]string{"__name__": "http_requests_total", "job": "api"}
	forged := map[string]string{"__name__": "slo:error_budget_remaining:ratio", "service": "payments", "slo": "api"}

	code, body := post(t, srv, contentV1, marshalV1(t,
		series(raw, prompb.Sample{Timestamp: ms(0), Value: 7}),
		series(forged, prompb.Sample{Timestamp: ms(0), Value: 0.95})))
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, body, `refused 1 of 2 series, the others were written: 1 series (e.g. "slo:error_budget_remaining:ratio"): slokeeper records these series itself`)
	require.Equal(t, map[string]float64{`{__name__="http_requests_total", job="api"}`: 7}, byLabels(t, query(t, s.Queryable(), `{__name__=~".+"}`)))

	// Remote Write 2.0, only forged series: nothing is written.
	syms := writev2.NewSymbolTable()
	req := &writev2.Request{Timeseries: []writev2.TimeSeries{{
		LabelsRefs: syms.SymbolizeLabels(labelsOf(forged), nil),
		Samples:    []writev2.Sample{{Value: 0.95, Timestamp: ms(time.Second)}},
	}}}
	req.Symbols = syms.Symbols()
	v2, err := req.Marshal()
	require.NoError(t, err)
	code, body = post(t, srv, contentV2, v2)
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, body, "refused 1 of 1 series")
	require.Empty(t, byLabels(t, query(t, s.Queryable(), `{__name__=~"slo:.+"}`)))

	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP slokeeper_remote_write_refused_series_total Series the remote-write receiver refused, by reason: owned (a series slokeeper records itself), label_name_length, label_value_length.
# TYPE slokeeper_remote_write_refused_series_total counter
slokeeper_remote_write_refused_series_total{reason="owned"} 2
`), "slokeeper_remote_write_refused_series_total"))

	// Remote Write 2.0 with raw series only goes through untouched.
	syms = writev2.NewSymbolTable()
	req = &writev2.Request{Timeseries: []writev2.TimeSeries{{
		LabelsRefs: syms.SymbolizeLabels(labelsOf(map[string]string{"__name__": "http_requests_total", "job": "web"}), nil),
		Samples:    []writev2.Sample{{Value: 3, Timestamp: ms(0)}},
	}}}
	req.Symbols = syms.Symbols()
	v2, err = req.Marshal()
	require.NoError(t, err)
	code, body = post(t, srv, contentV2, v2)
	require.Equal(t, http.StatusNoContent, code, body)
	require.Len(t, byLabels(t, query(t, s.Queryable(), `http_requests_total`)), 2)
}

// Every limit refuses what is over it, before anything is decoded when it can.
func TestReceiverLimits(t *testing.T) {
	l := DefaultReceiverLimits()
	l.MaxBodyBytes, l.MaxDecodedBytes, l.MaxSeries, l.MaxLabelValueLength = 64<<10, 256<<10, 3, 16
	s, srv, reg := newReceiver(t, l)
	one := func(job string) prompb.TimeSeries {
		return series(map[string]string{"__name__": "up", "job": job}, prompb.Sample{Timestamp: ms(0), Value: 1})
	}

	code, body := post(t, srv, contentV1, marshalV1(t, one("a"), one("b"), one("c"), one("d")))
	require.Equal(t, http.StatusRequestEntityTooLarge, code)
	require.Contains(t, body, "4 series in one request, over 3 (--web.remote-write.max-series)")

	code, body = post(t, srv, contentV1, marshalV1(t, one("a"), one(strings.Repeat("x", 17))))
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, body, "refused 1 of 2 series")
	require.Contains(t, body, "max-label-value-length")

	// Zeros compress to almost nothing: the decoded size is checked from the snappy header, before decoding.
	code, body = post(t, srv, contentV1, make([]byte, 300<<10))
	require.Equal(t, http.StatusRequestEntityTooLarge, code)
	require.Contains(t, body, "over 262144 (--web.remote-write.max-decoded-bytes)")

	random := make([]byte, 100<<10) // incompressible: the compressed body is over 64 KiB
	_, _ = rand.NewChaCha8([32]byte{1}).Read(random)
	code, body = post(t, srv, contentV1, random)
	require.Equal(t, http.StatusRequestEntityTooLarge, code)
	require.Contains(t, body, "request body over 65536 bytes (--web.remote-write.max-body-bytes)")

	code, body = post(t, srv, contentV1, []byte("not a protobuf message at all"))
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, body, "couldn't decode")

	require.Equal(t, map[string]float64{`{__name__="up", job="a"}`: 1}, byLabels(t, query(t, s.Queryable(), `up`)))
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP slokeeper_remote_write_refused_requests_total Remote-write requests refused whole, by reason: body_size, decoded_size, series, head_series, malformed.
# TYPE slokeeper_remote_write_refused_requests_total counter
slokeeper_remote_write_refused_requests_total{reason="body_size"} 1
slokeeper_remote_write_refused_requests_total{reason="decoded_size"} 1
slokeeper_remote_write_refused_requests_total{reason="malformed"} 1
slokeeper_remote_write_refused_requests_total{reason="series"} 1
`), "slokeeper_remote_write_refused_requests_total"))
	require.ErrorContains(t, ReceiverLimits{}.Validate(), "--web.remote-write.max-body-bytes must be positive")
}

// A write waiting for a slot gives up with its client, without reading its body: at most MaxConcurrent bodies are
// held at once.
func TestReceiverConcurrency(t *testing.T) {
	l := DefaultReceiverLimits()
	l.MaxConcurrent = 1
	_, srv, _ := newReceiver(t, l)
	h := srv.Config.Handler

	// The first write holds the only slot while its body is still coming.
	pr, pw := io.Pipe()
	first := make(chan int)
	go func() {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/", pr)
		req.Header.Set("Content-Encoding", "snappy")
		h.ServeHTTP(rec, req)
		first <- rec.Code
	}()
	_, err := pw.Write([]byte("x")) // returns once the first write reads its body: it holds the slot
	require.NoError(t, err)

	read := make(chan struct{})
	ctx, cancel := context.WithCancel(t.Context())
	second := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", readerFunc(func([]byte) (int, error) {
		close(read)
		return 0, io.EOF
	}))
	cancel() // its client is gone before a slot frees
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, second)
	select {
	case <-read:
		t.Fatal("the second write read its body while the only slot was taken")
	default:
	}
	require.Zero(t, rec.Body.Len(), "nothing answered to a client that is gone")

	require.NoError(t, pw.Close())
	require.Equal(t, http.StatusBadRequest, <-first, `"x" is not a snappy block`)
}

func labelsOf(m map[string]string) labels.Labels { return labels.FromMap(m) }

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// While the head holds MaxHeadSeries series, writes are refused with 503 (senders retry), not appended.
func TestReceiverHeadSeriesLimit(t *testing.T) {
	l := DefaultReceiverLimits()
	l.MaxHeadSeries = 3
	s, srv, _ := newReceiver(t, l)
	one := func(job string) prompb.TimeSeries {
		return series(map[string]string{"__name__": "up", "job": job}, prompb.Sample{Timestamp: ms(0), Value: 1})
	}
	code, body := post(t, srv, contentV1, marshalV1(t, one("a"), one("b"), one("c")))
	require.Equal(t, http.StatusNoContent, code, body)
	code, body = post(t, srv, contentV1, marshalV1(t, one("d")))
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Contains(t, body, "the TSDB holds 3 series, the limit (--web.remote-write.max-head-series)")
	require.Len(t, byLabels(t, query(t, s.Queryable(), `up`)), 3)
}
