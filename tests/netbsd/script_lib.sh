# script_lib.sh: what compile.sh, config.sh and envdecl.sh share,
# sourced by each after it has set prog.
#
# They run on their own, against any NetBSD tree (README.md), so they
# check what they are given themselves and exit 2 when they cannot run.

die()
{
	echo "$prog: $*" >&2
	exit 2
}

# nb_tree path...: set NB to NETBSDSRCDIR as an absolute path, after
# checking that NETBSDSRCDIR and NBOBJ are set, that every path exists
# below NB, and that NBOBJ can be created.
nb_tree()
{
	local f

	[ -n "${NETBSDSRCDIR:-}" ] || die "NETBSDSRCDIR is not set"
	[ -n "${NBOBJ:-}" ] || die "NBOBJ is not set"
	NB=$(cd "$NETBSDSRCDIR" 2>/dev/null && pwd) ||
	    die "NETBSDSRCDIR=$NETBSDSRCDIR: no such directory"
	for f in "$@"; do
		[ -e "$NB/$f" ] ||
		    die "$NB/$f: missing: not a NetBSD source tree"
	done
	mkdir -p "$NBOBJ" || die "NBOBJ=$NBOBJ: cannot create"
}
