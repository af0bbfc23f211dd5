// Package v1 is the typed contract of slokeeper's HTTP API under /api/v1: the envelope every answer comes in
// (the shape of Prometheus' HTTP API) and the bodies that clients read and send: every SLO's status in the latest
// budget snapshot, the deploy gate's decision, a service's standing under its error budget policy, the daemon's status, ad hoc exclusions and the requests of
// the admin endpoints.
//
// The daemon's server (internal/web, internal/app) encodes these types and its clients (`slokeeper gate`,
// `freeze`, `exclude`, a CI pipeline in Go) decode them, so the two cannot drift; the records the daemon persists
// (the policy state, the exclusions) are these types too, which makes a change of either a visible change of the
// API. The routes are in pkg/conventions. A JSON golden file per endpoint (internal/web's tests) pins the wire
// form.
//
// The package holds data and the few predicates that read only it. It must not know how a decision is made
// (internal/policy), how budgets are computed (internal/budget) or how answers are served (internal/web).
package v1
