#! /usr/bin/env atf-sh
#
# vmtsim(1): the outputs are deterministic, complete and well formed,
# bad input is refused before anything runs, and the vmt policy meets
# its targets on the bundled traces (metrics only, never wall time; the
# year-long replay is "make bench", a shortened one is tested here).

VMTSIM=@BINDIR@/vmtsim
TRACES=@SRCDIR@/tools/vmtsim/traces

METRICS="sync_time_s rms_offset_s max_abs_offset_s mean_offset_s steps
backward_steps max_backward_s slews max_slew_ppm freq_error_ppm_rms
resume_recovery_s adjustments_while_disabled rpc_errors cpt_retries
backdoor_calls"

# json_check file: a small JSON validator (the grammar, not just the
# look of it), so that no python or jq is needed.
json_check()
{
	awk '
	function fail(m) { print "invalid JSON: " m " near: " substr(s, 1, 40); exit 1 }
	function ws() { sub(/^[ \t\r\n]+/, "", s) }
	function value(  c) {
		ws(); c = substr(s, 1, 1)
		if (c == "{") return object()
		if (c == "[") return array()
		if (c == "\"") return string()
		if (match(s, /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/)) {
			s = substr(s, RLENGTH + 1); return
		}
		if (match(s, /^(true|false|null)/)) { s = substr(s, RLENGTH + 1); return }
		fail("bad value")
	}
	function string() {
		if (!match(s, /^"([^"\\\001-\037]|\\["\\\/bfnrt]|\\u[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F])*"/))
			fail("bad string")
		s = substr(s, RLENGTH + 1)
	}
	function object() {
		s = substr(s, 2); ws()
		if (substr(s, 1, 1) == "}") { s = substr(s, 2); return }
		for (;;) {
			ws(); string(); ws()
			if (substr(s, 1, 1) != ":") fail("expected :")
			s = substr(s, 2); value(); ws()
			if (substr(s, 1, 1) == ",") { s = substr(s, 2); continue }
			if (substr(s, 1, 1) == "}") { s = substr(s, 2); return }
			fail("expected , or }")
		}
	}
	function array() {
		s = substr(s, 2); ws()
		if (substr(s, 1, 1) == "]") { s = substr(s, 2); return }
		for (;;) {
			value(); ws()
			if (substr(s, 1, 1) == ",") { s = substr(s, 2); continue }
			if (substr(s, 1, 1) == "]") { s = substr(s, 2); return }
			fail("expected , or ]")
		}
	}
	{ s = s $0 "\n" }
	END { value(); ws(); if (s != "") fail("trailing text"); exit 0 }
	' "$1"
}

# jget file policy key: a metric from vmtsim --json output (one
# "key": value per line, policies in their own objects).
jget()
{
	awk -v p="\"$2\":" -v k="\"$3\":" '
	$1 == p { in_p = 1; next }
	in_p && $1 == k { v = $2; sub(/,$/, "", v); print v; found = 1; exit }
	in_p && $1 ~ /^}/ { exit }
	END { if (!found) exit 1 }' "$1" || atf_fail "no $3 for $2 in $1"
}

# check what op bound: what (e.g. "vmt rms_offset_s") holds.
check()
{
	v=$(jget out.json $1 $2)
	if ! awk -v v="$v" -v b="$4" "BEGIN { exit !(v + 0 $3 b + 0) }"; then
		atf_fail "$1 $2 = $v, want $3 $4"
	fi
	echo "ok: $1 $2 = $v $3 $4"
}

run_json()
{
	atf_check -s exit:0 -o save:out.json -e ignore $VMTSIM --json "$@"
	json_check out.json || atf_fail "invalid JSON"
}

atf_test_case determinism
determinism_head()
{
	atf_set descr "Same trace and seed: identical table, series and JSON"
}
determinism_body()
{
	for i in 1 2; do
		atf_check -s exit:0 -o save:table$i -e empty $VMTSIM -s 7 \
		    -o series$i.tsv $TRACES/suspend.trace
		atf_check -s exit:0 -o save:json$i -e empty $VMTSIM -s 7 \
		    --json $TRACES/suspend.trace
		grep -v '"wall_s":' json$i > nowall$i
	done
	atf_check cmp table1 table2
	atf_check cmp series1.tsv series2.tsv
	atf_check cmp nowall1 nowall2
	# The seed matters: another one gives another series.
	atf_check -s exit:0 -o ignore -e empty $VMTSIM -s 8 -o series3.tsv \
	    $TRACES/suspend.trace
	atf_check -s exit:1 cmp -s series1.tsv series3.tsv
}

atf_test_case json
json_head()
{
	atf_set descr "JSON is valid and has every key, for one or more traces"
}
json_body()
{
	run_json $TRACES/host-step.trace
	for k in trace seed limit_s simulated_s wall_s policies; do
		atf_check -o match:"^  \"$k\": " cat out.json
	done
	for p in vmt netbsd ovt none; do
		for k in $METRICS; do
			jget out.json $p $k >/dev/null
		done
		n=$(awk -v p="\"$p\":" '$1 == p { i = 1; next }
		    i && /^ *}/ { exit } i { n++ } END { print n }' out.json)
		[ "$n" -eq 15 ] || atf_fail "$p has $n keys, want 15"
	done
	atf_check -o inline:"\"host-step.trace\",\n" \
	    awk '$1 == "\"trace\":" { print $2 }' out.json

	run_json -p vmt,none $TRACES/host-step.trace $TRACES/vmotion.trace
	atf_check -o match:'^\[' head -1 out.json
	atf_check -o inline:"2\n" grep -c '"trace":' out.json
	# Not a number: JSON has no NaN or infinity.
	atf_check -s exit:1 grep -Ei 'nan|inf' out.json
}

atf_test_case bad_trace
bad_trace_head()
{
	atf_set descr "A bad trace is refused with file:line before anything runs"
}
bad_trace_body()
{
	printf '# vmtsim trace v1\nkind scenario\nduration_s 60\n\nat 10 bogus 1\n' \
	    > bad.trace
	atf_check -s exit:1 -o empty \
	    -e inline:"vmtsim: bad.trace:5: unknown event 'bogus'\n" \
	    $VMTSIM bad.trace
	# A good trace first: still nothing is run or printed.
	atf_check -s exit:1 -o empty -e match:'^vmtsim: bad.trace:5: ' \
	    $VMTSIM --json $TRACES/host-step.trace bad.trace
	atf_check -s exit:1 -o empty -e match:'^vmtsim: missing.trace' \
	    $VMTSIM missing.trace
}

atf_test_case usage
usage_head()
{
	atf_set descr "Bad command lines exit 2 with a message"
}
usage_body()
{
	atf_check -s exit:2 -e match:'no trace given' $VMTSIM
	atf_check -s exit:2 -e match:'unknown policy: chrony' \
	    $VMTSIM -p vmt,chrony $TRACES/steady.trace
	atf_check -s exit:2 -e match:'policy given twice' \
	    $VMTSIM -p vmt,vmt $TRACES/steady.trace
	atf_check -s exit:2 -e match:'bad limit' \
	    $VMTSIM --limit -1 $TRACES/steady.trace
	atf_check -s exit:2 -e match:'single trace' \
	    $VMTSIM -o x.tsv $TRACES/steady.trace $TRACES/suspend.trace
}

atf_test_case tsv
tsv_head()
{
	atf_set descr "The series has its header and one row per second"
}
tsv_body()
{
	atf_check -s exit:0 -o ignore -e empty $VMTSIM -p vmt,netbsd \
	    -o s.tsv $TRACES/vmotion.trace
	printf 't_s\toffset_s.vmt\toffset_s.netbsd\tfreq_ppb.vmt\tfreq_ppb.netbsd\tevents\n' \
	    > want
	atf_check -o file:want head -1 s.tsv
	atf_check -o inline:"7201\n" awk 'END { print NR }' s.tsv
	atf_check -o empty awk -F '\t' 'NR > 1 && (NF != 6 || $1 != NR - 1 ||
	    $2 !~ /^-?[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]$/ ||
	    $4 !~ /^-?[0-9]+$/) { print }' s.tsv
	# The stun at 1800 s for 0.4 s: frozen, then thawed, once.
	atf_check -o inline:"1801\n" awk -F '\t' '$6 ~ /freeze/ { print $1 }' s.tsv
	atf_check -o inline:"1801\n" awk -F '\t' '$6 ~ /thaw/ { print $1 }' s.tsv
}

atf_test_case plot
plot_head()
{
	atf_set descr "--plot writes an SVG and a PNG"
}
plot_body()
{
	command -v gnuplot >/dev/null 2>&1 || atf_skip "gnuplot not installed"
	atf_check -s exit:0 -o ignore -e empty $VMTSIM -p vmt,netbsd \
	    --plot out.svg $TRACES/host-step.trace
	atf_check -o match:'<svg' cat out.svg
	atf_check -s exit:0 -o ignore -e empty $VMTSIM -p vmt \
	    -o s.tsv --plot out.png $TRACES/host-step.trace
	atf_check -o match:'PNG' head -c 4 out.png
	atf_check -s exit:2 -o ignore -e match:'svg or .png' $VMTSIM -p vmt \
	    --plot out.pdf $TRACES/host-step.trace
}

atf_test_case steady
steady_head()
{
	atf_set descr "steady: vmt syncs in 600 s to RMS 20 us, 1/50 of today's"
}
steady_body()
{
	run_json -p vmt,netbsd,ovt $TRACES/steady.trace
	check vmt sync_time_s '<=' 600
	check vmt rms_offset_s '<=' 20e-6
	check vmt backward_steps '==' 0
	for p in netbsd ovt; do
		b=$(jget out.json $p rms_offset_s)
		check vmt rms_offset_s '<=' "$(awk -v b=$b 'BEGIN { print b / 50 }')"
	done
	# From the sync deadline on (600 s), as chrony's clknetsim.
	check vmt max_abs_offset_s '<=' 100e-6
}

atf_test_case suspend
suspend_head()
{
	atf_set descr "suspend: vmt recovers within 2 s, no step back, no error"
}
suspend_body()
{
	for t in suspend cpt-suspend; do
		run_json -p vmt,netbsd $TRACES/$t.trace
		check vmt resume_recovery_s '<=' 2
		check vmt backward_steps '==' 0
		check vmt rpc_errors '==' 0
	done
	# The checkpoint cut: ours retries, today's driver logs and resets.
	check vmt cpt_retries '>=' 1
	check netbsd rpc_errors '>' 0
}

atf_test_case host_disabled
host_disabled_head()
{
	atf_set descr "host-disabled: vmt leaves the clock alone, netbsd does not"
}
host_disabled_body()
{
	run_json -p vmt,netbsd $TRACES/host-disabled.trace
	check vmt adjustments_while_disabled '==' 0
	check netbsd adjustments_while_disabled '>' 0
}

atf_test_case guest_ahead
guest_ahead_head()
{
	atf_set descr "guest-ahead: vmt slews back 5 s in 1120 s, never steps back"
}
guest_ahead_body()
{
	run_json -p vmt $TRACES/guest-ahead.trace
	check vmt backward_steps '==' 0
	check vmt sync_time_s '<=' 1120
}

atf_test_case host_step
host_step_head()
{
	atf_set descr "host-step: vmt follows +-0.3 s host steps by slewing"
}
host_step_body()
{
	run_json -p vmt $TRACES/host-step.trace
	check vmt steps '==' 0
	check vmt resume_recovery_s '<=' 180
}

atf_test_case thermal
thermal_head()
{
	atf_set descr "thermal: vmt tracks a daily 2 ppm cycle to RMS 50 us"
}
thermal_body()
{
	run_json -p vmt $TRACES/thermal.trace
	check vmt rms_offset_s '<=' 50e-6
	check vmt max_abs_offset_s '<=' 300e-6
}

atf_test_case vmotion
vmotion_head()
{
	atf_set descr "vmotion: vmt recovers from a stun and a new rate in 120 s"
}
vmotion_body()
{
	run_json -p vmt $TRACES/vmotion.trace
	check vmt resume_recovery_s '<=' 120
	check vmt backward_steps '==' 0
}

atf_test_case year_short
year_short_head()
{
	atf_set descr "15 days of year.trace's events: vmt stays within 20 us RMS"
}
year_short_body()
{
	atf_check -s exit:0 -o empty -e empty $VMTSIM gen -s 1 -d 1296000 \
	    --ppm 100 --wander 1e-9 --jitter-us 5 --suspend-every-s 302400 \
	    --suspend-s 3600 --host-step-every-s 432000 --host-step-s 0.2 \
	    -o short.trace
	run_json -p vmt short.trace
	check vmt rms_offset_s '<=' 20e-6
	check vmt backward_steps '==' 0
	check vmt resume_recovery_s '<=' 180
	check vmt rpc_errors '==' 0
}

atf_init_test_cases()
{
	atf_add_test_case determinism
	atf_add_test_case json
	atf_add_test_case bad_trace
	atf_add_test_case usage
	atf_add_test_case tsv
	atf_add_test_case plot
	atf_add_test_case steady
	atf_add_test_case suspend
	atf_add_test_case host_disabled
	atf_add_test_case guest_ahead
	atf_add_test_case host_step
	atf_add_test_case thermal
	atf_add_test_case vmotion
	atf_add_test_case year_short
}
