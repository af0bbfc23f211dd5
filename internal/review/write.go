package review

import (
	"fmt"
	"time"

	"github.com/slokeeper/slokeeper/pkg/slo"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

// Edit is what a review writes into one SLO's spec: a new target, when the review proposes one and it is
// accepted, and the review record.
type Edit struct {
	SLO *slo.SLO
	// Objective is the new objective in percent; empty keeps it.
	Objective string
	// Threshold is the new latency threshold in seconds; 0 keeps it.
	Threshold float64
	// Date, Decision and Reviewer are the review record.
	Date     time.Time
	Decision slo.Decision
	Reviewer string
}

// Skipped is an SLO a review does not write, and why.
type Skipped struct {
	ID     string
	Reason string
}

// Edits turns the report into the edits --write applies, dated date and signed by reviewer:
//
//   - a finding with a proposal (tighten, or loosen of loosen-or-invest) writes its new target, recorded as
//     tighten or loosen, when its confidence is at least medium;
//   - a capacity drift records capacity-drift and changes no target, whatever else was found: a target drawn
//     from traffic above the declared capacity would bless the drift;
//   - loosen-or-invest without a proposal records invest, keep records keep; these change no target;
//   - insufficient data and low-confidence proposals are skipped: nothing was decided, and the review stays
//     due.
func (rep *Report) Edits(slos []*slo.SLO, reviewer string, date time.Time) ([]Edit, []Skipped) {
	byID := make(map[string]*slo.SLO, len(slos))
	for _, s := range slos {
		byID[s.ID()] = s
	}
	var edits []Edit
	var skipped []Skipped
	for _, r := range rep.SLOs {
		s := byID[r.ID]
		if s == nil {
			continue
		}
		e := Edit{SLO: s, Date: date, Reviewer: reviewer}
		var proposal *Finding
		drift := false
		for i, f := range r.Findings {
			if f.Proposal != nil {
				proposal = &r.Findings[i]
			}
			drift = drift || f.Kind == KindCapacityDrift
		}
		switch {
		case r.Decision == KindInsufficientData:
			skipped = append(skipped, Skipped{r.ID, "insufficient data: nothing to decide, the review stays due"})
			continue
		case drift:
			e.Decision = slo.DecisionCapacityDrift
		case proposal != nil && proposal.Confidence == ConfidenceLow:
			skipped = append(skipped, Skipped{r.ID, fmt.Sprintf("%s proposal of low confidence: decide by hand", proposal.Kind.title())})
			continue
		case proposal != nil:
			e.Decision = slo.DecisionTighten
			if proposal.Kind == KindLoosenOrInvest {
				e.Decision = slo.DecisionLoosen
			}
			if proposal.Proposal.Objective != s.Objective.Percent {
				e.Objective = proposal.Proposal.Objective
			}
			if proposal.Proposal.Threshold != "" {
				d, err := time.ParseDuration(proposal.Proposal.Threshold)
				if err == nil {
					e.Threshold = d.Seconds()
				}
			}
		case r.Decision == KindLoosenOrInvest:
			e.Decision = slo.DecisionInvest
		default:
			e.Decision = slo.DecisionKeep
		}
		edits = append(edits, e)
	}
	return edits, skipped
}

// Apply writes edits into the spec files with spec.PatchFiles, which keeps their comments and formatting.
// files are every spec file loaded: the edited contents are validated together with the others by the real
// loader, and checked to say what the edits meant, before any file is written; then each edited file is
// replaced atomically. It returns the files written.
func Apply(files []string, edits []Edit) ([]string, error) {
	patches := map[string][]spec.Edit{}
	for _, e := range edits {
		patches[e.SLO.Source.File] = append(patches[e.SLO.Source.File], e.fields()...)
	}
	return spec.PatchFiles(files, patches, func(loaded []*slo.SLO) error { return verify(loaded, edits) })
}

// fields are the fields of the SLO's spec that the edit sets: the new target, and the review record.
func (e Edit) fields() []spec.Edit {
	id := e.SLO.ID()
	var fs []spec.Edit
	if e.Objective != "" {
		fs = append(fs, spec.Edit{SLO: id, Field: "objective", Value: e.Objective})
	}
	if e.Threshold != 0 {
		fs = append(fs, spec.Edit{SLO: id, Field: "sli." + string(e.SLO.SLI.Kind) + ".threshold", Value: slo.Seconds(e.Threshold)})
	}
	fs = append(fs,
		spec.Edit{SLO: id, Field: "review.lastReviewed", Value: e.Date.UTC().Format(time.DateOnly)},
		spec.Edit{SLO: id, Field: "review.decision", Value: string(e.Decision)})
	if e.Reviewer != "" {
		fs = append(fs, spec.Edit{SLO: id, Field: "review.reviewer", Value: e.Reviewer})
	}
	return fs
}

// verify checks that the edited specs say what the edits meant.
func verify(loaded []*slo.SLO, edits []Edit) error {
	byID := map[string]*slo.SLO{}
	for _, s := range loaded {
		byID[s.ID()] = s
	}
	for _, e := range edits {
		s := byID[e.SLO.ID()]
		switch {
		case s == nil:
			return fmt.Errorf("%s: the SLO is gone after editing, nothing written", e.SLO.ID())
		case e.Objective != "" && s.Objective.Percent != slo.MustObjective(e.Objective).Percent,
			e.Threshold != 0 && durationOf(s.SLI.Threshold) != durationOf(e.Threshold),
			!s.Review.LastReviewed.Equal(e.Date.UTC().Truncate(day)), s.Review.Decision != e.Decision, s.Review.Reviewer != e.Reviewer:
			return fmt.Errorf("%s: the edited spec does not say what the review decided, nothing written", e.SLO.ID())
		}
	}
	return nil
}
