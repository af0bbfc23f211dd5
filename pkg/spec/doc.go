// Package spec reads slokeeper's versioned on-disk SLO format
// (apiVersion slokeeper/v1) strictly: unknown fields are errors, every error
// names the file, line and field path, all errors of all files are reported
// at once, and every PromQL expression is parsed at load time. What passes is
// turned into the model of pkg/slo with all defaults applied.
package spec
