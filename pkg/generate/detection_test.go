//go:build !race

// The race detector slows rule evaluation about eightfold, and the two-day scenarios replay five days of
// evaluations: make test runs this file in a step of its own, without -race (see the Makefile's unit target).

package generate_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// detectionResult is what one replay measured, relative to the start of the errors.
type detectionResult struct {
	page, ticket           time.Duration // first firing; -1: never
	pageTheory, tickTheory time.Duration // the Workbook's, from ideal windows; -1: never
	resets                 []string      // per page alert that fired: measured reset vs its bound
}

func workbookScenarios() []workbookScenario {
	constant := func(p float64, until time.Duration) func(time.Duration) float64 {
		return func(since time.Duration) float64 {
			if since < until {
				return p
			}
			return 0
		}
	}
	const day = 24 * time.Hour
	return []workbookScenario{
		{name: "100% errors for 20m", history: 7 * time.Hour, length: time.Hour, stop: 20 * time.Minute,
			share: constant(1, 20*time.Minute), page: true, ticket: true, pageBound: 90 * time.Second},
		{name: "15% errors for 10m", history: 7 * time.Hour, length: 30 * time.Minute, stop: 10 * time.Minute,
			share: constant(0.15, 10*time.Minute), page: true, ticket: true, pageBound: 390 * time.Second},
		{name: "1m of 100% errors every 10m", history: 7 * time.Hour, length: 90 * time.Minute, stop: 51 * time.Minute,
			share: func(since time.Duration) float64 {
				if since < time.Hour && since%(10*time.Minute) < time.Minute {
					return 1
				}
				return 0
			}, page: true, ticket: true},
		{name: "10× burn (1% errors) for 4h", history: 7 * time.Hour, length: 5 * time.Hour, stop: 4 * time.Hour,
			share: constant(0.01, 4*time.Hour), page: true, ticket: true},
		{name: "0.9× burn for two days", history: 3 * day, length: 2 * day, stop: 2 * day,
			share: constant(0.9*wbBudget, 2*day)},
		{name: "2× burn for two days", history: 3 * day, length: 2 * day, stop: 2 * day,
			share: constant(2*wbBudget, 2*day), ticket: true},
	}
}

// TestWorkbookDetection replays the Workbook's scenarios through Prometheus' rules manager and engine over a
// TSDB, at a 15s scrape with a 30s evaluation and at 1m with 1m, and checks when the page and the ticket fire
// and when the pages reset, against the Workbook's arithmetic on ideal windows.
func TestWorkbookDetection(t *testing.T) {
	if testing.Short() {
		t.Skip("replays days of the Workbook's scenarios through the rules manager: minutes (make unit runs it)")
	}
	type interval struct{ scrape, eval time.Duration }
	var (
		mu   sync.Mutex // the subtests run in parallel
		rows []string
	)
	for _, iv := range []interval{{15 * time.Second, 30 * time.Second}, {time.Minute, time.Minute}} {
		for _, sc := range workbookScenarios() {
			name := fmt.Sprintf("scrape=%s,eval=%s/%s", c.Window(iv.scrape), c.Window(iv.eval), sc.name)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				res := replayWorkbook(t, sc, iv.scrape, iv.eval)
				mu.Lock()
				defer mu.Unlock()
				rows = append(rows, fmt.Sprintf("| %s | %s / %s | page %s (Workbook %s), ticket %s (Workbook %s) | %s |",
					sc.name, c.Window(iv.scrape), c.Window(iv.eval), fmtSince(res.page), fmtSince(res.pageTheory),
					fmtSince(res.ticket), fmtSince(res.tickTheory), strings.Join(res.resets, "; ")))
			})
		}
	}
	t.Cleanup(func() {
		slices.Sort(rows)
		t.Logf("measured:\n%s", strings.Join(rows, "\n"))
	})
}

func fmtSince(d time.Duration) string {
	if d < 0 {
		return "never"
	}
	return d.Round(100 * time.Millisecond).String()
}

func replayWorkbook(t *testing.T, sc workbookScenario, scrape, eval time.Duration) detectionResult {
	s := workbookSLO()
	w := slo.WindowsFor(s.Period, slo.DefaultCatalog, 0)
	t0 := time.Date(2030, time.January, 7, 12, 0, 0, 0, time.UTC)
	start, end := t0.Add(-sc.history), t0.Add(sc.length)
	cum := cumulativeErrors(sc, start, end)
	tr := steadyTraffic(start, end, scrape, cum)

	body := generate.RuleFile([]*slo.SLO{s}, generate.Options{}, generate.FormatPrometheus, "workbook")
	require.NoError(t, generate.Check(body))
	r := newRuler(t, body, eval, tr)
	tl := alertTimeline{}
	r.observe = tl.observe
	r.run(start, end)

	res := detectionResult{page: tl.first(slo.TierPage, t0), ticket: tl.first(slo.TierTicket, t0)}
	res.pageTheory = theory(w, slo.TierPage, cum, start, end, t0)
	res.tickTheory = theory(w, slo.TierTicket, cum, start, end, t0)
	t.Logf("page at %s (Workbook %s), ticket at %s (Workbook %s)", fmtSince(res.page), fmtSince(res.pageTheory),
		fmtSince(res.ticket), fmtSince(res.tickTheory))
	require.Zero(t, tl.beforeCount(t0), "an alert fired in the clean history")

	// The page: within the Workbook's time plus two scrapes and an evaluation (the errors must be scraped, then
	// evaluated), and never before the events happened; the tighter bounds at 15s/30s.
	if !sc.page {
		require.Equal(t, time.Duration(-1), res.page, "paged")
	} else {
		require.Positive(t, res.pageTheory, "the scenario must page in theory")
		bound := res.pageTheory + 2*scrape + eval
		if sc.pageBound > 0 && scrape == 15*time.Second && eval == 30*time.Second {
			bound = min(bound, sc.pageBound)
		}
		require.GreaterOrEqual(t, res.page, time.Duration(0), "never paged")
		require.LessOrEqual(t, res.page, bound, "paged late")
		// Each window measures all but one scrape interval per base window; it may see a burn that much early.
		require.GreaterOrEqual(t, res.page, res.pageTheory*(w.Base-scrape)/w.Base, "paged before the events")
	}
	if !sc.ticket {
		require.Equal(t, time.Duration(-1), res.ticket, "ticketed")
	} else {
		require.GreaterOrEqual(t, res.ticket, time.Duration(0), "never ticketed")
		require.LessOrEqual(t, res.ticket, res.tickTheory+w.Tile+w.Base+2*scrape+eval, "ticketed late")
	}
	// Every page that fired resets within its short window and an evaluation once the errors stop, and stays
	// quiet after.
	for _, a := range w.Alerts {
		if a.Tier != slo.TierPage {
			continue
		}
		key := alertKey(a.Tier, c.Window(a.Long))
		spans := tl.spans[key]
		if len(spans) == 0 {
			continue
		}
		last := spans[len(spans)-1]
		require.False(t, last.off.IsZero(), "page %s still firing at the end", key)
		reset := last.off.Sub(t0.Add(sc.stop))
		bound := a.Short + eval
		res.resets = append(res.resets, fmt.Sprintf("%s/%s reset %s after the errors stop (bound %s)",
			c.Window(a.Long), c.Window(a.Short), fmtSince(reset), bound))
		require.LessOrEqual(t, reset, bound, "page %s reset late", key)
	}
	return res
}

// theory is the first second after t0 at which an alert of tier fires on ideal windows: the error ratios of
// the exact events in its long and short windows, continuously, above its burn factor. -1: never.
func theory(w slo.Windows, tier slo.Tier, cum []float64, start, end, t0 time.Time) time.Duration {
	ratio := func(i int, d time.Duration) float64 {
		j := max(i-int(d/time.Second), 0)
		return (cum[i] - cum[j]) / (wbRate * float64(i-j))
	}
	for i := int(t0.Sub(start) / time.Second); i < len(cum); i++ {
		for _, a := range w.Alerts {
			limit := a.BurnFactor * wbBudget
			if a.Tier == tier && ratio(i, a.Long) >= limit && ratio(i, a.Short) >= limit {
				return start.Add(time.Duration(i) * time.Second).Sub(t0)
			}
		}
	}
	return -1
}
