# tier_lib.sh: sourced by the NetBSD tier's ATF tests (tests/netbsd/t_*)
# after they set SRCDIR.  The tier is prepared by tests/netbsd/tier.sh
# prep (make test runs it), which leaves its state in
# build/netbsd/tier.env and build/netbsd/status/.

NBBUILD=$SRCDIR/build/netbsd

# The tier's state; skip when there is no NetBSD tree, fail when the
# tree named by NETBSDSRCDIR is unusable.
tier_load()
{
	if [ ! -f "$NBBUILD/tier.env" ]; then
		atf_skip "the NetBSD tier was not prepared (make test runs tests/netbsd/tier.sh prep)"
	fi
	. "$NBBUILD/tier.env"
	[ -z "$NB_FAIL" ] || atf_fail "$NB_FAIL"
	[ -z "$NB_SKIP" ] || atf_skip "NetBSD tier skipped: $NB_SKIP"
}

# The rump kernel steps need buildrump.sh as well.
tier_need_rump()
{
	tier_load
	[ -z "$NB_RUMP_SKIP" ] || atf_skip "rump kernel steps skipped: $NB_RUMP_SKIP"
}

# A build step of tier.sh (kern-stock, helpers-vmt, ...) must have
# succeeded; if it failed, fail with its reason and the errors it logged.
tier_need()
{
	local st=$NBBUILD/status/$1 log
	tier_need_rump
	[ -f "$st" ] || atf_fail "tier step $1 was not run (a step before it failed)"
	if [ "$(sed -n 1p "$st")" != ok ]; then
		log=$(sed -n 2p "$st" | sed -n 's/.*see \([^ ]*\.log\).*/\1/p')
		if [ -n "$log" ] && [ -f "$log" ]; then
			grep -E 'error:|undefined reference|multiple definition' \
			    "$log" | head -n 20 | cut -c1-300
		fi
		atf_fail "$(sed -n 2p "$st")"
	fi
}

# tier_run_script name: run the tier's check tests/netbsd/<name>
# (compile.sh, config.sh, envdecl.sh) against the tree the tier uses,
# with its output shown.  Each prints one line per check and a count
# line, and exits 1 if a check failed, 2 if it could not run: fail with
# the count line and the first checks that failed, or its last words.
tier_run_script()
{
	local script=$SRCDIR/tests/netbsd/$1 rc msg
	NETBSDSRCDIR=$NB_TREE NBOBJ=$NBBUILD/nbobj "$script" >out 2>err
	rc=$?
	cat out
	cat err >&2
	[ $rc -eq 0 ] && return
	# The count line, and the first checks that failed.
	msg="$(tail -n 1 out): $(grep -E '^FAIL' out | head -n 3 |
	    tr -s ' \t' ' ' | paste -sd ';' -)"
	[ $rc -ne 2 ] || msg="$(tail -n 1 err)"
	atf_fail "$1: $msg"
}

# run_helper secs program args...: run a helper with a time limit; its
# figures go to stdout; on failure, fail with its last words.
run_helper()
{
	local secs=$1 rc
	shift
	timeout -k 5 "$secs" "$@" >out 2>err
	rc=$?
	cat out
	cat err >&2
	case $rc in
	0)	;;
	124)	atf_fail "$(basename "$1") did not finish in $secs s" ;;
	*)	atf_fail "$(tail -n 1 err)" ;;
	esac
}
