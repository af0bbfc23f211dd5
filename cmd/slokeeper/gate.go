package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alecthomas/kingpin/v2"
)

// gateCommand is `slokeeper gate`: asks a running daemon whether a service may ship, for CI pipelines.
type gateCommand struct {
	cmd         *kingpin.CmdClause
	url         string
	service     string
	changeClass string
	timeout     time.Duration
}

func (c *gateCommand) name() string { return c.cmd.FullCommand() }

func (c *gateCommand) register(a *kingpin.Application) {
	c.cmd = a.Command("gate", "Ask the daemon's deploy gate whether a service may ship: exit 0 to ship, 1 while it is frozen (one line says why), 2 when the gate cannot answer.")
	c.cmd.Flag("url", "Base URL of the slokeeper daemon.").Default("http://localhost:9099").StringVar(&c.url)
	c.cmd.Flag("service", "The service to ship.").Required().StringVar(&c.service)
	c.cmd.Flag("change-class", "The class of the change (e.g. security, p0): classes the service's policies exempt go through a freeze.").StringVar(&c.changeClass)
	c.cmd.Flag("timeout", "How long to wait for the answer.").Default("10s").DurationVar(&c.timeout)
}

// gateAnswer is the part of the gate's response the command prints.
type gateAnswer struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Data   struct {
		Allowed bool      `json:"allowed"`
		Status  string    `json:"status"`
		Since   time.Time `json:"since"`
		Reason  string    `json:"reason"`
		Exempt  bool      `json:"exempt"`
	} `json:"data"`
}

func (c *gateCommand) run(_ *slog.Logger, stdout, stderr io.Writer) int {
	target, code := daemonURL(c.url, stderr, "gate", "api", "v1", "gate", c.service)
	if code != 0 {
		return code
	}
	u, _ := url.Parse(target)
	if c.changeClass != "" {
		u.RawQuery = url.Values{"change_class": {c.changeClass}}.Encode()
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper gate: %v\n", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper gate: couldn't ask the gate: %v\n", err)
		return 2
	}
	defer resp.Body.Close()
	var ans gateAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&ans); err != nil {
		fmt.Fprintf(stderr, "slokeeper gate: %s answered %s with a body that is not the gate's: %v\n", u, resp.Status, err)
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
	fmt.Fprintf(stderr, "slokeeper gate: unexpected answer %s from %s\n", resp.Status, u)
	return 2
}

// daemonURL joins path onto the daemon's base URL; a bad base prints an error for command and returns exit code 2.
func daemonURL(base string, stderr io.Writer, command string, path ...string) (string, int) {
	u, err := url.Parse(strings.TrimSuffix(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(stderr, "slokeeper %s: --url must be an http(s) URL such as http://slokeeper:9099, got %q\n", command, base)
		return "", 2
	}
	return u.JoinPath(path...).String(), 0
}
