// Package specgen writes synthetic SLO spec files for benchmarks: the same
// events SLOs (99.9 % over 30d, errors over total requests) in slokeeper's
// format and in Sloth's prometheus/v1 format, so that both generators can be
// timed on the same input. It knows the two file formats and must not know
// how either tool reads them.
package specgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Format is a spec file format.
type Format string

// The formats specgen writes.
const (
	Slokeeper Format = "slokeeper"
	Sloth     Format = "sloth"
)

// Layout is how many SLOs are written, in how many files.
type Layout struct {
	Files   int
	PerFile int
}

// SLOs is the number of SLOs the layout holds.
func (l Layout) SLOs() int { return l.Files * l.PerFile }

// Write writes the layout's spec files in format f into dir (created if
// missing) and returns their paths. File i holds service svc-i.
func Write(dir string, f Format, l Layout) ([]string, error) {
	if f != Slokeeper && f != Sloth {
		return nil, fmt.Errorf("unknown format %q: want %q or %q", f, Slokeeper, Sloth)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	paths := make([]string, l.Files)
	for i := range l.Files {
		paths[i] = filepath.Join(dir, fmt.Sprintf("svc-%04d.yaml", i))
		if err := os.WriteFile(paths[i], File(f, i, l.PerFile), 0o644); err != nil {
			return nil, err
		}
	}
	return paths, nil
}

// File renders spec file i of format f with n SLOs.
func File(f Format, i, n int) []byte {
	var b strings.Builder
	svc := fmt.Sprintf("svc-%04d", i)
	if f == Sloth {
		fmt.Fprintf(&b, "version: prometheus/v1\nservice: %s\nlabels:\n  owner: team-%d\nslos:\n", svc, i%20)
	} else {
		fmt.Fprintf(&b, "apiVersion: slokeeper/v1\nservice: %s\nowner: team-%d\nlayer: service\nslos:\n", svc, i%20)
	}
	for j := range n {
		job := fmt.Sprintf("%s-api-%d", svc, j)
		errs := fmt.Sprintf(`http_requests_total{job=%q,code=~"5.."}`, job)
		total := fmt.Sprintf(`http_requests_total{job=%q}`, job)
		fmt.Fprintf(&b, "  - name: requests-%d\n    description: 99.9%% of %s requests succeed.\n    objective: 99.9\n", j, job)
		if f == Sloth {
			fmt.Fprintf(&b, "    sli:\n      events:\n        error_query: sum(rate(%s[{{.window}}]))\n        total_query: sum(rate(%s[{{.window}}]))\n", errs, total)
			fmt.Fprintf(&b, "    alerting:\n      name: %sHighErrorRate%d\n      page_alert:\n        labels:\n          severity: critical\n      ticket_alert:\n        labels:\n          severity: warning\n", strings.ReplaceAll(svc, "-", ""), j)
			continue
		}
		fmt.Fprintf(&b, "    period: 30d\n    sli:\n      events:\n        errors: '%s'\n        total: '%s'\n", errs, total)
		fmt.Fprintf(&b, "    review:\n      lastReviewed: 2026-11-01\n    alerting:\n      runbookURL: https://runbooks.example.com/%s/requests-%d\n", svc, j)
	}
	return []byte(b.String())
}
