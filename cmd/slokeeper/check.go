package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/alecthomas/kingpin/v2"

	"github.com/slokeeper/slokeeper/pkg/spec"
)

type checkCommand struct {
	files []string
}

func (c *checkCommand) name() string { return "check" }

func (c *checkCommand) register(app *kingpin.Application) {
	cmd := app.Command(c.name(), "Validate SLO spec files; print every problem with file, line and field.")
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
	fmt.Fprintf(stdout, "%d SLO(s) in %d file(s) OK\n", len(slos), len(c.files))
	return 0
}
