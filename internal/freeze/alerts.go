package freeze

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/notifier"

	"github.com/slokeeper/slokeeper/internal/catalog"
	"github.com/slokeeper/slokeeper/internal/policy"
	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// The policy's alerts.
//
// The freeze state lives in the daemon, not in Prometheus, so the daemon raises its alerts itself, through the
// same notifier (and so the same alert_relabel_configs, external labels and Alertmanagers) as the rules' alerts:
// ServiceFeatureFreeze per frozen service and SLOBudgetExhausted per SLO behind a freeze, and SLOBudgetLow per SLO
// behind a warning. All three are of the ticket tier: a spent budget is a decision for release management and the
// owner's queue, not something to wake the on-call for (the burn that spent it paged already); the escalation
// config can route the freeze to the pager (freeze.page). Like the rules manager, it re-sends firing alerts every
// minute with an end four minutes ahead, and sends a resolved alert once when one stops firing.

const (
	alertResend = time.Minute
	alertExpiry = 4 * alertResend
)

// alerter tracks which policy alerts fire and when each was last sent.
type alerter struct {
	send        func(...*notifier.Alert)
	externalURL *url.URL
	firing      map[uint64]*notifier.Alert
	sent        map[uint64]time.Time
}

func newAlerter(send func(...*notifier.Alert), externalURL *url.URL) *alerter {
	return &alerter{send: send, externalURL: externalURL, firing: map[uint64]*notifier.Alert{}, sent: map[uint64]time.Time{}}
}

// alertsOf returns the policy's firing alerts for st at now, by label hash.
func (p *alerter) alertsOf(st policy.State, cat *catalog.Catalog) map[uint64]*notifier.Alert {
	out := map[uint64]*notifier.Alert{}
	add := func(a *notifier.Alert) { out[a.Labels.Hash()] = a }
	for _, svc := range st.Services {
		var layer slo.Layer
		if s, ok := cat.Service(svc.Service); ok {
			layer = s.Layer
		}
		gate := strings.TrimSuffix(p.externalURL.String(), "/") + c.GatePath(svc.Service)
		base := func(name, tier, severity string, l slo.Layer) labels.Labels {
			return labels.FromStrings(labels.AlertName, name, c.LabelService, svc.Service, c.LabelOwner, svc.Owner,
				c.LabelLayer, string(l), c.LabelSeverity, severity, c.LabelTier, tier)
		}
		switch svc.Status {
		case policy.StatusFrozen:
			add(&notifier.Alert{
				Labels: base(c.AlertFeatureFreeze, string(slo.TierTicket), c.DefaultTicketSeverity, layer),
				Annotations: labels.FromStrings(
					c.AnnotationSummary, fmt.Sprintf("%s is in a feature freeze: its error budget is spent.", svc.Service),
					c.AnnotationDescription, fmt.Sprintf("%s has been frozen since %s: %s. Only changes of an exempt class may ship until the budget recovers.", svc.Service, svc.Since.UTC().Format(time.RFC3339), svc.Reason),
					c.AnnotationGateURL, gate),
				StartsAt: svc.Since, GeneratorURL: gate,
			})
			for _, t := range svc.Triggers {
				add(p.sloAlert(svc, t, c.AlertBudgetExhausted, slo.TierTicket, c.DefaultTicketSeverity, cat, gate,
					fmt.Sprintf("%s/%s has spent its error budget.", svc.Service, t.SLO),
					fmt.Sprintf("%.1f%% of the error budget of %s/%s is left (the policy freezes at %.1f%%): %s is frozen.", 100*t.Remaining, svc.Service, t.SLO, 100*t.Threshold, svc.Service)))
			}
		case policy.StatusWarning:
			for _, t := range svc.Triggers {
				add(p.sloAlert(svc, t, c.AlertBudgetLow, slo.TierTicket, c.DefaultTicketSeverity, cat, gate,
					fmt.Sprintf("%s/%s is running low on error budget.", svc.Service, t.SLO),
					fmt.Sprintf("%.1f%% of the error budget of %s/%s is left (warning at %.1f%%); at the freeze threshold %s stops shipping features.", 100*t.Remaining, svc.Service, t.SLO, 100*t.Threshold, svc.Service)))
			}
		}
	}
	return out
}

func (p *alerter) sloAlert(svc *policy.Service, t policy.Trigger, name string, tier slo.Tier, severity string, cat *catalog.Catalog, gate, summary, description string) *notifier.Alert {
	lb := labels.NewBuilder(labels.FromStrings(labels.AlertName, name, c.LabelService, svc.Service, c.LabelSLO, t.SLO,
		c.LabelOwner, svc.Owner, c.LabelLayer, string(t.Layer), c.LabelSeverity, severity, c.LabelTier, string(tier)))
	ann := labels.NewBuilder(labels.FromStrings(c.AnnotationSummary, summary, c.AnnotationDescription, description, c.AnnotationGateURL, gate))
	if s, ok := cat.Lookup(svc.Service, t.SLO); ok && s.RunbookURL != "" {
		ann.Set(c.AnnotationRunbookURL, s.RunbookURL)
	}
	return &notifier.Alert{Labels: lb.Labels(), Annotations: ann.Labels(), StartsAt: svc.Since, GeneratorURL: gate}
}

// update sends what changed at now: new and due firing alerts, and resolutions.
func (p *alerter) update(st policy.State, cat *catalog.Catalog, now time.Time) {
	next := p.alertsOf(st, cat)
	var batch []*notifier.Alert
	for h, a := range p.firing {
		if _, ok := next[h]; !ok {
			a.EndsAt = now
			batch = append(batch, a)
			delete(p.sent, h)
		}
	}
	for h, a := range next {
		if last, ok := p.sent[h]; ok && now.Sub(last) < alertResend {
			continue
		}
		a.EndsAt = now.Add(alertExpiry)
		batch = append(batch, a)
		p.sent[h] = now
	}
	p.firing = next
	if len(batch) > 0 {
		p.send(batch...)
	}
}
