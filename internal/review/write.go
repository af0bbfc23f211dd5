package review

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/slokeeper/slokeeper/internal/atomicfile"
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

// Apply writes edits into the spec files. files are every spec file loaded: the edited contents are validated
// together with the others by the real loader, and checked to say what the edits meant, before any file is
// written; then each edited file is replaced atomically. It returns the files written.
func Apply(files []string, edits []Edit) ([]string, error) {
	sources := make([]spec.Source, 0, len(files))
	index := map[string]int{}
	for _, f := range files {
		data, err := spec.ReadFile(f) // a regular file, bounded, as the loader reads it
		if err != nil {
			return nil, fmt.Errorf("couldn't read %s: %w", f, err)
		}
		index[f] = len(sources)
		sources = append(sources, spec.Source{File: f, Data: data})
	}
	byFile := map[string][]Edit{}
	var order []string
	for _, e := range edits {
		f := e.SLO.Source.File
		if _, ok := index[f]; !ok {
			return nil, fmt.Errorf("%s: not among the spec files", f)
		}
		if byFile[f] == nil {
			order = append(order, f)
		}
		byFile[f] = append(byFile[f], e)
	}
	for _, f := range order {
		i := index[f]
		out, err := EditSpec(f, sources[i].Data, byFile[f])
		if err != nil {
			return nil, err
		}
		sources[i].Data = out
	}
	loaded, err := spec.LoadSources(sources)
	if err != nil {
		return nil, fmt.Errorf("the edited specs do not load, nothing written:\n%w", err)
	}
	if err := verify(loaded, edits); err != nil {
		return nil, err
	}
	for _, f := range order {
		if err := atomicfile.WriteFile(f, sources[index[f]].Data); err != nil {
			return nil, fmt.Errorf("couldn't write %s: %w", f, err)
		}
	}
	return order, nil
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

// EditSpec applies edits to one spec file's content. It finds the nodes to change in the YAML node tree and
// splices the new values into the original text at their positions (new keys go at the end of their
// mapping, indented like its keys), so comments, blank lines, folded text and quoting stay as written.
func EditSpec(file string, data []byte, edits []Edit) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	t := &text{data: data}
	t.index()
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	_, seq := lookup(root, "slos")
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s: no slos list", file)
	}
	var ops []splice
	for _, e := range edits {
		item := findSLO(seq, e.SLO.Name)
		if item == nil {
			return nil, fmt.Errorf("%s: no SLO named %q", file, e.SLO.Name)
		}
		where := fmt.Sprintf("%s:%d: %s", file, item.Line, e.SLO.ID())
		if item.Style&yaml.FlowStyle != 0 {
			return nil, fmt.Errorf("%s: the SLO is written in flow style ({…}); write it as a block to let review edit it", where)
		}
		if e.Objective != "" {
			_, v := lookup(item, "objective")
			op, err := t.replace(v, e.Objective)
			if err != nil {
				return nil, fmt.Errorf("%s: objective: %w", where, err)
			}
			ops = append(ops, op)
		}
		if e.Threshold != 0 {
			_, sli := lookup(item, "sli")
			var v *yaml.Node
			for _, kind := range []string{"latency", "nativeLatency"} {
				if _, k := lookup(sli, kind); k != nil {
					_, v = lookup(k, "threshold")
				}
			}
			op, err := t.replace(v, slo.Seconds(e.Threshold))
			if err != nil {
				return nil, fmt.Errorf("%s: threshold: %w", where, err)
			}
			ops = append(ops, op)
		}
		rops, err := t.review(item, e)
		if err != nil {
			return nil, fmt.Errorf("%s: review: %w", where, err)
		}
		ops = append(ops, rops...)
	}
	return t.apply(ops), nil
}

// lookup returns the key and value nodes of key in mapping m (nil when absent).
func lookup(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

func findSLO(seq *yaml.Node, name string) *yaml.Node {
	for _, item := range seq.Content {
		if _, n := lookup(item, "name"); n != nil && n.Value == name {
			return item
		}
	}
	return nil
}

// review sets lastReviewed, decision and reviewer in the SLO's review mapping, adding what is missing.
func (t *text) review(item *yaml.Node, e Edit) ([]splice, error) {
	values := []struct{ key, value string }{
		{"lastReviewed", e.Date.UTC().Format(time.DateOnly)},
		{"decision", string(e.Decision)},
		{"reviewer", plainOrQuoted(e.Reviewer)},
	}
	if e.Reviewer == "" {
		values = values[:2]
	}
	key, rv := lookup(item, "review")
	switch {
	case rv == nil:
		// A new review mapping at the end of the SLO.
		col := item.Content[0].Column
		pad := strings.Repeat(" ", col-1)
		var b strings.Builder
		b.WriteString(pad + "review:\n")
		for _, kv := range values {
			b.WriteString(pad + "  " + kv.key + ": " + kv.value + "\n")
		}
		return []splice{t.insertAtEnd(item, b.String())}, nil
	case rv.Kind == yaml.ScalarNode && rv.Tag == "!!null" && t.at(rv) == t.lineEnd(key.Line):
		// "review:" with nothing after it: the mapping goes below the key.
		pad := strings.Repeat(" ", key.Column+1)
		var b strings.Builder
		for _, kv := range values {
			b.WriteString(pad + kv.key + ": " + kv.value + "\n")
		}
		return []splice{{t.lineStart(key.Line + 1), t.lineStart(key.Line + 1), b.String()}}, nil
	case rv.Kind != yaml.MappingNode:
		return nil, fmt.Errorf("must be a mapping to be edited, got %s", rv.ShortTag())
	case rv.Style&yaml.FlowStyle != 0:
		return t.flowReview(rv, values)
	}
	var ops []splice
	var added strings.Builder
	pad := strings.Repeat(" ", rv.Content[0].Column-1)
	for _, kv := range values {
		if _, v := lookup(rv, kv.key); v != nil {
			op, err := t.replace(v, kv.value)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", kv.key, err)
			}
			ops = append(ops, op)
			continue
		}
		added.WriteString(pad + kv.key + ": " + kv.value + "\n")
	}
	if added.Len() > 0 {
		ops = append(ops, t.insertAtEnd(rv, added.String()))
	}
	return ops, nil
}

// flowReview rewrites a flow-style review mapping ({lastReviewed: …, cadence: …}) with the new values, keeping
// the other entries as written.
func (t *text) flowReview(rv *yaml.Node, values []struct{ key, value string }) ([]splice, error) {
	start := t.at(rv)
	end, err := flowEnd(t.data, start)
	if err != nil {
		return nil, err
	}
	var entries []string
	set := map[string]string{}
	for _, kv := range values {
		set[kv.key] = kv.value
	}
	for i := 0; i+1 < len(rv.Content); i += 2 {
		k, v := rv.Content[i], rv.Content[i+1]
		if nv, ok := set[k.Value]; ok {
			entries = append(entries, k.Value+": "+nv)
			delete(set, k.Value)
			continue
		}
		s, e, err := t.span(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k.Value, err)
		}
		entries = append(entries, k.Value+": "+string(t.data[s:e]))
	}
	for _, kv := range values {
		if _, ok := set[kv.key]; ok {
			entries = append(entries, kv.key+": "+kv.value)
		}
	}
	return []splice{{start, end, "{" + strings.Join(entries, ", ") + "}"}}, nil
}

// plainOrQuoted formats s as a one-line YAML scalar, quoted only when it has to be.
func plainOrQuoted(s string) string {
	out, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSuffix(string(out), "\n")
}
