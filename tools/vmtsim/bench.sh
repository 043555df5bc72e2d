#!/bin/sh
#
# make bench: replay every bundled trace through the oracle and the four
# policies and print, as the headline, each policy's RMS offset as a
# ratio to the oracle's (the floor), then vmt's figures in detail, then
# the wall time of each replay and, for the year trace, the peak
# resident set size of the whole process tree (GNU time's maximum over
# the front end and its guests).  With --readme FILE, the same tables
# replace what lies between the bench markers of FILE (the README's
# results section), so that they are never copied by hand.
#
# usage: bench.sh [--readme FILE] path/to/vmtsim tracedir

set -eu

readme=
if [ "${1:-}" = --readme ]; then
	readme=$2
	shift 2
fi
if [ $# -ne 2 ]; then
	echo "usage: $0 [--readme FILE] vmtsim tracedir" >&2
	exit 2
fi
vmtsim=$1
dir=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmtsim-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

begin='<!-- make bench: begin -->'
end='<!-- make bench: end -->'
if [ -n "$readme" ] && { ! grep -qx -- "$begin" "$readme" ||
    ! grep -qx -- "$end" "$readme"; }; then
	echo "$0: $readme: no '$begin' ... '$end' lines" >&2
	exit 1
fi

timer=
if [ -x /usr/bin/time ]; then
	timer=/usr/bin/time
fi

# The bundled scenarios first, then the traces of one effect each, then
# anything else in the directory.
order=$(echo "steady suspend cpt-suspend host-disabled guest-ahead
    host-step thermal vmotion year noise-read noise-call noise-stall
    host-clock catchup lag" | tr -s ' \n' '  ')
traces=
for t in $order; do
	[ -f "$dir/$t.trace" ] && traces="$traces $dir/$t.trace"
done
for f in "$dir"/*.trace; do
	case " $order " in
	*" $(basename "$f" .trace) "*) ;;
	*) traces="$traces $f" ;;
	esac
done

: > "$tmp/head"
: > "$tmp/detail"
: > "$tmp/wall"
total=0
for trace in $traces; do
	name=$(basename "$trace" .trace)
	printf 'vmtsim bench: %s ...\n' "$name" >&2
	if [ -n "$timer" ]; then
		"$timer" -f '%e %M' -o "$tmp/time" "$vmtsim" --markdown \
		    "$trace" > "$tmp/out"
		read -r wall rss < "$tmp/time"
	else
		start=$(date +%s.%N)
		"$vmtsim" --markdown "$trace" > "$tmp/out"
		wall=$(echo "$(date +%s.%N) - $start" | bc)
		rss=
	fi
	sed -n 1p "$tmp/out" >> "$tmp/head"
	sed -n 2p "$tmp/out" >> "$tmp/detail"
	total=$(echo "$total + $wall" | bc)
	if [ "$name" = year ] && [ -n "$rss" ]; then
		echo "$name $wall s, peak RSS $((rss / 1024)) MB" >> "$tmp/wall"
	else
		echo "$name $wall s" >> "$tmp/wall"
	fi
done

{
	echo "RMS offset of each policy as a multiple of the oracle's, with the RMS"
	echo "itself in parentheses (the oracle's alone):"
	echo
	echo "| trace | simulated | oracle | vmt | netbsd | ovt | none |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	cat "$tmp/head"
	echo
	echo "vmt in detail:"
	echo
	echo "| trace | RMS | worst 10 min | max | synced | recovery (events) | steps (back) | adj. while off |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	cat "$tmp/detail"
} > "$tmp/tables"

cat "$tmp/tables"
echo
echo "Wall time ($(nproc 2>/dev/null || echo '?') CPUs, $(date -u '+%Y-%m-%d')): $total s in all;"
tr '\n' ';' < "$tmp/wall" | sed 's/;$/./; s/;/; /g'
echo

if [ -n "$readme" ]; then
	{
		sed -n "1,/^$begin\$/p" "$readme"
		cat "$tmp/tables"
		echo
		echo "Wall time of the year trace, all five columns:" \
		    "$(grep '^year ' "$tmp/wall" | sed 's/^year //') on" \
		    "$(nproc 2>/dev/null || echo '?') CPUs."
		sed -n "/^$end\$/,\$p" "$readme"
	} > "$tmp/readme"
	cp "$tmp/readme" "$readme"
	echo "bench: wrote the results into $readme" >&2
fi
