package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/storage/remote"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/demo"
	"github.com/slokeeper/slokeeper/internal/review"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

// Two weeks at 5-minute resolution keep the demo's stories (two or three weekly slices of the database, a
// capacity exceeded every day) and the tests fast.
var demoFlags = []string{"--demo.history=14d", "--demo.resolution=5m"}

const demoHistory = 14 * 24 * time.Hour

// writeDemo writes the demo fixture, the example specs in dir/specs and history at 5-minute resolution ending
// at now in dir/data, as `slokeeper review --demo` does.
func writeDemo(t *testing.T, dir string, history time.Duration, now time.Time) *demo.Fixture {
	t.Helper()
	f, err := demo.WriteFixture(t.Context(), demo.FixtureOptions{
		SpecDir: filepath.Join(dir, "specs"), DataDir: filepath.Join(dir, "data"),
		Traffic: demo.Options{History: history, Resolution: 5 * time.Minute, Now: func() time.Time { return now }},
	})
	require.NoError(t, err)
	return f
}

func decisions(t *testing.T, out string) (map[string]review.Kind, map[review.Kind]int) {
	t.Helper()
	var rep review.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	byID := map[string]review.Kind{}
	kinds := map[review.Kind]int{}
	for _, s := range rep.SLOs {
		byID[s.ID] = s.Decision
		for _, f := range s.Findings {
			kinds[f.Kind]++
		}
	}
	return byID, kinds
}

// `slokeeper review --demo` shows the demo's stories: the over-achieving database gets "tighten", the payment
// API above its capacity "capacity drift".
func TestReviewDemo(t *testing.T) {
	code, out, errOut := runCLI(t, append([]string{"review", "--demo", "--format=json"}, demoFlags...)...)
	require.Equal(t, 0, code, errOut)
	byID, kinds := decisions(t, out)
	require.Len(t, byID, 7)
	require.GreaterOrEqual(t, kinds[review.KindTighten], 1)
	require.GreaterOrEqual(t, kinds[review.KindCapacityDrift]+kinds[review.KindLoosenOrInvest], 1)
	require.Equal(t, review.KindTighten, byID["payments-db/query-latency"])
	require.Equal(t, review.KindCapacityDrift, byID["payments/api-latency"])
	require.NotContains(t, errOut, "reviewing", "no progress when stderr is not a terminal")

	// The Markdown report, over a shorter history.
	code, out, errOut = runCLI(t, "review", "--demo", "--demo.history=3d", "--demo.resolution=5m")
	require.Equal(t, 0, code, errOut)
	for _, s := range []string{"# SLO review", "## service layer", "#### payments-db/query-latency: tighten", "capacity drift", "## Achievability"} {
		require.Contains(t, out, s)
	}
}

// The daemon's mode: specs and storage.path from its config file (the TSDB read only), and --write, which
// records the accepted review in the specs and keeps their comments.
func TestReviewConfigWrite(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	specFiles := writeDemo(t, dir, demoHistory, now).SpecFiles
	cfgFile := writeSpec(t, dir, "slokeeper.yml", "specs: [specs/*.yaml]\nstorage:\n  path: data/\n")
	db, payments := filepath.Join(dir, "specs", "payments-db.yaml"), filepath.Join(dir, "specs", "payments.yaml")
	before := map[string]string{}
	for _, f := range []string{db, payments} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		before[f] = string(b)
	}

	code, _, errOut := runCLI(t, "review", "--config.file="+cfgFile, "--slo=payments-db/query-latency", "--write")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--write needs --reviewer")

	reportFile := filepath.Join(dir, "report.json")
	code, _, errOut = runCLI(t, "review", "--config.file="+cfgFile, "--format=json", "-o", reportFile,
		"--slo=payments-db/query-latency", "--slo=payments/api-latency", "--write", "--reviewer=Jane Doe")
	require.Equal(t, 0, code, errOut)
	report, err := os.ReadFile(reportFile)
	require.NoError(t, err)
	byID, _ := decisions(t, string(report))
	require.Equal(t, map[string]review.Kind{"payments-db/query-latency": review.KindTighten, "payments/api-latency": review.KindCapacityDrift}, byID)
	require.Contains(t, errOut, "recorded 2 review(s) in 2 file(s): ")

	entries := func(decision string) string {
		return "      lastReviewed: " + now.UTC().Format(time.DateOnly) + "\n      decision: " + decision + "\n      reviewer: Jane Doe\n"
	}
	// The database: a tighter threshold and the record at the end of its review mapping, after the date it was
	// agreed, which stays; nothing else changes.
	want := strings.Replace(before[db], "        threshold: 50ms\n", "        threshold: 10ms\n", 1)
	agreed := "        threshold: 10ms\n    review:\n      agreed: 2026-06-01\n"
	require.Contains(t, want, agreed)
	want = strings.Replace(want, agreed, agreed+entries("tighten"), 1)
	// The payment API: the record at the end of its review mapping, after the date it was agreed (and its
	// comment), which stay; capacity drift is recorded, no target changes.
	agreedPayments := "    review:\n      agreed: 2026-11-16        # the review is due one cadence (90d) later\n"
	require.Contains(t, before[payments], agreedPayments)
	wantPayments := strings.Replace(before[payments], agreedPayments, agreedPayments+entries("capacity-drift"), 1)
	for f, w := range map[string]string{db: want, payments: wantPayments} {
		after, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NotEqual(t, before[f], w)
		require.Equal(t, w, string(after))
		require.True(t, strings.HasPrefix(string(after), "# "), "comments kept")
	}
	slos, err := spec.Load(specFiles)
	require.NoError(t, err)
	for _, s := range slos {
		if s.ID() == "payments-db/query-latency" {
			require.Equal(t, 0.01, s.SLI.Threshold)
			require.Equal(t, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), s.Review.Agreed, "kept")
		}
	}
}

// The remote_read mode: history served by a Prometheus remote-read endpoint on 127.0.0.1, no local TSDB.
func TestReviewRemoteRead(t *testing.T) {
	dir := t.TempDir()
	tsdbDir := writeDemo(t, dir, 7*24*time.Hour, time.Now()).DataDir
	opts := tsdb.DefaultOptions()
	opts.RetentionDuration = 0
	db, err := tsdb.Open(tsdbDir, promslog.NewNopLogger(), nil, opts, nil)
	require.NoError(t, err)
	defer db.Close()
	h := remote.NewReadHandler(promslog.NewNopLogger(), nil, db, func() config.Config { return config.DefaultConfig }, 0, 1, 1<<20)
	srv := httptest.NewServer(h)
	defer srv.Close()

	cfgFile := writeSpec(t, dir, "slokeeper.yml", "specs: [specs/*.yaml]\nstorage:\n  path: no-such-dir/\nremote_read:\n  - url: "+srv.URL+"/api/v1/read\n")
	code, out, errOut := runCLI(t, "review", "--config.file="+cfgFile, "--format=json", "--slo=payments/api-latency")
	require.Equal(t, 0, code, errOut)
	byID, _ := decisions(t, out)
	require.Equal(t, review.KindCapacityDrift, byID["payments/api-latency"])

	// A remote that fails is an error, not a silent "no traffic".
	srv.Close()
	code, _, errOut = runCLI(t, "review", "--config.file="+cfgFile, "--slo=payments/api-latency")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "couldn't read the history of payments/api-latency")
}

func TestReviewUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"review"}, "nothing to review: pass --config.file, --spec.files or --demo"},
		{[]string{"review", "--demo", "--write", "--reviewer=x"}, "--write edits spec files"},
		{[]string{"review", "--demo", "--spec.files=x.yaml"}, "--demo reviews the examples over demo history"},
		{[]string{"review", "--demo", "--since=01/02/2026"}, "--since must be a date YYYY-MM-DD"},
		{[]string{"review", "--demo", "--until=tomorrow"}, "--until must be a date"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		require.Equal(t, 2, code, tc.args)
		require.Contains(t, errOut, tc.msg)
	}
	code, _, errOut := runCLI(t, "review", "--spec.files=../../examples/*.yaml", "--storage.path="+t.TempDir(), "--slo=nope/x")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `no loaded SLO has the id "nope/x"`)
}

func TestReviewProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := &progressLine{w: &b}
	p.update(review.Progress{SLO: "a/b", At: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), Done: 1, Total: 4})
	p.update(review.Progress{SLO: "a/b", Done: 2, Total: 4}) // within 100ms: skipped
	p.update(review.Progress{SLO: "a/b", At: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), Done: 4, Total: 4})
	p.clear()
	require.Equal(t, "\r\x1b[Kreviewing a/b: 2026-01-02, 1 of 4 days read (25%)"+
		"\r\x1b[Kreviewing a/b: 2026-01-05, 4 of 4 days read (100%)\r\x1b[K", b.String())
	require.False(t, (&reviewCommand{}).showProgress(&b), "a buffer is not a terminal")
}
