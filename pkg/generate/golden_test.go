package generate_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files (rules/ and testdata/golden) from the current generator")

// The examples' rules and tests are checked in once, in rules/ (make generate writes them, make check-generated
// compares them with the command's output): they are the golden files of the examples. Every other golden file
// (the Prometheus Operator renderings, the specs of testdata/specs) is in testdata/golden.
const rulesDir = "../../rules"

// goldenPath is where the golden file name, rendered from the spec file in, is kept.
func goldenPath(in, name string) string {
	if filepath.Dir(in) == filepath.Join("..", "..", "examples") && !strings.HasSuffix(name, ".operator.yml") {
		return filepath.Join(rulesDir, name)
	}
	return filepath.Join("testdata", "golden", name)
}

// goldenInputs are the spec files whose output is kept as golden files.
func goldenInputs(t *testing.T) []string {
	var files []string
	for _, g := range []string{"../../examples/*.yaml", "testdata/specs/*.yaml"} {
		m, err := filepath.Glob(g)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files)
	return files
}

func TestGolden(t *testing.T) {
	inputs := goldenInputs(t)
	all, err := spec.Load(inputs) // together: the examples depend on each other
	require.NoError(t, err)
	for _, in := range inputs {
		base := strings.TrimSuffix(filepath.Base(in), filepath.Ext(in))
		var slos []*slo.SLO
		for _, s := range all {
			if s.Source.File == in {
				slos = append(slos, s)
			}
		}
		t.Run(base, func(t *testing.T) {
			require.NotEmpty(t, slos)
			outputs := map[string]func() []byte{
				base + ".rules.yml": func() []byte {
					return generate.RuleFile(slos, generate.Options{}, generate.FormatPrometheus, base)
				},
				base + ".operator.yml": func() []byte {
					return generate.RuleFile(slos, generate.Options{}, generate.FormatPrometheusOperator, base)
				},
				base + generate.MainTests.Suffix: func() []byte {
					return generate.TestFile(slos, generate.Options{}, base+".rules.yml", generate.MainTests)
				},
				base + generate.FastPageTests.Suffix: func() []byte {
					return generate.TestFile(slos, generate.Options{}, base+".rules.yml", generate.FastPageTests)
				},
			}
			// The rule file loads in Prometheus: the proof generate no longer runs on every file it writes.
			require.NoError(t, generate.Check(outputs[base+".rules.yml"]()))
			for name, render := range outputs {
				got := render()
				again := render()
				require.Equal(t, string(got), string(again), "%s: output is not deterministic", name)
				require.True(t, strings.HasPrefix(string(got), generate.Header), "%s lacks the generated-code header", name)

				path := goldenPath(in, name)
				if *update {
					require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
					require.NoError(t, generate.WriteFile(path, got))
					continue
				}
				want, err := os.ReadFile(path)
				require.NoError(t, err, "missing golden file: run 'make update-golden'")
				if string(want) != string(got) {
					t.Fatalf("%s is stale: run 'make update-golden' and review the diff; first difference:\n%s", path, firstDiff(string(want), string(got)))
				}
			}
		})
	}
}

// firstDiff shows the first differing line of two texts, not all of them.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n  golden: %s\n  now:    %s", i+1, a, b)
		}
	}
	return "(none)"
}
