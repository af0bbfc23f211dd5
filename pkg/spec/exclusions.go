package spec

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/common/model"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// Limits of an exclusion.
const (
	// MaxExclusionLength is the longest exclusion: a maintenance or a test, not a way to switch an SLO off.
	MaxExclusionLength = 7 * 24 * time.Hour
	// MaxExclusions bounds the exclusions of one SLO (each is a term of its base-rate rules).
	MaxExclusions = 20
	// MaxExclusionTextLen bounds an exclusion's reason and approver, in characters.
	MaxExclusionTextLen = 200
)

// exclusions checks an SLO's exclusions and fills out.Exclusions, sorted by start.
func (v *validator) exclusions(p string, es []Exclusion, out *slo.SLO) {
	if len(es) > MaxExclusions {
		v.at(p, "at most %d exclusions per SLO, got %d: remove those that ended more than a period ago", MaxExclusions, len(es))
		return
	}
	for i, e := range es {
		ep := fmt.Sprintf("%s[%d]", p, i)
		from, okFrom := v.instant(ep+".from", e.From)
		to, okTo := v.instant(ep+".to", e.To)
		switch {
		case !okFrom || !okTo:
		case !to.After(from):
			v.at(ep+".to", "must be after from (%s), got %s", e.From, e.To)
		case to.Sub(from) > MaxExclusionLength:
			v.at(ep+".to", "an exclusion lasts at most %s, got %s from %s to %s: split it, or change the SLO if it does not hold",
				days(MaxExclusionLength), model.Duration(to.Sub(from)), e.From, e.To)
		}
		v.exclusionText(ep+".reason", "a reason (the change or incident, with a link)", e.Reason)
		v.exclusionText(ep+".approver", "who approved it", e.Approver)
		out.Exclusions = append(out.Exclusions, slo.Exclusion{From: from, To: to, Reason: e.Reason, Approver: e.Approver})
	}
	slices.SortStableFunc(out.Exclusions, func(a, b slo.Exclusion) int { return a.From.Compare(b.From) })
}

// instant parses an RFC 3339 time.
func (v *validator) instant(p, text string) (time.Time, bool) {
	if text == "" {
		v.at(p, "must be set: a time such as 2026-12-01T02:00:00Z")
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		v.at(p, "must be a time such as 2026-12-01T02:00:00Z (RFC 3339, with its zone), got %s", quote(text))
		return time.Time{}, false
	}
	return t.UTC(), true
}

// exclusionText checks a required one-line text of an exclusion: the audit trail.
func (v *validator) exclusionText(p, want, text string) {
	switch n := utf8.RuneCountInString(text); {
	case strings.TrimSpace(text) == "":
		v.at(p, "must be set: %s, for the audit trail", want)
	case n > MaxExclusionTextLen:
		v.at(p, "must be at most %d characters, got %d", MaxExclusionTextLen, n)
	case strings.ContainsFunc(text, unicode.IsControl):
		v.at(p, "must be one line of printable text, got %q", text)
	}
}
