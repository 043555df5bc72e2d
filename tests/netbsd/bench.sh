#!/bin/bash
# bench.sh: step f of the NetBSD tier.  nanotime(), binuptime() (and
# getnanotime()) in the rump kernel with our kern_tc.c against the same
# kernel with NetBSD's own, on the same timecounter (the x86 TSC by
# default; BENCH_TC=hostmono reads the host's clock_gettime() instead).
# The two programs run alternately, ROUNDS times each; the best figure
# of each kernel counts.  Prints the ratio ours / NetBSD's per reader
# (goal: at most 1.1).  Run by "make bench-netbsd", after the tier is
# built.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$REPO/build/netbsd/bin
ROUNDS=${ROUNDS:-5}
TC=${BENCH_TC:-tsc}
CALLS=${CALLS:-2000000}

for fl in stock vmt; do
	[ -x "$BIN/bench-$fl" ] || {
		echo "bench.sh: $BIN/bench-$fl is missing: the $fl rump kernel" \
		    "or its test programs did not build (see make test's" \
		    "netbsd: lines and build/netbsd/status)" >&2
		exit 1
	}
done

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for r in $(seq "$ROUNDS"); do
	for fl in stock vmt; do
		"$BIN/bench-$fl" -t "$TC" -n "$CALLS" -r 5 |
		    sed "s/^/$fl /" >> "$out" || exit 1
	done
done
grep ' timecounter ' "$out" | sort -u | sed 's/^/# /'
echo "# $ROUNDS runs of each kernel, alternating; best of 5 x $CALLS calls each"
printf '%-12s %12s %12s %8s\n' reader "NetBSD ns" "ours ns" ratio
for rd in nanotime binuptime getnanotime; do
	s=$(awk -v r=$rd '$1 == "stock" && $2 == r { print $3 }' "$out" |
	    sort -g | head -n 1)
	v=$(awk -v r=$rd '$1 == "vmt" && $2 == r { print $3 }' "$out" |
	    sort -g | head -n 1)
	awk -v r=$rd -v s="$s" -v v="$v" 'BEGIN {
		printf "%-12s %12.2f %12.2f %8.3f%s\n", r, s, v, v / s,
		    (v / s <= 1.1 ? "" : "  (over the 1.1 goal)")
	}'
done
