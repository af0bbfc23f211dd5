// Command specgen writes synthetic SLO spec files (internal/specgen) for
// hack/compare-sloth.sh: specgen -format slokeeper|sloth -files N -per-file M DIR.
// It owns only the command line; what the specs hold is internal/specgen's.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/slokeeper/slokeeper/internal/specgen"
)

func main() {
	format := flag.String("format", string(specgen.Slokeeper), "spec format: slokeeper or sloth")
	files := flag.Int("files", 100, "number of spec files")
	perFile := flag.Int("per-file", 10, "SLOs per file")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: specgen [-format slokeeper|sloth] [-files N] [-per-file M] DIR")
		os.Exit(2)
	}
	if _, err := specgen.Write(flag.Arg(0), specgen.Format(*format), specgen.Layout{Files: *files, PerFile: *perFile}); err != nil {
		fmt.Fprintln(os.Stderr, "specgen:", err)
		os.Exit(1)
	}
}
