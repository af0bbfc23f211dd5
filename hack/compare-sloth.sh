#!/usr/bin/env bash
# Times `slokeeper generate` against Sloth v0.16.0's `sloth generate` on the
# same SLOs, side by side in one run: N SLOs (99.9 % over 30d, errors over
# total requests) written in both formats by hack/specgen, each tool run
# RUNS times, alternating, into a fresh output directory every time. Prints
# the median wall and CPU (user+sys) time and peak memory of each, and the
# ratios. Sloth is built from the Go module proxy with
# `go install github.com/slok/sloth/cmd/sloth@v0.16.0` (nothing else).
#
#   hack/compare-sloth.sh [FILES PER_FILE [RUNS]]     (default: 100 10 7)
set -euo pipefail

files=${1:-100}
per_file=${2:-10}
runs=${3:-7}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo ">> building slokeeper and Sloth v0.16.0" >&2
(cd "$root" && go build -o "$work/slokeeper" ./cmd/slokeeper && go build -o "$work/specgen" ./hack/specgen)
GOBIN="$work" GOFLAGS= go install github.com/slok/sloth/cmd/sloth@v0.16.0
"$work/specgen" -format slokeeper -files "$files" -per-file "$per_file" "$work/in-slokeeper"
"$work/specgen" -format sloth -files "$files" -per-file "$per_file" "$work/in-sloth"

# measure NAME CMD...: appends "wall cpu maxrss_kib" of one run to $work/times-NAME.
measure() {
	local name=$1
	shift
	/usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
		cat "$work/stderr" >&2
		exit 1
	}
	awk '{printf "%s %.3f %s\n", $1, $2 + $3, $4}' "$work/time" >>"$work/times-$name"
}

echo ">> $((files * per_file)) SLOs in $files file(s), $runs alternating runs each" >&2
for i in $(seq "$runs"); do
	measure slokeeper "$work/slokeeper" generate -o "$work/out-slokeeper-$i" "$work"/in-slokeeper/*.yaml
	mkdir -p "$work/out-sloth-$i"
	measure sloth "$work/sloth" generate --no-log -i "$work/in-sloth" -o "$work/out-sloth-$i"
	rm -rf "$work/out-slokeeper-$i" "$work/out-sloth-$i"
done

# median FILE COLUMN
median() { sort -n -k"$2" "$1" | awk -v c="$2" '{v[NR] = $c} END {print v[int((NR + 1) / 2)]}'; }
printf '%-10s %10s %10s %12s\n' tool wall-s cpu-s peak-MiB
for t in slokeeper sloth; do
	printf "%-10s %10s %10s %12.1f\n" "$t" "$(median "$work/times-$t" 1)" "$(median "$work/times-$t" 2)" "$(awk -v k="$(median "$work/times-$t" 3)" "BEGIN {print k / 1024}")"
done
awk -v sw="$(median "$work/times-slokeeper" 1)" -v sc="$(median "$work/times-slokeeper" 2)" \
	-v tw="$(median "$work/times-sloth" 1)" -v tc="$(median "$work/times-sloth" 2)" \
	'BEGIN {printf "slokeeper/sloth: wall %.3f×, cpu %.3f×\n", sw / tw, sc / tc}'
