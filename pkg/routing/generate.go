package routing

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// Alerts are the names of every alert slokeeper raises; the subtree
// matches them.
var Alerts = []string{c.AlertBurn, c.AlertBudgetLow, c.AlertBudgetExhausted, c.AlertFeatureFreeze, c.AlertReviewOverdue}

// FreezeAlerts are the alerts of the freeze class: they reach
// freeze.notify besides the owning team.
var FreezeAlerts = []string{c.AlertFeatureFreeze, c.AlertBudgetExhausted}

// Fragment is the Alertmanager configuration slokeeper's alerts need: a
// routing subtree, the receivers it names and inhibit rules.
type Fragment struct {
	// Route is the subtree; it goes first among the top route's routes.
	Route *Route
	// Receivers are the names of every receiver Route uses, sorted.
	Receivers []string
	// InhibitRules keep a firing page or freeze from also raising tickets.
	InhibitRules []InhibitRule
	// DefaultReceiver is the escalation config's default_receiver: the top
	// route's receiver in RenderComplete.
	DefaultReceiver string
}

// Route is one node of the routing tree, with the fields slokeeper sets.
type Route struct {
	// Comment is written above the route in the rendered YAML.
	Comment        string
	Receiver       string
	Matchers       labels.Matchers
	Continue       bool
	GroupBy        []string
	GroupWait      model.Duration
	GroupInterval  model.Duration
	RepeatInterval model.Duration
	Routes         []*Route
}

// InhibitRule mutes alerts matching TargetMatchers while an alert matching
// SourceMatchers fires with the same values of the Equal labels.
type InhibitRule struct {
	// Comment is written above the rule in the rendered YAML.
	Comment        string
	SourceMatchers labels.Matchers
	TargetMatchers labels.Matchers
	Equal          []string
}

// Generate builds the Alertmanager configuration of an escalation config.
// It is pure: rendering and validation are RenderFragment's and
// RenderComplete's.
func Generate(cfg Config) (*Fragment, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid escalation config: %w", err)
	}
	cfg = cfg.withDefaults()

	top := &Route{
		Comment: "slokeeper's SLO alerts: " + strings.Join(Alerts, ", ") + ".\n" +
			"Keep this route before any other route that could catch them.",
		Receiver:       cfg.DefaultReceiver,
		Matchers:       labels.Matchers{oneOf(model.AlertNameLabel, Alerts...)},
		GroupBy:        cfg.GroupBy,
		GroupWait:      cfg.GroupWait,
		GroupInterval:  cfg.GroupInterval,
		RepeatInterval: cfg.RepeatInterval,
	}

	for _, r := range cfg.Freeze.Notify {
		top.Routes = append(top.Routes, &Route{
			Comment:  "A service froze: tell " + r + ", then route on to the owning team.",
			Receiver: r,
			Matchers: labels.Matchers{oneOf(model.AlertNameLabel, FreezeAlerts...)},
			Continue: true,
		})
	}

	for _, layer := range slo.Layers {
		for _, r := range cfg.Layers[layer].AlsoNotify {
			top.Routes = append(top.Routes, &Route{
				Comment:  fmt.Sprintf("Pages of %s-layer SLOs also notify %s, then route on to the owning team.", layer, r),
				Receiver: r,
				Matchers: labels.Matchers{equal(c.LabelLayer, string(layer)), equal(c.LabelTier, c.TierPage)},
				Continue: true,
			})
		}
	}

	for _, name := range slices.Sorted(maps.Keys(cfg.Teams)) {
		team := cfg.Teams[name]
		comment := fmt.Sprintf("Team %s: pages to %s, tickets to %s", name, team.Pager, team.Tickets)
		if team.Tickets == "" {
			comment = fmt.Sprintf("Team %s: pages and tickets to %s", name, team.Pager)
		}
		comment += fmt.Sprintf(", freezes to %s.", cfg.freezeReceiver(team))
		top.Routes = append(top.Routes, &Route{
			Comment:  comment,
			Receiver: team.Pager,
			Matchers: labels.Matchers{equal(c.LabelOwner, name)},
			Routes: []*Route{
				{Receiver: cfg.freezeReceiver(team), Matchers: labels.Matchers{oneOf(model.AlertNameLabel, FreezeAlerts...)}},
				{Receiver: team.Pager, Matchers: labels.Matchers{equal(c.LabelTier, c.TierPage)}},
				{Receiver: team.TicketReceiver(), Matchers: labels.Matchers{equal(c.LabelTier, c.TierTicket)}},
			},
		})
	}

	top.Routes = append(top.Routes, &Route{
		Comment: "Owners without a team entry. An explicit last route: once a continue route\n" +
			"matched, Alertmanager no longer falls back to the receiver of the route above.",
		Receiver: cfg.DefaultReceiver,
	})

	return &Fragment{
		Route:           top,
		Receivers:       receivers(top),
		InhibitRules:    inhibitRules(),
		DefaultReceiver: cfg.DefaultReceiver,
	}, nil
}

// freezeReceiver is where a team's freeze alerts go after freeze.notify:
// its pager with freeze.page, else its tickets receiver, else the default
// receiver. They are tickets; the pager gets them only when asked to.
func (cfg Config) freezeReceiver(team Team) string {
	switch {
	case cfg.Freeze.Page:
		return team.Pager
	case team.Tickets != "":
		return team.Tickets
	default:
		return cfg.DefaultReceiver
	}
}

// inhibitRules are the same for every escalation config.
func inhibitRules() []InhibitRule {
	return []InhibitRule{
		{
			Comment: "A firing page makes the ticket of the same SLO redundant.",
			SourceMatchers: labels.Matchers{
				equal(model.AlertNameLabel, c.AlertBurn),
				equal(c.LabelTier, c.TierPage),
			},
			TargetMatchers: labels.Matchers{
				oneOf(model.AlertNameLabel, c.AlertBurn, c.AlertBudgetLow, c.AlertReviewOverdue),
				equal(c.LabelTier, c.TierTicket),
			},
			Equal: []string{c.LabelService, c.LabelSLO},
		},
		{
			Comment: "A frozen service needs no more budget tickets until it thaws.",
			SourceMatchers: labels.Matchers{
				equal(model.AlertNameLabel, c.AlertFeatureFreeze),
			},
			TargetMatchers: labels.Matchers{
				oneOf(model.AlertNameLabel, c.AlertBudgetLow, c.AlertBurn),
				equal(c.LabelTier, c.TierTicket),
			},
			Equal: []string{c.LabelService},
		},
	}
}

// receivers lists the receivers of a tree, sorted and unique.
func receivers(r *Route) []string {
	seen := map[string]bool{}
	var walk func(*Route)
	walk = func(r *Route) {
		if r.Receiver != "" {
			seen[r.Receiver] = true
		}
		for _, child := range r.Routes {
			walk(child)
		}
	}
	walk(r)
	return slices.Sorted(maps.Keys(seen))
}

// equal returns the matcher name="value".
func equal[N ~string](name N, value string) *labels.Matcher {
	return mustMatcher(labels.MatchEqual, string(name), value)
}

// oneOf returns the matcher name=~"v1|v2|…" for literal values.
func oneOf[N ~string](name N, values ...string) *labels.Matcher {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = regexp.QuoteMeta(v)
	}
	return mustMatcher(labels.MatchRegexp, string(name), strings.Join(quoted, "|"))
}

func mustMatcher(t labels.MatchType, name, value string) *labels.Matcher {
	m, err := labels.NewMatcher(t, name, value)
	if err != nil {
		panic(fmt.Sprintf("matcher %s%s%q: %v", name, t, value, err)) // literal values always compile
	}
	return m
}
