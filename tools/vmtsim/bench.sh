#!/bin/sh
#
# make bench: replay every bundled trace with all four policies and
# print vmtsim's table for each, with the wall time of the replay; for
# the year trace also the peak resident set size of the whole process
# tree (GNU time's maximum over the front end and its guests).
#
# usage: bench.sh path/to/vmtsim tracedir

set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 vmtsim tracedir" >&2
	exit 2
fi
vmtsim=$1
dir=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmtsim-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

timer=
if [ -x /usr/bin/time ]; then
	timer=/usr/bin/time
fi

echo "vmtsim bench: $(nproc 2>/dev/null || echo '?') CPUs, $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
for trace in "$dir"/*.trace; do
	name=$(basename "$trace")
	echo
	if [ -n "$timer" ]; then
		"$timer" -f '%e %M' -o "$tmp/time" "$vmtsim" "$trace" \
		    > "$tmp/out"
		read -r wall rss < "$tmp/time"
	else
		start=$(date +%s.%N)
		"$vmtsim" "$trace" > "$tmp/out"
		wall=$(echo "$(date +%s.%N) - $start" | bc)
		rss=
	fi
	cat "$tmp/out"
	case $name in
	year.trace)
		if [ -n "$rss" ]; then
			echo "wall ${wall} s, peak RSS $((rss / 1024)) MB"
		else
			echo "wall ${wall} s"
		fi
		;;
	*)
		echo "wall ${wall} s"
		;;
	esac
done
