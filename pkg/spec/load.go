package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"go.yaml.in/yaml/v3"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// entry is one parsed SLO with the line table of its file, for cross-file
// errors that must still name a line.
type entry struct {
	slo   *slo.SLO
	index int
	lines map[string]int
}

// Load reads every file, validates each on its own and all of them together
// (duplicate IDs, dependsOn), and returns the SLOs in file order. On any
// problem it returns every problem found as Errors and no SLOs.
func Load(paths []string) ([]*slo.SLO, error) {
	sources := make([]Source, len(paths))
	errs := make([]error, len(paths))
	parallel(len(paths), func(i int) {
		data, err := ReadFile(paths[i])
		sources[i], errs[i] = Source{File: paths[i], Data: data}, err
	})
	var readErrs Errors
	read := sources[:0]
	for i, src := range sources {
		if errs[i] != nil {
			readErrs = append(readErrs, &Error{File: src.File, Msg: fmt.Sprintf("couldn't read: %v", errs[i])})
			continue
		}
		read = append(read, src)
	}
	return load(read, readErrs)
}

// parallel runs f(0) … f(n-1) on as many goroutines as there are CPUs.
// Files are read and parsed this way: each on its own, in any order.
func parallel(n int, f func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
}

// Source is one spec file's name and content.
type Source struct {
	File string
	Data []byte
}

// LoadSources is Load over contents already read, such as edited files
// checked before they are written.
func LoadSources(sources []Source) ([]*slo.SLO, error) { return load(sources, nil) }

func load(sources []Source, errs Errors) ([]*slo.SLO, error) {
	var (
		entries []entry
		// broken are the IDs of SLOs in files with errors: they are not
		// loaded, but a dependency on them is not "unknown".
		broken = map[string]bool{}
	)
	type parsed struct {
		entries []entry
		errs    Errors
	}
	results := make([]parsed, len(sources))
	parallel(len(sources), func(i int) {
		results[i].entries, results[i].errs = parse(sources[i].File, sources[i].Data)
	})
	for _, r := range results {
		es, fe := r.entries, r.errs
		if len(fe) > 0 {
			errs = append(errs, fe...)
			for _, e := range es {
				broken[e.slo.ID()] = true
			}
			continue
		}
		entries = append(entries, es...)
	}
	errs = append(errs, crossCheck(entries, broken)...)
	return loaded(entries, errs)
}

// loaded is the SLOs of entries when there are no errs, else errs sorted.
func loaded(entries []entry, errs Errors) ([]*slo.SLO, error) {
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	out := make([]*slo.SLO, len(entries))
	for i, e := range entries {
		out[i] = e.slo
	}
	return out, nil
}

// Parse reads one spec file's content. It checks the file on its own; Load
// also checks files against each other.
func Parse(file string, data []byte) ([]*slo.SLO, error) {
	es, errs := parse(file, data)
	if len(errs) == 0 {
		errs = crossCheck(es, nil)
	}
	return loaded(es, errs)
}

// parse returns the file's SLOs and its errors; the SLOs are valid only when
// there are no errors.
func parse(file string, data []byte) ([]entry, Errors) {
	if len(data) > MaxFileSize {
		return nil, Errors{{File: file, Msg: tooLarge(int64(len(data))).Error()}}
	}
	d := &decoder{file: file, lines: map[string]int{}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{File: file, Msg: "empty file: a spec needs apiVersion, service, owner, layer and slos"}}
		}
		return nil, Errors{yamlSyntaxError(file, err)}
	}
	var second yaml.Node
	if err := dec.Decode(&second); !errors.Is(err, io.EOF) {
		line := second.Line
		if err != nil {
			return nil, Errors{yamlSyntaxError(file, err)}
		}
		return nil, Errors{{File: file, Line: line, Msg: "a spec file holds one YAML document (one service); split the others into their own files"}}
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return nil, Errors{{File: file, Line: doc.Line,
			Msg: fmt.Sprintf("a spec must be a mapping of apiVersion, service, owner, layer and slos, got %s", describe(doc))}}
	}
	var f File
	d.decode(doc, "", reflect.ValueOf(&f).Elem())
	if d.nodes > maxNodes {
		return nil, d.errs // what was decoded is partial: validating it would only add noise
	}
	v := newValidator(d)
	entries := v.file(&f)
	if len(d.errs) > 0 {
		return entries, d.errs
	}
	return entries, nil
}

// yamlSyntaxError turns "yaml: line 3: did not find expected key" into a
// located error.
func yamlSyntaxError(file string, err error) *Error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if _, e := fmt.Sscanf(msg, "line %d:", &line); e == nil {
		if i := strings.Index(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
	}
	return &Error{File: file, Line: line, Msg: "invalid YAML: " + msg}
}

// crossCheck rejects duplicate IDs, dependencies on unknown SLOs or on a
// higher layer, and dependency cycles. Dependencies on broken IDs (SLOs of
// files with errors of their own) are not reported.
func crossCheck(entries []entry, broken map[string]bool) Errors {
	var errs Errors
	byID := map[string]*slo.SLO{}
	for _, e := range entries {
		id := e.slo.ID()
		if first, ok := byID[id]; ok {
			errs = append(errs, &Error{
				File: e.slo.Source.File, Line: e.slo.Source.Line, Path: fmt.Sprintf("slos[%d].name", e.index),
				Msg: fmt.Sprintf("SLO %q is defined twice (first at %s); SLO ids (service/name) must be unique", id, first.Source),
			})
			continue
		}
		byID[id] = e.slo
	}
	for _, e := range entries {
		for i, d := range e.slo.DependsOn {
			dep := d.ID
			path := fmt.Sprintf("slos[%d].dependsOn[%d]", e.index, i)
			line := e.lines[path]
			target, ok := byID[dep]
			switch {
			case !ok && broken[dep]:
			case !ok:
				errs = append(errs, &Error{File: e.slo.Source.File, Line: line, Path: path,
					Msg: fmt.Sprintf("names no loaded SLO: %q (known: %s)", dep, knownIDs(byID))})
			case target == e.slo:
				errs = append(errs, &Error{File: e.slo.Source.File, Line: line, Path: path, Msg: "an SLO cannot depend on itself"})
			case layerRank(target.Layer) < layerRank(e.slo.Layer):
				errs = append(errs, &Error{File: e.slo.Source.File, Line: line, Path: path,
					Msg: fmt.Sprintf("%s SLO may depend only on SLOs of its own or a lower layer, but %q is %s SLO", article(e.slo.Layer), dep, article(target.Layer))})
			}
		}
	}
	if len(errs) == 0 {
		errs = append(errs, cycles(entries, byID)...)
	}
	return errs
}

// article prefixes a layer with "a" or "an".
func article(l slo.Layer) string {
	if l == slo.LayerInfrastructure {
		return "an " + string(l)
	}
	return "a " + string(l)
}

func layerRank(l slo.Layer) int {
	for i, x := range slo.Layers {
		if x == l {
			return i
		}
	}
	return -1
}

func knownIDs(m map[string]*slo.SLO) string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) > 8 {
		ids = append(ids[:8], "…")
	}
	return strings.Join(ids, ", ")
}

func cycles(entries []entry, byID map[string]*slo.SLO) Errors {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var errs Errors
	var visit func(s *slo.SLO, stack []string) bool
	visit = func(s *slo.SLO, stack []string) bool {
		id := s.ID()
		switch color[id] {
		case grey:
			cyc := append(stack[indexOf(stack, id):], id)
			errs = append(errs, &Error{File: s.Source.File, Line: s.Source.Line,
				Msg: "dependsOn forms a cycle: " + strings.Join(cyc, " -> ") + "; remove one of these dependencies"})
			return true
		case black:
			return false
		}
		color[id] = grey
		for _, d := range s.DependsOn {
			// A missing target is in a file with errors (see crossCheck).
			if t := byID[d.ID]; t != nil && visit(t, append(stack, id)) {
				return true
			}
		}
		color[id] = black
		return false
	}
	for _, e := range entries {
		if color[e.slo.ID()] == white && visit(e.slo, nil) {
			break
		}
	}
	return errs
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return 0
}
