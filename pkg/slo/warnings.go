package slo

import "github.com/prometheus/common/model"

// Warning is something about an SLO worth knowing that does not stop its rules from being generated: `check`
// prints it as file:line: warning: id: message.
type Warning struct {
	SLO *SLO
	// Message explains the problem and what to change, in one line.
	Message string
}

// Warnings are the warnings about slos, in their order, each SLO's together: its achievability (see
// CheckAchievability), then a missing review date (see CheckReviewDates).
func Warnings(slos []*SLO) []Warning {
	bySLO := map[*SLO][]Warning{}
	for _, a := range CheckAchievability(slos) {
		bySLO[a.SLO] = append(bySLO[a.SLO], Warning{SLO: a.SLO, Message: a.Message})
	}
	for _, w := range CheckReviewDates(slos) {
		bySLO[w.SLO] = append(bySLO[w.SLO], w)
	}
	var out []Warning
	for _, s := range slos {
		out = append(out, bySLO[s]...)
		delete(bySLO, s) // an SLO listed twice is warned about once
	}
	return out
}

// CheckReviewDates warns about every SLO whose spec has neither review.lastReviewed nor review.agreed: its review
// clock then starts when slokeeper's rules first evaluate it (a recording rule keeps that time), which a new
// Prometheus, a rule file loaded elsewhere or an outage longer than a day restarts. A date in the spec is the
// same everywhere.
func CheckReviewDates(slos []*SLO) []Warning {
	var out []Warning
	for _, s := range slos {
		if !s.Review.Since().IsZero() {
			continue
		}
		out = append(out, Warning{SLO: s, Message: "no review date: set review.agreed (the date this SLO was agreed) or " +
			"review.lastReviewed; until then it is due one cadence (" + model.Duration(s.Review.Cadence).String() +
			") after slokeeper first evaluates it"})
	}
	return out
}
