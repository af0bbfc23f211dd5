// Package slo is slokeeper's internal model of a service level objective and
// the pure math around it: error budgets, burn factors and the catalog of
// multi-window multi-burn-rate alert windows.
//
// Nothing here does I/O. pkg/spec turns versioned YAML into these types;
// pkg/generate turns them into Prometheus rules. Keeping the model separate
// lets importers (Sloth, Pyrra, OpenSLO) and the daemon share it. It owns the
// model and its math, and must not know any file format, rule syntax or the
// daemon.
package slo
