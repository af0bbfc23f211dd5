package spec_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slokeeper/slokeeper/pkg/spec"
)

// FuzzLoad feeds arbitrary bytes to Parse. Whatever the input, Parse must not
// panic, and must either return valid SLOs or located errors, never both.
// Seeds: the examples, the good and bad corpora, and the checked-in corpus in
// testdata/fuzz/FuzzLoad (alias bombs, deep nesting, odd numbers, unicode).
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{
		"../../examples/*.yaml",
		"testdata/*.good.yaml",
		"../../testdata/bad-specs/*.bad.yaml",
		"../../testdata/bad-specs/*/*.yaml",
	} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		slos, err := spec.Parse("fuzz.yaml", data)
		if err != nil {
			if slos != nil {
				t.Fatalf("SLOs returned with an error: %v", err)
			}
			errs, ok := err.(spec.Errors)
			if !ok {
				t.Fatalf("error is a %T, not spec.Errors: %v", err, err)
			}
			if len(errs) == 0 {
				t.Fatal("empty spec.Errors returned")
			}
			for _, e := range errs {
				if e.File != "fuzz.yaml" {
					t.Errorf("error names file %q: %v", e.File, e)
				}
				if e.Msg == "" {
					t.Errorf("error without a message: %#v", e)
				}
				if e.Line < 0 {
					t.Errorf("negative line: %v", e)
				}
			}
			return
		}
		if len(slos) == 0 {
			t.Fatal("no SLOs and no error")
		}
		for _, s := range slos {
			switch {
			case s.Name == "" || s.Service == "":
				t.Errorf("SLO without name or service: %+v", s)
			case !(s.Objective.Ratio > 0 && s.Objective.Ratio < 1):
				t.Errorf("%s: objective ratio %v not in (0,1)", s.ID(), s.Objective.Ratio)
			case !(s.Objective.Budget > 0):
				t.Errorf("%s: budget %v not positive", s.ID(), s.Objective.Budget)
			case s.Period < 24*time.Hour || s.Period > 90*24*time.Hour:
				t.Errorf("%s: period %s not within [1d, 90d]", s.ID(), s.Period)
			case !(s.Capacity >= 0) || math.IsInf(s.Capacity, 1):
				t.Errorf("%s: capacity %v not finite and non-negative", s.ID(), s.Capacity)
			case s.SLI.Kind == "":
				t.Errorf("%s: no SLI kind", s.ID())
			case s.Source.File != "fuzz.yaml" || s.Source.Line <= 0:
				t.Errorf("%s: source %s", s.ID(), s.Source)
			}
		}
	})
}
