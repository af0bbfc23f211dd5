package review

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// pct formats a share as a percentage with two significant decimals at most: 12%, 3.4%, 0.05%.
func pct(f float64) string {
	if math.IsNaN(f) {
		return "–"
	}
	p := f * 100
	switch a := math.Abs(p); {
	case a >= 10:
		return strconv.FormatFloat(math.Round(p), 'f', -1, 64) + "%"
	case a >= 1:
		return strconv.FormatFloat(math.Round(p*10)/10, 'f', -1, 64) + "%"
	}
	return strconv.FormatFloat(p, 'g', 2, 64) + "%"
}

// pct4 formats an SLI: enough decimals to compare it with an objective such as 99.95%.
func pct4(f float64) string {
	if math.IsNaN(f) {
		return "–"
	}
	return strconv.FormatFloat(math.Floor(f*1e6)/1e4, 'f', -1, 64) + "%"
}

// count formats a number of events for reading: 950, 12.3k, 4.56M.
func count(f float64) string {
	switch a := math.Abs(f); {
	case math.IsNaN(f):
		return "–"
	case a >= 1e9:
		return strconv.FormatFloat(f/1e9, 'g', 3, 64) + "G"
	case a >= 1e6:
		return strconv.FormatFloat(f/1e6, 'g', 3, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(f/1e3, 'g', 3, 64) + "k"
	case a >= 10:
		return strconv.FormatFloat(math.Round(f), 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', 2, 64)
}

// rate formats events per second.
func rate(f float64) string {
	if math.IsNaN(f) {
		return "–"
	}
	if f >= 100 {
		return strconv.FormatFloat(math.Round(f), 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', 3, 64)
}

// days formats a period in days when whole.
func days(d time.Duration) string {
	if d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return d.String()
}

// seconds formats a quantile in seconds as a short duration: 5.3ms, 412ms, 2.1s.
func seconds(f float64) string {
	switch {
	case math.IsNaN(f):
		return "–"
	case f < 1:
		return strconv.FormatFloat(f*1000, 'g', 3, 64) + "ms"
	}
	return strconv.FormatFloat(f, 'g', 3, 64) + "s"
}

// listLimit is the most slices a list of evidence names one by one.
const listLimit = 8

// perSlice lists one value per slice, or, for many slices, their range and the worst.
func perSlice(ss []sliceStat, value func(sliceStat) float64, format func(float64) string, worseIsHigher bool) string {
	if len(ss) <= listLimit {
		parts := make([]string, 0, len(ss))
		for _, st := range ss {
			parts = append(parts, st.label+" "+format(value(st)))
		}
		return strings.Join(parts, ", ")
	}
	lo, hi, worst := math.Inf(1), math.Inf(-1), ss[0]
	for _, st := range ss {
		v := value(st)
		lo, hi = min(lo, v), max(hi, v)
		if (worseIsHigher && v > value(worst)) || (!worseIsHigher && v < value(worst)) {
			worst = st
		}
	}
	return fmt.Sprintf("%d slices from %s to %s, the worst %s (%s)", len(ss), format(lo), format(hi), worst.label, format(value(worst)))
}

// quantiles lists the observed quantile of each slice.
func quantiles(ss []sliceStat) string {
	return perSlice(ss, func(st sliceStat) float64 { return st.q }, seconds, true)
}

// sliList lists the SLI of each slice.
func sliList(ss []sliceStat) string {
	return perSlice(ss, func(st sliceStat) float64 { return 1 - st.ratio }, pct4, false)
}
