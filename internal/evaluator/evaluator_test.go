package evaluator

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/rules"
	promstorage "github.com/prometheus/prometheus/storage"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/slokeeper/slokeeper/internal/querytest"
	"github.com/slokeeper/slokeeper/internal/storage"
	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

const specID = "specs/api.yaml"

func availabilitySLO() *slo.SLO {
	return &slo.SLO{
		Name:      "availability",
		Service:   "api",
		Owner:     "team",
		Layer:     slo.LayerService,
		Objective: slo.MustObjective("99"),
		Period:    24 * time.Hour,
		SLI: slo.SLI{
			Kind:   slo.SLIEvents,
			Errors: `http_requests_total{code="500"}`,
			Total:  `http_requests_total`,
		},
		Alerting: slo.Alerting{
			Page:   slo.TierAlerting{Severity: "critical"},
			Ticket: slo.TierAlerting{Severity: "warning"},
		},
	}
}

// notified collects the firing alerts handed to NotifyFunc.
type notified struct {
	mtx    sync.Mutex
	alerts []*rules.Alert
}

func (n *notified) notify(_ context.Context, _ string, alerts ...*rules.Alert) {
	n.mtx.Lock()
	defer n.mtx.Unlock()
	for _, a := range alerts {
		if a.State == rules.StateFiring {
			n.alerts = append(n.alerts, a)
		}
	}
}

// fired returns "tier/burn factor" of every alert received.
func (n *notified) fired() []string {
	n.mtx.Lock()
	defer n.mtx.Unlock()
	var out []string
	for _, a := range n.alerts {
		if a.Labels.Get(labels.AlertName) != c.AlertBurn { // the review ticket of an SLO never reviewed fires too
			continue
		}
		out = append(out, a.Labels.Get(c.LabelTier)+"/"+a.Labels.Get(c.LabelBurnFactor))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

type fixture struct {
	st       *storage.Storage
	ev       *Evaluator
	notified *notified
}

// newFixture opens a TSDB in a temporary directory and an Evaluator over it. The Evaluator is not running: tests
// evaluate its groups themselves, so nothing depends on wall-clock intervals.
func newFixture(t *testing.T, reg prometheus.Registerer) *fixture {
	t.Helper()
	st, err := storage.Open(storage.Options{Dir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	n := &notified{}
	ev := New(Options{
		Queryable:  st.Queryable(),
		Appendable: st.Appendable(),
		NotifyFunc: n.notify,
		Registerer: reg,
	})
	t.Cleanup(ev.Stop) // runs before st.Close
	return &fixture{st: st, ev: ev, notified: n}
}

// appendCounters appends an hour of http_requests_total scrapes, every 15s, ending at end: errs failed and ok
// successful requests per scrape.
func (f *fixture) appendCounters(t *testing.T, end time.Time, errs, ok float64) {
	t.Helper()
	app := f.st.Appendable().AppenderV2(t.Context())
	errLs := labels.FromStrings("__name__", "http_requests_total", "code", "500")
	okLs := labels.FromStrings("__name__", "http_requests_total", "code", "200")
	const scrapes = 240
	for i := range scrapes + 1 {
		ts := end.Add(-time.Duration(scrapes-i) * 15 * time.Second).UnixMilli()
		_, err := app.Append(0, errLs, 0, ts, errs*float64(i), nil, nil, promstorage.AOptions{})
		require.NoError(t, err)
		_, err = app.Append(0, okLs, 0, ts, ok*float64(i), nil, nil, promstorage.AOptions{})
		require.NoError(t, err)
	}
	require.NoError(t, app.Commit())
}

// evalAll evaluates the SLO's groups once at ts, in dependency order, and fails on any rule error.
func (f *fixture) evalAll(t *testing.T, s *slo.SLO, ts time.Time) {
	t.Helper()
	byName := map[string]*rules.Group{}
	for _, g := range f.ev.RuleGroups() {
		byName[g.Name()] = g
	}
	for _, name := range []string{c.GroupSLI(s.Service, s.Name), c.GroupTiles(s.Service, s.Name), c.GroupBudget(s.Service, s.Name)} {
		g := byName[name]
		require.NotNil(t, g, "group %s not loaded", name)
		// What the manager runs at each slot: Group.Eval plus the group's timestamps and metrics.
		rules.DefaultEvalIterationFunc(t.Context(), g, ts)
		for _, r := range g.Rules() {
			require.NoError(t, r.LastError(), "group %s rule %s", name, r.Name())
		}
	}
}

// query runs an instant query with the Evaluator's engine over the storage; warnings fail the test.
func (f *fixture) query(t *testing.T, qs string, ts time.Time) promql.Vector {
	t.Helper()
	return querytest.Vector(t, f.ev.Engine(), f.st.Queryable(), qs, ts)
}

func TestEvaluatesGeneratedGroups(t *testing.T) {
	s := availabilitySLO()
	windows := generate.Options{}.Windows(s.Period)
	budget := s.Objective.Budget
	require.InDelta(t, 0.01, budget, 1e-12)

	for _, tc := range []struct {
		name    string
		errs    float64 // failed requests per scrape
		ok      float64 // successful requests per scrape
		ratio   float64
		wantAny bool // whether any alert fires
	}{
		{name: "within budget", errs: 1, ok: 199, ratio: 0.005},
		{name: "10% errors", errs: 1, ok: 9, ratio: 0.1, wantAny: true},
		{name: "50% errors", errs: 5, ok: 5, ratio: 0.5, wantAny: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			now := time.Now().Truncate(time.Millisecond)
			f.appendCounters(t, now, tc.errs, tc.ok)
			require.NoError(t, f.ev.Update(map[string][]rulefmt.RuleGroup{specID: generate.Groups([]*slo.SLO{s}, generate.Options{})}))
			f.evalAll(t, s, now)

			v := f.query(t, `slo:sli_error:ratio_rate5m{slo="availability"}`, now)
			require.Len(t, v, 1)
			require.InDelta(t, tc.ratio, v[0].F, 1e-9)
			require.Equal(t, "api", v[0].Metric.Get(c.LabelService))

			// Every window, short (from the base rates) or long (from the tiles), sees the same constant ratio.
			v = f.query(t, `{__name__=~"slo:sli_error:ratio_(rate.+|period)", slo="availability"}`, now)
			require.Len(t, v, len(windows.Distinct())+1)
			for _, smpl := range v {
				require.InDelta(t, tc.ratio, smpl.F, 1e-9, smpl.Metric.String())
			}

			v = f.query(t, `slo:error_budget_remaining:ratio{slo="availability"}`, now)
			require.Len(t, v, 1)
			require.InDelta(t, 1-tc.ratio/budget, v[0].F, 1e-9)

			// Exactly the alerts whose burn factor the constant burn exceeds fire, and reach NotifyFunc.
			burn := tc.ratio / budget
			var want []string
			for _, a := range windows.Alerts {
				if burn > a.BurnFactor {
					want = append(want, string(a.Tier)+"/"+strconv.FormatFloat(a.BurnFactor, 'g', -1, 64))
				}
			}
			slices.Sort(want)
			want = slices.Compact(want)
			require.Equal(t, tc.wantAny, len(want) > 0)
			require.Equal(t, want, f.notified.fired())
			if tc.ratio == 0.5 {
				// The page alerts all fire at 50× the sustainable burn.
				require.Contains(t, f.notified.fired(), "page/"+strconv.FormatFloat(windows.Alerts[0].BurnFactor, 'g', -1, 64))
			}

			for _, g := range f.ev.Health() {
				require.Equal(t, specID, g.File)
				require.Equal(t, now, g.LastEvaluationTimestamp, g.Name)
				require.False(t, g.LastEvaluation.IsZero(), g.Name)
				for _, r := range g.Rules {
					require.Equal(t, rules.HealthGood, r.Health, "%s %s", g.Name, r.Name)
					require.Empty(t, r.LastError)
				}
			}
		})
	}
}

func TestHealthListsGroupsWithIntervals(t *testing.T) {
	s := availabilitySLO()
	windows := generate.Options{}.Windows(s.Period)
	f := newFixture(t, nil)
	require.Empty(t, f.ev.Health())
	require.NoError(t, f.ev.Update(map[string][]rulefmt.RuleGroup{specID: generate.Groups([]*slo.SLO{s}, generate.Options{})}))

	h := f.ev.Health()
	intervals := map[string]time.Duration{}
	for _, g := range h {
		intervals[g.Name] = g.Interval
		require.True(t, g.LastEvaluation.IsZero(), "not evaluated yet")
		for _, r := range g.Rules {
			require.Equal(t, rules.HealthUnknown, r.Health)
		}
	}
	require.Equal(t, map[string]time.Duration{
		c.GroupSLI(s.Service, s.Name):    DefaultInterval, // no interval of its own: the ruler's
		c.GroupTiles(s.Service, s.Name):  windows.Tile,
		c.GroupBudget(s.Service, s.Name): c.BudgetInterval,
	}, intervals)

	var alerting []string
	for _, g := range h {
		for _, r := range g.Rules {
			if r.Alerting {
				alerting = append(alerting, r.Name)
			}
		}
	}
	want := slices.Repeat([]string{c.AlertBurn}, len(windows.Alerts))
	require.ElementsMatch(t, append(want, c.AlertReviewOverdue), alerting)
}

func groupNames(h []GroupHealth) []string {
	var out []string
	for _, g := range h {
		out = append(out, g.File+":"+g.Name)
	}
	return out
}

// Alert templates are not checked here: pkg/spec checks every user string that reaches a template, and
// pkg/generate's tests prove its own.
func TestFailedUpdateKeepsPreviousGroups(t *testing.T) {
	s := availabilitySLO()
	good := generate.Groups([]*slo.SLO{s}, generate.Options{})

	for _, tc := range []struct {
		name    string
		groups  func() map[string][]rulefmt.RuleGroup
		wantErr string
	}{
		{
			name: "bad expression",
			groups: func() map[string][]rulefmt.RuleGroup {
				bad := slices.Clone(good)
				bad[0].Rules = slices.Clone(bad[0].Rules)
				bad[0].Rules[0].Expr = "sum(rate(http_requests_total[5m]"
				return map[string][]rulefmt.RuleGroup{specID: bad}
			},
			wantErr: "specs/api.yaml",
		},
		{
			name: "duplicate group name",
			groups: func() map[string][]rulefmt.RuleGroup {
				return map[string][]rulefmt.RuleGroup{specID: append(slices.Clone(good), good[0])}
			},
			wantErr: "repeated in the same file",
		},
		{
			name: "a good file beside a bad one",
			groups: func() map[string][]rulefmt.RuleGroup {
				other := *availabilitySLO()
				other.Service = "web"
				bad := generate.Groups([]*slo.SLO{&other}, generate.Options{})
				bad[2].Rules = slices.Clone(bad[2].Rules)
				bad[2].Rules[0].Expr = "1 +"
				return map[string][]rulefmt.RuleGroup{specID: good, "specs/web.yaml": bad}
			},
			wantErr: "specs/web.yaml",
		},
		{
			name:    "empty identifier",
			groups:  func() map[string][]rulefmt.RuleGroup { return map[string][]rulefmt.RuleGroup{"": good} },
			wantErr: "identifier",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			require.NoError(t, f.ev.Update(map[string][]rulefmt.RuleGroup{specID: good}))
			before := groupNames(f.ev.Health())
			require.Len(t, before, 3)

			err := f.ev.Update(tc.groups())
			require.ErrorContains(t, err, tc.wantErr)
			require.ErrorContains(t, err, "previous rules kept")
			require.Equal(t, before, groupNames(f.ev.Health()))

			// The kept groups still evaluate, and the loader still serves them: a later good update works.
			now := time.Now().Truncate(time.Millisecond)
			f.appendCounters(t, now, 1, 9)
			f.evalAll(t, s, now)
			require.NoError(t, f.ev.Update(map[string][]rulefmt.RuleGroup{specID: good}))
			require.Equal(t, before, groupNames(f.ev.Health()))
		})
	}
}

func TestUpdateAddsAndRemovesIdentifiers(t *testing.T) {
	api := availabilitySLO()
	web := availabilitySLO()
	web.Service = "web"
	f := newFixture(t, nil)

	require.NoError(t, f.ev.Update(map[string][]rulefmt.RuleGroup{
		specID:           generate.Groups([]*slo.SLO{api}, generate.Options{}),
		"specs/web.yaml": generate.Groups([]*slo.SLO{web}, generate.Options{}),
	}))
	require.Len(t, f.ev.Health(), 6)

	require.NoError(t, f.ev.Update(map[string][]rulefmt.RuleGroup{
		"specs/web.yaml": generate.Groups([]*slo.SLO{web}, generate.Options{}),
	}))
	h := f.ev.Health()
	require.Len(t, h, 3)
	for _, g := range h {
		require.Equal(t, "specs/web.yaml", g.File)
	}

	require.NoError(t, f.ev.Update(nil))
	require.Empty(t, f.ev.Health())
}

func TestRegistersMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	f := newFixture(t, reg)
	require.NoError(t, f.ev.Update(map[string][]rulefmt.RuleGroup{specID: generate.Groups([]*slo.SLO{availabilitySLO()}, generate.Options{})}))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	require.Contains(t, names, "prometheus_rule_group_rules")
	require.Contains(t, names, "prometheus_engine_queries")
}

// inBackground runs fn in a goroutine and returns a channel closed once fn has returned.
func inBackground(fn func()) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	return done
}

// requireWithin fails t with msg unless done is closed within 10 seconds.
func requireWithin(t *testing.T, done <-chan struct{}, msg string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal(msg)
	}
}

func TestRunStop(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	groups := func() map[string][]rulefmt.RuleGroup {
		return map[string][]rulefmt.RuleGroup{specID: generate.Groups([]*slo.SLO{availabilitySLO()}, generate.Options{})}
	}
	t.Run("run then stop", func(t *testing.T) {
		f := newFixture(t, nil)
		require.NoError(t, f.ev.Update(groups()))
		returned := inBackground(f.ev.Run)
		// Groups can be replaced while running: the removed ones stop.
		require.NoError(t, f.ev.Update(nil))
		require.NoError(t, f.ev.Update(groups()))
		f.ev.Stop()
		requireWithin(t, returned, "Run did not return after Stop")
		f.ev.Stop() // idempotent
		require.ErrorContains(t, f.ev.Update(nil), "stopped")
		f.ev.Run() // returns at once after Stop
	})
	t.Run("stop without run", func(t *testing.T) {
		f := newFixture(t, nil)
		require.NoError(t, f.ev.Update(groups()))
		requireWithin(t, inBackground(f.ev.Stop), "Stop hung without Run")
	})
	t.Run("stop while run starts", func(t *testing.T) {
		// As the daemon shuts down at once: Stop waits for the backfill that Run is starting (the race detector
		// caught its WaitGroup added without an order to Stop's Wait).
		for range 5 {
			f := newFixture(t, nil)
			returned := inBackground(f.ev.Run)
			<-f.ev.running
			f.ev.Stop()
			requireWithin(t, returned, "Run did not return after Stop")
		}
	})
	// The subtests' cleanups (Stop, storage Close) have run.
	goleak.VerifyNone(t, ignore)
}
