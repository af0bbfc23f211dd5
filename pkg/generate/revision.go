package generate

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// Revision.
//
// The recorded history of an SLO (base rates, stitched rates, tiles) is what its definition measured when it was
// recorded. Fixing the definition — a latency threshold, an SLI selector, the grouping — must not leave the
// budget and the long windows averaging what the wrong one recorded for a whole period. A time-series database
// cannot rewrite those samples in place (a deletion in Prometheus' TSDB also hides whatever is written into the
// deleted range afterwards, until compaction), so a new definition records new series: every series of the SLO
// carries c.LabelRevision, a digest of what its recorded values depend on, and every rule reads its own revision
// only. The old series stop (stale at the next evaluation) and age out with retention. A Prometheus ruler starts
// the new history from the change on (its coverage shows it); the daemon backfills it from the raw series over
// the lookback, as for a new SLO, so its budgets are those of the new definition at once.
//
// What the digest covers: the SLI, the grouping, the series labels (service, SLO name, layer, owner, the spec's
// labels) and the recorded windows (base, block, span, tile: the period and the minimum window decide them). Not
// the objective, the alerting or the descriptions: the budget, the burn rates and the alerts are computed from the
// recorded rates at every evaluation, so a new objective applies to the whole history at once. Nor the exclusions
// themselves (declaring the next maintenance starts no new history), but the SLO's History when the daemon set one:
// it moves when an exclusion changed what should have been recorded, which the daemon then records again.

// revisionLen is the digest's length in hex digits: 64 bits, so that no two SLOs, nor two definitions of one,
// meet (the chance that two of 10,000 do is about 3·10⁻¹²).
const revisionLen = 16

// revision is the digest of what s's recorded series depend on, with windows w.
func revision(s *slo.SLO, w slo.Windows) string {
	var b strings.Builder
	field := func(name, v string) {
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(v))
		b.WriteByte('\n')
	}
	sli := s.SLI
	field("kind", string(sli.Kind))
	field("errors", sli.Errors)
	field("good", sli.Good)
	field("total", sli.Total)
	field("histogram", sli.Histogram)
	field("threshold", strconv.FormatFloat(sli.Threshold, 'g', -1, 64))
	field("error_ratio", sli.ErrorRatio)
	field("success", sli.Success)
	field("grouping", strings.Join(s.Grouping, ","))
	field("service", s.Service)
	field("slo", s.Name)
	field("layer", string(s.Layer))
	field("owner", s.Owner)
	for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
		field("label."+k, s.Labels[k])
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"base", w.Base}, {"block", w.Block}, {"span", w.Span}, {"tile", w.Tile}} {
		field(d.name, d.d.String())
	}
	if s.History != "" {
		field("history", s.History) // only then: the revisions of SLOs no exclusion changed stay what they were
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])[:revisionLen]
}

// revisionMatcher is the matcher of rev in a selector.
func revisionMatcher(rev string) string { return c.LabelRevision + "=" + strconv.Quote(rev) }
