package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/user"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/model"

	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// freezeCommand is `slokeeper freeze lift|set`: a manual override of a service's freeze, through the daemon's
// admin API, recorded with who, why and until when.
type freezeCommand struct {
	cmd, lift, set *kingpin.CmdClause
	daemon         daemonFlags
	service        string
	reason         string
	who            string
	duration       model.Duration
	timeout        time.Duration
}

func (c *freezeCommand) register(a *kingpin.Application) {
	c.cmd = a.Command("freeze", "Override a service's feature freeze by hand, through the daemon (started with --web.enable-admin-api); recorded with who, why and expiry.")
	c.lift = c.cmd.Command("lift", "Lift the service's freeze until the override expires, whatever its budgets.")
	c.set = c.cmd.Command("set", "Freeze the service until the override expires, whatever its budgets.")
	for _, sub := range []*kingpin.CmdClause{c.lift, c.set} {
		c.daemon.register(sub)
		sub.Flag("service", "The service.").Required().StringVar(&c.service)
		sub.Flag("reason", "Why, for the audit trail.").Required().StringVar(&c.reason)
		sub.Flag("who", "Who decides, for the audit trail. Default: the user running the command.").StringVar(&c.who)
		sub.Flag("duration", "How long the override lasts.").Default("24h").SetValue(&c.duration)
		sub.Flag("timeout", "How long to wait for the daemon.").Default("10s").DurationVar(&c.timeout)
	}
}

func (c *freezeCommand) names() (lift, set string) { return c.lift.FullCommand(), c.set.FullCommand() }

func (c *freezeCommand) run(action string, _ *slog.Logger, stdout, stderr io.Writer) int {
	who := c.who
	if who == "" {
		who = currentUser()
	}
	client, code := c.daemon.connect("freeze", stderr, conventions.FreezePath(c.service))
	if code != 0 {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	var state v1.ServicePolicy
	req := v1.OverrideRequest{Action: action, Who: who, Reason: c.reason, Duration: c.duration.String()}
	if code := client.call(ctx, http.MethodPost, req, &state, stderr); code != 0 {
		return code
	}
	fmt.Fprintf(stdout, "%s is now %s: %s\n", c.service, state.Status, state.Reason)
	return 0
}

// currentUser is who runs the command, the default for the audit trail's who.
func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}
