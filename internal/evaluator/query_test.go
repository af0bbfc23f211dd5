package evaluator

import (
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
	promstorage "github.com/prometheus/prometheus/storage"
	"github.com/stretchr/testify/require"
)

func TestLocalFirstRoutesRecordedSeriesToLocal(t *testing.T) {
	local, merged := named{name: "local"}, named{name: "merged"}
	route := LocalFirst(local, merged, parser.NewParser(parser.Options{}))
	for _, tc := range []struct {
		query string
		local bool
	}{
		{`avg_over_time(slo:sli_error:rate5m{slo="a"}[10m])`, true},
		{`1 - slo:sli_error:ratio_period{slo="a"} / 0.001`, true},
		{`slo:sli_error:ratio_rate1h{slo="a"} / 0.001 > 14.4 and slo:sli_error:ratio_rate5m{slo="a"} / 0.001 > 14.4`, true},
		{`vector(0.999)`, true},
		{`ALERTS_FOR_STATE{alertname="SLOErrorBudgetBurn"}`, true},
		{`sum(rate(http_requests_total{code=~"5.."}[5m]))`, false},
		{`slo:sli_error:rate5m{slo="a"} or 0 * sum(rate(http_requests_total[5m]))`, false},
		{`{__name__=~"slo:.+"}`, false}, // a regex on the name may match anything
		{`not valid promql (`, false},
	} {
		t.Run(tc.query, func(t *testing.T) {
			for range 2 { // the cached answer is the same
				want := merged
				if tc.local {
					want = local
				}
				require.Equal(t, want, route(tc.query))
			}
		})
	}
}

// named is a Queryable told apart by its name; it is never queried.
type named struct {
	promstorage.Queryable
	name string
}
