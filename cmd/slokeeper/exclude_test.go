package main

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/exclusion"
	"github.com/slokeeper/slokeeper/internal/web"
	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
)

// fakeExclusions stands in for the daemon behind the real routes; the book itself is tested in internal/exclusion and
// end to end in internal/app.
type fakeExclusions struct {
	added []v1.ExclusionRequest
	book  []exclusion.Exclusion
}

var at = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func (f *fakeExclusions) List() any { return f.book }

func (f *fakeExclusions) Add(req v1.ExclusionRequest) (any, bool, error) {
	if req.Service != "shop" {
		return nil, false, nil
	}
	if req.Duration == "8d" {
		return nil, true, errors.New("invalid exclusion: to: an exclusion lasts at most 7d")
	}
	f.added = append(f.added, req)
	e := exclusion.Exclusion{ID: fmt.Sprint(len(f.added)), Service: req.Service, SLO: req.SLO, From: at, To: at.Add(time.Hour), Reason: req.Reason, Approver: req.Approver, Created: at}
	f.book = append([]exclusion.Exclusion{e}, f.book...)
	return map[string]any{"id": e.ID, "service": e.Service, "slo": e.SLO, "from": e.From, "to": e.To, "reason": e.Reason, "approver": e.Approver, "applied": true}, true, nil
}

func (f *fakeExclusions) Withdraw(id string, req v1.WithdrawRequest) (any, bool, error) {
	if id != "1" {
		return nil, false, nil
	}
	e := f.book[len(f.book)-1]
	e.Withdrawn = &exclusion.Withdrawal{At: at, Who: req.Who, Reason: req.Reason}
	return map[string]any{"id": e.ID, "service": e.Service, "slo": e.SLO, "from": e.From, "to": e.To, "withdrawn": e.Withdrawn, "applied": false, "warning": "saved, but not applied yet"}, true, nil
}

func TestExcludeCommand(t *testing.T) {
	f := &fakeExclusions{}
	admin := httptest.NewServer(web.New(web.Options{Exclusions: f, EnableAdmin: true}))
	t.Cleanup(admin.Close)
	closed := httptest.NewServer(web.New(web.Options{Exclusions: f}))
	t.Cleanup(closed.Close)

	code, out, errOut := runCLI(t, "exclude", "add", "--url="+admin.URL, "--service=shop", "--slo=availability", "--duration=1h",
		"--reason=load test LT-4", "--approver=alice")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "1   shop/availability  2026-12-07T12:00:00Z  2026-12-07T13:00:00Z  alice     load test LT-4  -")
	require.Equal(t, []v1.ExclusionRequest{{Service: "shop", SLO: "availability", Duration: "1h", Reason: "load test LT-4", Approver: "alice"}}, f.added)

	code, out, errOut = runCLI(t, "exclude", "list", "--url="+closed.URL)
	require.Equal(t, 0, code, errOut, "anyone may read the audit trail")
	require.Contains(t, out, "load test LT-4")

	code, out, errOut = runCLI(t, "exclude", "withdraw", "--url="+admin.URL, "--id=1", "--reason=cancelled", "--who=bob")
	require.Equal(t, 1, code, "not applied yet is a failure to act on")
	require.Contains(t, out, "by bob: cancelled")
	require.Contains(t, errOut, "saved, but not applied yet")

	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"add", "--url=" + admin.URL, "--service=shop", "--slo=a", "--reason=x", "--duration=8d"}, 1, "at most 7d"},
		{[]string{"add", "--url=" + admin.URL, "--service=nope", "--slo=a", "--reason=x"}, 1, "unknown SLO nope/a"},
		{[]string{"add", "--url=" + closed.URL, "--service=shop", "--slo=a", "--reason=x"}, 1, "admin APIs are disabled"},
		{[]string{"withdraw", "--url=" + admin.URL, "--id=9", "--reason=x"}, 1, `unknown exclusion "9"`},
		{[]string{"add", "--service=shop", "--slo=a"}, 2, "required flag(s) '--reason' not provided"},
	} {
		code, _, errOut := runCLI(t, append([]string{"exclude"}, tc.args...)...)
		require.Equal(t, tc.code, code, errOut)
		require.Contains(t, errOut, tc.err)
	}
}

// A ruler honours the daemon's ad hoc exclusions in the rules generate writes with --exclusions.file.
func TestGenerateWithAdHocExclusions(t *testing.T) {
	dir := t.TempDir()
	book, err := exclusion.Open(filepath.Join(dir, exclusion.FileName))
	require.NoError(t, err)
	now := time.Now().UTC().Truncate(time.Second)
	from := now.Add(time.Hour)
	_, err = book.Add(exclusion.Exclusion{Service: "payments", SLO: "api-availability", From: from, To: from.Add(time.Hour), Reason: "load test", Approver: "alice"}, now)
	require.NoError(t, err)

	code, _, errOut := runCLI(t, "generate", "-o", filepath.Join(dir, "out"), "--exclusions.file", filepath.Join(dir, exclusion.FileName), "../../examples/payments.yaml", "../../examples/payments-db.yaml")
	require.Equal(t, 0, code, errOut)
	rules, err := os.ReadFile(filepath.Join(dir, "out", "payments.rules.yml"))
	require.NoError(t, err)
	require.Contains(t, string(rules), fmt.Sprintf("vector(time()) >= %d <", from.Unix()))

	code, _, errOut = runCLI(t, "generate", "-o", filepath.Join(dir, "out"), "--exclusions.file", filepath.Join(dir, "nope.json"), "../../examples/payments.yaml", "../../examples/payments-db.yaml")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "nope.json")
}
