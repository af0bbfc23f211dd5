package spec_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/slo"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

// review.agreed: a date, not after lastReviewed (equal is fine), not in the future anywhere on Earth; with or
// without lastReviewed, into the model's Review.
func TestReviewAgreed(t *testing.T) {
	parse := func(review string) ([]*slo.SLO, error) {
		return spec.Parse("inline.yaml", []byte("apiVersion: slokeeper/v1\nservice: s\nowner: o\nlayer: service\nslos:\n"+
			"  - name: a\n    objective: 99.9\n    sli: {probe: {success: up}}\n    review: "+review+"\n"))
	}
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		require.NoError(t, err)
		return d
	}

	slos, err := parse("{agreed: 2026-06-01, lastReviewed: 2026-06-01, cadence: 30d}")
	require.NoError(t, err)
	require.Equal(t, slo.Review{Agreed: day("2026-06-01"), LastReviewed: day("2026-06-01"), Cadence: 30 * 24 * time.Hour}, slos[0].Review)
	require.Equal(t, day("2026-06-01"), slos[0].Review.Since())

	slos, err = parse("{agreed: 2026-06-01}")
	require.NoError(t, err)
	require.Equal(t, slo.Review{Agreed: day("2026-06-01"), Cadence: spec.DefaultReviewCadence}, slos[0].Review)

	// Today in Kiribati (UTC+14) is a date of today, whatever the time in UTC.
	now := time.Now()
	for _, d := range []time.Time{now.UTC(), now.Add(14 * time.Hour).UTC()} {
		_, err = parse("{agreed: " + d.Format(time.DateOnly) + "}")
		require.NoError(t, err, d)
	}
	tooLate := now.Add(48 * time.Hour).UTC().Format(time.DateOnly)
	_, err = parse("{agreed: " + tooLate + "}")
	require.EqualError(t, err, "inline.yaml:9: slos[0].review.agreed: "+tooLate+" is in the future: set the date this SLO was agreed, today or earlier")
}
