package spec_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/spec"
)

// badSpecs maps each bad fixture to every error it must produce, in order.
// A case without files is testdata/bad-specs/NAME.bad.yaml; a case with files
// loads testdata/bad-specs/NAME/FILE… together, in the order given.
var badSpecs = []struct {
	name  string
	files []string
	want  []string
}{
	{name: "alias-key", want: []string{
		`../../testdata/bad-specs/alias-key.bad.yaml:7: labels.team: key "team" appears twice`,
	}},
	{name: "bad-layer", want: []string{
		`../../testdata/bad-specs/bad-layer.bad.yaml:4: layer: must be one of product, service, infrastructure, got "platform"`,
	}},
	{name: "bad-severity", want: []string{
		`../../testdata/bad-specs/bad-severity.bad.yaml:13: slos[0].alerting.page.severity: must be a lower-case word such as critical, warning or info, got "P1"`,
		`../../testdata/bad-specs/bad-severity.bad.yaml:15: slos[0].alerting.ticket.disable: must be a boolean (true or false), got "maybe"`,
	}},
	{name: "both-tiers-disabled", want: []string{
		`../../testdata/bad-specs/both-tiers-disabled.bad.yaml:11: slos[0].alerting: both page and ticket alerts are disabled: the SLO would never alert; enable one of them`,
	}},
	{name: "capacity-not-finite", want: []string{
		`../../testdata/bad-specs/capacity-not-finite.bad.yaml:9: slos[0].capacity.eventsPerSecond: must be a finite number, got "nan"`,
		`../../testdata/bad-specs/capacity-not-finite.bad.yaml:16: slos[1].capacity.eventsPerSecond: must be a finite number, got ".inf"`,
	}},
	{name: "capacity-zero", want: []string{
		`../../testdata/bad-specs/capacity-zero.bad.yaml:9: slos[0].capacity.eventsPerSecond: must be greater than 0, got 0`,
		`../../testdata/bad-specs/capacity-zero.bad.yaml:15: slos[1].capacity.eventsPerSecond: required: a number greater than 0`,
	}},
	{name: "comments-only", want: []string{
		`../../testdata/bad-specs/comments-only.bad.yaml: empty file: a spec needs apiVersion, service, owner, layer and slos`,
	}},
	{name: "depends-on-invalid", want: []string{
		`../../testdata/bad-specs/depends-on-invalid.bad.yaml:12: slos[0].dependsOn[0]: must be an SLO id service/name (or a name of this file), got "payments-db/primary/availability"`,
		`../../testdata/bad-specs/depends-on-invalid.bad.yaml:13: slos[0].dependsOn[1]: must be an SLO id service/name (or a name of this file), got ""`,
	}},
	{name: "depends-on-mapping", want: []string{
		`../../testdata/bad-specs/depends-on-mapping.bad.yaml:13: slos[0].dependsOn[0].relation: must be serial (every event needs the dependency) or parallel (one of redundant alternatives), got "redundant"`,
		`../../testdata/bad-specs/depends-on-mapping.bad.yaml:14: slos[0].dependsOn[1].slo: required: the id service/name of the SLO depended on`,
		`../../testdata/bad-specs/depends-on-mapping.bad.yaml:15: slos[0].dependsOn[2].relatoin: unknown field "relatoin" (valid: slo, relation)`,
		`../../testdata/bad-specs/depends-on-mapping.bad.yaml:16: slos[0].dependsOn[3]: must be an SLO id service/name, or a mapping of slo and relation, got a list`,
		`../../testdata/bad-specs/depends-on-mapping.bad.yaml:17: slos[0].dependsOn[4]: must be an SLO id service/name, or a mapping of slo and relation, got nothing`,
		`../../testdata/bad-specs/depends-on-mapping.bad.yaml:18: slos[0].dependsOn[5].slo: must be an SLO id service/name (or a name of this file), got "a/b/c"`,
	}},
	{name: "duplicate-key", want: []string{
		`../../testdata/bad-specs/duplicate-key.bad.yaml:8: slos[0].objective: field "objective" appears twice`,
		`../../testdata/bad-specs/duplicate-key.bad.yaml:11: slos[0].labels.team: key "team" appears twice`,
	}},
	{name: "duplicate-slo-name", want: []string{
		`../../testdata/bad-specs/duplicate-slo-name.bad.yaml:11: slos[1].name: SLO name "availability" is used twice in this file (also slos[0])`,
	}},
	{name: "empty", want: []string{
		`../../testdata/bad-specs/empty.bad.yaml: empty file: a spec needs apiVersion, service, owner, layer and slos`,
	}},
	{name: "events-errors-and-good", want: []string{
		`../../testdata/bad-specs/events-errors-and-good.bad.yaml:9: slos[0].sli.events: give errors or good, not both`,
	}},
	{name: "events-missing-total", want: []string{
		`../../testdata/bad-specs/events-missing-total.bad.yaml:9: slos[0].sli.events.total: required: the selector of all events`,
	}},
	{name: "events-neither", want: []string{
		`../../testdata/bad-specs/events-neither.bad.yaml:9: slos[0].sli.events: one of errors or good is required`,
	}},
	{name: "events-same-as-total", want: []string{
		`../../testdata/bad-specs/events-same-as-total.bad.yaml:14: slos[0].sli.events.errors: is the same expression as total: every event would count as an error and the SLI would be 100% bad; select only the failed events, e.g. total's selector with a matcher such as code=~"5.."`,
		`../../testdata/bad-specs/events-same-as-total.bad.yaml:20: slos[1].sli.events.errors: is the same expression as total: every event would count as an error and the SLI would be 100% bad; select only the failed events, e.g. total's selector with a matcher such as code=~"5.."`,
		`../../testdata/bad-specs/events-same-as-total.bad.yaml:26: slos[2].sli.events.good: is the same expression as total: every event would count as good and the SLO could never spend its budget; select only the successful events, e.g. total's selector with a matcher such as code!~"5.."`,
	}},
	{name: "grouping", want: []string{
		`../../testdata/bad-specs/grouping.bad.yaml:8: slos[0].grouping[1]: cannot group by "service": slokeeper sets that label`,
		`../../testdata/bad-specs/grouping.bad.yaml:8: slos[0].grouping[2]: label "route" is listed twice`,
		`../../testdata/bad-specs/grouping.bad.yaml:8: slos[0].grouping[3]: invalid label name "2xx"`,
	}},
	{name: "invalid-label-name", want: []string{
		`../../testdata/bad-specs/invalid-label-name.bad.yaml:6: labels.cost-center: invalid label name "cost-center": use letters, digits and '_', not starting with a digit`,
		`../../testdata/bad-specs/invalid-label-name.bad.yaml:11: slos[0].labels.1st: invalid label name "1st": use letters, digits and '_', not starting with a digit`,
	}},
	{name: "invalid-names", want: []string{
		`../../testdata/bad-specs/invalid-names.bad.yaml:2: service: must be 1-64 letters, digits, '.', '_' or '-', starting and ending with a letter or digit, got "payments api"`,
		`../../testdata/bad-specs/invalid-names.bad.yaml:3: owner: must be 1-64 letters, digits, '.', '_' or '-', starting and ending with a letter or digit, got "-team-payments"`,
		`../../testdata/bad-specs/invalid-names.bad.yaml:6: slos[0].name: must be 1-64 letters, digits, '.', '_' or '-', starting and ending with a letter or digit, got "api/availability"`,
		`../../testdata/bad-specs/invalid-names.bad.yaml:11: slos[1].name: required`,
	}},
	{name: "invalid-promql", want: []string{
		`../../testdata/bad-specs/invalid-promql.bad.yaml:10: slos[0].sli.events.errors: invalid PromQL: 1:32: parse error: unexpected end of input inside braces`,
		`../../testdata/bad-specs/invalid-promql.bad.yaml:11: slos[0].sli.events.total: invalid PromQL (with {{.window}} as 5m): 1:35: parse error: unexpected <by> in aggregation`,
	}},
	{name: "invalid-yaml", want: []string{
		`../../testdata/bad-specs/invalid-yaml.bad.yaml:8: invalid YAML: mapping values are not allowed in this context`,
	}},
	{name: "last-reviewed", want: []string{
		`../../testdata/bad-specs/last-reviewed.bad.yaml:12: slos[0].review.lastReviewed: must be a date YYYY-MM-DD, got "01/09/2026"`,
	}},
	{name: "latency-le", want: []string{
		`../../testdata/bad-specs/latency-le.bad.yaml:10: slos[0].sli.latency.histogram: must not match le: slokeeper selects the bucket of the threshold itself`,
	}},
	{name: "latency-missing-threshold", want: []string{
		`../../testdata/bad-specs/latency-missing-threshold.bad.yaml:9: slos[0].sli.latency.threshold: required: a duration that is one of the histogram's bucket boundaries (le), e.g. 400ms`,
		`../../testdata/bad-specs/latency-missing-threshold.bad.yaml:16: slos[1].sli.nativeLatency.threshold: must be greater than 0`,
	}},
	{name: "list-for-mapping", want: []string{
		`../../testdata/bad-specs/list-for-mapping.bad.yaml:5: labels: must be a mapping, got a list`,
		`../../testdata/bad-specs/list-for-mapping.bad.yaml:10: slos[0].sli: must be a mapping, got a list`,
	}},
	{name: "many-errors", want: []string{
		`../../testdata/bad-specs/many-errors.bad.yaml:1: apiVersion: unsupported version "slokeeper/v2": this release reads slokeeper/v1`,
		`../../testdata/bad-specs/many-errors.bad.yaml:4: layer: must be one of product, service, infrastructure, got "backend"`,
		`../../testdata/bad-specs/many-errors.bad.yaml:7: slos[0].objective: must be in (0,100), got 100`,
		`../../testdata/bad-specs/many-errors.bad.yaml:8: slos[0].period: must be from 1d to 90d, got 12h`,
		`../../testdata/bad-specs/many-errors.bad.yaml:12: slos[0].sli.events.total: must be a series selector such as metric{label="value"}, got a function call expression, or a query that contains {{.window}}`,
		`../../testdata/bad-specs/many-errors.bad.yaml:13: slos[0].grouping[0]: cannot group by "slo": slokeeper sets that label`,
		`../../testdata/bad-specs/many-errors.bad.yaml:15: slos[0].alerting.runbookURL: must be an absolute http(s) URL, got "not a url"`,
		`../../testdata/bad-specs/many-errors.bad.yaml:17: slos[0].alerting.page.severity: must be a lower-case word such as critical, warning or info, got "Critical"`,
		`../../testdata/bad-specs/many-errors.bad.yaml:18: slos[1].objective: required: the target in percent, e.g. 99.9`,
		`../../testdata/bad-specs/many-errors.bad.yaml:19: slos[1].objectiv: unknown field "objectiv" (valid: name, description, objective, period, sli, capacity, rationale, dependsOn, review, minEvents, grouping, alerting, labels, policy, exclusions)`,
		`../../testdata/bad-specs/many-errors.bad.yaml:23: slos[1].sli.latency.threshold: must be a duration such as 30d, 12h or 400ms, got "400"`,
	}},
	{name: "mapping-for-list", want: []string{
		`../../testdata/bad-specs/mapping-for-list.bad.yaml:6: slos: must be a list, got a mapping`,
	}},
	{name: "merge-key", want: []string{
		`../../testdata/bad-specs/merge-key.bad.yaml:12: slos[1]: YAML merge keys (<<) are not supported: alias a whole value (field: *anchor) or repeat the fields`,
	}},
	{name: "min-events-negative", want: []string{
		`../../testdata/bad-specs/min-events-negative.bad.yaml:8: slos[0].minEvents: must not be negative, got -10`,
	}},
	{name: "min-events-raw", want: []string{
		`../../testdata/bad-specs/min-events-raw.bad.yaml:8: slos[0].minEvents: a raw SLI has no events to count; remove minEvents or use an events SLI`,
	}},
	{name: "missing-api-version", want: []string{
		`../../testdata/bad-specs/missing-api-version.bad.yaml:1: apiVersion: required: set apiVersion: slokeeper/v1`,
	}},
	{name: "missing-service-owner-layer", want: []string{
		`../../testdata/bad-specs/missing-service-owner-layer.bad.yaml:2: layer: required: one of product, service, infrastructure`,
		`../../testdata/bad-specs/missing-service-owner-layer.bad.yaml:2: owner: required`,
		`../../testdata/bad-specs/missing-service-owner-layer.bad.yaml:2: service: required`,
	}},
	{name: "no-sli", want: []string{
		`../../testdata/bad-specs/no-sli.bad.yaml:6: slos[0].sli: required: exactly one of events, latency, nativeLatency, raw, probe`,
		`../../testdata/bad-specs/no-sli.bad.yaml:10: slos[1].sli: required: exactly one of events, latency, nativeLatency, raw, probe`,
	}},
	{name: "not-a-mapping", want: []string{
		`../../testdata/bad-specs/not-a-mapping.bad.yaml:1: a spec must be a mapping of apiVersion, service, owner, layer and slos, got a list`,
	}},
	{name: "not-a-selector", want: []string{
		`../../testdata/bad-specs/not-a-selector.bad.yaml:10: slos[0].sli.probe.success: must be a series selector such as metric{label="value"}, got an aggregation expression`,
		`../../testdata/bad-specs/not-a-selector.bad.yaml:15: slos[1].sli.probe.success: must name the metric, e.g. http_requests_total{...}`,
	}},
	{name: "null-document", want: []string{
		`../../testdata/bad-specs/null-document.bad.yaml:2: a spec must be a mapping of apiVersion, service, owner, layer and slos, got nothing`,
	}},
	{name: "number-as-string", want: []string{
		`../../testdata/bad-specs/number-as-string.bad.yaml:7: slos[0].objective: must be a number without quotes, got "99.9"`,
		`../../testdata/bad-specs/number-as-string.bad.yaml:8: slos[0].minEvents: must be a whole number, got "ten"`,
		`../../testdata/bad-specs/number-as-string.bad.yaml:10: slos[0].capacity.eventsPerSecond: must be a number, got "lots"`,
	}},
	{name: "objective-0", want: []string{
		`../../testdata/bad-specs/objective-0.bad.yaml:7: slos[0].objective: must be in (0,100), got 0`,
	}},
	{name: "objective-ratio", want: []string{ // as OpenSLO writes 99.9 %
		`../../testdata/bad-specs/objective-ratio.bad.yaml:7: slos[0].objective: must be at least 50 (percent), got 0.999: objectives are percentages; for the ratio 0.999, write 99.9`,
	}},
	{name: "objective-45", want: []string{
		`../../testdata/bad-specs/objective-45.bad.yaml:7: slos[0].objective: must be at least 50 (percent), got 45`,
	}},
	{name: "objective-100.5", want: []string{
		`../../testdata/bad-specs/objective-100.5.bad.yaml:7: slos[0].objective: must be in (0,100), got 100.5`,
	}},
	{name: "objective-100", want: []string{
		`../../testdata/bad-specs/objective-100.bad.yaml:7: slos[0].objective: must be in (0,100), got 100`,
	}},
	{name: "objective-abc", want: []string{
		`../../testdata/bad-specs/objective-abc.bad.yaml:7: slos[0].objective: must be a number, got "abc"`,
	}},
	{name: "objective-minus-1", want: []string{
		`../../testdata/bad-specs/objective-minus-1.bad.yaml:7: slos[0].objective: must be in (0,100), got -1`,
	}},
	{name: "objective-missing", want: []string{
		`../../testdata/bad-specs/objective-missing.bad.yaml:6: slos[0].objective: required: the target in percent, e.g. 99.9`,
	}},
	{name: "objective-too-precise", want: []string{
		`../../testdata/bad-specs/objective-too-precise.bad.yaml:7: slos[0].objective: must be in (0,100), got 99.99999999999999999, which rounds to 100 in floating point: use fewer digits`,
		`../../testdata/bad-specs/objective-too-precise.bad.yaml:12: slos[1].objective: must be in (0,100), got 1e-1000, which rounds to 0 in floating point: use fewer digits`,
	}},
	{name: "period-12h", want: []string{
		`../../testdata/bad-specs/period-12h.bad.yaml:8: slos[0].period: must be from 1d to 90d, got 12h`,
	}},
	{name: "period-30", want: []string{
		`../../testdata/bad-specs/period-30.bad.yaml:8: slos[0].period: must be a duration such as 30d, 12h or 400ms, got "30"`,
	}},
	{name: "period-91d", want: []string{
		`../../testdata/bad-specs/period-91d.bad.yaml:8: slos[0].period: must be from 1d to 90d, got 91d`,
	}},
	{name: "range-vector", want: []string{
		`../../testdata/bad-specs/range-vector.bad.yaml:10: slos[0].sli.events.errors: must be a series selector such as metric{label="value"}, got a range expression, or a query that contains {{.window}}`,
		`../../testdata/bad-specs/range-vector.bad.yaml:11: slos[0].sli.events.total: must return an instant vector, got matrix`,
	}},
	{name: "raw-no-window", want: []string{
		`../../testdata/bad-specs/raw-no-window.bad.yaml:10: slos[0].sli.raw.errorRatio: must contain the {{.window}} placeholder, e.g. rate(errors[{{.window}}]) / rate(total[{{.window}}])`,
	}},
	{name: "reserved-label", want: []string{
		`../../testdata/bad-specs/reserved-label.bad.yaml:6: labels.slo: label "slo" is set by slokeeper and cannot be overridden`,
		`../../testdata/bad-specs/reserved-label.bad.yaml:11: slos[0].labels.__tenant: label names starting with __ are reserved for Prometheus`,
		`../../testdata/bad-specs/reserved-label.bad.yaml:17: slos[0].alerting.labels.severity: label "severity" is set by slokeeper and cannot be overridden`,
		`../../testdata/bad-specs/reserved-label.bad.yaml:19: slos[0].alerting.annotations.summary: annotation "summary" is generated; use alerting.runbookURL for the runbook or another name`,
	}},
	{name: "review-record", want: []string{
		`../../testdata/bad-specs/review-record.bad.yaml:13: slos[0].review.decision: must be one of tighten, loosen, invest, capacity-drift, keep, got "tightened"`,
		`../../testdata/bad-specs/review-record.bad.yaml:14: slos[0].review.reviewer: must be one line without leading or trailing spaces, got " jane"`,
		`../../testdata/bad-specs/review-record.bad.yaml:20: slos[1].review: a decision or a reviewer records a review: set lastReviewed, the date of that review`,
		`../../testdata/bad-specs/review-record.bad.yaml:22: slos[1].review.reviewer: must be one line without leading or trailing spaces, got "jane\ndoe"`,
	}},
	{name: "review-agreed", want: []string{
		`../../testdata/bad-specs/review-agreed.bad.yaml:12: slos[0].review.agreed: must be a date YYYY-MM-DD, got "2026-13-01": month out of range`,
		`../../testdata/bad-specs/review-agreed.bad.yaml:20: slos[1].review.agreed: 2026-10-01 is after lastReviewed 2026-09-01: an SLO is reviewed after it is agreed; correct either date`,
		`../../testdata/bad-specs/review-agreed.bad.yaml:27: slos[2].review.agreed: 2999-01-01 is in the future: set the date this SLO was agreed, today or earlier`,
	}},
	{name: "exclusions", want: []string{
		`../../testdata/bad-specs/exclusions.bad.yaml:13: slos[0].exclusions[0].to: must be after from (2026-12-01T02:00:00Z), got 2026-12-01T01:00:00Z`,
		`../../testdata/bad-specs/exclusions.bad.yaml:16: slos[0].exclusions[1].from: must be a time such as 2026-12-01T02:00:00Z (RFC 3339, with its zone), got "yesterday"`,
		`../../testdata/bad-specs/exclusions.bad.yaml:21: slos[0].exclusions[2].to: an exclusion lasts at most 7d, got 19d from 2026-12-01T02:00:00+01:00 to 2026-12-20T01:00:00Z: split it, or change the SLO if it does not hold`,
		`../../testdata/bad-specs/exclusions.bad.yaml:24: slos[0].exclusions[3].approver: must be set: who approved it, for the audit trail`,
		`../../testdata/bad-specs/exclusions.bad.yaml:26: slos[0].exclusions[3].reason: must be set: a reason (the change or incident, with a link), for the audit trail`,
		`../../testdata/bad-specs/exclusions.bad.yaml:27: slos[0].exclusions[4].from: must be set: a time such as 2026-12-01T02:00:00Z`,
		`../../testdata/bad-specs/exclusions.bad.yaml:28: slos[0].exclusions[4].reason: must be one line of printable text, got "two\nlines"`,
	}},
	{name: "review-cadence", want: []string{
		`../../testdata/bad-specs/review-cadence.bad.yaml:12: slos[0].review.lastReviewed: must be a date YYYY-MM-DD, got "2026-02-30": day out of range`,
		`../../testdata/bad-specs/review-cadence.bad.yaml:13: slos[0].review.cadence: must be from 1d to 366d, got 730d`,
		`../../testdata/bad-specs/review-cadence.bad.yaml:20: slos[1].review.cadence: must be from 1d to 366d, got 12h`,
	}},
	{name: "runbook-url", want: []string{
		`../../testdata/bad-specs/runbook-url.bad.yaml:12: slos[0].alerting.runbookURL: must be an absolute http(s) URL, got "runbooks/payments.md"`,
	}},
	{name: "self-dependency", want: []string{
		`../../testdata/bad-specs/self-dependency.bad.yaml:12: slos[0].dependsOn[0]: an SLO cannot depend on itself`,
	}},
	{name: "template-placeholder", want: []string{
		`../../testdata/bad-specs/template-placeholder.bad.yaml:10: slos[0].sli.raw.errorRatio: only the {{.window}} placeholder is supported`,
		`../../testdata/bad-specs/template-placeholder.bad.yaml:15: slos[1].sli.events.errors: only the {{.window}} placeholder is supported`,
	}},
	{name: "too-large", want: []string{
		`../../testdata/bad-specs/too-large.bad.yaml:11: slos[198].grouping[601]: document too large (over 200000 nodes, aliases expanded): split it into smaller files or use fewer aliases`,
	}},
	{name: "two-documents", want: []string{
		`../../testdata/bad-specs/two-documents.bad.yaml:11: a spec file holds one YAML document (one service); split the others into their own files`,
	}},
	{name: "two-sli-kinds", want: []string{
		`../../testdata/bad-specs/two-sli-kinds.bad.yaml:8: slos[0].sli: exactly one SLI kind is allowed, got events and probe`,
	}},
	{name: "unknown-field-case", want: []string{
		`../../testdata/bad-specs/unknown-field-case.bad.yaml:1: APIVersion: unknown field "APIVersion", did you mean "apiVersion"? (valid: apiVersion, service, owner, layer, description, labels, policy, slos)`,
		`../../testdata/bad-specs/unknown-field-case.bad.yaml:7: slos[0].Objective: unknown field "Objective", did you mean "objective"? (valid: name, description, objective, period, sli, capacity, rationale, dependsOn, review, minEvents, grouping, alerting, labels, policy, exclusions)`,
	}},
	{name: "unknown-field-nested", want: []string{
		`../../testdata/bad-specs/unknown-field-nested.bad.yaml:9: slos[0].sli.events: one of errors or good is required`,
		`../../testdata/bad-specs/unknown-field-nested.bad.yaml:10: slos[0].sli.events.error: unknown field "error" (valid: errors, good, total)`,
	}},
	{name: "unknown-field-top", want: []string{
		`../../testdata/bad-specs/unknown-field-top.bad.yaml:5: team: unknown field "team" (valid: apiVersion, service, owner, layer, description, labels, policy, slos)`,
	}},
	{name: "unknown-sli-kind", want: []string{
		`../../testdata/bad-specs/unknown-sli-kind.bad.yaml:8: slos[0].sli: required: exactly one of events, latency, nativeLatency, raw, probe`,
		`../../testdata/bad-specs/unknown-sli-kind.bad.yaml:9: slos[0].sli.Events: unknown field "Events", did you mean "events"? (valid: events, latency, nativeLatency, raw, probe)`,
		`../../testdata/bad-specs/unknown-sli-kind.bad.yaml:14: slos[1].sli: required: exactly one of events, latency, nativeLatency, raw, probe`,
		`../../testdata/bad-specs/unknown-sli-kind.bad.yaml:15: slos[1].sli.histogram: unknown field "histogram" (valid: events, latency, nativeLatency, raw, probe)`,
	}},
	{name: "wrong-api-version", want: []string{
		`../../testdata/bad-specs/wrong-api-version.bad.yaml:1: apiVersion: unsupported version "sloth.slok.dev/v1": this release reads slokeeper/v1`,
	}},
	{name: "duplicate-id", files: []string{"payments.yaml", "payments-canary.yaml"}, want: []string{
		`../../testdata/bad-specs/duplicate-id/payments-canary.yaml:12: slos[1].name: SLO "payments/availability" is defined twice (first at ../../testdata/bad-specs/duplicate-id/payments.yaml:6); SLO ids (service/name) must be unique`,
	}},
	{name: "unknown-dependency", files: []string{"checkout.yaml", "payments.yaml"}, want: []string{
		`../../testdata/bad-specs/unknown-dependency/checkout.yaml:13: slos[0].dependsOn[1]: names no loaded SLO: "payments/latency" (known: checkout/journey, payments/availability)`,
		`../../testdata/bad-specs/unknown-dependency/checkout.yaml:14: slos[0].dependsOn[2]: names no loaded SLO: "checkout/journey-latency" (known: checkout/journey, payments/availability)`,
	}},
	{name: "higher-layer", files: []string{"checkout.yaml", "payments.yaml", "payments-db.yaml"}, want: []string{
		`../../testdata/bad-specs/higher-layer/payments-db.yaml:12: slos[0].dependsOn[0]: an infrastructure SLO may depend only on SLOs of its own or a lower layer, but "checkout/journey" is a product SLO`,
		`../../testdata/bad-specs/higher-layer/payments-db.yaml:13: slos[0].dependsOn[1]: an infrastructure SLO may depend only on SLOs of its own or a lower layer, but "payments/availability" is a service SLO`,
	}},
	{name: "cycle", files: []string{"payments.yaml", "ledger.yaml"}, want: []string{
		`../../testdata/bad-specs/cycle/payments.yaml:6: dependsOn forms a cycle: payments/availability -> ledger/availability -> payments/availability; remove one of these dependencies`,
	}},
	{name: "broken-dependency", files: []string{"checkout.yaml", "payments.yaml"}, want: []string{
		`../../testdata/bad-specs/broken-dependency/payments.yaml:7: slos[0].objective: must be in (0,100), got 100`,
	}},
	{name: "unloadable-in-rules", want: []string{
		`../../testdata/bad-specs/unloadable-in-rules.bad.yaml:8: labels.note: alerts expand {{ }} in label values as Prometheus templates, and this one does not parse: template: __alert_check:1: unclosed action`,
		`../../testdata/bad-specs/unloadable-in-rules.bad.yaml:14: slos[0].sli.events.errors: must not contain a # comment: slokeeper embeds it in larger expressions, where it would comment out the rest of the line`,
		`../../testdata/bad-specs/unloadable-in-rules.bad.yaml:17: slos[0].alerting.runbookURL: becomes the runbook_url annotation, a Prometheus template, and does not parse: template: __alert_check:1: missing value for if`,
		`../../testdata/bad-specs/unloadable-in-rules.bad.yaml:20: slos[0].alerting.annotations.broken: annotations are Prometheus templates, and this one does not parse: template: __alert_check:1: missing value for range`,
		`../../testdata/bad-specs/unloadable-in-rules.bad.yaml:25: slos[1].sli.raw.errorRatio: must not contain a # comment: slokeeper embeds it in larger expressions, where it would comment out the rest of the line`,
	}},
}

func TestLoadBad(t *testing.T) {
	for _, tc := range badSpecs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			paths := []string{filepath.Join("..", "..", "testdata", "bad-specs", tc.name+".bad.yaml")}
			if tc.files != nil {
				paths = nil
				for _, f := range tc.files {
					paths = append(paths, filepath.Join("..", "..", "testdata", "bad-specs", tc.name, f))
				}
			}
			slos, err := spec.Load(paths)
			require.Nil(t, slos)
			var errs spec.Errors
			require.ErrorAs(t, err, &errs)
			require.Equal(t, tc.want, messages(errs))
			for _, e := range errs {
				require.NotEmpty(t, e.Msg)
				require.Contains(t, paths, e.File)
			}
			if len(paths) > 1 {
				return
			}
			// Parse reports a file on its own exactly as Load does.
			data, err := os.ReadFile(paths[0])
			require.NoError(t, err)
			_, err = spec.Parse(paths[0], data)
			require.ErrorAs(t, err, &errs)
			require.Equal(t, tc.want, messages(errs))
		})
	}
}

func messages(errs spec.Errors) []string {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = e.Error()
	}
	return s
}

// Every fixture under testdata/bad-specs has a case, and every case a fixture.
func TestLoadBadCoversFixtures(t *testing.T) {
	cases := map[string]bool{}
	for _, tc := range badSpecs {
		require.False(t, cases[tc.name], "case %q is listed twice", tc.name)
		cases[tc.name] = true
	}
	entries, err := os.ReadDir(filepath.Join("..", "..", "testdata", "bad-specs"))
	require.NoError(t, err)
	fixtures := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() {
			require.Regexp(t, `\.bad\.yaml$`, name)
			name = name[:len(name)-len(".bad.yaml")]
		}
		fixtures[name] = true
	}
	require.Equal(t, cases, fixtures)
	require.GreaterOrEqual(t, len(fixtures), 30)
}

// One file with many mistakes reports all of them at once, in line order.
func TestLoadBadAllAtOnce(t *testing.T) {
	_, err := spec.Load([]string{"../../testdata/bad-specs/many-errors.bad.yaml"})
	var errs spec.Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 11)
	for i := 1; i < len(errs); i++ {
		require.LessOrEqual(t, errs[i-1].Line, errs[i].Line, "errors out of line order: %v", err)
	}
	// The error text is every problem, one a line.
	require.Equal(t, errs[0].Error()+"\n"+errs[1].Error(), spec.Errors(errs[:2]).Error())
}
