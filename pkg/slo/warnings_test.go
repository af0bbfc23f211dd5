package slo_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// Every SLO without a review date is warned about, with the cadence it will wait; a lastReviewed or an agreed
// date silences it. Warnings lists each SLO's warnings together, in the SLOs' order, achievability first.
func TestWarnings(t *testing.T) {
	const day = 24 * time.Hour
	date := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	db := availability("db/up", "99")
	db.Review = slo.Review{Cadence: 30 * day}
	api := availability("api/up", "99.9", serial("db/up")) // above what db delivers
	api.Review = slo.Review{Cadence: 90 * day}
	agreed := availability("api/agreed", "99")
	agreed.Review = slo.Review{Agreed: date, Cadence: 90 * day}
	reviewed := availability("api/reviewed", "99")
	reviewed.Review = slo.Review{LastReviewed: date, Cadence: 90 * day}
	slos := []*slo.SLO{db, api, agreed, reviewed}

	noDate := func(s *slo.SLO, cadence string) slo.Warning {
		return slo.Warning{SLO: s, Message: "no review date: set review.agreed (the date this SLO was agreed) or review.lastReviewed; " +
			"until then it is due one cadence (" + cadence + ") after slokeeper first evaluates it"}
	}
	require.Equal(t, []slo.Warning{noDate(db, "30d"), noDate(api, "90d")}, slo.CheckReviewDates(slos))

	got := slo.Warnings(slos)
	require.Len(t, got, 3)
	require.Equal(t, noDate(db, "30d"), got[0])
	require.Same(t, api, got[1].SLO)
	require.Contains(t, got[1].Message, "objective 99.9% is above what its dependencies can deliver together")
	require.Equal(t, noDate(api, "90d"), got[2])
	require.Empty(t, slo.Warnings([]*slo.SLO{agreed, reviewed}))
}
