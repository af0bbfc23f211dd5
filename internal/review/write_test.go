package review

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/slo"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

var reviewDay = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)

// testdata holds the commented spec that spec.Patch is tested with too.
const testdata = "../../testdata"

// copyFile copies testdata/name into dir as as.
func copyFile(t *testing.T, name, dir, as string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, name))
	require.NoError(t, err)
	p := filepath.Join(dir, as)
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

// --write round-trips a commented spec: the review's decisions (a tighter threshold for the latency SLO, a
// keep for the availability SLO) are written with the review record, and everything else, comments, blank
// lines, folded text, quoting, stays byte for byte.
func TestApplyPreservesComments(t *testing.T) {
	dir := t.TempDir()
	file := copyFile(t, "commented.yaml", dir, "fast.yaml")
	slos, err := spec.Load([]string{file})
	require.NoError(t, err)
	rep, err := Review(t.Context(), Options{Queryable: history(t), SLOs: slos, Until: histUntil, Since: reviewFrom})
	require.NoError(t, err)

	edits, skipped := rep.Edits(slos, "Jane Doe <jane@example.com>", reviewDay)
	require.Empty(t, skipped)
	require.Len(t, edits, 2)
	written, err := Apply([]string{file}, edits)
	require.NoError(t, err)
	require.Equal(t, []string{file}, written)

	got, err := os.ReadFile(file)
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join(testdata, "commented.want.yaml"))
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))

	// What was written loads, and says what the review decided.
	after, err := spec.Load([]string{file})
	require.NoError(t, err)
	require.Equal(t, 0.1, after[0].SLI.Threshold)
	require.Equal(t, slo.DecisionTighten, after[0].Review.Decision)
	require.Equal(t, slo.DecisionKeep, after[1].Review.Decision)
	require.Equal(t, 90*day, after[1].Review.Cadence)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file is left behind")
}

// An edit the loader rejects writes nothing.
func TestApplyValidates(t *testing.T) {
	dir := t.TempDir()
	file := copyFile(t, "commented.yaml", dir, "fast.yaml")
	slos, err := spec.Load([]string{file})
	require.NoError(t, err)
	before, err := os.ReadFile(file)
	require.NoError(t, err)
	_, err = Apply([]string{file}, []Edit{
		{SLO: slos[1], Date: reviewDay, Decision: slo.DecisionKeep, Reviewer: "jane"},
		{SLO: slos[0], Date: reviewDay, Decision: "bogus", Reviewer: "jane"},
	})
	require.ErrorContains(t, err, "the edited specs do not load, nothing written")
	require.ErrorContains(t, err, `review.decision: must be one of`)
	after, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, string(before), string(after))
}

// Which findings --write applies.
func TestEdits(t *testing.T) {
	_, slos := writeSpecs(t, t.TempDir())
	rep, _ := sharedReport(t)
	edits, skipped := rep.Edits(slos, "jane", reviewDay)
	got := map[string]Edit{}
	for _, e := range edits {
		got[e.SLO.ID()] = e
	}
	require.Equal(t, []Skipped{{"quiet/availability", "insufficient data: nothing to decide, the review stays due"}}, skipped)
	require.Equal(t, slo.DecisionTighten, got["fast/latency"].Decision)
	require.Equal(t, 0.1, got["fast/latency"].Threshold)
	require.Empty(t, got["fast/latency"].Objective)
	require.Equal(t, slo.DecisionLoosen, got["flaky/availability"].Decision)
	require.Equal(t, "99.5", got["flaky/availability"].Objective)
	// Capacity drift is recorded; the tighten proposal beside it is not written.
	require.Equal(t, slo.DecisionCapacityDrift, got["busy/availability"].Decision)
	require.Empty(t, got["busy/availability"].Objective)
	require.Equal(t, slo.DecisionKeep, got["fast/availability"].Decision)
	require.Len(t, edits, 7)
}
