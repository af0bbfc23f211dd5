// Package spec reads slokeeper's versioned on-disk SLO format
// (apiVersion slokeeper/v1) strictly: unknown fields are errors, every error
// names the file, line and field path, all errors of all files are reported
// at once, and every PromQL expression is parsed at load time. What passes is
// turned into the model of pkg/slo with all defaults applied.
//
// Everything that could make a generated rule file fail to load, or an SLO
// meaningless, is refused here, so that `slokeeper check`, `generate` and the
// daemon agree on what a valid spec is. Input is bounded: Load reads only
// regular files of at most MaxFileSize bytes (a FIFO or a device is refused
// without being opened), and the strings that become labels, annotations and
// ids have the limits of limits.go.
//
// It also edits spec files in place, for tools that write decisions back
// (slokeeper review --write): Patch and PatchFiles set fields of SLOs,
// addressed by SLO id and field path, by splicing the new values into the
// original text at the positions of their YAML nodes, so that comments and
// formatting stay as written; what an edit makes is loaded by the same checks
// before anything is written. What to change is the caller's decision: this
// package knows the format, not why a field changes.
package spec
