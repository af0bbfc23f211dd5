package generate_test

import (
	"strings"
	"time"

	"github.com/prometheus/prometheus/rules"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// The SRE Workbook's SLO and burns, and what the rules manager did with them: shared by the Workbook replay
// (detection_test.go, without -race) and the shorter rules-engine tests that run with it.

// workbookScenario is a burn of the SRE Workbook's alerting chapter, replayed on a 99.9% SLO over 30d with
// 100 requests a second.
type workbookScenario struct {
	name    string
	history time.Duration // clean traffic before the errors start
	length  time.Duration // simulated after the start
	stop    time.Duration // when the errors stop, after the start (length if they do not)
	// share is the share of failed requests `since` after the start (since ≥ 0).
	share        func(since time.Duration) float64
	page, ticket bool // whether it must page, ticket
	// pageBound is the detection bound the issue sets at a 15s scrape and a 30s evaluation (0: the general one).
	pageBound time.Duration
}

const (
	wbRate   = 100.0 // requests a second
	wbBudget = 0.001
)

// workbookSLO is the scenarios' SLO.
func workbookSLO() *slo.SLO {
	return &slo.SLO{
		Name: "availability", Service: "api", Owner: "team-api", Layer: slo.LayerService,
		Objective: slo.MustObjective("99.9"), Period: 30 * 24 * time.Hour,
		SLI: slo.SLI{Kind: slo.SLIEvents, Errors: `http_requests_total{job="api",code="500"}`, Total: `http_requests_total{job="api"}`},
		Alerting: slo.Alerting{
			Page:   slo.TierAlerting{Severity: c.DefaultPageSeverity},
			Ticket: slo.TierAlerting{Severity: c.DefaultTicketSeverity},
		},
	}
}

// cumulativeErrors integrates the scenario's failed requests, second by second from start to end.
func cumulativeErrors(sc workbookScenario, start, end time.Time) []float64 {
	n := int(end.Sub(start)/time.Second) + 1
	cum := make([]float64, n)
	t0 := sc.history
	for i := 1; i < n; i++ {
		since := time.Duration(i-1)*time.Second - t0
		p := 0.0
		if since >= 0 {
			p = sc.share(since)
		}
		cum[i] = cum[i-1] + wbRate*p
	}
	return cum
}

// steadyTraffic scrapes wbRate requests a second, of which cum's failed, every scrape from start to end.
func steadyTraffic(start, end time.Time, scrape time.Duration, cum []float64) *traffic {
	tr := &traffic{trafficModel: trafficModel{start: start, end: end, scrape: scrape}}
	for ts := start; !ts.After(end); ts = ts.Add(scrape) {
		sec := ts.Sub(start).Seconds()
		// Counters that start high, as a long-running server's do.
		tr.total = append(tr.total, 1e6+wbRate*sec)
		tr.errors = append(tr.errors, 1e3+cum[int(sec)])
	}
	return tr
}

// alertTimeline records when each burn alert was firing, from the rules manager's own alert state after every
// evaluation of its group.
type alertTimeline struct {
	spans map[string][]span
}

type span struct{ on, off time.Time }

func alertKey(tier slo.Tier, long string) string { return string(tier) + "/" + long }

func (tl *alertTimeline) observe(g *rules.Group, ts time.Time) {
	if tl.spans == nil {
		tl.spans = map[string][]span{}
	}
	for _, ar := range g.AlertingRules() {
		if ar.Name() != c.AlertBurn {
			continue
		}
		firing := map[string]bool{}
		for _, a := range ar.ActiveAlerts() {
			if a.State == rules.StateFiring {
				firing[alertKey(slo.Tier(a.Labels.Get(c.LabelTier)), a.Labels.Get(c.LabelLongWindow))] = true
			}
		}
		long := ar.Labels().Get(c.LabelLongWindow)
		key := alertKey(slo.Tier(ar.Labels().Get(c.LabelTier)), long)
		spans := tl.spans[key]
		open := len(spans) > 0 && spans[len(spans)-1].off.IsZero()
		switch {
		case firing[key] && !open:
			tl.spans[key] = append(spans, span{on: ts})
		case !firing[key] && open:
			spans[len(spans)-1].off = ts
		}
	}
}

// first is when an alert of tier first fired at or after from, relative to from; -1: never.
func (tl *alertTimeline) first(tier slo.Tier, from time.Time) time.Duration {
	best := time.Duration(-1)
	for key, spans := range tl.spans {
		if !strings.HasPrefix(key, string(tier)+"/") {
			continue
		}
		for _, s := range spans {
			if d := s.on.Sub(from); d >= 0 && (best < 0 || d < best) {
				best = d
			}
		}
	}
	return best
}

// beforeCount is how many alerts started firing before t.
func (tl *alertTimeline) beforeCount(t time.Time) int {
	var n int
	for _, spans := range tl.spans {
		for _, s := range spans {
			if s.on.Before(t) {
				n++
			}
		}
	}
	return n
}
