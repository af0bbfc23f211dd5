package review

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// WriteMarkdown renders the report for people: a summary table sorted by urgency, then every SLO grouped by
// layer and owner with its findings and the evidence table of its slices, then the achievability section.
func (rep *Report) WriteMarkdown(w io.Writer) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "# SLO review, %s\n\n", rep.Until.Format("2006-01-02 15:04 MST"))
	counts := map[Kind]int{}
	for _, s := range rep.SLOs {
		counts[s.Decision]++
	}
	var parts []string
	for _, k := range []Kind{KindLoosenOrInvest, KindCapacityDrift, KindTighten, KindInsufficientData, KindKeep} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k.title()))
		}
	}
	fmt.Fprintf(b, "%d SLO(s) reviewed: %s. %d achievability warning(s).\n\n", len(rep.SLOs), strings.Join(parts, ", "), len(rep.Achievability))

	b.WriteString("| urgency | SLO | owner | layer | decision | confidence | finding |\n|---|---|---|---|---|---|---|\n")
	byUrgency := append([]*SLOReport(nil), rep.SLOs...)
	sortByUrgency(byUrgency)
	for i, s := range byUrgency {
		fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %s | %s |\n", i+1, s.ID, s.Owner, s.Layer, s.Decision.title(), s.Confidence, cell(s.Findings[0].Summary))
	}

	layer, owner := "", ""
	for _, s := range rep.SLOs {
		if s.Layer != layer {
			layer, owner = s.Layer, ""
			fmt.Fprintf(b, "\n## %s layer\n", s.Layer)
		}
		if s.Owner != owner {
			owner = s.Owner
			fmt.Fprintf(b, "\n### %s\n", s.Owner)
		}
		writeSLO(b, s)
	}

	b.WriteString("\n## Achievability\n\n")
	if len(rep.Achievability) == 0 {
		b.WriteString("Every objective is within what its dependencies can deliver.\n")
	}
	for _, a := range rep.Achievability {
		fmt.Fprintf(b, "- `%s` **%s** (%s, %s): %s\n", a.Source, a.SLO, a.Owner, a.Kind, a.Message)
	}
	fmt.Fprintf(b, "\n---\nSLIs are measured with the generator's own expressions over the whole SLO (not per grouping), "+
		"hour by hour. Estimated pages replay the page alerts' long windows on that hourly grid: an estimate, not a replay of "+
		"the rules. %d queries, the largest loaded %s samples; %.1fs.\n", rep.Stats.Queries, count(float64(rep.Stats.MaxQuerySamples)), rep.Stats.TookSeconds)
	_, err := io.WriteString(w, b.String())
	return err
}

func sortByUrgency(rs []*SLOReport) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].Decision.urgency() < rs[j-1].Decision.urgency(); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// writeSLOFacts writes the line of what an SLO is and how it was reviewed.
func writeSLOFacts(b *strings.Builder, s *SLOReport) {
	target := "objective " + s.Objective + "%"
	if s.Threshold != "" {
		target += " under " + s.Threshold
	}
	fmt.Fprintf(b, "`%s` · %s SLI · %s · period %s", s.Source, s.SLIKind, target, s.Period)
	if s.CapacityPerSecond > 0 {
		fmt.Fprintf(b, " · capacity %s/s", rate(s.CapacityPerSecond))
	}
	fmt.Fprintf(b, " · window %s to %s in %s", s.From.Format("2006-01-02"), s.Until.Format("2006-01-02"), s.Slicing)
	switch {
	case s.LastReviewed != "":
		fmt.Fprintf(b, " · last reviewed %s", s.LastReviewed)
	case s.Agreed != "":
		fmt.Fprintf(b, " · agreed %s, never reviewed", s.Agreed)
	default:
		b.WriteString(" · never reviewed")
	}
}

func writeSLO(b *strings.Builder, s *SLOReport) {
	fmt.Fprintf(b, "\n#### %s: %s (%s confidence)\n\n", s.ID, s.Decision.title(), s.Confidence)
	writeSLOFacts(b, s)
	fmt.Fprintf(b, "\n\nOver the window: %s events, SLI %s, %s of the budget, %d of %d slices breached, about %d page(s) (estimate).\n\n",
		count(float64(s.Events)), pct4(float64(s.SLI)), pct(float64(s.BudgetConsumed)), s.Breaches, s.Judged, s.EstimatedPages)

	var proposal *Proposal
	for _, f := range s.Findings {
		fmt.Fprintf(b, "- **%s** (%s confidence): %s\n", f.Kind.title(), f.Confidence, f.Summary)
		for _, e := range f.Evidence {
			fmt.Fprintf(b, "  - %s\n", e)
		}
		if f.Proposal != nil {
			proposal = f.Proposal
			fmt.Fprintf(b, "  - proposal: %s; `slokeeper review --write --reviewer=<you> --slo=%s` applies it\n", f.Proposal.Rule, s.ID)
		}
	}
	if len(s.Slices) == 0 {
		return
	}
	writeSlices(b, s, proposal)
	writeAttribution(b, s)
}

// writeSlices writes the table of s's slices, with the budget each would have used at proposal (nil: none).
func writeSlices(b *strings.Builder, s *SLOReport, proposal *Proposal) {
	latency := s.Threshold != ""
	columns := 8
	if latency {
		columns++
	}
	if proposal != nil {
		columns++
	}
	b.WriteString("\n| slice | events | SLI | ")
	if latency {
		fmt.Fprintf(b, "p%s | ", s.Objective)
	}
	b.WriteString("budget used | breached | pages (est.) | peak/s | typical/s |")
	if proposal != nil {
		b.WriteString(" budget used at proposal |")
	}
	b.WriteString("\n|---|---|---|")
	if latency {
		b.WriteString("---|")
	}
	b.WriteString("---|---|---|---|---|")
	if proposal != nil {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for i, sl := range s.Slices {
		name := sl.Label
		if sl.Partial {
			name += fmt.Sprintf(" (partial, %s to %s)", sl.Start.Format("01-02"), sl.End.Format("01-02"))
		}
		if math.IsNaN(float64(sl.Events)) {
			fmt.Fprintf(b, "| %s | no data |%s\n", name, strings.Repeat(" |", columns-2))
			continue
		}
		breached := "no"
		switch {
		case sl.Breached:
			breached = "**yes**"
		case !sl.Judged:
			breached = "too few events"
		}
		fmt.Fprintf(b, "| %s | %s | %s | ", name, count(float64(sl.Events)), pct4(float64(sl.SLI)))
		if latency {
			fmt.Fprintf(b, "%s | ", seconds(float64(sl.QuantileSeconds)))
		}
		fmt.Fprintf(b, "%s | %s | %d | %s | %s |", pct(float64(sl.BudgetConsumed)), breached, sl.EstimatedPages,
			rate(float64(sl.PeakPerSecond)), rate(float64(sl.TypicalPerSecond)))
		if proposal != nil {
			fmt.Fprintf(b, " %s |", pct(float64(proposal.BudgetConsumed[i])))
		}
		b.WriteString("\n")
	}
}

// writeAttribution writes, for each breached slice of s, which dependencies breached over the same hours.
func writeAttribution(b *strings.Builder, s *SLOReport) {
	if len(s.Attribution) > 0 {
		b.WriteString("\nBreached slices and their dependencies over the same hours:\n\n")
		for _, at := range s.Attribution {
			var culprits, others []string
			for _, d := range at.Dependencies {
				x := fmt.Sprintf("%s (%s of its budget)", d.ID, pct(float64(d.BudgetConsumed)))
				if d.Breached {
					culprits = append(culprits, x)
				} else {
					others = append(others, x)
				}
			}
			switch {
			case len(culprits) > 0:
				fmt.Fprintf(b, "- %s: breached along with %s", at.Slice, strings.Join(culprits, ", "))
			default:
				fmt.Fprintf(b, "- %s: no dependency breached, the cause is in %s itself", at.Slice, s.Service)
			}
			if len(others) > 0 {
				fmt.Fprintf(b, "; within budget: %s", strings.Join(others, ", "))
			}
			b.WriteString("\n")
		}
	}
}

// cell makes s safe in a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
