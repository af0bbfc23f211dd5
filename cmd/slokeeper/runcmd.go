package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/alecthomas/units"
	"github.com/prometheus/common/model"

	"github.com/slokeeper/slokeeper/internal/app"
	"github.com/slokeeper/slokeeper/internal/queryapi"
	"github.com/slokeeper/slokeeper/internal/storage"
)

// runCommand is `slokeeper run`: the daemon.
type runCommand struct {
	cmd           *kingpin.CmdClause
	opts          app.Options
	watch         time.Duration
	memLimitRatio float64
	writeBody     units.Base2Bytes
	writeDecoded  units.Base2Bytes
}

func (c *runCommand) name() string { return c.cmd.FullCommand() }

func (c *runCommand) register(a *kingpin.Application) {
	c.cmd = a.Command("run", "Run the daemon: evaluate the SLOs' rules over the embedded TSDB and remote storage, send alerts, export error budgets.")
	c.cmd.Flag("config.file", "The daemon's configuration file (spec globs, storage, alerting, remote_read, remote_write).").
		PlaceHolder("slokeeper.yml").StringVar(&c.opts.ConfigFile)
	c.cmd.Flag("spec.files", "Spec file glob to evaluate, added to the config's `specs` (repeatable).").
		PlaceHolder("specs/*.yaml").StringsVar(&c.opts.SpecFiles)
	c.cmd.Flag("storage.path", "Directory of the embedded TSDB; overrides the config's storage.path.").
		StringVar(&c.opts.StoragePath)
	c.cmd.Flag("web.listen-address", "Address to serve /metrics, the API and the remote-write receiver on.").
		Default(app.DefaultListenAddress).StringVar(&c.opts.ListenAddress)
	c.cmd.Flag("web.config.file", "Path to an exporter-toolkit web configuration file (TLS, basic auth).").
		Default("").StringVar(&c.opts.WebConfigFile)
	c.cmd.Flag("web.enable-lifecycle", "Enable reloads over HTTP (POST /-/reload).").
		BoolVar(&c.opts.EnableLifecycle)
	c.cmd.Flag("web.enable-admin-api", "Enable administrative endpoints: manual overrides of a feature freeze (POST /api/v1/freeze/<service>, used by `slokeeper freeze`) and ad hoc exclusions (POST /api/v1/exclusions, used by `slokeeper exclude`).").
		BoolVar(&c.opts.EnableAdminAPI)
	c.registerReceiver()
	c.cmd.Flag("web.max-connections", "Maximum number of HTTP connections served at once; more wait.").
		Default(strconv.Itoa(app.DefaultMaxConnections)).IntVar(&c.opts.MaxConnections)
	c.cmd.Flag("web.external-url", "The URL under which slokeeper is reachable, used in alerts' generator URL.").
		PlaceHolder("<URL>").StringVar(&c.opts.ExternalURL)
	c.registerQuery()
	c.cmd.Flag("spec.watch-interval", "How often to check the config and spec files for changes and reload (0 disables).").
		Default(app.DefaultWatchInterval.String()).DurationVar(&c.watch)
	c.cmd.Flag("auto-gomemlimit.ratio", "Under a cgroup memory limit, set the Go runtime's soft memory limit (GOMEMLIMIT) to this share of it, unless GOMEMLIMIT is set; 0 disables. (GOGC defaults to 30 unless set.)").
		Default(strconv.FormatFloat(app.DefaultMemoryLimitRatio, 'g', -1, 64)).Float64Var(&c.memLimitRatio)
	c.cmd.Flag("demo", "Run the built-in demo: the example specs over an embedded TSDB fed by a traffic generator with days of history and a live incident.").
		BoolVar(&c.opts.Demo)
}

// registerQuery registers the query API's limits, named as Prometheus' flags are.
func (c *runCommand) registerQuery() {
	c.cmd.Flag("query.timeout", "Maximum time a query of the query API (/api/v1/query, query_range, …) may take before it is aborted.").
		Default(model.Duration(queryapi.DefaultTimeout).String()).DurationVar(&c.opts.QueryTimeout)
	c.cmd.Flag("query.max-samples", "Maximum number of samples a single query of the query API may load into memory; a query above fails.").
		Default(strconv.Itoa(queryapi.DefaultMaxSamples)).IntVar(&c.opts.QueryMaxSamples)
	c.cmd.Flag("query.max-concurrency", "Maximum number of queries of the query API evaluated at once; more wait.").
		Default(strconv.Itoa(queryapi.DefaultMaxConcurrency)).IntVar(&c.opts.QueryMaxConcurrency)
}

// registerReceiver registers the flags of the remote-write receiver: off unless enabled, as in Prometheus.
func (c *runCommand) registerReceiver() {
	d, l := storage.DefaultReceiverLimits(), &c.opts.RemoteWriteLimits
	c.cmd.Flag("web.enable-remote-write-receiver", "Accept remote writes into the embedded TSDB on POST /api/v1/write (the demo turns it on). Series slokeeper records itself (slo:*, slo_info, ALERTS) are refused.").
		BoolVar(&c.opts.EnableRemoteWriteReceiver)
	c.cmd.Flag("web.remote-write.max-body-bytes", "Largest compressed remote-write request body (413 above).").
		Default(units.Base2Bytes(d.MaxBodyBytes).String()).BytesVar(&c.writeBody)
	c.cmd.Flag("web.remote-write.max-decoded-bytes", "Largest remote-write request once decompressed (413 above).").
		Default(units.Base2Bytes(d.MaxDecodedBytes).String()).BytesVar(&c.writeDecoded)
	c.cmd.Flag("web.remote-write.max-series", "Most series in one remote-write request (413 above).").
		Default(strconv.Itoa(d.MaxSeries)).IntVar(&l.MaxSeries)
	c.cmd.Flag("web.remote-write.max-label-name-length", "Longest label name of a written series; longer ones refuse the series.").
		Default(strconv.Itoa(d.MaxLabelNameLength)).IntVar(&l.MaxLabelNameLength)
	c.cmd.Flag("web.remote-write.max-label-value-length", "Longest label value of a written series; longer ones refuse the series.").
		Default(strconv.Itoa(d.MaxLabelValueLength)).IntVar(&l.MaxLabelValueLength)
	c.cmd.Flag("web.remote-write.max-head-series", "While the TSDB's head holds this many series, remote writes are refused with 503.").
		Default(strconv.FormatUint(d.MaxHeadSeries, 10)).Uint64Var(&l.MaxHeadSeries)
	c.cmd.Flag("web.remote-write.max-concurrency", "Remote-write requests decoded and appended at once; others wait.").
		Default(strconv.Itoa(d.MaxConcurrent)).IntVar(&l.MaxConcurrent)
}

func (c *runCommand) run(logger *slog.Logger, _, stderr io.Writer) int {
	c.opts.Logger = logger
	c.opts.RemoteWriteLimits.MaxBodyBytes, c.opts.RemoteWriteLimits.MaxDecodedBytes = int64(c.writeBody), int(c.writeDecoded)
	c.opts.WatchInterval = c.watch
	if c.watch == 0 {
		c.opts.WatchInterval = -1
	}
	if c.opts.ConfigFile == "" && len(c.opts.SpecFiles) == 0 && !c.opts.Demo {
		fmt.Fprintln(stderr, "slokeeper run: nothing to evaluate: pass --config.file, --spec.files or --demo")
		return 2
	}
	if c.memLimitRatio < 0 || c.memLimitRatio > 1 {
		fmt.Fprintf(stderr, "slokeeper run: --auto-gomemlimit.ratio must be in [0, 1], got %g\n", c.memLimitRatio)
		return 2
	}
	app.TuneRuntime(logger, c.memLimitRatio)
	a, err := app.New(c.opts)
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper run: %v\n", err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, os.Interrupt, syscall.SIGHUP)
	defer signal.Stop(signals)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case s := <-signals:
				if s == syscall.SIGHUP {
					_ = a.Reload() // logged and exported by the app
					continue
				}
				logger.Info("Received signal, shutting down", "signal", s.String())
				cancel()
				// A second signal while shutting down exits at once.
				select {
				case <-signals:
					os.Exit(1)
				case <-time.After(2 * time.Minute):
					os.Exit(1)
				}
			}
		}
	}()
	if err := a.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "slokeeper run: %v\n", err)
		return 1
	}
	return 0
}
