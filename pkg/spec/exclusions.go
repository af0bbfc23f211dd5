package spec

import (
	"fmt"
	"slices"
	"time"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// exclusions checks an SLO's exclusions and fills out.Exclusions, sorted by start.
func (v *validator) exclusions(p string, es []Exclusion, out *slo.SLO) {
	if len(es) > slo.MaxExclusions {
		v.at(p, "at most %d exclusions per SLO, got %d: remove those that ended more than a period ago", slo.MaxExclusions, len(es))
		return
	}
	for i, e := range es {
		ep := fmt.Sprintf("%s[%d]", p, i)
		from, okFrom := v.instant(ep+".from", e.From)
		to, okTo := v.instant(ep+".to", e.To)
		if okFrom && okTo {
			if err := slo.CheckExclusionSpan(from, to, e.From, e.To); err != nil {
				v.at(ep+".to", "%s", err)
			}
		}
		v.exclusionText(ep+".reason", "a reason (the change or incident, with a link)", e.Reason)
		v.exclusionText(ep+".approver", "who approved it", e.Approver)
		out.Exclusions = append(out.Exclusions, slo.Exclusion{From: from, To: to, Reason: e.Reason, Approver: e.Approver})
	}
	slices.SortStableFunc(out.Exclusions, func(a, b slo.Exclusion) int { return a.From.Compare(b.From) })
}

// instant parses an RFC 3339 time.
func (v *validator) instant(p, text string) (time.Time, bool) {
	t, err := slo.ParseExclusionTime(text)
	if err != nil {
		v.at(p, "%s", err)
		return time.Time{}, false
	}
	return t, true
}

// exclusionText checks a required one-line text of an exclusion: the audit trail.
func (v *validator) exclusionText(p, want, text string) {
	if err := slo.CheckExclusionText(want, text); err != nil {
		v.at(p, "%s", err)
	}
}
