// Package review is the quarterly SLO review: it reads months of the SLIs' own history, judges every target
// against it and recommends what to do, with the evidence and a confidence that says how much data there was.
//
// SLOs go stale in two directions. Set once against the first load test, a target becomes irrelevant when the
// service gets ten times faster (a p95 of 200 ms for six months against a 500 ms SLO tells nobody anything) or
// unachievable when the system grows past what it was set for. This package makes the review a routine backed
// by field data:
//
//   - it cuts a review window (the last 180 days, or since the SLO's lastReviewed) into calendar slices of the
//     SLO's period (months for 28–31 days, quarters for 84–92, weeks from Monday for whole weeks);
//   - it measures each slice with the generator's own base-rate expressions (generate.BaseRates), so the
//     review judges an SLO by exactly what its alerts see, hour by hour, a day of one SLO per query so that
//     memory does not grow with the window; latency SLOs also get the observed quantile matching the objective
//     (p95 for 95%) from the summed histogram, with PromQL's own histogram_quantile arithmetic;
//   - it recommends: loosen or invest when slices breached again and again, capacity drift when traffic
//     outgrew the declared capacity, tighten when every slice beat the target by a wide margin (with a
//     concrete new target, the budget it would have used in each slice and how often it would have paged),
//     insufficient data when too few events were seen, keep otherwise;
//   - it attributes an SLO's breached slices to the dependencies that breached over the same hours, and reports
//     objectives their dependencies cannot deliver (slo.CheckAchievability);
//   - Edits decides what a review writes back (an accepted target, the review record) and Apply has
//     pkg/spec's patch API write it into the spec files, checked by the loader first, comments and formatting
//     kept.
//
// The rules and their thresholds are constants in analyze.go; docs/review.md states them.
//
// What this package owns is the analysis: the queries, the judgement, the report and its formats, and the
// decision of what to record. What it must not know: how storage is opened (it receives a storage.Queryable in
// Options; cmd/slokeeper opens the daemon's TSDB read only and its remote_read with internal/storage), where
// its demo comes from (internal/demo writes the fixture), and how YAML text is edited (spec.PatchFiles does
// that by SLO id and field path). It reads no configuration, and touches files only through Apply's call of
// spec.PatchFiles.
package review
