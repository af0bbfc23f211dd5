package main

import (
	"io"

	"github.com/alecthomas/kingpin/v2"

	"github.com/slokeeper/slokeeper/internal/clidoc"
)

// addDocumentationFlag adds the hidden flag --write-documentation, as
// Prometheus has: it writes the command-line reference (`make docs`:
// docs/command-line/slokeeper.md) from the app's own model to stdout and
// exits 0. It acts before the command line is validated, so it needs no
// command.
func addDocumentationFlag(app *kingpin.Application, stdout io.Writer) {
	app.Flag("write-documentation", "Write the command-line reference in Markdown to standard output and exit (make docs).").
		Hidden().
		PreAction(func(*kingpin.ParseContext) error {
			if err := clidoc.Write(stdout, app.Model()); err != nil {
				return err
			}
			panic(terminated{0})
		}).
		Bool()
}
