package review

import (
	"time"
)

const (
	day  = 24 * time.Hour
	week = 7 * day
)

// Slicing is how a review window is cut into slices of an SLO's period.
type Slicing string

// The slicings, chosen from the period (see SlicingFor).
const (
	SlicingMonths   Slicing = "calendar months"
	SlicingQuarters Slicing = "calendar quarters"
	SlicingWeeks    Slicing = "weeks from Monday"
	SlicingDays     Slicing = "days"
)

// Slice is one calendar slice of a review window, [Start, End), clipped to the window.
type Slice struct {
	Start, End time.Time
	// Partial: the window cuts the slice (its first or its current one).
	Partial bool
	// Label names the whole slice for people: "2026-09" for a month, "2026-Q3", or its first day.
	Label string
}

// SlicingFor picks the calendar slices of a period: months for 28 to 31 days, quarters for 84 to 92 days,
// runs of weeks starting on a Monday (UTC) for whole weeks, and runs of whole days (the period rounded to
// days, at least one) counted from the Unix epoch otherwise. Calendar slices are what people review ("we met
// it every month but March") and what an SLO report quotes.
func SlicingFor(period time.Duration) (Slicing, int) {
	switch {
	case period >= 28*day && period <= 31*day:
		return SlicingMonths, 1
	case period >= 84*day && period <= 92*day:
		return SlicingQuarters, 1
	case period%week == 0:
		return SlicingWeeks, int(period / week)
	}
	return SlicingDays, max(1, int((period+day/2)/day))
}

// mondayEpoch is the first Monday of the Unix epoch, 1970-01-05 UTC.
var mondayEpoch = time.Date(1970, 1, 5, 0, 0, 0, 0, time.UTC)

// sliceStart returns the start of the slice that holds t.
func sliceStart(kind Slicing, n int, t time.Time) time.Time {
	t = t.UTC()
	switch kind {
	case SlicingMonths:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	case SlicingQuarters:
		return time.Date(t.Year(), t.Month()-(t.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC)
	case SlicingWeeks:
		length := time.Duration(n) * week
		return mondayEpoch.Add(floorDiv(t.Sub(mondayEpoch), length) * length)
	}
	length := time.Duration(n) * day
	epoch := time.Unix(0, 0).UTC()
	return epoch.Add(floorDiv(t.Sub(epoch), length) * length)
}

// next returns the start of the slice after the one starting at start.
func next(kind Slicing, n int, start time.Time) time.Time {
	switch kind {
	case SlicingMonths:
		return start.AddDate(0, 1, 0)
	case SlicingQuarters:
		return start.AddDate(0, 3, 0)
	case SlicingWeeks:
		return start.Add(time.Duration(n) * week)
	}
	return start.Add(time.Duration(n) * day)
}

func floorDiv(d, unit time.Duration) time.Duration {
	q := d / unit
	if d%unit < 0 {
		q--
	}
	return q
}

// Slices cuts [from, until) into the calendar slices of period, oldest first.
func Slices(period time.Duration, from, until time.Time) []Slice {
	kind, n := SlicingFor(period)
	var out []Slice
	for s := sliceStart(kind, n, from); s.Before(until); s = next(kind, n, s) {
		e := next(kind, n, s)
		sl := Slice{Start: s, End: e, Label: label(kind, s)}
		if s.Before(from) {
			sl.Start, sl.Partial = from, true
		}
		if e.After(until) {
			sl.End, sl.Partial = until, true
		}
		if sl.Start.Before(sl.End) {
			out = append(out, sl)
		}
	}
	return out
}

// chunks cuts [from, until) into the UTC days (clipped) that are read one query at a time.
func chunks(from, until time.Time) []Slice {
	var out []Slice
	for s := from.UTC().Truncate(day); s.Before(until); s = s.Add(day) {
		c := Slice{Start: s, End: s.Add(day)}
		if c.Start.Before(from) {
			c.Start = from
		}
		if c.End.After(until) {
			c.End = until
		}
		if c.Start.Before(c.End) {
			out = append(out, c)
		}
	}
	return out
}

func label(kind Slicing, start time.Time) string {
	switch kind {
	case SlicingMonths:
		return start.Format("2006-01")
	case SlicingQuarters:
		return start.Format("2006") + "-Q" + string(rune('1'+(start.Month()-1)/3))
	}
	return start.Format(time.DateOnly)
}
