// Command slokeeper keeps service level objectives honest: it validates SLO
// specs, generates exact, cheap multi-window multi-burn-rate rules for
// Prometheus from them, runs them as a daemon that exports error budgets, and
// reviews them against their history.
//
// Each command parses its flags, opens what it needs (the config file, the
// spec files, for review the daemon's storage read only through
// internal/storage, or internal/demo's fixture) and hands the work to the
// package that does it: internal/app runs the daemon, internal/review
// analyses, pkg/generate writes rules. It owns the command line (flags, help,
// exit codes, the gate/freeze/exclude HTTP clients over pkg/api/v1) and must
// not hold what those packages decide.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"

	"github.com/slokeeper/slokeeper"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// terminated carries kingpin's exit (after --help or --version) out of Parse.
type terminated struct{ code int }

// run is main without the process: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			t, ok := r.(terminated)
			if !ok {
				panic(r)
			}
			code = t.code
		}
	}()
	app := kingpin.New("slokeeper", "Keeps service level objectives honest: validates SLO specs and generates multi-window multi-burn-rate Prometheus rules.")
	if version.Version == "" { // not built by make or promu
		version.Version = slokeeper.Version()
	}
	app.Version(version.Print("slokeeper"))
	app.HelpFlag.Short('h')
	app.UsageWriter(stdout)
	app.ErrorWriter(stderr)
	app.Terminate(func(code int) { panic(terminated{code}) })

	logCfg := &promslog.Config{Writer: stderr}
	promslogflag.AddFlags(app, logCfg)
	addDocumentationFlag(app, stdout)

	checkCmd, genCmd, runCmd, gateCmd := &checkCommand{}, &generateCommand{}, &runCommand{}, &gateCommand{}
	amCmd, freezeCmd, reviewCmd, excludeCmd := &alertmanagerCommand{}, &freezeCommand{}, &reviewCommand{}, &excludeCommand{}
	for _, c := range []interface{ register(*kingpin.Application) }{checkCmd, genCmd, runCmd, gateCmd, amCmd, freezeCmd, reviewCmd, excludeCmd} {
		c.register(app) // in the order `slokeeper --help` lists them
	}
	liftName, setName := freezeCmd.names()
	addName, listName, withdrawName := excludeCmd.names()

	cmd, err := app.Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper: %v (try --help)\n", err)
		return 2
	}
	logger := promslog.New(logCfg)
	switch cmd {
	case checkCmd.name():
		return checkCmd.run(logger, stdout, stderr)
	case genCmd.name():
		return genCmd.run(logger, stdout, stderr)
	case runCmd.name():
		return runCmd.run(logger, stdout, stderr)
	case gateCmd.name():
		return gateCmd.run(logger, stdout, stderr)
	case amCmd.name():
		return amCmd.run(logger, stdout, stderr)
	case reviewCmd.name():
		return reviewCmd.run(logger, stdout, stderr)
	case liftName:
		return freezeCmd.run("lift", logger, stdout, stderr)
	case setName:
		return freezeCmd.run("set", logger, stdout, stderr)
	case addName:
		return excludeCmd.run("add", stdout, stderr)
	case listName:
		return excludeCmd.run("list", stdout, stderr)
	case withdrawName:
		return excludeCmd.run("withdraw", stdout, stderr)
	}
	return 2
}

// printErrors prints one error per line, the way compilers do.
func printErrors(w io.Writer, err error) {
	fmt.Fprintln(w, err)
}
