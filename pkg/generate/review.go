package generate

import (
	"maps"
	"strconv"
	"time"

	"github.com/prometheus/prometheus/model/rulefmt"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// reviewSinceRange is how far back the review clock's rule (c.ReviewSince) looks for its own last sample. Rules
// that are not evaluated for longer (a ruler down, a new Prometheus without the old TSDB) restart the clock: the
// review comes due later, never earlier. A range read costs its samples at every evaluation: a day of the budget
// group's minutes is 1440 samples of one series per SLO and minute.
const reviewSinceRange = 24 * time.Hour

// reviewAct is what the review ticket asks for.
const reviewAct = " Compare it with months of field data (slokeeper review) and record the decision in its spec (slokeeper review --write)."

// reviewRules are the ticket that the SLO is due for its review, once its review cadence has passed since its
// review clock started (slo.Review.Since):
//
//   - review.lastReviewed, else review.agreed: a date of the spec, so the expression reads no series and its
//     value is the time since that date;
//   - neither: the first evaluation of the SLO's budget group. A recording rule before the alert keeps that time
//     (c.ReviewSince): it reads its own last sample back and records it again, or the evaluation's time when
//     there is none within reviewSinceRange. The min drops the labels the series had (the rule's labels set
//     them again) and merges the series of a change of those labels, or of two rulers, into one: the earliest
//     clock wins. The alert's value is that time.
//
// One ticket per SLO, whatever its grouping; the output depends on the spec alone, never on when it is generated.
func (g *builder) reviewRules() []rulefmt.Rule {
	s := g.s
	// Without the revision: a fixed SLI does not restart the review clock, nor the ticket.
	labels := make(map[string]string, len(g.sloLabels)+len(s.Alerting.Labels)+2)
	maps.Copy(labels, g.sloLabels)
	maps.Copy(labels, s.Alerting.Labels)
	labels[c.LabelSeverity] = s.Alerting.ForTier(slo.TierTicket).Severity
	labels[c.LabelTier] = string(slo.TierTicket)
	ann := map[string]string{c.AnnotationSummary: "The SLO " + s.ID() + " is due for its review."}
	if s.Alerting.RunbookURL != "" {
		ann[c.AnnotationRunbookURL] = s.Alerting.RunbookURL
	}
	the := "The " + string(s.Layer) + " SLO " + s.Name + " of " + s.Service
	cadence := "its review cadence is " + window(s.Review.Cadence) + "."
	alert := rulefmt.Rule{Alert: c.AlertReviewOverdue, Labels: labels, Annotations: ann}
	since := s.Review.Since()
	if since.IsZero() {
		first := c.ReviewSince + g.outSel
		record := rulefmt.Rule{Record: c.ReviewSince, Labels: g.sloLabels,
			Expr: "min(last_over_time(" + rangeOf(first, reviewSinceRange) + ")) or vector(time())"}
		alert.Expr = "min(" + first + ") < time() - " + seconds(s.Review.Cadence)
		ann[c.AnnotationDescription] = the + " was first evaluated by slokeeper's rules at {{ $value | humanizeTimestamp }} and is due " +
			"for its review one cadence later: its spec has no review date (review.agreed or review.lastReviewed); " + cadence + reviewAct
		return []rulefmt.Rule{record, alert}
	}
	alert.Expr = "vector(time()) - " + strconv.FormatInt(since.Unix(), 10) + " > " + seconds(s.Review.Cadence)
	ago := since.UTC().Format(time.DateOnly) + ", {{ $value | humanizeDuration }} ago"
	if since.Equal(s.Review.LastReviewed) {
		ann[c.AnnotationDescription] = the + " was last reviewed on " + ago + "; " + cadence + reviewAct
	} else {
		ann[c.AnnotationDescription] = the + " was agreed on " + ago + ", and has not been reviewed since; " + cadence + reviewAct
	}
	return []rulefmt.Rule{alert}
}
