package main

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/model"

	"github.com/slokeeper/slokeeper/internal/atomicfile"
	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

type generateCommand struct {
	files     []string
	outDir    string
	tests     bool
	format    string
	minWindow model.Duration
	groupBy   string
	gateURL   string
	// exclusionsFile is a daemon's exclusions.json, whose ad hoc exclusions go into the rules.
	exclusionsFile string
}

func (c *generateCommand) name() string { return "generate" }

func (c *generateCommand) register(app *kingpin.Application) {
	cmd := app.Command(c.name(), "Generate recording and alerting rules (and promtool tests) from SLO specs. Writes nothing when any spec is bad.")
	cmd.Flag("output.dir", "Directory for the rule files: NAME.rules.yml (and NAME.test.yml) per spec file NAME.yaml.").
		Short('o').Required().StringVar(&c.outDir)
	cmd.Flag("tests", "Also write promtool unit tests per spec file NAME.yaml: NAME.test.yml (evaluated every 5m) and NAME.fast.test.yml (the fastest page's detection, evaluated every minute).").BoolVar(&c.tests)
	cmd.Flag("format", "Rule file format: prometheus (Prometheus, Thanos, Mimir rulers) or prometheus-operator (PrometheusRule resources).").
		Default(string(generate.FormatPrometheus)).EnumVar(&c.format, string(generate.FormatPrometheus), string(generate.FormatPrometheusOperator))
	cmd.Flag("window.min", "Shortest window of any rule. Every ratio is averaged from rates over it, so it must span at least two scrapes (four is safer) and the rule evaluation interval; lower it only if you scrape faster than every minute. Short periods have their fastest windows raised to it.").
		Default(model.Duration(slo.DefaultMinWindow).String()).SetValue(&c.minWindow)
	cmd.Flag("group-by", "How rules are grouped: slo (three groups per SLO: a slow or failing SLO never delays another, and rulers that shard by group spread them) or service (the SLOs of a service share their groups: far fewer groups with many SLOs; what `slokeeper run` evaluates).").
		Default(string(generate.GroupBySLO)).EnumVar(&c.groupBy, string(generate.GroupBySLO), string(generate.GroupByService))
	cmd.Flag("gate.url", "Base URL of the slokeeper daemon (e.g. http://slokeeper:9099): alerts then link to their service's deploy gate in a gate_url annotation.").
		PlaceHolder("<URL>").StringVar(&c.gateURL)
	cmd.Flag("exclusions.file", "A slokeeper daemon's exclusions.json (in its storage.path): the ad hoc exclusions made with `slokeeper exclude` go into the rules too, so that a Prometheus, Thanos or Mimir ruler honours them.").
		PlaceHolder("<filename>").ExistingFileVar(&c.exclusionsFile)
	cmd.Arg("files", "Spec files (slokeeper/v1 YAML).").Required().ExistingFilesVar(&c.files)
}

func (c *generateCommand) options() generate.Options {
	return generate.Options{MinWindow: time.Duration(c.minWindow), GroupBy: generate.GroupBy(c.groupBy), GateURL: c.gateURL}
}

func (c *generateCommand) run(logger *slog.Logger, stdout, stderr io.Writer) int {
	if d := time.Duration(c.minWindow); d < time.Minute || d%time.Minute != 0 {
		fmt.Fprintf(stderr, "slokeeper: --window.min must be whole minutes, at least 1m, got %s\n", c.minWindow)
		return 2
	}
	if c.gateURL != "" {
		if u, err := url.Parse(c.gateURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fmt.Fprintf(stderr, "slokeeper: --gate.url must be an http(s) URL such as http://slokeeper:9099, got %q\n", c.gateURL)
			return 2
		}
	}
	if c.tests && c.format != string(generate.FormatPrometheus) {
		fmt.Fprintln(stderr, "slokeeper: --tests needs --format=prometheus: promtool cannot load PrometheusRule resources")
		return 2
	}
	defer limitMemory()()
	all, err := spec.Load(c.files)
	if err != nil {
		printErrors(stderr, err)
		fmt.Fprintln(stderr, "no files written")
		return 1
	}
	if c.exclusionsFile != "" {
		if err := withAdHocExclusions(all, c.exclusionsFile, time.Now()); err != nil {
			fmt.Fprintf(stderr, "slokeeper: --exclusions.file: %v\nno files written\n", err)
			return 1
		}
	}
	outs, err := c.outputs(all)
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper: %v\nno files written\n", err)
		return 1
	}
	if err := os.MkdirAll(c.outDir, 0o755); err != nil {
		fmt.Fprintf(stderr, "slokeeper: couldn't create --output.dir: %v\n", err)
		return 1
	}
	for _, stale := range atomicfile.CleanStale(c.outDir) {
		logger.Info("Removed what a killed generate left", "path", stale)
	}
	if err := writeOutputs(c.outDir, outs, runtime.GOMAXPROCS(0)); err != nil {
		fmt.Fprintf(stderr, "slokeeper: %v\nno files written\n", err)
		return 1
	}
	for _, o := range outs {
		logger.Debug("Wrote file", "path", o.path)
	}
	fmt.Fprintf(stdout, "wrote %d file(s) for %d SLO(s) to %s\n", len(outs), len(all), c.outDir)
	return 0
}

// chunkSLOs is how many SLOs one piece of an output holds: small enough that
// the pieces of one large spec file keep both cores busy and memory flat.
const chunkSLOs = 32

// outputs lists the files to write, each as pieces to render. Pieces render
// concurrently and are written in order, so memory holds a few pieces, not
// the output.
func (c *generateCommand) outputs(all []*slo.SLO) ([]output, error) {
	bySource := map[string][]*slo.SLO{}
	for _, s := range all {
		bySource[s.Source.File] = append(bySource[s.Source.File], s)
	}
	seen := map[string]string{}
	var outs []output
	o, f := c.options(), generate.Format(c.format)
	size := chunkSLOs
	if o.GroupBy == generate.GroupByService {
		size = math.MaxInt // groups merge within a piece: the whole file in one
	}
	for _, file := range c.files {
		base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		if prev, ok := seen[base]; ok {
			return nil, fmt.Errorf("%s and %s would both write %s.rules.yml: rename one", prev, file, base)
		}
		seen[base] = file
		rulesName := base + ".rules.yml"
		slos := bySource[file]
		rules := output{path: filepath.Join(c.outDir, rulesName), head: generate.Head(f, base)}
		for chunk := range slices.Chunk(slos, size) {
			rules.pieces = append(rules.pieces, func() []byte { return generate.Chunk(chunk, o, f) })
		}
		outs = append(outs, rules)
		if !c.tests {
			continue
		}
		for _, u := range generate.Suites {
			// One piece: the SLOs of a file share their test groups where they can (generate.TestChunk).
			outs = append(outs, output{path: filepath.Join(c.outDir, base+u.Suffix), head: generate.TestHead(slos, o, rulesName, u),
				pieces: []func() []byte{func() []byte { return generate.TestChunk(slos, o, u) }}})
		}
	}
	return outs, nil
}
