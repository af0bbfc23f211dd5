package e2e_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/app"
	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/specgen"
)

// blindBody is the gate's 503 answer: why, and the SLOs it does not know.
type blindBody struct {
	Error string `json:"error"`
	Data  struct {
		Allowed bool     `json:"allowed"`
		Unknown []string `json:"unknown_budgets"`
	} `json:"data"`
}

// TestGateThousandSLOs gates every service of a daemon running 1,000 SLOs (100 services of 10) over HTTP: from
// its start until every budget of a service is known the answer is 503, never 200 — before the first evaluation,
// and after it while no SLO has data (each 503 names the 10 SLOs it does not know). Then the policy gets a
// snapshot with every budget known (as a snapshot of the daemon's recorded series would give, here handed to the
// policy directly: 30 days of data to compute a real one would take minutes): every service may ship, except one
// whose single unknown SLO keeps it at 503.
func TestGateThousandSLOs(t *testing.T) {
	long(t)
	t.Parallel()
	const services, perService = 100, 10
	dir := t.TempDir()
	files, err := specgen.Write(filepath.Join(dir, "specs"), specgen.Slokeeper, specgen.Layout{Files: services, PerFile: perService})
	require.NoError(t, err)
	// No snapshot but the first (ready within a minute: the slowest group's first evaluation); the next is the
	// test's.
	r := start(t, app.Options{SpecFiles: files, StoragePath: filepath.Join(dir, "data"), SnapshotInterval: time.Hour})

	gateAll := func() map[int]int {
		codes := map[int]int{}
		for i := range services {
			code, _ := r.get(t, fmt.Sprintf("/api/v1/gate/svc-%04d", i))
			codes[code]++
		}
		return codes
	}
	require.Equal(t, map[int]int{http.StatusServiceUnavailable: services}, gateAll(), "starting: no budget known")
	r.waitReady(t)
	require.Equal(t, map[int]int{http.StatusServiceUnavailable: services}, gateAll(), "evaluated, but no SLO has data")
	code, body := r.get(t, "/api/v1/gate/svc-0042")
	require.Equal(t, http.StatusServiceUnavailable, code)
	var blind blindBody
	require.NoError(t, json.Unmarshal([]byte(body), &blind))
	require.False(t, blind.Data.Allowed)
	require.Len(t, blind.Data.Unknown, perService, body)
	require.Contains(t, blind.Error, "requests-0, requests-1,")

	snap := &budget.Snapshot{Time: time.Now()}
	for i := range services {
		for j := range perService {
			remaining := 0.5
			if i == 7 && j == 3 {
				remaining = math.NaN()
			}
			snap.SLOs = append(snap.SLOs, budget.Status{Service: fmt.Sprintf("svc-%04d", i), SLO: fmt.Sprintf("requests-%d", j),
				Owner: "team", Layer: "service", BudgetRemaining: remaining, Current: true})
		}
	}
	r.app.EvaluatePolicy(snap, time.Now())
	require.Equal(t, map[int]int{http.StatusOK: services - 1, http.StatusServiceUnavailable: 1}, gateAll())
	code, body = r.get(t, "/api/v1/gate/svc-0007")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.NoError(t, json.Unmarshal([]byte(body), &blind))
	require.Equal(t, []string{"requests-3"}, blind.Data.Unknown)
}
