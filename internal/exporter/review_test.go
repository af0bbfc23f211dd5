package exporter

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/catalog"
	"github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

func TestReviewCollector(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	quarter := 90 * 24 * time.Hour
	c := NewReviewCollector(func() time.Time { return now })
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(""), conventions.MetricReviewOverdue), "nothing before Set")

	c.Set(catalog.New([]*slo.SLO{
		{Service: "pay", Name: "fresh", Layer: slo.LayerService, Owner: "team-pay",
			Review: slo.Review{LastReviewed: now.Add(-30 * 24 * time.Hour), Cadence: quarter}},
		{Service: "pay", Name: "stale", Layer: slo.LayerService, Owner: "team-pay",
			Review: slo.Review{LastReviewed: now.Add(-quarter - time.Hour), Cadence: quarter}},
		{Service: "db", Name: "never", Layer: slo.LayerInfrastructure, Owner: "platform", Review: slo.Review{Cadence: 30 * 24 * time.Hour}},
		{Service: "db", Name: "new", Layer: slo.LayerInfrastructure, Owner: "platform", Review: slo.Review{Cadence: 30 * 24 * time.Hour}},
		{Service: "db", Name: "unseen", Layer: slo.LayerInfrastructure, Owner: "platform", Review: slo.Review{Cadence: 30 * 24 * time.Hour}},
		{Service: "db", Name: "agreed", Layer: slo.LayerInfrastructure, Owner: "platform",
			Review: slo.Review{Agreed: now.Add(-24 * time.Hour), Cadence: 30 * 24 * time.Hour}},
	}, generate.Options{}.Windows))
	// Without a date, the review clock starts at the first evaluation of the SLO's rules: 31 days ago is overdue,
	// a day ago is not, and not known yet is absent (not 0: a number the daemon does not know).
	c.SetClocks(map[string]time.Time{"db/never": now.Add(-31 * 24 * time.Hour), "db/new": now.Add(-24 * time.Hour)})
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP slo_review_cadence_seconds How often the SLO must be reviewed (review.cadence of its spec, 90 days by default).
# TYPE slo_review_cadence_seconds gauge
slo_review_cadence_seconds{layer="infrastructure",owner="platform",service="db",slo="agreed"} 2.592e+06
slo_review_cadence_seconds{layer="infrastructure",owner="platform",service="db",slo="never"} 2.592e+06
slo_review_cadence_seconds{layer="infrastructure",owner="platform",service="db",slo="new"} 2.592e+06
slo_review_cadence_seconds{layer="infrastructure",owner="platform",service="db",slo="unseen"} 2.592e+06
slo_review_cadence_seconds{layer="service",owner="team-pay",service="pay",slo="fresh"} 7.776e+06
slo_review_cadence_seconds{layer="service",owner="team-pay",service="pay",slo="stale"} 7.776e+06
# HELP slo_review_last_timestamp_seconds When the SLO was last reviewed (review.lastReviewed of its spec), in seconds since the epoch; absent for an SLO never reviewed.
# TYPE slo_review_last_timestamp_seconds gauge
slo_review_last_timestamp_seconds{layer="service",owner="team-pay",service="pay",slo="fresh"} 1.7931024e+09
slo_review_last_timestamp_seconds{layer="service",owner="team-pay",service="pay",slo="stale"} 1.7879148e+09
# HELP slo_review_overdue 1 once the SLO's review cadence has passed since its last review, else since it was agreed, else since its rules first evaluated it; absent while that is not known.
# TYPE slo_review_overdue gauge
slo_review_overdue{layer="infrastructure",owner="platform",service="db",slo="agreed"} 0
slo_review_overdue{layer="infrastructure",owner="platform",service="db",slo="never"} 1
slo_review_overdue{layer="infrastructure",owner="platform",service="db",slo="new"} 0
slo_review_overdue{layer="service",owner="team-pay",service="pay",slo="fresh"} 0
slo_review_overdue{layer="service",owner="team-pay",service="pay",slo="stale"} 1
`)))
	problems, err := testutil.CollectAndLint(c)
	require.NoError(t, err)
	require.Empty(t, problems)
}
