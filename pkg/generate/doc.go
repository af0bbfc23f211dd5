// Package generate turns SLOs into Prometheus rule groups: multi-window
// multi-burn-rate alerts after the SRE Workbook that are exact (every window
// is a ratio of summed events, never a mean of ratios) and cheap (windows of
// an hour and longer, and the period, are averaged from the generator's own
// short-window recordings, never from the raw series).
//
// The recording pipeline of one SLO, at a 30d period:
//
//	raw series ──rate[5m]──▶ slo:sli_error:rate5m, slo:sli_total:rate5m           (group sli, every interval)
//	           ──avg[30m|1h]──▶ slo:sli_error:ratio_rate30m, …ratio_rate1h        (group sli)
//	           ──avg[10m]──▶ slo:sli_error:rate10m, slo:sli_total:rate10m (tiles) (group tiles, every 10m)
//	tiles      ──avg[2h…3d]──▶ slo:sli_error:ratio_rate2h … ratio_rate3d          (group budget, every 1m)
//	           ──avg[30d]──▶ slo:sli_error:ratio_period, slo:error_budget_remaining:ratio
//
// Averages of per-second rates over the same timestamps, divided, are ratios
// of event sums, so every ratio is traffic-weighted, provided the base window
// spans two scrapes or more and the evaluation interval (slo.DefaultMinWindow,
// 5m, does for intervals up to a minute); the tiles only bound how many
// samples the long windows read.
//
// The package is pure: it does no I/O. Write (write.go) is the one place
// that touches the file system.
package generate
