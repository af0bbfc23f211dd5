package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/alecthomas/kingpin/v2"

	"github.com/slokeeper/slokeeper/pkg/slo"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

type checkCommand struct {
	files []string
}

func (c *checkCommand) name() string { return "check" }

func (c *checkCommand) register(app *kingpin.Application) {
	cmd := app.Command(c.name(), "Validate SLO spec files; print every problem with file, line and field, and warn about objectives their dependencies cannot deliver.")
	cmd.Arg("files", "Spec files (slokeeper/v1 YAML).").Required().ExistingFilesVar(&c.files)
}

func (c *checkCommand) run(logger *slog.Logger, stdout, stderr io.Writer) int {
	slos, err := spec.Load(c.files)
	if err != nil {
		printErrors(stderr, err)
		if es, ok := err.(spec.Errors); ok {
			fmt.Fprintf(stderr, "%d problem(s) found\n", len(es))
		}
		return 1
	}
	// Warnings go to stderr, so that stdout stays the one line scripts read; they do not fail the check.
	warnings := slo.CheckAchievability(slos)
	for _, w := range warnings {
		fmt.Fprintf(stderr, "%s: warning: %s: %s\n", w.SLO.Source, w.SLO.ID(), w.Message)
	}
	if len(warnings) > 0 {
		fmt.Fprintf(stderr, "%d warning(s)\n", len(warnings))
	}
	fmt.Fprintf(stdout, "%d SLO(s) in %d file(s) OK\n", len(slos), len(c.files))
	return 0
}
