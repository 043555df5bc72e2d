#!/bin/bash
# bench.sh: step f of the NetBSD tier.  Every clock reader of
# <sys/timevar.h> (binuptime(), nanotime(), ... and the get*() ones) in
# the rump kernel with our kern_tc.c against the same kernel with
# NetBSD's own, on the same timecounter (the x86 TSC by default;
# BENCH_TC=hostmono reads the host's clock_gettime() instead).  The two
# programs run alternately, ROUNDS times each; the best figure of each
# kernel counts.  Prints a table of ns per call and the ratio ours /
# NetBSD's per reader (goal: at most 1.1), and a line saying how many
# readers meet the goal.  Run by "make bench-netbsd", after the tier is
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
# The readers in the order the program printed them.
readers=$(awk '$1 == "stock" && $4 == "ns/call" { print $2 }' "$out" |
    awk '!seen[$0]++')
awk -v readers="$readers" '
$4 == "ns/call" {
	k = $1 SUBSEP $2
	if (!(k in best) || $3 + 0 < best[k])
		best[k] = $3 + 0
}
END {
	printf "%-15s %10s %10s %7s\n", "reader", "NetBSD ns", "ours ns",
	    "ratio"
	n = split(readers, r, "\n")
	for (i = 1; i <= n; i++) {
		s = best["stock", r[i]]
		v = best["vmt", r[i]]
		if (s <= 0 || v <= 0) {
			printf "%-15s %10s %10s %7s  (no figure)\n", r[i],
			    s, v, "-"
			over++
			continue
		}
		printf "%-15s %10.2f %10.2f %7.3f%s\n", r[i], s, v, v / s,
		    (v / s <= 1.1 ? "" : "  (over the 1.1 goal)")
		if (v / s > 1.1)
			over++
	}
	printf "# %d of %d readers within 1.1x of NetBSD\n", n - over, n
}' "$out"
