package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/model"

	"github.com/slokeeper/slokeeper/internal/config"
	"github.com/slokeeper/slokeeper/internal/sliprobe"
	"github.com/slokeeper/slokeeper/internal/storage"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// checkRemote is check's --config.file: the SLIs' selectors are tested against the daemon's remote_read
// endpoints, read as the daemon reads them (with global.external_labels as matchers where
// filter_external_labels is on), so that an SLO that would have no data fails the check instead of showing an
// unknown budget once deployed.
type checkRemote struct {
	configFile string
}

func (r *checkRemote) register(cmd *kingpin.CmdClause) {
	cmd.Flag("config.file", fmt.Sprintf("The daemon's configuration file: also test every SLI's selectors against its remote_read endpoints, "+
		"as the daemon reads them (with global.external_labels), and fail when one matches no series over the last %s.",
		model.Duration(sliprobe.DefaultLookback))).StringVar(&r.configFile)
}

// run tests the selectors of slos when --config.file is set, and prints every SLO some of whose selectors match
// no series, with why and what to change. It returns the exit code: 0 when every selector matches series (or
// the flag is not set), 1 otherwise, or when a selector could not be tested.
func (r *checkRemote) run(slos []*slo.SLO, stdout, stderr io.Writer) int {
	if r.configFile == "" {
		return 0
	}
	cfg, err := config.Load(r.configFile)
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper: couldn't load --config.file=%q: %v\n", r.configFile, err)
		return 1
	}
	if len(cfg.RemoteReadConfigs) == 0 {
		fmt.Fprintf(stderr, "slokeeper: --config.file=%q has no remote_read: add the endpoints the daemon reads the SLIs' series from, or leave the flag out\n", r.configFile)
		return 1
	}
	rr, err := storage.OpenRemoteRead(cfg.RemoteReadConfigs, cfg.Global.ExternalLabels)
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper: couldn't apply the remote_read of --config.file=%q: %v\n", r.configFile, err)
		return 1
	}
	defer rr.Close()
	remotes := rr.Remotes()
	reports, err := sliprobe.Check(context.Background(), slos, rr.Queryable(), remotes, sliprobe.DefaultLookback, time.Now())
	code := 0
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper: couldn't test every SLI selector over remote_read: %v\n", err)
		code = 1
	}
	for _, s := range slos {
		if rep, ok := reports[s.ID()]; ok {
			fmt.Fprintf(stderr, "%s: error: %s: %s\n", s.Source, s.ID(), rep.Problem)
		}
	}
	if len(reports) > 0 {
		fmt.Fprintf(stderr, "%d SLO(s) read selectors that match no series over remote_read\n", len(reports))
		return 1
	}
	if code == 0 {
		fmt.Fprintf(stdout, "the SLIs' selectors of %d SLO(s) match series over %d remote_read endpoint(s)\n", len(slos), len(remotes))
	}
	return code
}
