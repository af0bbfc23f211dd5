package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/alecthomas/kingpin/v2"

	"github.com/slokeeper/slokeeper/pkg/generate"
	"github.com/slokeeper/slokeeper/pkg/slo"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

type checkCommand struct {
	files  []string
	remote checkRemote // --config.file (check_remote.go)
}

func (c *checkCommand) name() string { return "check" }

func (c *checkCommand) register(app *kingpin.Application) {
	cmd := app.Command(c.name(), "Validate SLO spec files as generate does before it writes; print every problem with file, line and field, and warn about objectives their dependencies cannot deliver.")
	cmd.Arg("files", "Spec files (slokeeper/v1 YAML).").Required().ExistingFilesVar(&c.files)
	c.remote.register(cmd)
}

func (c *checkCommand) run(logger *slog.Logger, stdout, stderr io.Writer) int {
	defer limitMemory()()
	slos, err := checkSpecs(c.files)
	if err != nil {
		var es spec.Errors
		if errors.As(err, &es) {
			printErrors(stderr, err)
			fmt.Fprintf(stderr, "%d problem(s) found\n", len(es))
		} else {
			fmt.Fprintf(stderr, "slokeeper: %v\n1 problem(s) found\n", err)
		}
		return 1
	}
	// Warnings go to stderr, so that stdout stays the one line scripts read; they do not fail the check.
	warnings := slo.Warnings(slos) // achievability, review dates
	for _, w := range warnings {
		fmt.Fprintf(stderr, "%s: warning: %s: %s\n", w.SLO.Source, w.SLO.ID(), w.Message)
	}
	if len(warnings) > 0 {
		fmt.Fprintf(stderr, "%d warning(s)\n", len(warnings))
	}
	if code := c.remote.run(slos, stdout, stderr); code != 0 {
		return code
	}
	fmt.Fprintf(stdout, "%d SLO(s) in %d file(s) OK\n", len(slos), len(c.files))
	return 0
}

// checkSpecs runs every check generate runs on spec files before it writes anything: spec.Load (each file on
// its own and the files together: everything embedded in rules is checked there) and generate's own plan of
// its output files, which refuses, for one, two spec files of the same base name (they would write the same
// rule file). The plan only lists the files and the pieces to render; nothing is rendered or written.
func checkSpecs(files []string) ([]*slo.SLO, error) {
	slos, err := spec.Load(files)
	if err != nil {
		return nil, err
	}
	plan := &generateCommand{files: files, format: string(generate.FormatPrometheus), groupBy: string(generate.GroupBySLO)}
	if _, err := plan.outputs(slos); err != nil {
		return nil, err
	}
	return slos, nil
}
