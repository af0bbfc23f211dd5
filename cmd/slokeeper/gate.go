package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/alecthomas/kingpin/v2"

	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// gateCommand is `slokeeper gate`: asks a running daemon whether a service may ship, for CI pipelines.
type gateCommand struct {
	cmd         *kingpin.CmdClause
	daemon      daemonFlags
	service     string
	changeClass string
	timeout     time.Duration
}

func (c *gateCommand) name() string { return c.cmd.FullCommand() }

func (c *gateCommand) register(a *kingpin.Application) {
	c.cmd = a.Command("gate", "Ask the daemon's deploy gate whether a service may ship: exit 0 to ship, 1 while it is frozen (one line says why), 2 when the gate cannot answer.")
	c.daemon.register(c.cmd)
	c.cmd.Flag("service", "The service to ship.").Required().StringVar(&c.service)
	c.cmd.Flag("change-class", "The class of the change (e.g. security, p0): classes the service's policies exempt go through a freeze.").StringVar(&c.changeClass)
	c.cmd.Flag("timeout", "How long to wait for the answer.").Default("10s").DurationVar(&c.timeout)
}

func (c *gateCommand) run(_ *slog.Logger, stdout, stderr io.Writer) int {
	client, code := c.daemon.connect("gate", stderr, conventions.GatePath(c.service))
	if code != 0 {
		return code
	}
	var query url.Values
	if c.changeClass != "" {
		query = url.Values{"change_class": {c.changeClass}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	req, err := client.request(ctx, http.MethodGet, query, nil)
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper gate: %v\n", err)
		return 2
	}
	resp, err := client.do(req)
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper gate: couldn't ask the gate: %v\n", err)
		return 2
	}
	defer resp.Body.Close()
	var ans v1.Response[v1.GateDecision]
	if !client.decode(resp, &ans, "the gate's", stderr) {
		return 2
	}
	d := ans.Data
	switch {
	case resp.StatusCode == http.StatusOK && d.Allowed && d.Exempt:
		fmt.Fprintf(stdout, "%s may ship this %s change through its freeze (frozen since %s: %s)\n", c.service, c.changeClass, d.Since.UTC().Format(time.RFC3339), d.Reason)
		return 0
	case resp.StatusCode == http.StatusOK && d.Allowed:
		fmt.Fprintf(stdout, "%s may ship (%s: %s)\n", c.service, d.Status, d.Reason)
		return 0
	case resp.StatusCode == http.StatusLocked:
		fmt.Fprintf(stdout, "%s is frozen since %s: %s\n", c.service, d.Since.UTC().Format(time.RFC3339), d.Reason)
		return 1
	case ans.Error != "":
		fmt.Fprintf(stderr, "slokeeper gate: %s\n", ans.Error)
		return 2
	}
	fmt.Fprintf(stderr, "slokeeper gate: unexpected answer %s from %s\n", resp.Status, client.show(resp.Request.URL))
	return 2
}
