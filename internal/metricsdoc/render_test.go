package metricsdoc

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var families = []Family{
	{Name: "app_budget_ratio", Type: "gauge", Help: "Budget left.", Labels: []string{"route", "slo"}, Unchecked: true},
	{Name: "app_cache_hits_total", Type: "counter", Help: "Hits | misses of <key> *values*, in `a|b` and [brackets]."},
	{Name: "app_file_mtime_seconds", Help: "Mtime of files_read.", Labels: []string{"filename"}},
	{Name: "go_goroutines", Type: "gauge", Help: "Goroutines."},
}

func page() Page {
	return Page{
		Title:  "Metrics",
		Header: "<!-- generated -->",
		Intro:  "What the app exports.",
		Groups: []Group{
			{Heading: "The app", Prefixes: []string{"app_"}},
			{Heading: "Its cache", Intro: "The cache's own.", Prefixes: []string{"app_cache_"}},
			{Heading: "Runtime", Intro: "Not listed: they vary.", Prefixes: []string{"go_"}, Unlisted: true},
		},
		Notes: map[string]string{"app_budget_ratio": "See [budgets](budget.md) | more."},
		Outro: "The end.",
	}
}

func TestWrite(t *testing.T) {
	var b strings.Builder
	require.NoError(t, Write(&b, page(), families))
	require.Equal(t, "# Metrics\n\n<!-- generated -->\n\nWhat the app exports.\n\n"+
		"## The app\n\n"+
		"| metric | type | labels | help |\n| --- | --- | --- | --- |\n"+
		"| `app_budget_ratio` | gauge | `route`, `slo` | Budget left. See [budgets](budget.md) \\| more. |\n"+
		"| `app_file_mtime_seconds` | unknown | `filename` | Mtime of files\\_read. |\n\n"+
		// The longest prefix wins, whatever the order of the groups.
		"## Its cache\n\nThe cache's own.\n\n"+
		"| metric | type | labels | help |\n| --- | --- | --- | --- |\n"+
		"| `app_cache_hits_total` | counter |  | Hits \\| misses of &lt;key&gt; \\*values\\*, in `a\\|b` and \\[brackets]. |\n\n"+
		"## Runtime\n\nNot listed: they vary.\n\nThe end.\n", b.String())
}

func TestWriteRefuses(t *testing.T) {
	p := page()
	p.Notes = map[string]string{"app_gone_total": "A note that outlived its family."}
	require.ErrorContains(t, Write(&strings.Builder{}, p, families), "a note is about app_gone_total, which the registry does not expose")

	p = page()
	p.Groups = p.Groups[:2]
	require.ErrorContains(t, Write(&strings.Builder{}, p, families), "go_goroutines belongs to no group of the page")

	p = page()
	p.Groups = append(p.Groups, Group{Heading: "Gone", Prefixes: []string{"old_"}})
	require.ErrorContains(t, Write(&strings.Builder{}, p, families), `the group "Gone" has no family`)
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain text":            "plain text",
		"a_b * c & <d> [e] \\f": `a\_b \* c &amp; &lt;d&gt; \[e] \\f`,
		"in `code_<x>|y` only":  "in `code_<x>\\|y` only",
		"unmatched `tick_":      `unmatched 'tick\_`,
	} {
		require.Equal(t, want, escape(in), in)
	}
}
