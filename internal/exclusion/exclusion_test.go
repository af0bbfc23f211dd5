package exclusion

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

var now = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func adHoc(from, to time.Duration) Exclusion {
	return Exclusion{Service: "shop", SLO: "availability", From: now.Add(from), To: now.Add(to), Reason: "load test LT-4", Approver: "alice"}
}

func TestAddKeepsTheAuditTrailAcrossOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	b, err := Open(path)
	require.NoError(t, err)

	planned, err := b.Add(adHoc(time.Hour, 2*time.Hour), now)
	require.NoError(t, err)
	require.Equal(t, "1", planned.ID)
	require.Equal(t, now, planned.Created)
	require.Empty(t, b.History("shop", "availability"), "an exclusion yet to start changes no recorded history")

	past, err := b.Add(adHoc(-3*time.Hour, -2*time.Hour), now)
	require.NoError(t, err)
	moved := b.History("shop", "availability")
	require.NotEmpty(t, moved, "an exclusion of the past must record the history again")

	w, found, err := b.Withdraw(planned.ID, "bob", "test cancelled", now.Add(time.Minute))
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, "bob", w.Withdrawn.Who)
	require.Equal(t, moved, b.History("shop", "availability"), "withdrawing one yet to start changes no history")
	_, _, err = b.Withdraw(planned.ID, "bob", "again", now.Add(time.Minute))
	require.ErrorIs(t, err, ErrInvalid)
	_, found, err = b.Withdraw("99", "bob", "no such", now)
	require.NoError(t, err)
	require.False(t, found)

	// Another process, later: the same records, the same history.
	again, err := Open(path)
	require.NoError(t, err)
	list := again.List()
	require.Len(t, list, 2)
	require.Equal(t, past.ID, list[0].ID, "newest first")
	require.NotNil(t, list[1].Withdrawn)
	require.Equal(t, "test cancelled", list[1].Withdrawn.Reason)
	require.Equal(t, moved, again.History("shop", "availability"))
	applied := again.Applied("shop", "availability", now)
	require.Len(t, applied, 1, "the withdrawn one is not applied")
	require.Equal(t, past.ID, applied[0].ID)

	// Withdrawing one that had begun is retroactive; IDs are never reused.
	_, _, err = again.Withdraw(past.ID, "carol", "it was a real outage", now)
	require.NoError(t, err)
	require.NotEqual(t, moved, again.History("shop", "availability"))
	next, err := again.Add(adHoc(time.Hour, 2*time.Hour), now)
	require.NoError(t, err)
	require.Equal(t, "3", next.ID)
}

func TestAddRefusesWhatWouldNotServeAsAnAuditRecord(t *testing.T) {
	b, err := Open(filepath.Join(t.TempDir(), FileName))
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		e    Exclusion
		want string
	}{
		"backwards":     {adHoc(time.Hour, 0), "to: must be after from"},
		"too long":      {adHoc(0, 8*24*time.Hour), "an exclusion lasts at most 7d, got 8d"},
		"no reason":     {func() Exclusion { e := adHoc(0, time.Hour); e.Reason = " "; return e }(), "reason: must be set"},
		"no approver":   {func() Exclusion { e := adHoc(0, time.Hour); e.Approver = ""; return e }(), "approver: must be set: who approved it"},
		"two lines":     {func() Exclusion { e := adHoc(0, time.Hour); e.Reason = "a\nb"; return e }(), "one line"},
		"no from or to": {Exclusion{Service: "shop", SLO: "availability", Reason: "r", Approver: "a"}, "from and to must be set"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := b.Add(tc.e, now)
			require.ErrorIs(t, err, ErrInvalid)
			require.ErrorContains(t, err, tc.want)
		})
	}
	require.Empty(t, b.List())

	for range slo.MaxExclusions {
		_, err := b.Add(adHoc(time.Hour, 2*time.Hour), now)
		require.NoError(t, err)
	}
	_, err = b.Add(adHoc(time.Hour, 2*time.Hour), now)
	require.ErrorIs(t, err, ErrInvalid)
	require.ErrorContains(t, err, "at most 20")
	// Those that ended before the horizon no longer count.
	_, err = b.Add(adHoc(time.Hour, 2*time.Hour), now.Add(Horizon+3*time.Hour))
	require.NoError(t, err)
}

func TestAFailedSaveChangesNothing(t *testing.T) {
	dir := t.TempDir()
	b, err := Open(filepath.Join(dir, "gone", FileName))
	require.NoError(t, err)
	_, err = b.Add(adHoc(-time.Hour, 0), now)
	require.ErrorIs(t, err, ErrNotSaved)
	require.Empty(t, b.List())
	require.Empty(t, b.History("shop", "availability"))
}

func TestSpecExclusionsSeenAfterTheirStartRecordTheHistoryAgain(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	b, err := Open(path)
	require.NoError(t, err)
	s := &slo.SLO{Service: "shop", Name: "availability", Exclusions: []slo.Exclusion{
		{From: now.Add(time.Hour), To: now.Add(2 * time.Hour), Reason: "maintenance", Approver: "alice"},
	}}
	require.NoError(t, b.ObserveSpecs([]*slo.SLO{s}, now))
	require.Empty(t, b.History("shop", "availability"), "a planned exclusion is applied as it comes")

	s.Exclusions = append(s.Exclusions, slo.Exclusion{From: now.Add(-time.Hour), To: now, Reason: "bad scrape", Approver: "alice"})
	require.NoError(t, b.ObserveSpecs([]*slo.SLO{s}, now))
	moved := b.History("shop", "availability")
	require.NotEmpty(t, moved)

	// Seen once: neither a later reload nor a restart records it again.
	require.NoError(t, b.ObserveSpecs([]*slo.SLO{s}, now.Add(time.Hour)))
	again, err := Open(path)
	require.NoError(t, err)
	require.NoError(t, again.ObserveSpecs([]*slo.SLO{s}, now.Add(2*time.Hour)))
	require.Equal(t, moved, again.History("shop", "availability"))
}

func TestABrokenFileIsRefusedWithAWayOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	require.NoError(t, os.WriteFile(path, []byte(`{"version": 1, "exclusions": [{"id": "1", "service": "shop", "slo": "a"}]}`), 0o644))
	_, err := Open(path)
	require.ErrorContains(t, err, "exclusions[0] (id 1)")
	require.NoError(t, os.WriteFile(path, []byte(`{"version": 1,`), 0o644))
	_, err = Open(path)
	require.ErrorContains(t, err, "move it away")
	require.NoError(t, os.WriteFile(path, []byte(`{"version": 2}`), 0o644))
	_, err = Open(path)
	require.False(t, errors.Is(err, ErrInvalid))
	require.ErrorContains(t, err, "version 2")
}
