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
	// Block is the unit that windows of at least a block and under 12 tiles
	// are stitched from: back-to-back blocks ending at the evaluation, each
	// the base rate (Block == Base) or a rate recorded from Block/Base
	// back-to-back base rates. It is a twelfth of the fastest page's long
	// window or a little more, so that no stitched window sums more than
	// about 24 blocks whatever the period.
	Block time.Duration
	// Span is the fastest page's long window when it is stitched from more
	// than one block (0 otherwise): recorded as a rate at every evaluation,
	// it is the unit of the page windows of 12 tiles or more (the 30-day
	// SLO's 6h page is six back-to-back 1h spans), so that every page reads
	// its newest events at full weight.
	Span time.Duration
	// Tile is the range (and the evaluation interval) of the coarse
	// recordings that the period and the long windows are averaged from.
	Tile   time.Duration
	Alerts []AlertWindow
}

// WindowsFor scales the catalog to period: long windows are scaled by
// period/30d and snapped to whole minutes, short windows are long/12, no
// window is shorter than minWindow (0 means DefaultMinWindow), and every burn
// factor is recomputed from the snapped long window so that it still means
// "this budget fraction within that window". Windows under 12 tiles are
// stitched from back-to-back base rates or blocks, so they snap to a whole
// number of them (the 28d page's 56m becomes 55m). For periods under about
// 2.5 days the fastest page's long window is raised to minWindow, and its
// factor falls accordingly.
func WindowsFor(period time.Duration, catalog []CatalogEntry, minWindow time.Duration) Windows {
	if minWindow <= 0 {
		minWindow = DefaultMinWindow
	}
	// The base rate is the only rule that reads raw series. Taken over the shortest window allowed, not the
	// shortest alert window, so that its cost does not grow with the period: a 90-day SLO's shortest alert
	// window (15m) is stitched from 5m base rates rather than reading three times the raw samples.
	w := Windows{Period: period, Base: minWindow}
	// Rounded up, so that a period never holds more than tileSamples tiles.
	w.Tile = max(2*w.Base, ceilMinute(time.Duration(int64(period)/tileSamples)))
	w.Block = w.Base
	if len(catalog) > 0 {
		fastest := scale(slices.MinFunc(catalog, func(a, b CatalogEntry) int { return int(a.Long - b.Long) }).Long, period)
		n := int64(math.Ceil(float64(fastest) / float64(12*w.Base)))
		if b := time.Duration(max(n, 1)) * w.Base; b < w.Tile {
			w.Block = b
		}
		// A span as long as the tile would be recorded under the tile's name, every interval beside the tiles
		// group's once per tile: one series with two writers. Without a span, the page windows of 12 tiles or
		// more (which the default catalog has not at the periods where this happens) average the tiles.
		if span := w.snap(fastest, minWindow); span > w.Block && !w.Tiled(span) && span != w.Tile {
			w.Span = span
		}
	}
	for _, c := range catalog {
		long := w.snap(scale(c.Long, period), minWindow)
		if n := math.Round(float64(long) / float64(w.Span)); c.Tier == TierPage && w.Span > 0 && w.Tiled(long) && n <= maxSpans {
			long = time.Duration(n) * w.Span
		}
		short := min(w.snap(time.Duration(int64(long)/12), minWindow), long)
		w.Alerts = append(w.Alerts, AlertWindow{
			Tier:           c.Tier,
			BudgetFraction: c.BudgetFraction,
			Long:           long,
			Short:          short,
			BurnFactor:     round(c.BudgetFraction*float64(period)/float64(long), 6),
		})
	}
	return w
}

// maxSpans is the most spans a page window is stitched from.
const maxSpans = 24

// Tiled reports whether window d is at least 12 tiles long: averaged from
// tiles (in the slow budget group) unless it is Spanned.
func (w Windows) Tiled(d time.Duration) bool { return d >= 12*w.Tile }

// Spanned reports whether window d, of 12 tiles or more, is a page window
// stitched from spans.
func (w Windows) Spanned(d time.Duration) bool {
	if w.Span == 0 || !w.Tiled(d) || d%w.Span != 0 || d/w.Span > maxSpans {
		return false
	}
	for _, a := range w.Alerts {
		if a.Tier == TierPage && a.Long == d {
			return true
		}
	}
	return false
}

// Stitched reports whether window d is a sum of back-to-back recorded rates
// (see Stitch), evaluated with the base rates at every interval.
func (w Windows) Stitched(d time.Duration) bool {
	return d != w.Base && (!w.Tiled(d) || w.Spanned(d))
}

// Stitch returns how a stitched window d is put together: n back-to-back
// rates of length unit, ending at the evaluation. unit is the span for page
// windows of 12 tiles or more, the block when d holds one, the base
// otherwise.
func (w Windows) Stitch(d time.Duration) (unit time.Duration, n int) {
	unit = w.blockOrBase(d)
	if w.Spanned(d) {
		unit = w.Span
	}
	return unit, int(d / unit)
}

// blockOrBase is the unit of a window d under 12 tiles: the block when d
// holds one, the base otherwise.
func (w Windows) blockOrBase(d time.Duration) time.Duration {
	if d >= w.Block {
		return w.Block
	}
	return w.Base
}

// Recent is how far back the base, block and span rates are read at exact
// offsets on the evaluation grid: 13 tiles (the short windows and the first
// tile average base rates), or the longest stitched window with one of its
// units and a tile more.
func (w Windows) Recent() time.Duration {
	recent := 13 * w.Tile
	for _, d := range w.Distinct() {
		if w.Stitched(d) {
			unit, _ := w.Stitch(d)
			recent = max(recent, d+unit+w.Tile)
		}
	}
	return recent
}

// snap rounds d to whole minutes, never below minWindow, and a window under
// 12 tiles to a whole number of blocks (of base windows under a block).
func (w Windows) snap(d, minWindow time.Duration) time.Duration {
	d = max(d.Round(time.Minute), minWindow)
	if w.Tiled(d) {
		return d
	}
	unit := w.blockOrBase(d)
	return max(time.Duration(math.Round(float64(d)/float64(unit))), 1) * unit
}

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

func round(f float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(f*p) / p
}

// String describes the windows for logs and docs.
func (a AlertWindow) String() string {
	return fmt.Sprintf("%s: %.4g%% of budget in %s (short %s), burn factor %g",
		a.Tier, a.BudgetFraction*100, a.Long, a.Short, a.BurnFactor)
}
