package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/alecthomas/kingpin/v2"

	"github.com/slokeeper/slokeeper/internal/atomicfile"
	"github.com/slokeeper/slokeeper/internal/config"
	"github.com/slokeeper/slokeeper/pkg/routing"
)

// alertmanagerCommand is `slokeeper alertmanager`: the Alertmanager routing of slokeeper's alerts, from the
// daemon config's escalation block.
type alertmanagerCommand struct {
	cmd        *kingpin.CmdClause
	configFile string
	complete   bool
	output     string
}

func (c *alertmanagerCommand) name() string { return c.cmd.FullCommand() }

func (c *alertmanagerCommand) register(a *kingpin.Application) {
	c.cmd = a.Command("alertmanager", "Generate the Alertmanager routing of slokeeper's alerts (route subtree, receiver stubs, inhibit rules) from the config's escalation block, checked with Alertmanager's own config loader.")
	c.cmd.Flag("config.file", "The daemon's configuration file, with an escalation: block.").Required().StringVar(&c.configFile)
	c.cmd.Flag("complete", "Write a complete alertmanager.yml instead of the fragment to merge into an existing one.").BoolVar(&c.complete)
	c.cmd.Flag("output", "Write to this file (atomically) instead of standard output.").Short('o').StringVar(&c.output)
}

func (c *alertmanagerCommand) run(_ *slog.Logger, stdout, stderr io.Writer) int {
	cfg, err := config.Load(c.configFile)
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper alertmanager: couldn't load --config.file=%q:\n", c.configFile)
		printErrors(stderr, err)
		return 1
	}
	if cfg.Escalation == nil {
		fmt.Fprintf(stderr, "slokeeper alertmanager: %s has no escalation: block; add one naming the teams' receivers (see docs/routing.md)\n", c.configFile)
		return 1
	}
	frag, err := routing.Generate(*cfg.Escalation)
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper alertmanager: %v\n", err)
		return 1
	}
	render := frag.RenderFragment
	if c.complete {
		render = frag.RenderComplete
	}
	out, err := render()
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper alertmanager: %v\n", err)
		return 1
	}
	if c.output == "" {
		_, _ = stdout.Write(out)
		return 0
	}
	if err := atomicfile.WriteFile(c.output, out); err != nil {
		fmt.Fprintf(stderr, "slokeeper alertmanager: couldn't write --output=%q: %v\n", c.output, err)
		return 1
	}
	return 0
}
