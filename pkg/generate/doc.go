// Package generate turns SLOs into Prometheus rule groups: multi-window
// multi-burn-rate alerts after the SRE Workbook that are exact (every window
// is a ratio of summed events, never a mean of ratios), prompt (every page
// window weighs its newest events as much as its oldest) and cheap (only the
// base rate reads the raw series; every other window is built from the
// generator's own recordings).
//
// The recording pipeline of one SLO, at a 30d period:
//
//	raw series ──rate[5m]──▶ slo:sli_error:rate5m, slo:sli_total:rate5m           (group sli, every interval)
//	           ──Σ 12 back-to-back (offset 0, 5m … 55m)──▶ …:rate1h (the span)    (group sli)
//	           ──Σ 6 back-to-back──▶ slo:sli_error:ratio_rate30m                  (group sli)
//	span       ──Σ 6 back-to-back (offset 0, 1h … 5h)──▶ …:ratio_rate6h          (group sli)
//	           ──avg[10m]──▶ slo:sli_error:rate10m, slo:sli_total:rate10m (tiles) (group tiles, every 10m)
//	tiles      ──avg[2h|1d|3d]──▶ the tickets' long windows                       (group budget, every 1m)
//	           ──avg[30d]──▶ slo:sli_error:ratio_period, slo:error_budget_remaining:ratio
//
// Back-to-back rates summed are a ratio of the events each counts (all but one
// scrape interval per block), every event weighing the same; averages of
// per-second rates over the same timestamps, divided, are ratios of event
// sums too, provided the base window spans two scrapes or more and the
// evaluation interval (slo.DefaultMinWindow, 5m, does for intervals up to a
// minute), but they weigh the events of their newest base window on a ramp:
// fine for tickets and the period, half a base window late for a page. The
// tiles only bound how many samples the long windows read. See slo.Windows
// for how windows are cut into base windows, blocks, spans and tiles.
//
// The package is pure: it does no I/O. Write (write.go) is the one place
// that touches the file system.
package generate
