package storage

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/golang/snappy"
	remoteapi "github.com/prometheus/client_golang/exp/api/remote"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
)

// ReceiverLimits bound what the remote-write receiver takes from one client, so that no client can exhaust the
// daemon's memory. Memory held by writes is about MaxConcurrent × (MaxBodyBytes + 3 × MaxDecodedBytes).
type ReceiverLimits struct {
	// MaxBodyBytes is the largest (compressed) request body: 413 above it.
	MaxBodyBytes int64
	// MaxDecodedBytes is the largest request once decompressed: 413 above it.
	MaxDecodedBytes int
	// MaxSeries is the most series one request may carry: 413 above it.
	MaxSeries int
	// MaxLabelNameLength and MaxLabelValueLength bound each label of a series: longer ones refuse the series.
	MaxLabelNameLength, MaxLabelValueLength int
	// MaxConcurrent is how many writes are decoded and appended at once; the others wait their turn.
	MaxConcurrent int
	// MaxHeadSeries bounds the series in the TSDB's head (the daemon's own recorded series included): while it
	// holds as many, writes are refused with 503, which senders retry, instead of growing memory without end.
	MaxHeadSeries uint64
}

// DefaultReceiverLimits are well above what a Prometheus remote_write queue sends with its defaults (at most 2,000
// samples, a few hundred kB, per request).
func DefaultReceiverLimits() ReceiverLimits {
	return ReceiverLimits{MaxBodyBytes: 4 << 20, MaxDecodedBytes: 16 << 20, MaxSeries: 10_000,
		MaxLabelNameLength: 1024, MaxLabelValueLength: 2048, MaxConcurrent: 2, MaxHeadSeries: 500_000}
}

// Validate checks that every limit is positive.
func (l ReceiverLimits) Validate() error {
	for _, v := range []struct {
		flag string
		v    int64
	}{{"max-body-bytes", l.MaxBodyBytes}, {"max-decoded-bytes", int64(l.MaxDecodedBytes)}, {"max-series", int64(l.MaxSeries)},
		{"max-label-name-length", int64(l.MaxLabelNameLength)}, {"max-label-value-length", int64(l.MaxLabelValueLength)},
		{"max-concurrency", int64(l.MaxConcurrent)}, {"max-head-series", int64(min(l.MaxHeadSeries, 1<<62))}} {
		if v.v <= 0 {
			return fmt.Errorf("--web.remote-write.%s must be positive, got %d", v.flag, v.v)
		}
	}
	return nil
}

// Owned tells whether slokeeper records series of this metric name itself: a client may not write them.
type Owned func(metricName string) bool

// Receiver is the remote-write receiver (protocol 1.0 and 2.0; mount it on POST /api/v1/write): Prometheus' own
// handler appending into the TSDB, behind the limits l. Series of a metric name owned reports, or with a label over
// the limits, are dropped and the rest appended; the answer is then 400 saying what was refused and why (what
// Prometheus' receiver does with samples it cannot append), so that the sender drops rather than retries them.
func (s *Storage) Receiver(l ReceiverLimits, owned Owned) http.Handler {
	reg := promauto.With(s.reg)
	return &receiver{
		next: s.write, limits: l, owned: owned, slots: make(chan struct{}, max(l.MaxConcurrent, 1)),
		headSeries: func() uint64 { return s.db.Head().NumSeries() },
		refusedSeries: reg.NewCounterVec(prometheus.CounterOpts{
			Name: "slokeeper_remote_write_refused_series_total",
			Help: "Series the remote-write receiver refused, by reason: owned (a series slokeeper records itself), label_name_length, label_value_length.",
		}, []string{"reason"}),
		refusedRequests: reg.NewCounterVec(prometheus.CounterOpts{
			Name: "slokeeper_remote_write_refused_requests_total",
			Help: "Remote-write requests refused whole, by reason: body_size, decoded_size, series, head_series, malformed.",
		}, []string{"reason"}),
	}
}

type receiver struct {
	next                           http.Handler
	limits                         ReceiverLimits
	owned                          Owned
	headSeries                     func() uint64
	slots                          chan struct{}
	refusedSeries, refusedRequests *prometheus.CounterVec
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case rc.slots <- struct{}{}:
		defer func() { <-rc.slots }()
	case <-r.Context().Done():
		return
	}
	if n := rc.headSeries(); n >= rc.limits.MaxHeadSeries {
		rc.refuseRequest(w, "head_series", http.StatusServiceUnavailable, "the TSDB holds %d series, the limit (--web.remote-write.max-head-series): retry later, or send fewer series", n)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, rc.limits.MaxBodyBytes+1))
	if err != nil {
		http.Error(w, "couldn't read the request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if int64(len(body)) > rc.limits.MaxBodyBytes {
		rc.refuseRequest(w, "body_size", http.StatusRequestEntityTooLarge, "request body over %d bytes (--web.remote-write.max-body-bytes): send smaller batches (queue_config max_samples_per_send)", rc.limits.MaxBodyBytes)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if enc := r.Header.Get("Content-Encoding"); enc != "" && enc != string(remoteapi.SnappyBlockCompression) {
		rc.next.ServeHTTP(w, r) // Prometheus' handler says what it accepts
		return
	}
	n, err := snappy.DecodedLen(body)
	if err != nil {
		rc.refuseRequest(w, "malformed", http.StatusBadRequest, "the body is not snappy-compressed: %v", err)
		return
	}
	if n > rc.limits.MaxDecodedBytes {
		rc.refuseRequest(w, "decoded_size", http.StatusRequestEntityTooLarge, "request of %d bytes once decompressed, over %d (--web.remote-write.max-decoded-bytes): send smaller batches", n, rc.limits.MaxDecodedBytes)
		return
	}
	msgType, err := remoteapi.ParseProtoMsg(cmp.Or(r.Header.Get("Content-Type"), "application/x-protobuf"))
	if err != nil {
		rc.next.ServeHTTP(w, r)
		return
	}
	raw, err := snappy.Decode(nil, body)
	if err != nil {
		rc.refuseRequest(w, "malformed", http.StatusBadRequest, "couldn't decompress the body: %v", err)
		return
	}
	rc.filter(w, r, msgType, raw)
}

// filter checks every series of the decoded request raw and hands what it keeps to Prometheus' handler.
func (rc *receiver) filter(w http.ResponseWriter, r *http.Request, msgType remoteapi.WriteMessageType, raw []byte) {
	var (
		kept    []byte
		total   int
		refused refusals
		err     error
	)
	if msgType == remoteapi.WriteV2MessageType {
		kept, total, refused, err = rc.filterV2(raw)
	} else {
		kept, total, refused, err = rc.filterV1(raw)
	}
	switch {
	case err != nil:
		rc.refuseRequest(w, "malformed", http.StatusBadRequest, "couldn't decode the %s message: %v", msgType, err)
		return
	case total > rc.limits.MaxSeries:
		rc.refuseRequest(w, "series", http.StatusRequestEntityTooLarge, "%d series in one request, over %d (--web.remote-write.max-series): send smaller batches", total, rc.limits.MaxSeries)
		return
	case refused.n == 0:
		rc.next.ServeHTTP(w, r) // the body as it came
		return
	}
	for reason, n := range refused.byReason {
		rc.refusedSeries.WithLabelValues(reason).Add(float64(n))
	}
	msg := refused.String(total)
	if refused.n == total {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(snappy.Encode(nil, kept)))
	r.ContentLength = -1
	rec := httptest.NewRecorder()
	rc.next.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	if rec.Code >= 300 {
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	http.Error(w, msg, http.StatusBadRequest)
}

func (rc *receiver) refuseRequest(w http.ResponseWriter, reason string, code int, format string, args ...any) {
	rc.refusedRequests.WithLabelValues(reason).Inc()
	http.Error(w, fmt.Sprintf(format, args...), code)
}

func (rc *receiver) filterV1(raw []byte) (kept []byte, total int, refused refusals, err error) {
	var req prompb.WriteRequest
	return filterMessage(rc, raw, req.Unmarshal, &req.Timeseries, func(ts prompb.TimeSeries) (int, func(int) (string, string)) {
		return len(ts.Labels), func(i int) (string, string) { return ts.Labels[i].Name, ts.Labels[i].Value }
	}, req.Marshal)
}

func (rc *receiver) filterV2(raw []byte) (kept []byte, total int, refused refusals, err error) {
	var req writev2.Request
	symbol := func(ref uint32) string {
		if int(ref) < len(req.Symbols) {
			return req.Symbols[ref]
		}
		return "" // a bad reference: Prometheus' handler refuses the series
	}
	return filterMessage(rc, raw, req.Unmarshal, &req.Timeseries, func(ts writev2.TimeSeries) (int, func(int) (string, string)) {
		refs := ts.LabelsRefs
		return len(refs) / 2, func(i int) (string, string) { return symbol(refs[2*i]), symbol(refs[2*i+1]) }
	}, req.Marshal)
}

// filterMessage filters one remote-write message of either version: unmarshal decodes raw into the message whose
// series are *series, and marshal encodes what is kept, only when some series but not all were refused (kept is
// nil otherwise). A message of more series than the limit is left as it is (total says so).
func filterMessage[T any](rc *receiver, raw []byte, unmarshal func([]byte) error, series *[]T,
	labelsOf func(T) (int, func(int) (string, string)), marshal func() ([]byte, error)) (kept []byte, total int, refused refusals, err error) {
	if err := unmarshal(raw); err != nil {
		return nil, 0, refused, err
	}
	total = len(*series)
	if total > rc.limits.MaxSeries {
		return nil, total, refused, nil
	}
	*series, refused = keep(rc, *series, labelsOf)
	if refused.n == 0 || refused.n == total {
		return nil, total, refused, nil
	}
	kept, err = marshal()
	return kept, total, refused, err
}

// keep returns the series rc accepts (in place) and what it refused; labelsOf gives a series' label count and its
// i-th label.
func keep[T any](rc *receiver, series []T, labelsOf func(T) (int, func(int) (string, string))) ([]T, refusals) {
	var refused refusals
	out := series[:0]
	for _, ts := range series {
		if reason, name := rc.check(labelsOf(ts)); reason != "" {
			refused.add(reason, name)
			continue
		}
		out = append(out, ts)
	}
	return out, refused
}

// check returns why a series of n labels (label(i) gives the i-th) is refused, and its metric name.
func (rc *receiver) check(n int, label func(i int) (name, value string)) (reason, metric string) {
	for i := range n {
		name, value := label(i)
		if name == "__name__" {
			metric = value
		}
		switch {
		case len(name) > rc.limits.MaxLabelNameLength:
			reason = "label_name_length"
		case len(value) > rc.limits.MaxLabelValueLength:
			reason = "label_value_length"
		}
	}
	if rc.owned(metric) {
		reason = "owned"
	}
	return reason, metric
}

// refusals counts the refused series of a request by reason, with an example metric name of each.
type refusals struct {
	n        int
	byReason map[string]int
	example  map[string]string
}

func (r *refusals) add(reason, metric string) {
	if r.byReason == nil {
		r.byReason, r.example = map[string]int{}, map[string]string{}
	}
	r.n++
	r.byReason[reason]++
	if _, ok := r.example[reason]; !ok {
		r.example[reason] = metric
	}
}

var refusalText = map[string]string{
	"owned":              "slokeeper records these series itself from raw series and never takes them from a client; drop them with write_relabel_configs",
	"label_name_length":  "a label name is over --web.remote-write.max-label-name-length",
	"label_value_length": "a label value is over --web.remote-write.max-label-value-length",
}

// String says what was refused out of total series, and why.
func (r refusals) String(total int) string {
	var parts []string
	for _, reason := range []string{"owned", "label_name_length", "label_value_length"} {
		if n := r.byReason[reason]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d series (e.g. %q): %s", n, r.example[reason], refusalText[reason]))
		}
	}
	return fmt.Sprintf("refused %d of %d series, the others were written: %s", r.n, total, strings.Join(parts, "; "))
}
