package slo

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestWindowsFor(t *testing.T) {
	const (
		m = time.Minute
		h = time.Hour
		d = 24 * time.Hour
	)
	type win struct {
		long, short time.Duration
		factor      float64
	}
	for _, tc := range []struct {
		period            time.Duration
		base, block, tile time.Duration
		want              []win
	}{
		{
			// The 2m long window and every short window under 5m are raised
			// to the 5m minimum: 2% of the budget in 5m is a factor of 5.76.
			// Windows under 12 tiles (2h) are whole numbers of 5m base
			// windows: the slow page's 12m is 10m, the ticket's 48m is 50m.
			period: 1 * d, base: 5 * m, block: 5 * m, tile: 10 * m,
			want: []win{{5 * m, 5 * m, 5.76}, {10 * m, 5 * m, 7.2}, {50 * m, 5 * m, 2.88}, {144 * m, 10 * m, 1}},
		},
		{
			period: 7 * d, base: 5 * m, block: 5 * m, tile: 10 * m,
			want: []win{{15 * m, 5 * m, 13.44}, {85 * m, 5 * m, 5.929412}, {336 * m, 30 * m, 3}, {1008 * m, 85 * m, 1}},
		},
		{
			// The slow page's 5h36m is six spans of the 55m fast page: 5h30m.
			period: 28 * d, base: 5 * m, block: 5 * m, tile: 10 * m,
			want: []win{{55 * m, 5 * m, 14.661818}, {330 * m, 30 * m, 6.109091}, {1344 * m, 110 * m, 3}, {4032 * m, 336 * m, 1}},
		},
		{
			period: 30 * d, base: 5 * m, block: 5 * m, tile: 10 * m,
			want: []win{{1 * h, 5 * m, 14.4}, {6 * h, 30 * m, 6}, {1 * d, 2 * h, 3}, {3 * d, 6 * h, 1}},
		},
		{
			// The fastest page's 3h is 12 blocks of 15m, each recorded from
			// three 5m base rates.
			period: 90 * d, base: 5 * m, block: 15 * m, tile: 30 * m,
			want: []win{{3 * h, 15 * m, 14.4}, {18 * h, 90 * m, 6}, {3 * d, 6 * h, 3}, {9 * d, 18 * h, 1}},
		},
	} {
		t.Run(tc.period.String(), func(t *testing.T) {
			w := WindowsFor(tc.period, DefaultCatalog, 0)
			require.Equal(t, tc.base, w.Base, "base")
			require.Equal(t, tc.tile, w.Tile, "tile")
			require.Equal(t, tc.block, w.Block, "block")
			require.Len(t, w.Alerts, len(tc.want))
			for i, a := range w.Alerts {
				require.Equal(t, tc.want[i].long, a.Long, "long window %d", i)
				require.Equal(t, tc.want[i].short, a.Short, "short window %d", i)
				require.InDelta(t, tc.want[i].factor, a.BurnFactor, 1e-9, "burn factor %d", i)
				require.Equal(t, DefaultCatalog[i].Tier, a.Tier)
			}
		})
	}
}

// Every period from 1d to 90d yields valid windows: whole minutes, at least
// MinWindow, short within long, and factors that still mean "this fraction of
// the budget within the long window".
func TestWindowsForEveryPeriod(t *testing.T) {
	for p := 24 * time.Hour; p <= 90*24*time.Hour; p += 7 * time.Hour {
		w := WindowsFor(p, DefaultCatalog, 0)
		require.GreaterOrEqual(t, w.Tile, 2*w.Base, "period %s", p)
		require.Less(t, w.Block, w.Tile, "period %s", p)
		require.Zero(t, w.Block%w.Base, "period %s", p)
		// The period reads at most 4320 tiles, whatever its length.
		require.LessOrEqual(t, int(p/w.Tile), 4320, "period %s", p)
		for _, a := range w.Alerts {
			require.Zero(t, a.Long%time.Minute, "period %s: %s", p, a)
			require.Zero(t, a.Short%time.Minute, "period %s: %s", p, a)
			require.GreaterOrEqual(t, a.Short, DefaultMinWindow, "period %s: %s", p, a)
			require.LessOrEqual(t, a.Short, a.Long, "period %s: %s", p, a)
			require.GreaterOrEqual(t, a.Short, w.Base, "period %s: %s", p, a)
			for _, d := range []time.Duration{a.Long, a.Short} {
				if w.Tiled(d) || d == w.Base {
					continue
				}
				// A stitched window is a whole number of units, fewer than 12 tiles of them (about 24).
				unit, n := w.Stitch(d)
				require.Equal(t, d, time.Duration(n)*unit, "period %s: %s", p, a)
				require.Less(t, n, int(12*w.Tile/w.Block)+1, "period %s: %s", p, a)
				require.LessOrEqual(t, n, 30, "period %s: %s", p, a)
			}
			consumed := a.BurnFactor * float64(a.Long) / float64(p)
			require.InDelta(t, a.BudgetFraction, consumed, 1e-6, "period %s: %s", p, a)
		}
	}
}

func TestDistinctAndTiled(t *testing.T) {
	w := WindowsFor(30*24*time.Hour, DefaultCatalog, 0)
	require.Equal(t, []time.Duration{
		5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour,
	}, w.Distinct())
	var tiled []time.Duration
	for _, d := range w.Distinct() {
		if w.Tiled(d) {
			tiled = append(tiled, d)
		}
	}
	require.Equal(t, []time.Duration{2 * time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour}, tiled)
}

func TestParseObjective(t *testing.T) {
	for _, tc := range []struct {
		in             string
		ratio, budget  float64
		percent, error string
	}{
		{in: "99.9", ratio: 0.999, budget: 0.001, percent: "99.9"},
		{in: "95", ratio: 0.95, budget: 0.05, percent: "95"},
		{in: "99.95", ratio: 0.9995, budget: 0.0005, percent: "99.95"},
		{in: "99.999", ratio: 0.99999, budget: 0.00001, percent: "99.999"},
		{in: "1e1", ratio: 0.1, budget: 0.9, percent: "10"},
		{in: "0", error: "must be in (0,100), got 0"},
		{in: "100", error: "must be in (0,100), got 100"},
		{in: "-5", error: "must be in (0,100), got -5"},
		{in: "abc", error: `must be a number of percent, got "abc"`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			o, err := ParseObjective(tc.in)
			if tc.error != "" {
				require.EqualError(t, err, tc.error)
				return
			}
			require.NoError(t, err)
			// Exact: the budget is the float nearest to the decimal, not
			// 1-0.999 computed in floating point.
			require.Equal(t, tc.budget, o.Budget)
			require.Equal(t, tc.ratio, o.Ratio)
			require.Equal(t, tc.percent, o.Percent)
		})
	}
}

func TestExpandWindow(t *testing.T) {
	q := `sum(rate(x[{{.window}}])) / sum(rate(y[{{ .window }}]))`
	require.True(t, HasWindow(q))
	require.False(t, HasWindow("rate(x[5m])"))
	require.Equal(t, "sum(rate(x[1h])) / sum(rate(y[1h]))", ExpandWindow(q, time.Hour))
	require.Equal(t, "rate(x[1d])", ExpandWindow("rate(x[{{.window}}])", 24*time.Hour))
}

// A lower minimum, for users who scrape every 15s, keeps the Workbook's
// windows for short periods.
func TestWindowsForLowerMinimum(t *testing.T) {
	w := WindowsFor(24*time.Hour, DefaultCatalog, time.Minute)
	require.Equal(t, time.Minute, w.Base)
	require.Equal(t, 2*time.Minute, w.Alerts[0].Long)
	require.InDelta(t, 14.4, w.Alerts[0].BurnFactor, 1e-9)
}

// How each window of a 30d and a 90d SLO is put together: the pages' windows from back-to-back base rates,
// blocks or spans; the tickets' long windows from tiles.
func TestStitch(t *testing.T) {
	const (
		m = time.Minute
		h = time.Hour
	)
	type how struct {
		d, unit  time.Duration
		n        int
		stitched bool
	}
	for _, tc := range []struct {
		period      time.Duration
		block, span time.Duration
		want        []how
	}{
		{period: 30 * 24 * h, block: 5 * m, span: h, want: []how{
			{5 * m, 5 * m, 1, false}, {30 * m, 5 * m, 6, true}, {h, 5 * m, 12, true}, {2 * h, 5 * m, 24, false},
			{6 * h, h, 6, true}, {24 * h, 5 * m, 288, false}, {72 * h, 5 * m, 864, false},
		}},
		{period: 90 * 24 * h, block: 15 * m, span: 3 * h, want: []how{
			{15 * m, 15 * m, 1, true}, {90 * m, 15 * m, 6, true}, {3 * h, 15 * m, 12, true}, {6 * h, 15 * m, 24, false},
			{18 * h, 3 * h, 6, true}, {72 * h, 15 * m, 288, false}, {216 * h, 15 * m, 864, false},
		}},
		// A 1d SLO's fastest page is its base window: no blocks, no spans.
		{period: 24 * h, block: 5 * m, span: 0, want: []how{
			{5 * m, 5 * m, 1, false}, {10 * m, 5 * m, 2, true}, {50 * m, 5 * m, 10, true}, {144 * m, 5 * m, 28, false},
		}},
	} {
		t.Run(tc.period.String(), func(t *testing.T) {
			w := WindowsFor(tc.period, DefaultCatalog, 0)
			require.Equal(t, tc.block, w.Block, "block")
			require.Equal(t, tc.span, w.Span, "span")
			var got []how
			for _, d := range w.Distinct() {
				unit, n := w.Stitch(d)
				got = append(got, how{d, unit, n, w.Stitched(d)})
			}
			require.Equal(t, tc.want, got)
		})
	}
}
