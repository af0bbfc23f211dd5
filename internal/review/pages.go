package review

import (
	"math"
	"time"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// pageWindow is a page alert of the catalog on the review's hourly grid: it fires when the error ratio over
// the last hours hours burns the budget at least factor times as fast as the period allows.
type pageWindow struct {
	hours  int
	factor float64
}

// pageWindows maps the SLO's page alerts to the hourly grid: each long window is rounded up to whole hours
// and its burn factor recomputed so that it still means "this share of the budget within the window". The
// short windows, which only make an alert stop sooner, are left out. The result estimates how often a target
// pages; it is not what the rules evaluate minute by minute.
func pageWindows(s *slo.SLO, minWindow time.Duration) []pageWindow {
	var out []pageWindow
	for _, a := range slo.WindowsFor(s.Period, slo.DefaultCatalog, minWindow).Alerts {
		if a.Tier != slo.TierPage || s.Alerting.Page.Disabled {
			continue
		}
		h := max(1, int((a.Long+grid-1)/grid))
		out = append(out, pageWindow{hours: h, factor: a.BudgetFraction * float64(s.Period) / float64(time.Duration(h)*grid)})
	}
	return out
}

// pageStarts returns the hours (indexes into h) of [from, until) at which an estimated page starts: a page
// window fires there and none did the hour before.
func pageStarts(h *hourly, bad []float64, budget float64, ws []pageWindow, from, until time.Time) []int {
	n := len(h.total)
	cb, ct := make([]float64, n+1), make([]float64, n+1) // prefix sums, no data as 0
	for i := range n {
		b, t := bad[i], h.total[i]
		if math.IsNaN(t) || math.IsNaN(b) {
			b, t = 0, 0
		}
		cb[i+1], ct[i+1] = cb[i]+b, ct[i]+t
	}
	firing := func(i int) bool {
		for _, w := range ws {
			j := max(0, i+1-w.hours)
			t := ct[i+1] - ct[j]
			if t > 0 && (cb[i+1]-cb[j])/t >= w.factor*budget {
				return true
			}
		}
		return false
	}
	lo, hi := h.span(from, until)
	var out []int
	prev := lo > 0 && firing(lo-1)
	for i := lo; i < hi; i++ {
		f := firing(i)
		if f && !prev {
			out = append(out, i)
		}
		prev = f
	}
	return out
}
