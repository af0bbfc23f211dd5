// Package routing turns slokeeper's escalation config (which team is
// paged, who is told about a feature freeze, which layers escalate further)
// into Alertmanager configuration: a routing subtree, receiver stubs and
// inhibit rules.
//
// It exists because the alerts slokeeper raises are only as good as where
// they land, and a hand-written routing tree drifts from the labels the
// generator puts on alerts. Here the routing is derived from the same label
// names (package conventions), checked by Alertmanager's own config package
// and proven with Alertmanager's own route tree (package dispatch) and
// inhibitor, so what the tests assert is what a real Alertmanager does.
//
// The subtree matches slokeeper's alerts by alertname rather than by
// slo_tier: the four alert names are slokeeper's contract, while slo_tier is
// a label other alerting rules might also use. Inside it, in order:
//
//  1. freeze-class alerts (ServiceFeatureFreeze, SLOBudgetExhausted) go to
//     each freeze.notify receiver and continue;
//  2. pages of SLOs of a layer with also_notify go to those receivers and
//     continue;
//  3. each team's alerts (owner label): freeze-class alerts to its tickets
//     receiver (the default receiver when it has none; its pager only with
//     freeze.page), then by tier to its pager (slo_tier="page") or its
//     tickets receiver (slo_tier="ticket", the pager when it has none);
//  4. everything else goes to default_receiver. This is an explicit last
//     route, not the subtree's own receiver: once a continue route matched,
//     Alertmanager no longer falls back to the parent's receiver, so a freeze
//     of an unknown team would otherwise reach release management only.
//
// Generate builds a Fragment; RenderFragment gives YAML to merge into an
// existing alertmanager.yml and RenderComplete a whole alertmanager.yml. Both
// renderings are checked with Alertmanager's config.Load before they are
// returned.
//
// It must not know how alerts are produced or evaluated (pkg/generate, the daemon): it works from the escalation
// config and the label contract of pkg/conventions.
package routing
