#! /usr/bin/env atf-sh
#
# vmtrace(8) on the build machine: recordings are well-formed vmtsim(5)
# traces, bad command lines fail with a message, and probe fails
# cleanly where there is no VMware backdoor.

VMTRACE=@BINDIR@/vmtrace
VMTSIM=@BINDIR@/vmtsim

# check_trace file count: the header, then only meta, counter_hz,
# max_time_lag_us and comments before the samples, then only samples
# and comments; integer columns strictly increasing in both.
check_trace()
{
	awk -v want="$2" '
	function fail(msg) { print FILENAME ":" NR ": " msg; bad = 1; exit 1 }
	NR == 1 { if ($0 != "# vmtsim trace v1") fail("bad magic line"); next }
	NR == 2 { if ($0 != "kind recording") fail("bad kind line"); next }
	/^#/ { next }
	$1 == "meta" { if (n > 0) fail("meta after samples"); next }
	$1 == "counter_hz" || $1 == "max_time_lag_us" {
		if (n > 0) fail($1 " after samples")
		if (NF != 2 || $2 !~ /^[0-9]+$/ || $2 == 0) fail("bad " $1)
		next
	}
	$1 == "sample" {
		if (NF != 3 && NF != 4) fail("sample with " NF " fields")
		for (i = 2; i <= NF; i++)
			if ($i !~ /^[0-9]+$/) fail("not an integer: " $i)
		# Compare as strings of equal length: the nanosecond counts
		# exceed what awk doubles hold exactly.
		if (n > 0 && !(gt($2, g) && gt($3, h)))
			fail("samples do not increase")
		g = $2; h = $3; n++
		next
	}
	{ fail("unexpected line: " $0) }
	function gt(a, b) {
		if (length(a) != length(b)) return length(a) > length(b)
		return (a "") > (b "")
	}
	END {
		if (bad) exit 1
		if (want != "" && n != want) {
			print "got " n " samples, want " want; exit 1
		}
		if (n < 1) { print "no samples"; exit 1 }
	}' "$1"
}

atf_test_case record_file
record_file_head()
{
	atf_set "descr" "record -n 5 -i 0.01 -o writes a well-formed trace"
}
record_file_body()
{
	atf_check -s exit:0 -o empty -e ignore \
	    "$VMTRACE" record -n 5 -i 0.01 -o rec.trace
	check_trace rec.trace 5 || atf_fail "rec.trace is not a well-formed recording"
	atf_check -s exit:0 -o ignore -e empty \
	    grep -E '^meta source (backdoor|realtime)' rec.trace
	atf_check -s exit:0 -o ignore -e empty \
	    grep -E '^meta guest_clock CLOCK_MONOTONIC' rec.trace
}

atf_test_case record_stdout
record_stdout_head()
{
	atf_set "descr" "record without -o writes the trace to stdout"
}
record_stdout_body()
{
	atf_check -s exit:0 -o save:rec.trace -e ignore \
	    "$VMTRACE" record -n 3 -i 0.01
	check_trace rec.trace 3 || atf_fail "rec.trace is not a well-formed recording"
}

atf_test_case record_duration
record_duration_head()
{
	atf_set "descr" "record -t stops after the duration and sleeps" \
	    "between samples"
}
record_duration_body()
{
	# 0.3 s at 0.1 s: samples at 0, 0.1, 0.2 and 0.3 s.  A loaded
	# machine may lose the last one to the deadline, never gain any.
	timer=
	[ -x /usr/bin/time ] && timer="/usr/bin/time -f %U+%S -o cpu.txt"
	atf_check -s exit:0 -o save:rec.trace -e ignore \
	    $timer "$VMTRACE" record -t 0.3 -i 0.1
	check_trace rec.trace || atf_fail "rec.trace is not a well-formed recording"
	n=$(grep -c '^sample ' rec.trace)
	[ "$n" -ge 3 ] && [ "$n" -le 4 ] ||
	    atf_fail "got $n samples in 0.3 s at 0.1 s intervals"
	# A busy wait would burn the whole 0.3 s of CPU.
	if [ -n "$timer" ]; then
		cat cpu.txt
		atf_check -s exit:0 -o ignore -e empty \
		    awk -F+ '{ exit !($1 + $2 < 0.1) }' cpu.txt
	fi
}

atf_test_case record_interrupt
record_interrupt_head()
{
	atf_set "descr" "SIGINT ends an unbounded recording cleanly"
}
record_interrupt_body()
{
	"$VMTRACE" record -i 0.01 -o rec.trace 2>/dev/null &
	pid=$!
	sleep 0.3
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	[ "$rc" -eq 0 ] || atf_fail "exit status $rc after SIGINT"
	check_trace rec.trace || atf_fail "rec.trace is not a well-formed recording"
	atf_check -s exit:0 -o ignore -e empty grep -E '^# end: ' rec.trace
}

# bad_usage message args...: exit 1, the message and usage on stderr,
# nothing on stdout.
bad_usage()
{
	msg=$1
	shift
	atf_check -s exit:1 -o empty -e save:err "$VMTRACE" "$@"
	atf_check -s exit:0 -o ignore -e empty grep -E "^vmtrace: $msg" err
	atf_check -s exit:0 -o ignore -e empty grep '^usage: vmtrace' err
}

atf_test_case bad_options
bad_options_head()
{
	atf_set "descr" "bad commands, options and intervals fail with a" \
	    "message and usage"
}
bad_options_body()
{
	atf_check -s exit:1 -o empty -e match:'^usage: vmtrace' "$VMTRACE"
	bad_usage "unknown command" frobnicate
	bad_usage "record: unknown option -x" record -x
	bad_usage "record: option -i needs an argument" record -i
	bad_usage "-i: 0 is out of range" record -i 0
	bad_usage "-i: -1 is out of range" record -i -1
	bad_usage "-i: not a number of seconds" record -i abc
	bad_usage "-i: not a number of seconds" record -i 1s
	bad_usage "-i: not a number of seconds" record -i nan
	bad_usage "-t: 0 is out of range" record -t 0
	bad_usage "-n: not a positive count" record -n 0
	bad_usage "-n: not a positive count" record -n -3
	bad_usage "-n: not a positive count" record -n x
	bad_usage "record: -n and -t are exclusive" record -n 2 -t 1
	bad_usage "record: unexpected argument" record -n 1 extra
	bad_usage "probe: unknown option -v" probe -v
	bad_usage "probe: unexpected argument" probe extra
}

atf_test_case unwritable
unwritable_head()
{
	atf_set "descr" "an output that cannot be written fails with a" \
	    "message"
}
unwritable_body()
{
	atf_check -s exit:1 -o empty \
	    -e match:'^vmtrace: /nonexistent/dir/rec.trace: No such file' \
	    "$VMTRACE" record -n 1 -o /nonexistent/dir/rec.trace
	mkdir adir
	atf_check -s exit:1 -o empty -e match:'^vmtrace: adir: Is a directory' \
	    "$VMTRACE" record -n 1 -o adir
	if [ -w /dev/full ]; then
		atf_check -s exit:1 -o ignore \
		    -e match:'^vmtrace: /dev/full: No space left' \
		    "$VMTRACE" record -n 1 -o /dev/full
	fi
}

atf_test_case probe_no_backdoor
probe_no_backdoor_head()
{
	atf_set "descr" "probe without a VMware backdoor exits 1 with a" \
	    "message, without crashing"
}
probe_no_backdoor_body()
{
	rc=0
	"$VMTRACE" probe >out 2>err || rc=$?
	cat out err
	if [ "$rc" -eq 0 ] && grep -q '^GETVERSION(10): ok' out; then
		atf_skip "this machine has a VMware backdoor"
	fi
	[ "$rc" -lt 128 ] || atf_fail "probe died of a signal (status $rc)"
	[ "$rc" -eq 1 ] || atf_fail "probe exited $rc, want 1"
	atf_check -s exit:0 -o ignore -e empty \
	    grep -E '^vmtrace: (no I/O privilege|no VMware backdoor|the backdoor port access faulted)' err
}

atf_test_case probe_unprivileged
probe_unprivileged_head()
{
	atf_set "descr" "probe as an ordinary user says it lacks privilege"
	atf_set "require.user" "root"
	atf_set "require.progs" "setpriv"
}
probe_unprivileged_body()
{
	rc=0
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$VMTRACE" probe >out 2>err || rc=$?
	cat out err
	[ "$rc" -eq 1 ] || atf_fail "probe exited $rc, want 1"
	atf_check -s exit:0 -o ignore -e empty \
	    grep -E '^vmtrace: no I/O privilege' err
}

atf_test_case replay_vmtsim
replay_vmtsim_head()
{
	atf_set "descr" "vmtsim replays a recording"
}
replay_vmtsim_body()
{
	[ -x "$VMTSIM" ] || atf_skip "$VMTSIM is not built"
	atf_check -s exit:0 -o empty -e ignore \
	    "$VMTRACE" record -n 20 -i 0.01 -o rec.trace
	atf_check -s exit:0 -o ignore -e ignore "$VMTSIM" -p none,vmt rec.trace
}

atf_init_test_cases()
{
	atf_add_test_case record_file
	atf_add_test_case record_stdout
	atf_add_test_case record_duration
	atf_add_test_case record_interrupt
	atf_add_test_case bad_options
	atf_add_test_case unwritable
	atf_add_test_case probe_no_backdoor
	atf_add_test_case probe_unprivileged
	atf_add_test_case replay_vmtsim
}
