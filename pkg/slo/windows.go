package slo

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// ReferencePeriod is the period the SRE Workbook's window catalog is given for.
const ReferencePeriod = 30 * 24 * time.Hour

// CatalogEntry is one multi-window alert of the SRE Workbook ("Alerting on
// SLOs", table 5-8), stated for ReferencePeriod: alert when BudgetFraction of
// the period's error budget burns within Long, confirmed over Short.
type CatalogEntry struct {
	Tier           Tier
	BudgetFraction float64
	Long, Short    time.Duration
}

// DefaultCatalog is the Workbook's recommendation: page on 2% of the budget
// in 1h or 5% in 6h; ticket on 10% in 1d or in 3d. At 30 days these are burn
// factors 14.4, 6, 3 and 1.
var DefaultCatalog = []CatalogEntry{
	{TierPage, 0.02, time.Hour, 5 * time.Minute},
	{TierPage, 0.05, 6 * time.Hour, 30 * time.Minute},
	{TierTicket, 0.10, 24 * time.Hour, 2 * time.Hour},
	{TierTicket, 0.10, 72 * time.Hour, 6 * time.Hour},
}

// DefaultMinWindow is the shortest window slokeeper emits by default. Every
// ratio is averaged from rates over the shortest window, so it must hold
// at least two scrapes (Prometheus' rule of thumb: four) and be at least the
// rule evaluation interval; 5m does so for scrape and evaluation intervals up
// to 1m15s. Users who scrape faster may lower it (generate --window.min).
const DefaultMinWindow = 5 * time.Minute

// tileSamples is how many tiles cover a period: the period rules read this
// many samples per series whatever the period, so their cost does not grow
// with it.
const tileSamples = 4320

// AlertWindow is one catalog entry scaled to an SLO's period.
type AlertWindow struct {
	Tier           Tier
	BudgetFraction float64
	Long, Short    time.Duration
	// BurnFactor is the burn rate the alert fires above: consuming
	// BudgetFraction of the budget within Long.
	BurnFactor float64
}

// Windows are the windows of one SLO period.
type Windows struct {
	Period time.Duration
	// Base is the range of the rate taken over the raw SLI series: the
	// minimum window, no longer than any alert window. Every other window
	// is derived from it.
	Base time.Duration
	// Tile is the range (and the evaluation interval) of the coarse
	// recordings that the period and the long windows are averaged from.
	Tile   time.Duration
	Alerts []AlertWindow
}

// WindowsFor scales the catalog to period: long windows are scaled by
// period/30d and snapped to whole minutes, short windows are long/12 snapped to
// whole minutes, no window is shorter than minWindow (0 means
// DefaultMinWindow), and every burn factor is recomputed from the snapped long
// window so that it still means "this budget fraction within that window".
// For periods under about 2.5 days the fastest page's long window is raised
// to minWindow, and its factor falls accordingly.
func WindowsFor(period time.Duration, catalog []CatalogEntry, minWindow time.Duration) Windows {
	if minWindow <= 0 {
		minWindow = DefaultMinWindow
	}
	w := Windows{Period: period}
	for _, c := range catalog {
		long := snap(scale(c.Long, period), minWindow)
		short := min(snap(time.Duration(int64(long)/12), minWindow), long)
		w.Alerts = append(w.Alerts, AlertWindow{
			Tier:           c.Tier,
			BudgetFraction: c.BudgetFraction,
			Long:           long,
			Short:          short,
			BurnFactor:     round(c.BudgetFraction*float64(period)/float64(long), 6),
		})
	}
	// The base rate is the only rule that reads raw series. Taken over the shortest window allowed, not the
	// shortest alert window, so that its cost does not grow with the period: a 90-day SLO's shortest alert
	// window (15m) averages 5m base rates rather than reading three times the raw samples.
	w.Base = minWindow
	// Rounded up, so that a period never holds more than tileSamples tiles.
	w.Tile = max(2*w.Base, ceilMinute(time.Duration(int64(period)/tileSamples)))
	return w
}

// Tiled reports whether window d is averaged from tiles (in the slow budget
// group) rather than from the base rate (evaluated every interval).
func (w Windows) Tiled(d time.Duration) bool { return d >= 12*w.Tile }

// Distinct returns every distinct alert window, shortest first.
func (w Windows) Distinct() []time.Duration {
	seen := map[time.Duration]bool{}
	var out []time.Duration
	for _, a := range w.Alerts {
		for _, d := range []time.Duration{a.Short, a.Long} {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	slices.Sort(out)
	return out
}

func scale(d, period time.Duration) time.Duration {
	return time.Duration(float64(d) * float64(period) / float64(ReferencePeriod))
}

func ceilMinute(d time.Duration) time.Duration {
	return (d + time.Minute - 1) / time.Minute * time.Minute
}

// snap rounds d to whole minutes, never below minWindow.
func snap(d, minWindow time.Duration) time.Duration {
	return max(d.Round(time.Minute), minWindow)
}

func round(f float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(f*p) / p
}

// String describes the windows for logs and docs.
func (a AlertWindow) String() string {
	return fmt.Sprintf("%s: %.4g%% of budget in %s (short %s), burn factor %g",
		a.Tier, a.BudgetFraction*100, a.Long, a.Short, a.BurnFactor)
}
