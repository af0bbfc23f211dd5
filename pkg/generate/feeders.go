package generate

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// A feeder writes the synthetic input series of a test: the raw series the
// SLI selects where slokeeper can construct them from the selectors, else
// the base rate recordings themselves.
type feeder interface {
	interval() time.Duration
	series(segs []segment) []inputSeries
	// exact: the input realises the error share exactly.
	exact() bool
	// zeroTrafficHasSeries: with no traffic the SLI still has series (at 0).
	zeroTrafficHasSeries() bool
	describe() string
	// quantum is the length that realises errFrac exactly: a whole number
	// of failing and passing samples.
	quantum(errFrac float64) time.Duration
}

func newFeeder(s *slo.SLO, w slo.Windows) feeder {
	var f feeder
	switch s.SLI.Kind {
	case slo.SLIEvents:
		f = eventsFeeder(s)
	case slo.SLILatency:
		f = latencyFeeder(s)
	case slo.SLIProbe:
		f = probeFeederFor(s)
	}
	if f == nil {
		return &baseFeeder{s: s, w: w}
	}
	return f
}

type role int

const (
	roleBad role = iota
	roleGood
	roleTotal
)

type counter struct {
	labels map[string]string
	role   role
}

// counterFeeder writes counters growing by eventsPerMinute per minute.
type counterFeeder struct {
	counters []counter
	desc     string
}

func (f *counterFeeder) interval() time.Duration       { return time.Minute }
func (f *counterFeeder) exact() bool                   { return true }
func (f *counterFeeder) zeroTrafficHasSeries() bool    { return true }
func (f *counterFeeder) describe() string              { return f.desc }
func (f *counterFeeder) quantum(float64) time.Duration { return time.Minute }

func (f *counterFeeder) series(segs []segment) []inputSeries {
	out := make([]inputSeries, len(f.counters))
	for i, ct := range f.counters {
		var b strings.Builder
		b.WriteString("0")
		v := 0.0
		for _, sg := range segs {
			n := int(sg.d / time.Minute)
			inc := 0.0
			if !sg.noData {
				switch ct.role {
				case roleBad:
					inc = eventsPerMinute * sg.errFrac
				case roleGood:
					inc = eventsPerMinute * (1 - sg.errFrac)
				case roleTotal:
					inc = eventsPerMinute
				}
			}
			b.WriteString(" " + float(v+inc) + "+" + float(inc) + "x" + strconv.Itoa(n-1))
			v += inc * float64(n)
		}
		out[i] = inputSeries{Series: seriesString(ct.labels), Values: b.String()}
	}
	return out
}

func groupingBase(s *slo.SLO) map[string]string {
	l := map[string]string{}
	for _, g := range s.Grouping {
		l[g] = testGrouping
	}
	return l
}

// seriesFor is a label set that the plain selector sel selects, with s's grouping labels; false when sel is not
// a plain selector or selects no series a test could write.
func seriesFor(s *slo.SLO, sel string) (map[string]string, bool) {
	ms, ok := selectorMatchers(sel)
	if !ok {
		return nil, false
	}
	return satisfy(ms, groupingBase(s))
}

// eventsFeeder builds counters for plain selectors: the error (or good)
// series, and a series of the other events when the total selects both.
func eventsFeeder(s *slo.SLO) feeder {
	part, partRole, otherRole := s.SLI.Errors, roleBad, roleGood
	if part == "" {
		part, partRole, otherRole = s.SLI.Good, roleGood, roleBad
	}
	if slo.HasWindow(part) || slo.HasWindow(s.SLI.Total) {
		return nil
	}
	pm, ok1 := selectorMatchers(part)
	tm, ok2 := selectorMatchers(s.SLI.Total)
	if !ok1 || !ok2 {
		return nil
	}
	lp, ok := satisfy(pm, groupingBase(s))
	if !ok {
		return nil
	}
	if matches(tm, lp) {
		// The total counts these events too: add the other events.
		lo, ok := violate(lp, tm, pm)
		if !ok {
			return nil
		}
		return &counterFeeder{desc: "raw counters", counters: []counter{{lp, partRole}, {lo, otherRole}}}
	}
	lt, ok := satisfy(tm, groupingBase(s))
	if !ok || matches(pm, lt) {
		return nil
	}
	return &counterFeeder{desc: "raw counters", counters: []counter{{lp, partRole}, {lt, roleTotal}}}
}

// latencyFeeder builds a classic histogram with its threshold bucket,
// written the way Prometheus 3 normalises le.
func latencyFeeder(s *slo.SLO) feeder {
	l, ok := seriesFor(s, s.SLI.Histogram)
	if !ok {
		return nil
	}
	base := l[labels.MetricName]
	with := func(suffix, le string) map[string]string {
		m := make(map[string]string, len(l)+1)
		for k, v := range l {
			m[k] = v
		}
		m[labels.MetricName] = base + suffix
		if le != "" {
			m["le"] = le
		}
		return m
	}
	return &counterFeeder{desc: "a raw classic histogram", counters: []counter{
		{with("_bucket", normalisedLe(s.SLI.Threshold)), roleGood},
		{with("_bucket", "+Inf"), roleTotal},
		{with("_count", ""), roleTotal},
	}}
}

// normalisedLe formats a bucket boundary as Prometheus 3 does ("1.0", "0.4").
func normalisedLe(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// probeFeeder writes a 0/1 gauge every 15 seconds, failing every k-th
// sample for an error share of 1/k.
type probeFeeder struct {
	labels map[string]string
}

const probeInterval = 15 * time.Second

func probeFeederFor(s *slo.SLO) feeder {
	l, ok := seriesFor(s, s.SLI.Success)
	if !ok {
		return nil
	}
	return &probeFeeder{labels: l}
}

func (f *probeFeeder) interval() time.Duration    { return probeInterval }
func (f *probeFeeder) exact() bool                { return false }
func (f *probeFeeder) zeroTrafficHasSeries() bool { return false }
func (f *probeFeeder) describe() string           { return "a raw 0/1 gauge" }
func (f *probeFeeder) quantum(errFrac float64) time.Duration {
	return time.Duration(probeEvery(errFrac)) * probeInterval
}

// probeEvery is k: one sample in k fails.
func probeEvery(errFrac float64) int { return max(1, int(math.Round(1/errFrac))) }

func (f *probeFeeder) series(segs []segment) []inputSeries {
	var tok []string
	run := func(v string, n int) {
		if n > 0 {
			tok = append(tok, v+"x"+strconv.Itoa(n-1))
		}
	}
	run("1", 1)
	for _, sg := range segs {
		n := int(sg.d / probeInterval)
		switch {
		case sg.noData:
			tok[0] = "_"
			run("_", n)
		case sg.errFrac == 0:
			run("1", n)
		default:
			// The failing sample sits in the middle of each block of k, away
			// from the edges of the run.
			k := probeEvery(sg.errFrac)
			for n >= k {
				run("1", k/2)
				run("0", 1)
				run("1", k-k/2-1)
				n -= k
			}
			run("1", n)
		}
	}
	return []inputSeries{{Series: seriesString(f.labels), Values: strings.Join(tok, " ")}}
}

// baseFeeder writes the base rate recordings directly, for SLIs whose raw
// series slokeeper cannot construct (queries, raw ratios, native
// histograms). It tests everything downstream of the SLI expression.
type baseFeeder struct {
	s *slo.SLO
	w slo.Windows
}

func (f *baseFeeder) interval() time.Duration { return time.Minute }
func (f *baseFeeder) exact() bool             { return true }
func (f *baseFeeder) zeroTrafficHasSeries() bool {
	return f.s.SLI.Kind != slo.SLIRaw
}
func (f *baseFeeder) describe() string              { return "its base rate recordings" }
func (f *baseFeeder) quantum(float64) time.Duration { return time.Minute }

func (f *baseFeeder) series(segs []segment) []inputSeries {
	l := seriesLabels(f.s, revision(f.s, f.w))
	for _, g := range f.s.Grouping {
		l[g] = testGrouping
	}
	perSecond := eventsPerMinute / 60
	raw := f.s.SLI.Kind == slo.SLIRaw
	// The minute ending at each sample, from the sample at t=0 on (which ends a minute of the first segment).
	var minutes []segment
	for i, sg := range segs {
		n := int(sg.d / time.Minute)
		if i == 0 {
			n++
		}
		for range n {
			minutes = append(minutes, sg)
		}
	}
	// A base rate covers the base window before its sample: averaged over the minutes there that have data, as a
	// rate over the raw series would be, it ramps from one segment's value to the next over a base window.
	span := int(f.w.Base / time.Minute)
	gauge := func(v func(sg segment) float64) string {
		var tok []string
		last, run := "", 0
		flush := func() {
			if run > 0 {
				tok = append(tok, last+"x"+strconv.Itoa(run-1))
			}
		}
		for i := range minutes {
			sum, n := 0.0, 0
			for _, sg := range minutes[max(0, i-span+1) : i+1] {
				if !sg.noData {
					sum += v(sg)
					n++
				}
			}
			val := "0"
			switch {
			case minutes[i].noData && raw:
				val = "_"
			case n > 0:
				val = float(sum / float64(n))
			}
			if val != last {
				flush()
				last, run = val, 0
			}
			run++
		}
		flush()
		return strings.Join(tok, " ")
	}
	errL := named(l, c.ErrorRate(f.w.Base))
	out := []inputSeries{{Series: seriesString(errL), Values: gauge(func(sg segment) float64 {
		if raw {
			return sg.errFrac
		}
		return perSecond * sg.errFrac
	})}}
	if !raw {
		out = append(out, inputSeries{Series: seriesString(named(l, c.TotalRate(f.w.Base))), Values: gauge(func(segment) float64 {
			return perSecond
		})})
	}
	return out
}

// named copies l with a metric name.
func named(l map[string]string, name string) map[string]string {
	m := make(map[string]string, len(l)+1)
	for k, v := range l {
		m[k] = v
	}
	m[labels.MetricName] = name
	return m
}
