package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/alecthomas/kingpin/v2"

	"github.com/slokeeper/slokeeper/internal/exclusion"
	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
	"github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// excludeCommand is `slokeeper exclude add|list|withdraw`: ad hoc exclusions of an SLO, through the daemon's
// admin API, recorded with who approved them and why.
type excludeCommand struct {
	cmd, add, list, withdraw *kingpin.CmdClause
	daemon                   daemonFlags
	req                      v1.ExclusionRequest
	id, who, reason          string
	timeout                  time.Duration
}

func (c *excludeCommand) register(a *kingpin.Application) {
	c.cmd = a.Command("exclude", "Exclude a stretch of time from an SLO (its events neither spend nor earn budget), through the daemon (started with --web.enable-admin-api); kept with who approved it and why.")
	c.add = c.cmd.Command("add", "Exclude a stretch of time from an SLO. One that has begun is retroactive: the daemon records the SLO's history again without it.")
	c.add.Flag("service", "The SLO's service.").Required().StringVar(&c.req.Service)
	c.add.Flag("slo", "The SLO's name.").Required().StringVar(&c.req.SLO)
	c.add.Flag("from", "When it starts (RFC 3339, e.g. 2026-12-10T02:00:00Z). Default: now.").StringVar(&c.req.From)
	c.add.Flag("to", "When it ends (RFC 3339).").StringVar(&c.req.To)
	c.add.Flag("duration", "How long it lasts from --from (e.g. 2h), instead of --to; at most 7d.").StringVar(&c.req.Duration)
	c.add.Flag("reason", "Why, for the audit trail (the change or incident, with a link).").Required().StringVar(&c.req.Reason)
	c.add.Flag("approver", "Who approved it, for the audit trail. Default: the user running the command.").StringVar(&c.req.Approver)
	c.list = c.cmd.Command("list", "List the ad hoc exclusions, withdrawn ones included, the newest first.")
	c.withdraw = c.cmd.Command("withdraw", "End an ad hoc exclusion: its events count again (one that has begun is retroactive).")
	c.withdraw.Flag("id", "The exclusion's id (see exclude list).").Required().StringVar(&c.id)
	c.withdraw.Flag("reason", "Why, for the audit trail.").Required().StringVar(&c.reason)
	c.withdraw.Flag("who", "Who withdraws it. Default: the user running the command.").StringVar(&c.who)
	for _, sub := range []*kingpin.CmdClause{c.add, c.list, c.withdraw} {
		c.daemon.register(sub)
		sub.Flag("timeout", "How long to wait for the daemon.").Default("10s").DurationVar(&c.timeout)
	}
}

// names are the full names of the subcommands.
func (c *excludeCommand) names() (add, list, withdraw string) {
	return c.add.FullCommand(), c.list.FullCommand(), c.withdraw.FullCommand()
}

func (c *excludeCommand) run(sub string, stdout, stderr io.Writer) int {
	path := conventions.PathExclusions
	method, body := http.MethodPost, any(nil)
	var ans v1.ExclusionChange
	var data any = &ans
	var list []v1.Exclusion
	switch sub {
	case "add":
		if c.req.Approver == "" {
			c.req.Approver = currentUser()
		}
		body = c.req
	case "withdraw":
		if c.who == "" {
			c.who = currentUser()
		}
		path = conventions.WithdrawPath(c.id)
		body = v1.WithdrawRequest{Who: c.who, Reason: c.reason}
	default:
		method, data = http.MethodGet, &list
	}
	client, code := c.daemon.connect("exclude", stderr, path)
	if code != 0 {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if code := client.call(ctx, method, body, data, stderr); code != 0 {
		return code
	}
	if sub == "list" {
		printExclusions(stdout, list)
		return 0
	}
	printExclusions(stdout, []v1.Exclusion{ans.Exclusion})
	if !ans.Applied {
		fmt.Fprintf(stderr, "slokeeper exclude: %s\n", ans.Warning)
		return 1
	}
	return 0
}

// printExclusions prints a table of exclusions.
func printExclusions(w io.Writer, es []v1.Exclusion) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSLO\tFROM\tTO\tAPPROVER\tREASON\tWITHDRAWN")
	for _, e := range es {
		withdrawn := "-"
		if e.Withdrawn != nil {
			withdrawn = fmt.Sprintf("%s by %s: %s", e.Withdrawn.At.Format(time.RFC3339), e.Withdrawn.Who, e.Withdrawn.Reason)
		}
		fmt.Fprintf(tw, "%s\t%s/%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Service, e.SLO, e.From.Format(time.RFC3339), e.To.Format(time.RFC3339),
			e.Approver, e.Reason, withdrawn)
	}
	_ = tw.Flush()
}

// withAdHocExclusions adds to the SLOs the ad hoc exclusions of the book at path that a daemon applies at now.
// Not its histories: a ruler cannot record the past again.
func withAdHocExclusions(slos []*slo.SLO, path string, now time.Time) error {
	book, err := exclusion.Open(path)
	if err != nil {
		return err
	}
	for _, s := range slos {
		s.Exclusions = book.Merged(s, now)
	}
	return nil
}
