package spec_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/slo"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

// reviewed are the edits of a review record dated 2026-07-01, signed by reviewer.
func reviewed(id, decision, reviewer string) []spec.Edit {
	es := []spec.Edit{
		{SLO: id, Field: "review.lastReviewed", Value: "2026-07-01"},
		{SLO: id, Field: "review.decision", Value: decision},
	}
	if reviewer != "" {
		es = append(es, spec.Edit{SLO: id, Field: "review.reviewer", Value: reviewer})
	}
	return es
}

// A commented spec keeps everything an edit does not touch, byte for byte: comments, blank lines, folded
// text, quoting. A new review mapping goes at the end of its SLO, new keys at the end of their mapping.
func TestPatchKeepsComments(t *testing.T) {
	data, err := os.ReadFile("../../testdata/commented.yaml")
	require.NoError(t, err)
	want, err := os.ReadFile("../../testdata/commented.want.yaml")
	require.NoError(t, err)
	const jane = "Jane Doe <jane@example.com>"
	edits := append([]spec.Edit{{SLO: "fast/latency", Field: "sli.latency.threshold", Value: "100ms"}},
		reviewed("fast/latency", "tighten", jane)...)
	edits = append(edits, reviewed("fast/availability", "keep", jane)...)
	got, err := spec.Patch("fast.yaml", data, edits)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
	slos, err := spec.Parse("fast.yaml", got)
	require.NoError(t, err)
	require.Equal(t, 0.1, slos[0].SLI.Threshold)
}

const (
	patchHead  = "apiVersion: slokeeper/v1\nservice: s\nowner: o\nlayer: service\nslos:\n"
	patchProbe = "    sli: {probe: {success: up}}\n"
	patchA     = "  - name: a\n    objective: 99.9\n" + patchProbe
)

// patchCase is a file's content, the edits and what Patch makes of them: the new content, or an error.
type patchCase struct {
	name  string
	in    string
	edits []spec.Edit
	want  string
	err   string
}

// patched are edits Patch splices in.
var patched = []patchCase{
	{
		name:  "flow review",
		in:    patchHead + patchA + "    review: {lastReviewed: 2026-01-01, cadence: 30d} # monthly\n",
		edits: reviewed("s/a", "keep", "jane"),
		want:  patchHead + patchA + "    review: {lastReviewed: 2026-07-01, cadence: 30d, decision: keep, reviewer: jane} # monthly\n",
	},
	{
		name:  "keeps the date the SLO was agreed",
		in:    patchHead + patchA + "    review:\n      agreed: 2026-03-01\n      cadence: 30d\n",
		edits: reviewed("s/a", "keep", "jane"),
		want: patchHead + patchA + "    review:\n      agreed: 2026-03-01\n      cadence: 30d\n" +
			"      lastReviewed: 2026-07-01\n      decision: keep\n      reviewer: jane\n",
	},
	{
		name:  "keeps the date the SLO was agreed, flow style",
		in:    patchHead + patchA + "    review: {agreed: 2026-03-01}\n",
		edits: reviewed("s/a", "keep", "jane"),
		want:  patchHead + patchA + "    review: {agreed: 2026-03-01, lastReviewed: 2026-07-01, decision: keep, reviewer: jane}\n",
	},
	{
		name:  "empty review",
		in:    patchHead + patchA + "    review:\n",
		edits: reviewed("s/a", "invest", "jane"),
		want:  patchHead + patchA + "    review:\n      lastReviewed: 2026-07-01\n      decision: invest\n      reviewer: jane\n",
	},
	{
		name:  "empty review, no final newline",
		in:    patchHead + patchA + "    review:",
		edits: reviewed("s/a", "keep", ""),
		want:  patchHead + patchA + "    review:\n      lastReviewed: 2026-07-01\n      decision: keep\n",
	},
	{
		name:  "empty values",
		in:    patchHead + patchA + "    review:\n      lastReviewed:\n      decision:\n",
		edits: reviewed("s/a", "keep", ""),
		want:  patchHead + patchA + "    review:\n      lastReviewed: 2026-07-01\n      decision: keep\n",
	},
	{
		name:  "empty review before the next SLO",
		in:    patchHead + patchA + "    review:\n  - name: b\n    objective: 99\n" + patchProbe,
		edits: reviewed("s/a", "keep", ""),
		want:  patchHead + patchA + "    review:\n      lastReviewed: 2026-07-01\n      decision: keep\n  - name: b\n    objective: 99\n" + patchProbe,
	},
	{
		name: "no final newline, a compact list, a new objective and a quoted reviewer",
		in:   patchHead + "- name: a\n  objective: 99.9\n  sli: {probe: {success: up}}",
		edits: append([]spec.Edit{{SLO: "s/a", Field: "objective", Value: "99.95"}},
			reviewed("s/a", "tighten", "ops: night shift")...),
		want: patchHead + "- name: a\n  objective: 99.95\n  sli: {probe: {success: up}}\n  review:\n    lastReviewed: 2026-07-01\n    decision: tighten\n    reviewer: 'ops: night shift'\n",
	},
	{
		name: "replaces a former decision and reviewer, in their quotes",
		in:   patchHead + "  - name: a\n    objective: 99.9 # was 99.5\n" + patchProbe + "    review:\n      reviewer: \"bob\"\n      decision: 'keep'\n      lastReviewed: 2026-01-01\n",
		edits: append([]spec.Edit{{SLO: "s/a", Field: "objective", Value: "99"}},
			reviewed("s/a", "loosen", "jane")...),
		want: patchHead + "  - name: a\n    objective: 99 # was 99.5\n" + patchProbe + "    review:\n      reviewer: \"jane\"\n      decision: 'loosen'\n      lastReviewed: 2026-07-01\n",
	},
	{
		name:  "a value that needs quotes where the old one had none",
		in:    patchHead + patchA + "    review:\n      lastReviewed: 2026-01-01\n      reviewer: bob\n",
		edits: []spec.Edit{{SLO: "s/a", Field: "review.reviewer", Value: "# ops"}, {SLO: "s/a", Field: "review.decision", Value: "keep"}},
		want:  patchHead + patchA + "    review:\n      lastReviewed: 2026-01-01\n      reviewer: '# ops'\n      decision: keep\n",
	},
	{
		name:  "the second of two SLOs",
		in:    patchHead + patchA + "\n  # b\n  - name: b\n    objective: 99\n" + patchProbe,
		edits: reviewed("s/b", "keep", "jane"),
		want:  patchHead + patchA + "\n  # b\n  - name: b\n    objective: 99\n" + patchProbe + "    review:\n      lastReviewed: 2026-07-01\n      decision: keep\n      reviewer: jane\n",
	},
	{
		name:  "a field in a mapping that is not there yet",
		in:    patchHead + patchA,
		edits: []spec.Edit{{SLO: "s/a", Field: "capacity.eventsPerSecond", Value: "50"}},
		want:  patchHead + patchA + "    capacity:\n      eventsPerSecond: 50\n",
	},
	{
		name:  "a flow-style SLO",
		in:    patchHead + "  - {name: a, objective: 99.9, sli: {probe: {success: up}}}\n",
		edits: append([]spec.Edit{{SLO: "s/a", Field: "sli.probe.success", Value: "probe_success"}}, reviewed("s/a", "keep", "")...),
		want:  patchHead + "  - {name: a, objective: 99.9, sli: {probe: {success: probe_success}}, review: {lastReviewed: 2026-07-01, decision: keep}}\n",
	},
}

// refused are edits Patch refuses, and why.
var refused = []patchCase{
	{
		name:  "an alias",
		in:    patchHead + "  - name: z\n    objective: &o 99.9\n" + patchProbe + "  - name: a\n    objective: *o\n" + patchProbe,
		edits: []spec.Edit{{SLO: "s/a", Field: "objective", Value: "99.95"}},
		err:   "s.yaml:10: slos[1].objective: is an alias (*o) shared with other places; edit it by hand",
	},
	{
		name:  "an anchor",
		in:    patchHead + "  - name: a\n    objective: &o 99.9\n" + patchProbe + "  - name: z\n    objective: *o\n" + patchProbe,
		edits: []spec.Edit{{SLO: "s/a", Field: "objective", Value: "99.95"}},
		err:   "s.yaml:7: slos[0].objective: carries the anchor &o, shared with other places; edit it by hand",
	},
	{
		name:  "an anchor on the way",
		in:    patchHead + "  - name: a\n    objective: 99.9\n    sli: &s {probe: {success: up}}\n  - name: z\n    objective: 99\n    sli: *s\n",
		edits: []spec.Edit{{SLO: "s/a", Field: "sli.probe.success", Value: "probe_success"}},
		err:   "s.yaml:8: slos[0].sli: carries the anchor &s",
	},
	{
		name:  "a value that is a mapping",
		in:    patchHead + patchA,
		edits: []spec.Edit{{SLO: "s/a", Field: "sli", Value: "x"}},
		err:   "s.yaml:8: slos[0].sli: is not a one-line value; edit it by hand",
	},
	{
		name:  "an edit that makes the spec invalid",
		in:    patchHead + patchA,
		edits: []spec.Edit{{SLO: "s/a", Field: "objective", Value: "most"}},
		err:   "the edited spec does not load:\ns.yaml:7: slos[0].objective: must be a number",
	},
	{
		name:  "a value of two lines",
		in:    patchHead + patchA,
		edits: []spec.Edit{{SLO: "s/a", Field: "review.reviewer", Value: "jane\nbob"}},
		err:   "slos[0].review.reviewer: the value must be one line",
	},
	{
		name:  "no such SLO",
		in:    patchHead + patchA,
		edits: reviewed("s/b", "keep", ""),
		err:   `s.yaml:6: slos: no SLO named "b"`,
	},
	{
		name:  "another service's SLO",
		in:    patchHead + patchA,
		edits: reviewed("t/a", "keep", ""),
		err:   `slos: no SLO "t/a": the file is not the service "t"'s`,
	},
	{
		name:  "a field set twice",
		in:    patchHead + patchA,
		edits: []spec.Edit{{SLO: "s/a", Field: "review", Value: "x"}, {SLO: "s/a", Field: "review.decision", Value: "keep"}},
		err:   "slos[0].review.decision: set twice, or both as a value and as a mapping",
	},
	{
		name:  "not a field path",
		in:    patchHead + patchA,
		edits: []spec.Edit{{SLO: "s/a", Field: "review..decision", Value: "keep"}},
		err:   "slos[0].review..decision: not a field path",
	},
}

func TestPatch(t *testing.T) {
	for _, tc := range append(patched, refused...) {
		t.Run(tc.name, func(t *testing.T) {
			got, err := spec.Patch("s.yaml", []byte(tc.in), tc.edits)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				require.Nil(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
			_, err = spec.Parse("s.yaml", got)
			require.NoError(t, err)
		})
	}
}

// PatchFiles loads the edited files with the others, so a dependency across files resolves, and writes only
// the edited ones, and nothing when the files do not load or check refuses them.
func TestPatchFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		return p
	}
	db := write("db.yaml", "apiVersion: slokeeper/v1\nservice: db\nowner: o\nlayer: infrastructure\nslos:\n"+
		"  - name: up # the database\n    objective: 99.99\n    sli: {probe: {success: db_up}}\n")
	api := write("api.yaml", "apiVersion: slokeeper/v1\nservice: api\nowner: o\nlayer: service\nslos:\n"+
		"  - name: up\n    objective: 99.9\n    dependsOn: [db/up]\n    sli: {probe: {success: api_up}}\n")
	files := []string{db, api}
	read := func(f string) string {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		return string(b)
	}
	before := map[string]string{db: read(db), api: read(api)}

	// Nothing is written when the files do not load together, or when check refuses them.
	_, err := spec.PatchFiles(files, map[string][]spec.Edit{db: {{SLO: "db/up", Field: "name", Value: "ping"}}}, nil)
	require.ErrorContains(t, err, "the edited specs do not load, nothing written")
	require.ErrorContains(t, err, `api.yaml:8: slos[0].dependsOn[0]: names no loaded SLO: "db/up"`)
	refused := errors.New("refused")
	_, err = spec.PatchFiles(files, map[string][]spec.Edit{api: {{SLO: "api/up", Field: "objective", Value: "99.5"}}},
		func([]*slo.SLO) error { return refused })
	require.ErrorIs(t, err, refused)
	_, err = spec.PatchFiles(files[:1], map[string][]spec.Edit{api: {{SLO: "api/up", Field: "objective", Value: "99.5"}}}, nil)
	require.ErrorContains(t, err, "api.yaml: not among the spec files")
	require.Equal(t, before, map[string]string{db: read(db), api: read(api)})

	var loaded []*slo.SLO
	written, err := spec.PatchFiles(files, map[string][]spec.Edit{api: {{SLO: "api/up", Field: "objective", Value: "99.5"}}},
		func(slos []*slo.SLO) error { loaded = slos; return nil })
	require.NoError(t, err)
	require.Equal(t, []string{api}, written)
	require.Len(t, loaded, 2)
	require.Equal(t, "99.5", loaded[1].Objective.Percent)
	require.Equal(t, before[db], read(db))
	require.Equal(t, "apiVersion: slokeeper/v1\nservice: api\nowner: o\nlayer: service\nslos:\n"+
		"  - name: up\n    objective: 99.5\n    dependsOn: [db/up]\n    sli: {probe: {success: api_up}}\n", read(api))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 2, "no temporary file is left behind")
}
