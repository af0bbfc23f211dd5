package review

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/stretchr/testify/require"

	pstorage "github.com/slokeeper/slokeeper/internal/storage"
	"github.com/slokeeper/slokeeper/pkg/slo"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

// The synthetic history: six calendar months (2026-01 to 2026-06) at 5-minute resolution, plus a day before
// for the first rates.
var (
	histFrom   = time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	histUntil  = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	reviewFrom = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

const histStep = 5 * time.Minute

// quietRate is quiet-api's traffic: about one request every three days.
const quietRate = 1.0 / (3*86400 + 1234)

// flakyRatio is the error ratio of flaky-api in month m (1 = January): three of six months breach 99.9%.
func flakyRatio(t time.Time) float64 {
	switch t.Month() {
	case time.February:
		return 0.002
	case time.April:
		return 0.0025
	case time.June:
		return 0.003
	}
	return 0.0003
}

// fastCDF is the share of fast-api's requests at or under le: 96.5% within (25ms, 50ms], 3% within (50ms,
// 100ms], 0.5% within (100ms, 250ms]. Its p95 is about 50ms, ten times faster than its 500ms SLO.
func fastCDF(le float64) float64 {
	switch {
	case le < 0.05:
		return 0
	case le < 0.1:
		return 0.965
	case le < 0.25:
		return 0.995
	}
	return 1
}

var fastBounds = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}

// busyRate is busy-api's traffic: 50/s at night to 150/s at 15:00 UTC, above its declared 100/s every day.
func busyRate(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	return 100 + 50*math.Cos(2*math.Pi*(h-15)/24)
}

// dbBucket is the native histogram bucket (schema 0) every query of db falls in: (2^-9, 2^-8], 1.95ms to
// 3.9ms, against a 50ms threshold.
const dbBucket = -8

// series is one synthetic series: its labels and how much it grows in a step ending at t (counters), or
// its value (gauges).
type synthSeries struct {
	lbls labels.Labels
	inc  func(t time.Time, dt float64) float64
	v    float64
	ref  storage.SeriesRef
}

func counter(inc func(t time.Time, dt float64) float64, lbls ...string) *synthSeries {
	return &synthSeries{lbls: labels.FromStrings(lbls...), inc: inc}
}

func constRate(r float64) func(time.Time, float64) float64 {
	return func(_ time.Time, dt float64) float64 { return r * dt }
}

func world() []*synthSeries {
	var ss []*synthSeries
	// fast: a classic latency histogram at 10 requests a second, and its errors.
	for _, le := range append(fastBounds, math.Inf(1)) {
		ss = append(ss, counter(func(_ time.Time, dt float64) float64 { return 10 * dt * fastCDF(le) },
			"__name__", "fast_duration_seconds_bucket", "job", "fast", "le", labels.FormatOpenMetricsFloat(le)))
	}
	ss = append(ss,
		counter(constRate(10), "__name__", "fast_duration_seconds_count", "job", "fast"),
		counter(constRate(10), "__name__", "fast_requests_total", "job", "fast"),
		counter(constRate(10*0.0006), "__name__", "fast_errors_total", "job", "fast"),
	)
	// flaky: 10 requests a second, breaching 99.9% in three months; shop's checkout calls it.
	ss = append(ss,
		counter(constRate(10), "__name__", "flaky_requests_total", "job", "flaky"),
		counter(func(t time.Time, dt float64) float64 { return 10 * dt * flakyRatio(t) }, "__name__", "flaky_errors_total", "job", "flaky"),
		counter(constRate(5), "__name__", "shop_checkouts_total", "job", "shop"),
		counter(func(t time.Time, dt float64) float64 { return 5 * dt * (flakyRatio(t) + 0.0002) }, "__name__", "shop_failed_total", "job", "shop"),
	)
	// busy: over its capacity every afternoon, few errors.
	ss = append(ss,
		counter(func(t time.Time, dt float64) float64 { return busyRate(t) * dt }, "__name__", "busy_requests_total", "job", "busy"),
		counter(func(t time.Time, dt float64) float64 { return busyRate(t) * dt * 0.0001 }, "__name__", "busy_errors_total", "job", "busy"),
	)
	// quiet: about one request every three days (not exactly: increments at a fixed phase of the hour could
	// all fall between two hourly windows).
	ss = append(ss,
		counter(constRate(quietRate), "__name__", "quiet_requests_total", "job", "quiet"),
		counter(constRate(0), "__name__", "quiet_errors_total", "job", "quiet"),
	)
	return ss
}

// writeHistory writes the synthetic history as one TSDB block into dir, oldest first.
func writeHistory(dir string) (err error) {
	w, err := tsdb.NewBlockWriter(promslog.NewNopLogger(), dir, (histUntil.Sub(histFrom) + 2*time.Hour).Milliseconds())
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, w.Close()) }()
	ctx := context.Background()
	ss := world()
	dbLabels := labels.FromStrings("__name__", "db_query_duration_seconds", "job", "db")
	var dbRef storage.SeriesRef
	dbCount := 0.0
	app := w.Appender(ctx)
	n := 0
	for ts := histFrom; !ts.After(histUntil); ts = ts.Add(histStep) {
		dt := histStep.Seconds()
		if ts.Equal(histFrom) {
			dt = 0
		}
		ms := ts.UnixMilli()
		for _, s := range ss {
			s.v += s.inc(ts, dt)
			if s.ref, err = app.Append(s.ref, s.lbls, ms, math.Floor(s.v)); err != nil {
				return err
			}
		}
		dbCount += 200 * dt
		c := uint64(math.Floor(dbCount))
		h := &histogram.Histogram{
			Schema: 0, Count: c, Sum: float64(c) * 0.003, ZeroThreshold: 1e-128,
			PositiveSpans: []histogram.Span{{Offset: dbBucket, Length: 1}}, PositiveBuckets: []int64{int64(c)},
		}
		if dbRef, err = app.AppendHistogram(dbRef, dbLabels, ms, h, nil); err != nil {
			return err
		}
		if n++; n%2000 == 0 {
			if err := app.Commit(); err != nil {
				return err
			}
			app = w.Appender(ctx)
		}
	}
	if err := app.Commit(); err != nil {
		return err
	}
	_, err = w.Flush(ctx)
	return err
}

var (
	historyDir  string
	historyOnce sync.Once
	historyQ    storage.Queryable
	historyErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "slokeeper-review-test-")
	if err != nil {
		panic(err)
	}
	historyDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// history is the synthetic history, written once per test binary, read only.
func history(t *testing.T) storage.Queryable {
	t.Helper()
	historyOnce.Do(func() {
		if historyErr = writeHistory(historyDir); historyErr != nil {
			return
		}
		var db *pstorage.ReadOnlyTSDB
		db, historyErr = pstorage.OpenReadOnlyTSDB(historyDir, nil)
		historyQ = db // closed with the process
	})
	require.NoError(t, historyErr)
	return historyQ
}

// specFile renders a spec file of service with the given SLO entries.
func specFile(service, owner, layer, slos string) string {
	return "apiVersion: slokeeper/v1\nservice: " + service + "\nowner: " + owner + "\nlayer: " + layer + "\nslos:\n" + slos
}

// eventsSLO renders an events SLO over job's errors and total counters, with extra fields.
func eventsSLO(name, objective, errors, total, job, extra string) string {
	return "  - name: " + name + "\n    objective: " + objective + "\n" + extra +
		"    sli:\n      events:\n        errors: " + errors + "{job=\"" + job + "\"}\n        total: " + total + "{job=\"" + job + "\"}\n"
}

// Specs of the synthetic services.
var specFiles = map[string]string{
	"fast.yaml": specFile("fast", "team-fast", "service", `  - name: latency
    objective: 95
    sli:
      latency:
        histogram: fast_duration_seconds{job="fast"}
        threshold: 500ms
`+eventsSLO("availability", "99.9", "fast_errors_total", "fast_requests_total", "fast", "")),
	"flaky.yaml": specFile("flaky", "team-flaky", "service",
		eventsSLO("availability", "99.9", "flaky_errors_total", "flaky_requests_total", "flaky", "")),
	"shop.yaml": specFile("shop", "team-shop", "product",
		eventsSLO("checkout", "99.8", "shop_failed_total", "shop_checkouts_total", "shop", "    dependsOn: [flaky/availability]\n")+
			eventsSLO("premium", "99.95", "shop_failed_total", "shop_checkouts_total", "shop", "    dependsOn: [fast/availability, busy/availability]\n")),
	"busy.yaml": specFile("busy", "team-busy", "service",
		eventsSLO("availability", "99.9", "busy_errors_total", "busy_requests_total", "busy", "    capacity:\n      eventsPerSecond: 100\n")),
	"quiet.yaml": specFile("quiet", "team-quiet", "service",
		eventsSLO("availability", "99.9", "quiet_errors_total", "quiet_requests_total", "quiet", "")),
	"db.yaml": specFile("db", "team-platform", "infrastructure", `  - name: query-latency
    objective: 99
    period: 7d
    sli:
      nativeLatency:
        histogram: db_query_duration_seconds{job="db"}
        threshold: 50ms
`),
}

// writeSpecs writes the specs into dir and loads them.
func writeSpecs(t *testing.T, dir string) ([]string, []*slo.SLO) {
	t.Helper()
	var files []string
	for name, body := range specFiles {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		files = append(files, p)
	}
	slos, err := spec.Load(files)
	require.NoError(t, err)
	return files, slos
}
