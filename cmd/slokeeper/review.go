package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/model"

	"github.com/slokeeper/slokeeper/internal/atomicfile"
	"github.com/slokeeper/slokeeper/internal/config"
	"github.com/slokeeper/slokeeper/internal/demo"
	"github.com/slokeeper/slokeeper/internal/review"
	"github.com/slokeeper/slokeeper/internal/storage"
	"github.com/slokeeper/slokeeper/pkg/spec"
)

// reviewCommand is `slokeeper review`: the quarterly review of every SLO against its history.
type reviewCommand struct {
	configFile  string
	specFiles   []string
	storagePath string
	demo        bool
	demoHistory model.Duration
	demoRes     model.Duration
	window      model.Duration
	since       string
	until       string
	only        []string
	format      string
	output      string
	write       bool
	reviewer    string
	peakWindow  model.Duration
}

func (c *reviewCommand) name() string { return "review" }

func (c *reviewCommand) register(app *kingpin.Application) {
	cmd := app.Command(c.name(), "Review every SLO against its history (the daemon's storage): SLI per calendar slice, budget used, breaches, throughput against capacity; recommend tighten, loosen or invest, capacity drift, insufficient data or keep; --write records the decisions in the specs.")
	cmd.Flag("config.file", "The daemon's configuration file: its specs, storage.path (read only) and remote_read are reviewed.").
		PlaceHolder("slokeeper.yml").StringVar(&c.configFile)
	cmd.Flag("spec.files", "Spec file glob to review, added to the config's `specs` (repeatable).").
		PlaceHolder("specs/*.yaml").StringsVar(&c.specFiles)
	cmd.Flag("storage.path", "TSDB directory to read; overrides the config's storage.path.").StringVar(&c.storagePath)
	cmd.Flag("demo", "Review the example specs over a fresh demo history (an over-achieving database, a payment API above its capacity) in a temporary TSDB.").
		BoolVar(&c.demo)
	cmd.Flag("demo.history", "How much demo history to write with --demo.").Default("60d").SetValue(&c.demoHistory)
	cmd.Flag("demo.resolution", "Spacing of the demo history's samples.").Default("1m").SetValue(&c.demoRes)
	cmd.Flag("window", "How far back a review reads at most; it starts at an SLO's review.lastReviewed when that is later.").
		Default(model.Duration(review.DefaultWindow).String()).SetValue(&c.window)
	cmd.Flag("since", "Start every review on this date (YYYY-MM-DD), whatever lastReviewed says.").StringVar(&c.since)
	cmd.Flag("until", "End of the review (YYYY-MM-DD or RFC 3339); default now.").StringVar(&c.until)
	cmd.Flag("slo", "Review only this SLO (service/name; repeatable).").StringsVar(&c.only)
	cmd.Flag("format", "Report format: markdown or json.").Short('f').Default("markdown").EnumVar(&c.format, "markdown", "json")
	cmd.Flag("output", "Write the report to this file instead of stdout.").Short('o').StringVar(&c.output)
	cmd.Flag("write", "Record the review in the spec files: proposed targets of medium or high confidence and a review record (date, decision, reviewer), validated before writing; comments and formatting are kept.").
		BoolVar(&c.write)
	cmd.Flag("reviewer", "Who decides, recorded as review.reviewer with --write.").StringVar(&c.reviewer)
	cmd.Flag("throughput.window", "Range of the rate whose daily maximum is the peak throughput compared with capacity.").
		Default(model.Duration(review.DefaultPeakWindow).String()).SetValue(&c.peakWindow)
}

func (c *reviewCommand) run(logger *slog.Logger, stdout, stderr io.Writer) int {
	fail := func(code int, format string, args ...any) int {
		fmt.Fprintf(stderr, "slokeeper review: "+format+"\n", args...)
		return code
	}
	switch {
	case c.write && c.reviewer == "":
		return fail(2, "--write needs --reviewer: the review record names who decided")
	case c.write && c.demo:
		return fail(2, "--write edits spec files, and --demo reviews temporary copies of the examples: drop one")
	case c.demo && (c.configFile != "" || len(c.specFiles) > 0 || c.storagePath != ""):
		return fail(2, "--demo reviews the examples over demo history: it takes no --config.file, --spec.files or --storage.path")
	case !c.demo && c.configFile == "" && len(c.specFiles) == 0:
		return fail(2, "nothing to review: pass --config.file, --spec.files or --demo")
	}
	now := time.Now
	opts := review.Options{Window: time.Duration(c.window), PeakWindow: time.Duration(c.peakWindow), Only: c.only, Now: now}
	var err error
	if c.since != "" {
		if opts.Since, err = time.Parse(time.DateOnly, c.since); err != nil {
			return fail(2, "--since must be a date YYYY-MM-DD, got %q", c.since)
		}
	}
	if c.until != "" {
		if opts.Until, err = parseTime(c.until); err != nil {
			return fail(2, "--until must be a date YYYY-MM-DD or an RFC 3339 time, got %q", c.until)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// The TSDB's and the engine's informational logs are about their internals; a command shows only warnings.
	quiet := slog.New(minLevel{logger.Handler(), slog.LevelWarn})
	opts.Logger = quiet
	files, closeStorage, err := c.open(ctx, &opts, logger, quiet, now)
	if err != nil {
		return fail(1, "%v", err)
	}
	defer func() {
		if err := closeStorage(); err != nil {
			logger.Warn("Closing the storage failed", "err", err)
		}
	}()
	slos, err := spec.Load(files)
	if err != nil {
		printErrors(stderr, err)
		return fail(1, "couldn't load specs")
	}
	opts.SLOs = slos
	if c.showProgress(stderr) {
		p := &progressLine{w: stderr}
		opts.Progress = p.update
		defer p.clear()
	}
	rep, err := review.Review(ctx, opts)
	if err != nil {
		return fail(1, "%v", err)
	}
	if err := c.report(rep, stdout); err != nil {
		return fail(1, "%v", err)
	}
	if !c.write {
		return 0
	}
	edits, skipped := rep.Edits(slos, c.reviewer, rep.Until)
	for _, s := range skipped {
		fmt.Fprintf(stderr, "not written: %s: %s\n", s.ID, s.Reason)
	}
	written, err := review.Apply(files, edits)
	if err != nil {
		return fail(1, "%v", err)
	}
	fmt.Fprintf(stderr, "recorded %d review(s) in %d file(s): %s\n", len(edits), len(written), strings.Join(written, ", "))
	return 0
}

// open finds the spec files and opens what the review reads: the demo's fresh history, or the daemon's
// storage as its config file and the flags describe it, read only (internal/storage).
func (c *reviewCommand) open(ctx context.Context, opts *review.Options, logger, quiet *slog.Logger, now func() time.Time) ([]string, func() error, error) {
	if c.demo {
		return c.openDemo(ctx, opts, logger, quiet, now)
	}
	cfg, err := config.Resolve(c.configFile, c.specFiles, c.storagePath)
	if err != nil {
		return nil, nil, err
	}
	files, err := cfg.SpecFiles()
	if err != nil {
		return nil, nil, fmt.Errorf("couldn't find the spec files: %w", err)
	}
	opts.MinWindow = time.Duration(cfg.Windows.Min)
	opts.SubqueryStep = time.Duration(cfg.Global.EvaluationInterval)
	st, err := storage.OpenReadOnly(storage.ReadOnlyOptions{
		TSDBPath: cfg.Storage.Path, RemoteRead: cfg.RemoteReadConfigs, ExternalLabels: cfg.Global.ExternalLabels, Logger: quiet,
	})
	if err != nil {
		return nil, nil, err
	}
	opts.Queryable = st
	return files, st.Close, nil
}

// openDemo writes the demo fixture (internal/demo) into a temporary directory, which close removes, and opens
// its history read only.
func (c *reviewCommand) openDemo(ctx context.Context, opts *review.Options, logger, quiet *slog.Logger, now func() time.Time) ([]string, func() error, error) {
	began := time.Now()
	dir, err := os.MkdirTemp("", "slokeeper-review-demo-")
	if err != nil {
		return nil, nil, err
	}
	removeDir := func() error { return os.RemoveAll(dir) }
	start := now()
	f, err := demo.WriteFixture(ctx, demo.FixtureOptions{
		SpecDir: filepath.Join(dir, "specs"), DataDir: filepath.Join(dir, "data"),
		Traffic: demo.Options{
			History: time.Duration(c.demoHistory), Resolution: time.Duration(c.demoRes),
			Now: func() time.Time { return start }, Logger: quiet,
		},
	})
	if err != nil {
		_ = removeDir()
		return nil, nil, err
	}
	logger.Info("Wrote the demo history", "history", c.demoHistory, "resolution", c.demoRes, "took", time.Since(began).Round(time.Millisecond))
	st, err := storage.OpenReadOnly(storage.ReadOnlyOptions{TSDBPath: f.DataDir, Logger: quiet})
	if err != nil {
		_ = removeDir()
		return nil, nil, err
	}
	opts.Queryable = st
	if opts.Window > time.Duration(c.demoHistory) {
		opts.Window = time.Duration(c.demoHistory)
	}
	return f.SpecFiles, func() error { return errors.Join(st.Close(), removeDir()) }, nil
}

func (c *reviewCommand) report(rep *review.Report, stdout io.Writer) error {
	var b strings.Builder
	if c.format == "json" {
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := rep.WriteMarkdown(&b); err != nil {
		return err
	}
	if c.output != "" {
		return atomicfile.WriteFile(c.output, []byte(b.String()))
	}
	_, err := io.WriteString(stdout, b.String())
	return err
}

// showProgress: progress goes to stderr when it is a terminal, and nowhere else.
func (c *reviewCommand) showProgress(stderr io.Writer) bool {
	f, ok := stderr.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressLine redraws one line of progress, at most ten times a second.
type progressLine struct {
	w     io.Writer
	last  time.Time
	drawn bool
}

func (p *progressLine) update(pr review.Progress) {
	if time.Since(p.last) < 100*time.Millisecond && pr.Done < pr.Total {
		return
	}
	p.last = time.Now()
	p.drawn = true
	fmt.Fprintf(p.w, "\r\x1b[Kreviewing %s: %s, %d of %d days read (%d%%)", pr.SLO, pr.At.UTC().Format(time.DateOnly), pr.Done, pr.Total, 100*pr.Done/max(pr.Total, 1))
}

func (p *progressLine) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// minLevel drops records below its level.
type minLevel struct {
	slog.Handler
	level slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.level}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.level}
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}
