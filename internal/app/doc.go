// Package app wires `slokeeper run`. New reads as the wiring diagram: the config and the specs are loaded
// (load.go) into one set; the components are made in order (wiring.go), each from the config and those made before
// it: the listener, the storage (internal/storage), Prometheus' notifier and its discovery, the error budget policy
// (internal/freeze), the ruler (internal/evaluator), the SLI probe (internal/sliprobe); the reload coordinator
// (internal/reload) hands each loaded set to them in order; internal/web serves them. Run runs them as the actors of
// one github.com/oklog/run group, as Prometheus and Alertmanager do, and the snapshot loop (snapshot.go) computes a
// budget snapshot (internal/budget) after every cycle and hands it to /metrics (internal/exporter), the review clocks
// and the policy. With --demo, internal/demo writes its fixture (the example specs and their history) before the
// storage opens, and its live traffic runs into the storage.
//
// The package owns the wiring and the set the daemon runs; what each component does is the component's. It must
// not hold a component's state or decisions (the policy's, the rules', the storage's): the components do not know
// App, and are handed functions and sets, never a pointer back. The command only parses flags and signals: App is
// driven through Options, New, Run(ctx), Reload and Addr, so that tests run the whole daemon in-process on
// 127.0.0.1:0 without OS signals.
package app
