package spec_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/slo"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

const day = 24 * time.Hour

// defaultAlerting is what an SLO without alerting overrides gets.
var defaultAlerting = slo.Alerting{
	Page:   slo.TierAlerting{Severity: "critical"},
	Ticket: slo.TierAlerting{Severity: "warning"},
}

func glob(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	require.NoError(t, err)
	require.NotEmpty(t, files, "no files match %s", pattern)
	return files
}

func byID(slos []*slo.SLO) map[string]*slo.SLO {
	m := make(map[string]*slo.SLO, len(slos))
	for _, s := range slos {
		m[s.ID()] = s
	}
	return m
}

func date(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	require.NoError(t, err)
	return d
}

// The examples load together, in file order, with every default applied.
func TestLoadExamples(t *testing.T) {
	files := glob(t, "../../examples/*.yaml")
	slos, err := spec.Load(files)
	require.NoError(t, err)

	var ids []string
	for _, s := range slos {
		ids = append(ids, s.ID())
	}
	require.Equal(t, []string{
		"checkout/journey-latency", "checkout/journey-availability",
		"payments-db/query-latency", "payments-db/availability", "payments-db/replication-lag",
		"payments/api-latency", "payments/api-availability",
	}, ids, "SLOs in file order (Glob sorts the files)")

	got := byID(slos)
	for _, tc := range []struct {
		id        string
		owner     string
		layer     slo.Layer
		source    string
		objective slo.Objective
		period    time.Duration
		sli       slo.SLI
		capacity  float64
		dependsOn []slo.Dependency
		review    slo.Review
		minEvents int64
		grouping  []string
		labels    map[string]string
		alerting  slo.Alerting
	}{
		{
			id: "checkout/journey-latency", owner: "team-checkout", layer: slo.LayerProduct,
			source:    "../../examples/checkout.yaml:11",
			objective: slo.Objective{Percent: "95", Ratio: 0.95, Budget: 0.05},
			period:    30 * day,
			sli:       slo.SLI{Kind: slo.SLILatency, Histogram: `checkout_journey_duration_seconds{env="prod"}`, Threshold: 3},
			dependsOn: []slo.Dependency{{ID: "payments/api-latency", Relation: slo.RelationSerial}},
			review:    slo.Review{LastReviewed: date(t, "2026-09-01"), Cadence: 90 * day},
			labels:    map[string]string{"journey": "checkout"},
			alerting: slo.Alerting{
				Page: defaultAlerting.Page, Ticket: defaultAlerting.Ticket,
				RunbookURL: "https://runbooks.example.com/checkout/journey-latency",
			},
		},
		{
			id: "checkout/journey-availability", owner: "team-checkout", layer: slo.LayerProduct,
			source:    "../../examples/checkout.yaml:28",
			objective: slo.Objective{Percent: "99.5", Ratio: 0.995, Budget: 0.005},
			period:    30 * day, // default
			sli: slo.SLI{
				Kind:  slo.SLIEvents,
				Good:  `checkout_journey_total{env="prod",outcome="confirmed"}`,
				Total: `checkout_journey_total{env="prod"}`,
			},
			dependsOn: []slo.Dependency{{ID: "payments/api-availability", Relation: slo.RelationSerial}},
			review:    slo.Review{Agreed: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), Cadence: 90 * day},
			minEvents: 50,
			labels:    map[string]string{"journey": "checkout"},
			alerting: slo.Alerting{
				Page: defaultAlerting.Page, Ticket: defaultAlerting.Ticket,
				RunbookURL: "https://runbooks.example.com/checkout/journey-availability",
			},
		},
		{
			id: "payments-db/query-latency", owner: "team-platform", layer: slo.LayerInfrastructure,
			source:    "../../examples/payments-db.yaml:7",
			objective: slo.Objective{Percent: "99", Ratio: 0.99, Budget: 0.01},
			period:    7 * day,
			// A native histogram keeps its name as written.
			sli:    slo.SLI{Kind: slo.SLINativeLatency, Histogram: `pg_query_duration_seconds{cluster="payments"}`, Threshold: 0.05},
			review: slo.Review{Agreed: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Cadence: 90 * day},
			alerting: slo.Alerting{
				Page: defaultAlerting.Page, Ticket: defaultAlerting.Ticket,
				RunbookURL: "https://runbooks.example.com/platform/db-latency",
			},
		},
		{
			id: "payments-db/availability", owner: "team-platform", layer: slo.LayerInfrastructure,
			source:    "../../examples/payments-db.yaml:22",
			objective: slo.Objective{Percent: "99.5", Ratio: 0.995, Budget: 0.005},
			period:    30 * day,
			sli:       slo.SLI{Kind: slo.SLIProbe, Success: `probe_success{job="blackbox",target="payments-db-primary"}`},
			review:    slo.Review{Agreed: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Cadence: 90 * day},
			alerting: slo.Alerting{
				Page: defaultAlerting.Page, Ticket: defaultAlerting.Ticket,
				RunbookURL: "https://runbooks.example.com/platform/db-availability",
			},
		},
		{
			id: "payments-db/replication-lag", owner: "team-platform", layer: slo.LayerInfrastructure,
			source:    "../../examples/payments-db.yaml:35",
			objective: slo.Objective{Percent: "99", Ratio: 0.99, Budget: 0.01},
			period:    7 * day,
			sli: slo.SLI{
				Kind:       slo.SLIRaw,
				ErrorRatio: `avg_over_time((max(pg_replication_lag_seconds{cluster="payments"}) > bool 5)[{{.window}}:])`,
			},
			review: slo.Review{Agreed: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Cadence: 90 * day},
			alerting: slo.Alerting{
				Page:   slo.TierAlerting{Disabled: true, Severity: "critical"},
				Ticket: defaultAlerting.Ticket,
			},
		},
		{
			id: "payments/api-latency", owner: "team-payments", layer: slo.LayerService,
			source:    "../../examples/payments.yaml:8",
			objective: slo.Objective{Percent: "95", Ratio: 0.95, Budget: 0.05},
			period:    28 * day,
			// The classic histogram's selector loses its _bucket suffix.
			sli:       slo.SLI{Kind: slo.SLILatency, Histogram: `http_request_duration_seconds{job="payments-api"}`, Threshold: 0.4},
			capacity:  500,
			dependsOn: []slo.Dependency{{ID: "payments-db/query-latency", Relation: slo.RelationSerial}},
			review:    slo.Review{Agreed: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), Cadence: 90 * day},
			alerting: slo.Alerting{
				Page: defaultAlerting.Page, Ticket: defaultAlerting.Ticket,
				RunbookURL: "https://runbooks.example.com/payments/api-latency",
			},
		},
		{
			id: "payments/api-availability", owner: "team-payments", layer: slo.LayerService,
			source:    "../../examples/payments.yaml:26",
			objective: slo.Objective{Percent: "99.9", Ratio: 0.999, Budget: 0.001},
			period:    30 * day,
			sli: slo.SLI{
				Kind:   slo.SLIEvents,
				Errors: `http_requests_total{job="payments-api",code=~"5.."}`,
				Total:  `http_requests_total{job="payments-api"}`,
			},
			dependsOn: []slo.Dependency{{ID: "payments-db/availability", Relation: slo.RelationSerial}},
			review:    slo.Review{Agreed: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), Cadence: 90 * day},
			grouping:  []string{"route"},
			alerting: slo.Alerting{
				Page:       defaultAlerting.Page,
				Ticket:     slo.TierAlerting{Severity: "info"},
				Labels:     map[string]string{"component": "api"},
				RunbookURL: "https://runbooks.example.com/payments/api-availability",
			},
		},
	} {
		t.Run(tc.id, func(t *testing.T) {
			s := got[tc.id]
			require.NotNil(t, s)
			service, name, _ := strings.Cut(tc.id, "/")
			require.Equal(t, service, s.Service)
			require.Equal(t, name, s.Name)
			require.Equal(t, tc.owner, s.Owner)
			require.Equal(t, tc.layer, s.Layer)
			require.Equal(t, tc.source, s.Source.String())
			require.Equal(t, tc.objective, s.Objective)
			require.Equal(t, tc.period, s.Period)
			require.Equal(t, tc.sli, s.SLI)
			require.Equal(t, tc.capacity, s.Capacity)
			require.Equal(t, tc.dependsOn, s.DependsOn)
			require.Equal(t, tc.review, s.Review)
			require.Equal(t, tc.minEvents, s.MinEvents)
			require.Equal(t, tc.grouping, s.Grouping)
			require.Equal(t, tc.labels, s.Labels)
			require.Equal(t, tc.alerting, s.Alerting)
			require.NotEmpty(t, s.Description)
		})
	}

	// Exact decimal arithmetic: 1-0.999 in float64 is 0.0010000000000000009.
	require.Equal(t, 0.001, got["payments/api-availability"].Objective.Budget)
	require.Equal(t, 0.005, got["payments-db/availability"].Objective.Budget)
	// Folded rationale is trimmed.
	require.Equal(t,
		"Funnel analysis shows abandonment doubles when confirmation takes longer than 3 s; 1 in 20 slow checkouts is what the business accepts.",
		got["checkout/journey-latency"].Rationale)
}

// Each file of the good corpus loads on its own, and the corpus covers every
// SLI kind.
func TestLoadGood(t *testing.T) {
	files := glob(t, "testdata/*.good.yaml")
	require.GreaterOrEqual(t, len(files), 6)
	kinds := map[slo.SLIKind]bool{}
	for _, f := range files {
		slos, err := spec.Load([]string{f})
		require.NoError(t, err, f)
		require.NotEmpty(t, slos, f)
		for _, s := range slos {
			kinds[s.SLI.Kind] = true
		}
	}
	require.Equal(t, map[slo.SLIKind]bool{
		slo.SLIEvents: true, slo.SLILatency: true, slo.SLINativeLatency: true, slo.SLIRaw: true, slo.SLIProbe: true,
	}, kinds)

	// Examples and the good corpus load together: no duplicate IDs, and
	// dependencies resolve across files.
	all := append(glob(t, "../../examples/*.yaml"), files...)
	_, err := spec.Load(all)
	require.NoError(t, err)
}

// What the good corpus turns into.
func TestLoadGoodValues(t *testing.T) {
	for _, tc := range []struct {
		file  string
		check func(t *testing.T, got map[string]*slo.SLO)
	}{
		{
			file: "events-errors.good.yaml",
			check: func(t *testing.T, got map[string]*slo.SLO) {
				s := got["orders/api-availability"]
				require.Equal(t, slo.SLI{
					Kind:   slo.SLIEvents,
					Errors: `http_requests_total{job="orders",code=~"5.."}`,
					Total:  `http_requests_total{job="orders"}`,
				}, s.SLI)
				require.Equal(t, 0.0005, s.Objective.Budget)
				require.Equal(t, 28*day, s.Period)
				// SLO labels override the file's.
				require.Equal(t, map[string]string{"tier": "0", "cost_center": "retail", "component": "api"}, s.Labels)
				require.Equal(t, []string{"route", "method"}, s.Grouping)
				require.Equal(t, int64(100), s.MinEvents)
				require.Equal(t, slo.Review{LastReviewed: date(t, "2026-01-15"), Cadence: 30 * day}, s.Review)
				require.Equal(t, defaultAlerting, s.Alerting)
			},
		},
		{
			file: "events-good-window.good.yaml",
			check: func(t *testing.T, got map[string]*slo.SLO) {
				require.Equal(t, slo.SLI{
					Kind:  slo.SLIEvents,
					Good:  `search_requests_total{outcome="hit"}`,
					Total: "search_requests_total",
				}, got["search/results-found"].SLI)
				// Queries are kept as written, placeholders and all.
				s := got["search/queries-served"]
				require.Equal(t, slo.SLI{
					Kind:   slo.SLIEvents,
					Errors: `sum(rate(search_requests_total{outcome="error"}[{{.window}}])) + sum(rate(search_timeouts_total[{{ .window }}]))`,
					Total:  `sum(rate(search_requests_total[{{.window}}]))`,
				}, s.SLI)
				require.Equal(t, 7*day, s.Period)
				require.Equal(t, slo.LayerProduct, s.Layer)
			},
		},
		{
			file: "latency.good.yaml",
			check: func(t *testing.T, got map[string]*slo.SLO) {
				s := got["gateway/latency"]
				// _count is stripped too, and matchers are printed sorted.
				require.Equal(t, slo.SLI{
					Kind: slo.SLILatency, Histogram: `gateway_request_duration_seconds{job="gateway",route!="/healthz"}`, Threshold: 0.25,
				}, s.SLI)
				require.Equal(t, day, s.Period)
				require.Equal(t, slo.Alerting{
					Page:        slo.TierAlerting{Severity: "page_now"},
					Ticket:      slo.TierAlerting{Disabled: true, Severity: "warning"},
					Labels:      map[string]string{"team": "edge", "pager": "edge-primary"},
					Annotations: map[string]string{"dashboard": "https://grafana.example.com/d/gateway"},
					RunbookURL:  "https://runbooks.example.com/gateway#latency",
				}, s.Alerting)
			},
		},
		{
			file: "native-latency.good.yaml",
			check: func(t *testing.T, got map[string]*slo.SLO) {
				s := got["cache/get-latency"]
				require.Equal(t, slo.SLI{Kind: slo.SLINativeLatency, Histogram: `cache_get_duration_seconds{cluster="eu-1"}`, Threshold: 0.002}, s.SLI)
				require.Equal(t, 90*day, s.Period)
				require.Equal(t, slo.LayerInfrastructure, s.Layer)
				require.Zero(t, s.MinEvents)
				require.Equal(t, defaultAlerting, s.Alerting)
			},
		},
		{
			file: "raw.good.yaml",
			check: func(t *testing.T, got map[string]*slo.SLO) {
				require.Equal(t, slo.SLI{
					Kind:       slo.SLIRaw,
					ErrorRatio: "avg_over_time((time() - ledger_last_sync_timestamp_seconds > bool 60)[{{.window}}:1m])\n",
				}, got["ledger/freshness"].SLI)
			},
		},
		{
			file: "probe.good.yaml",
			check: func(t *testing.T, got map[string]*slo.SLO) {
				s := got["dns/resolution"]
				require.Equal(t, slo.SLI{Kind: slo.SLIProbe, Success: `probe_success{job="blackbox-dns"}`}, s.SLI)
				// A bare name is an SLO of the same file.
				require.Equal(t, []slo.Dependency{{ID: "dns/upstream", Relation: slo.RelationSerial}}, s.DependsOn)
				require.Equal(t, 0.0001, s.Objective.Budget)
				require.Equal(t, "probe.good.yaml:7", filepath.Base(s.Source.String()))
				require.Equal(t, "probe.good.yaml:13", filepath.Base(got["dns/upstream"].Source.String()))
			},
		},
		{
			file: "dependencies.good.yaml",
			check: func(t *testing.T, got map[string]*slo.SLO) {
				s := got["search/query"]
				// An id alone is serial; a mapping names its relation (serial by default).
				require.Equal(t, []slo.Dependency{
					{ID: "search/index-primary", Relation: slo.RelationSerial},
					{ID: "search/index-replica", Relation: slo.RelationParallel},
					{ID: "search/cache", Relation: slo.RelationSerial},
				}, s.DependsOn)
				require.Equal(t, slo.Review{
					LastReviewed: date(t, "2026-10-01"), Cadence: 30 * day,
					Decision: slo.DecisionCapacityDrift, Reviewer: "Jane Doe <jane@example.com>",
				}, s.Review)
				require.Equal(t, slo.Review{LastReviewed: date(t, "2026-11-01"), Cadence: 90 * day, Decision: slo.DecisionKeep},
					got["search/cache"].Review)
			},
		},
		{
			file: "anchors.good.yaml",
			check: func(t *testing.T, got map[string]*slo.SLO) {
				reads, good := got["inventory/reads"], got["inventory/reads-good"]
				require.Equal(t, reads.Objective, good.Objective)
				require.Equal(t, reads.SLI.Total, good.SLI.Total)
				require.Equal(t, `grpc_server_handled_total{grpc_service="inventory.Read"}`, good.SLI.Total)
				want := slo.Alerting{
					Page:       slo.TierAlerting{Severity: "critical"},
					Ticket:     slo.TierAlerting{Severity: "info"},
					Labels:     map[string]string{"domain": "stock"},
					RunbookURL: "https://runbooks.example.com/inventory",
				}
				require.Equal(t, want, reads.Alerting)
				require.Equal(t, want, good.Alerting)
				require.Equal(t, map[string]string{"domain": "stock"}, good.Labels)
			},
		},
		{
			file: "minimal.good.yaml",
			check: func(t *testing.T, got map[string]*slo.SLO) {
				s := got["m/n"]
				require.Equal(t, slo.Objective{Percent: "50", Ratio: 0.5, Budget: 0.5}, s.Objective)
				require.Equal(t, slo.SLI{Kind: slo.SLIProbe, Success: "up"}, s.SLI)
				require.Equal(t, 30*day, s.Period)
				require.Equal(t, slo.Review{Cadence: 90 * day}, s.Review)
				require.Nil(t, s.Labels)
				require.Nil(t, s.DependsOn)
			},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			slos, err := spec.Load([]string{filepath.Join("testdata", tc.file)})
			require.NoError(t, err)
			tc.check(t, byID(slos))
		})
	}
}

func TestLoadUnreadable(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	slos, err := spec.Load([]string{"../../examples/payments-db.yaml", missing, t.TempDir()})
	require.Nil(t, slos)
	var errs spec.Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 2)
	require.Contains(t, err.Error(), missing+": couldn't read: no such file or directory")
	require.Contains(t, err.Error(), ": couldn't read: is a directory")
}

// Parse checks one file on its own and names errors after the name it is
// given.
func TestParse(t *testing.T) {
	data := []byte("apiVersion: slokeeper/v1\nservice: s\nowner: o\nlayer: service\nslos:\n" +
		"  - name: a\n    objective: 99.9\n    sli: {probe: {success: up}}\n    dependsOn: [b]\n" +
		"  - name: b\n    objective: 99\n    sli: {probe: {success: up}}\n")
	slos, err := spec.Parse("inline.yaml", data)
	require.NoError(t, err)
	require.Len(t, slos, 2)
	require.Equal(t, []slo.Dependency{{ID: "s/b", Relation: slo.RelationSerial}}, slos[0].DependsOn)
	require.Equal(t, "inline.yaml:6", slos[0].Source.String())

	// A dependency on another file's SLO is unknown to Parse.
	slos, err = spec.Parse("inline.yaml", append(data, "    dependsOn: [other/c]\n"...))
	require.Nil(t, slos)
	require.EqualError(t, err, `inline.yaml:13: slos[1].dependsOn[0]: names no loaded SLO: "other/c" (known: s/a, s/b)`)
}

func TestPolicy(t *testing.T) {
	data := []byte("apiVersion: slokeeper/v1\nservice: s\nowner: o\nlayer: service\npolicy: platform\nslos:\n" +
		"  - name: a\n    objective: 99.9\n    sli: {probe: {success: up}}\n" +
		"  - name: b\n    objective: 99\n    policy: strict\n    sli: {probe: {success: up}}\n")
	slos, err := spec.Parse("inline.yaml", data)
	require.NoError(t, err)
	require.Equal(t, "platform", slos[0].Policy, "the file's policy")
	require.Equal(t, "strict", slos[1].Policy, "the SLO's own")

	_, err = spec.Parse("inline.yaml", []byte(strings.Replace(string(data), "policy: strict", "policy: 'no way'", 1)))
	require.ErrorContains(t, err, `inline.yaml:12: slos[1].policy: must be 1-64 letters, digits, '.', '_' or '-'`)
}
