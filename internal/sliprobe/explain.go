package sliprobe

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokeeper/slokeeper/internal/storage"
)

// fixFilter is what to change when the external labels are why a remote answers nothing.
const fixFilter = "set filter_external_labels: false on that remote_read, or add the labels to its series"

// hintGeneric is the hint when no external-label filter explains an empty selector.
const hintGeneric = "check the selector's metric name and labels against the series the sources hold"

// explain says, for every selector of sels (each of which matched nothing), why it matches nothing and what to
// change. Every remote that adds external labels as matchers is asked again without them: one that then has
// series is named as the cause; one that cannot be asked is named as a possible cause.
func explain(ctx context.Context, sels []Selector, remotes []storage.Remote, from, to time.Time, concurrency int) []hint {
	verified, suspected := make([][]string, len(sels)), make([][]string, len(sels))
	for _, r := range remotes {
		u := r.Unfiltered()
		if u == nil || len(sels) == 0 {
			continue
		}
		for i, res := range Probe(ctx, u, sels, from, to, concurrency) {
			switch {
			case res.Err != nil:
				suspected[i] = append(suspected[i], fmt.Sprintf(
					"%s adds the external labels %s as matchers (filter_external_labels defaults to true), which may be why (it could not be read without them): %s",
					r, r.FilterLabels, fixFilter))
			case res.Series > 0:
				verified[i] = append(verified[i], fmt.Sprintf(
					"%s holds %d series without the external labels %s, which it adds as matchers (filter_external_labels defaults to true): %s",
					r, res.Series, r.FilterLabels, fixFilter))
			}
		}
	}
	hints := make([]hint, len(sels))
	for i := range sels {
		switch {
		case len(verified[i]) > 0:
			hints[i] = hint{text: strings.Join(verified[i], "; "), verified: true}
		case len(suspected[i]) > 0:
			hints[i] = hint{text: strings.Join(suspected[i], "; ")}
		default:
			hints[i] = hint{text: hintGeneric}
		}
	}
	return hints
}

// hint says why a selector matches nothing. A verified one (a remote holds the series without its external
// labels) stays true until the selector's state or the sources change; the others are worth asking again.
type hint struct {
	text     string
	verified bool
}

// problem is the one line that says which of an SLO's selectors match nothing, why and what to change: one
// sentence per distinct hint, in the order of missing.
func problem(missing []string, hints map[string]string, lookback time.Duration) string {
	if len(missing) == 0 {
		return ""
	}
	var order []string
	byHint := map[string][]string{}
	for _, m := range missing {
		h := hints[m]
		if _, ok := byHint[h]; !ok {
			order = append(order, h)
		}
		byHint[h] = append(byHint[h], m)
	}
	sentences := make([]string, 0, len(order))
	for _, h := range order {
		sentences = append(sentences, fmt.Sprintf("no series match %s in any source over the last %s; %s",
			either(byHint[h]), model.Duration(lookback), h))
	}
	return strings.Join(sentences, "; ")
}

// either joins selectors as "a", "a or b", "a, b or c".
func either(ss []string) string {
	if len(ss) == 1 {
		return ss[0]
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " or " + ss[len(ss)-1]
}
