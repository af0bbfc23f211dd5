package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"sort"

	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// leadingColumns come first in the SLO table, in this order, when the SLOs have them; other keys follow sorted.
var leadingColumns = []string{"slo", "name", "service", "layer", "owner", "objective", "period"}

// page is what the status page renders.
type page struct {
	Version string
	Ready   bool
	// Links are relative, so that they also work behind a reverse proxy serving the daemon under a path prefix.
	Links []link
	// Columns and Rows hold the SLOs when they are a list of JSON objects.
	Columns []string
	Rows    [][]string
	// Raw holds the SLOs as indented JSON when they are anything else.
	Raw string
	// Error says why the SLOs could not be shown.
	Error string
}

type link struct{ Href, Text string }

// newPage renders slos through JSON, so that the page shows exactly what /api/v1/slos serves, whatever type
// the caller uses.
func newPage(version string, ready bool, slos any) page {
	p := page{
		Version: version,
		Ready:   ready,
	}
	for _, path := range []string{conventions.PathSLOs, conventions.PathStatus, conventions.PathExclusions, conventions.PathMetrics, conventions.PathHealthy, conventions.PathReady} {
		p.Links = append(p.Links, link{Href: "." + path, Text: path})
	}
	raw, err := json.Marshal(slos)
	if err != nil {
		p.Error = fmt.Sprintf("couldn't encode SLOs: %v", err)
		return p
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep numbers as written (0.999, not 9.99e-01)
	var v any
	if err := dec.Decode(&v); err != nil {
		p.Error = fmt.Sprintf("couldn't decode SLOs: %v", err)
		return p
	}
	objects, ok := listOfObjects(v)
	if !ok {
		var buf bytes.Buffer
		if err := json.Indent(&buf, raw, "", "  "); err != nil {
			p.Error = fmt.Sprintf("couldn't indent SLOs: %v", err)
			return p
		}
		p.Raw = buf.String()
		return p
	}
	p.Columns = columns(objects)
	for _, o := range objects {
		row := make([]string, len(p.Columns))
		for i, c := range p.Columns {
			row[i] = cell(o[c])
		}
		p.Rows = append(p.Rows, row)
	}
	return p
}

// listOfObjects returns v's elements when v is a JSON array of objects.
func listOfObjects(v any) ([]map[string]any, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		o, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		out = append(out, o)
	}
	return out, true
}

// columns returns every key of objects: leadingColumns first, then the others sorted.
func columns(objects []map[string]any) []string {
	seen := map[string]bool{}
	var rest []string
	for _, o := range objects {
		for k := range o {
			if !seen[k] {
				seen[k] = true
				if !slices.Contains(leadingColumns, k) {
					rest = append(rest, k)
				}
			}
		}
	}
	sort.Strings(rest)
	var out []string
	for _, k := range leadingColumns {
		if seen[k] {
			out = append(out, k)
		}
	}
	return append(out, rest...)
}

// cell renders one JSON value for a table cell: scalars as written, null as empty, anything nested as JSON.
func cell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return fmt.Sprint(v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
}

// pageTemplate escapes everything it is given (html/template): SLO names and descriptions come from user files.
var pageTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>slokeeper</title>
<style>
body { font-family: sans-serif; margin: 1.5em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #eee; }
pre { background: #f6f6f6; padding: 0.6em; }
.error { color: #a00; }
</style>
</head>
<body>
<h1>slokeeper</h1>
<p>Version: {{if .Version}}{{.Version}}{{else}}unknown{{end}} &middot;
State: {{if .Ready}}ready{{else}}starting (first evaluation not completed){{end}}</p>
<p>{{range $i, $l := .Links}}{{if $i}} &middot; {{end}}<a href="{{$l.Href}}">{{$l.Text}}</a>{{end}}</p>
<h2>SLOs</h2>
{{- if .Error}}
<p class="error">{{.Error}}</p>
{{- else if .Raw}}
<pre>{{.Raw}}</pre>
{{- else if .Rows}}
<table>
<thead><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Rows}}
<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p>No SLOs loaded.</p>
{{- end}}
</body>
</html>
`))
