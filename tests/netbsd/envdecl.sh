#!/bin/bash
#
# NetBSD tier, issue 10 item 4: the userland kernel environment
# (tools/kern/include, our imitation of NetBSD's kernel headers) must
# declare everything sys/ uses as NETBSDSRCDIR's headers do.
#
#	NETBSDSRCDIR	a NetBSD source tree, e.g. /usr/src
#	NBOBJ		a scratch directory this script may write into
#	CC		optional; the compiler (default cc, gcc's diagnostics)
#
# What sys/ uses: every identifier in sys/ (comments and strings left
# out), every member name after -> or ., every struct tag.  Of these,
# what the environment declares is compared with what NetBSD declares,
# with the compiler as the judge: two translation units, one including
# every header of tools/kern/include, one including NetBSD's headers of
# the same names (amd64, the tier's compat headers first, as in step a),
# each followed by the same probes, one per line:
#
#	(T *)0 to a pointer to a struct nobody has	typedef T's type
#	&(T) the same way				function or variable
#							T's type
#	&((struct S *)0)->m				member m of struct S
#	array sizes from the low and high 32 bits	value of a constant
#							(macro or enum)
#
# and gcc names each type in its diagnostic, with typedefs resolved
# ({aka ...}).  A macro is compared as a macro: NetBSD must have one of
# the same name and number of arguments, and an integer constant must
# have the same value.  Anything the environment declares differently
# (another type, another kind, missing from NetBSD) fails.
#
# Prints one line per compared name ("ok" or "FAIL" and why) and a final
# count line.  Exit status 0 if everything matched, 1 if not, 2 if it
# could not run.
set -uo pipefail
# gcc's diagnostics, quoted in ASCII, are what the probes read.
export LC_ALL=C

prog=envdecl.sh
. "$(dirname "$0")/script_lib.sh"
nb_tree sys/sys/param.h
REPO=$(cd "$(dirname "$0")/../.." && pwd)
ENVINC=$REPO/tools/kern/include
CC=${CC:-cc}
W=$(cd "$NBOBJ" && pwd)/envdecl
rm -rf "$W"
mkdir -p "$W/inc" || die "$W: cannot create"
cd "$W" || die "$W: cannot enter"

# --- what sys/ uses ------------------------------------------------------

# Sources without comments, string and character literals.
find "$REPO/sys" -name '*.[ch]' | sort | while read -r f; do
	"$CC" -fpreprocessed -dD -E -P -x c "$f" 2>/dev/null
done | sed -e 's/"\([^"\\]\|\\.\)*"/""/g' -e "s/'\\([^'\\\\]\\|\\\\.\\)*'/''/g" \
    > sys.txt
grep -oE '[A-Za-z_][A-Za-z0-9_]*' sys.txt | sort -u > tokens
grep -oE '(->|\.)[[:space:]]*[A-Za-z_][A-Za-z0-9_]*' sys.txt |
    sed -E 's/^(->|\.)[[:space:]]*//' | sort -u > members
grep -oE '\b(struct|union)[[:space:]]+[A-Za-z_][A-Za-z0-9_]*' sys.txt |
    awk '{ print $1, $2 }' | sort -u > tags
# C's own words are not declarations.
printf '%s\n' auto break case char const continue default do double \
    else enum extern float for goto if inline int long register restrict \
    return short signed sizeof static struct switch typedef union \
    unsigned void volatile while _Bool _Static_assert __typeof__ \
    __attribute__ __asm __inline __volatile__ __extension__ \
    defined include ifdef ifndef endif elif undef define error pragma |
    sort -u > keywords
comm -23 tokens keywords > names

# --- the two header sets -------------------------------------------------

# Option headers (opt_*.h) are config(1)'s output, not NetBSD's headers.
(cd "$ENVINC" && find . -name '*.h' ! -name 'opt_*.h' | sed 's|^\./||' |
    sort) > headers
# Prerequisites first, as a kernel source includes them.
{
	for h in sys/types.h sys/param.h sys/systm.h; do
		grep -qx "$h" headers && echo "$h"
	done
	grep -vxE 'sys/(types|param|systm)\.h' headers
} > order

# NetBSD: machine links and empty option headers (as compile.sh does).
ln -sfn "$NB/sys/arch/amd64/include" inc/machine
ln -sfn "$NB/sys/arch/amd64/include" inc/amd64
ln -sfn "$NB/sys/arch/x86/include" inc/x86
grep -rhoE '#[[:space:]]*include[[:space:]]+"opt_[A-Za-z0-9_]+\.h"' \
    "$NB/sys/sys" "$NB/sys/arch/x86/include" "$NB/sys/arch/amd64/include" \
    "$NB/sys/uvm" "$NB/sys/lib/libkern" "$NB/sys/dev/sysmon" 2>/dev/null |
    grep -oE 'opt_[A-Za-z0-9_]+\.h' | sort -u |
    while read -r o; do : > "inc/$o"; done
COMPAT=
[ -d "$REPO/tests/netbsd/compat/sys" ] && COMPAT="-I$REPO/tests/netbsd/compat"

ENVFLAGS="-std=gnu99 -D_KERNEL -nostdinc -ffreestanding -I$ENVINC"
NBFLAGS="-std=gnu99 -D_KERNEL -D_KERNEL_OPT -D__NetBSD__ -U__linux__
 -U__gnu_linux__ -Ulinux -Uunix -nostdinc -ffreestanding -I$W/inc $COMPAT
 -I$NB/sys -I$NB/common/include"

: > missing_headers
{
	while read -r h; do echo "#include <$h>"; done < order
} > env_head.c
{
	while read -r h; do
		if [ -f "$NB/sys/$h" ]; then
			echo "#include <$h>"
		else
			echo "$h" >> missing_headers
		fi
	done < order
} > nb_head.c

# --- macros ---------------------------------------------------------------

: > empty.c
macros() {	# flags file -> "name nparams body" for the file's own macros
	"$CC" $1 -E -dM "$2" 2>/dev/null | sort > m.all
	"$CC" $1 -E -dM empty.c 2>/dev/null | sort > m.pre
	comm -23 m.all m.pre | awk '
	$1 == "#define" {
		name = $2; n = -1
		if (match(name, /\(/)) {
			args = substr($0, index($0, "(") + 1)
			args = substr(args, 1, index(args, ")") - 1)
			gsub(/[[:space:]]/, "", args)
			n = args == "" ? 0 : split(args, a, ",")
			name = substr(name, 1, RSTART - 1)
		}
		print name, n
	}' | sort -u
}
# shellcheck disable=SC2086
macros "$ENVFLAGS" env_head.c > env_macros
# shellcheck disable=SC2086
macros "$NBFLAGS" nb_head.c > nb_macros
join names env_macros > used_macros

# --- probes --------------------------------------------------------------

# Each probe is one line "kind name line-of-C".  Names that are macros
# in the environment get the macro checks instead.
cut -d' ' -f1 used_macros > macro_names
comm -23 names macro_names > plain_names
{
	while read -r n; do
		echo "typedef $n void __p(void) { struct __tc_never *__q = ($n *)0; (void)__q; }"
		echo "object $n void __p(void) { struct __tc_never *__q = &($n); (void)__q; }"
	done < plain_names
	# Integer constants: enum constants, and object-like macros.
	{ cat plain_names; awk '$2 == -1 { print $1 }' used_macros; } |
	while read -r n; do
		echo "vlo $n char (*__p)[((0ULL + ($n)) & 0xffffffffULL) + 1] = 1;"
		echo "vhi $n char (*__p)[((0ULL + ($n)) >> 32) + 1] = 1;"
	done
	# What NetBSD has under the names of the environment's macros.
	while read -r n; do
		echo "nbobject $n void __p(void) { struct __tc_never *__q = &($n); (void)__q; }"
	done < macro_names
	while read -r k t; do
		while read -r m; do
			echo "member $k.$t.$m void __p(void) { struct __tc_never *__q = &(($k $t *)0)->$m; (void)__q; }"
		done < members
	done < tags
} > probes

# probe_results head.c out: compile the header set and the probes, one
# per line, with a unique function name each; out gets "kind name type",
# type being gcc's canonical spelling, or "-" if it gave none.
probe_results() {
	local head=$1 out=$2 flags=$3 first
	first=$(($(wc -l < "$head") + 2))
	{
		cat "$head"
		echo "struct __tc_never;"
		awk '{ l = $0; sub(/^[^ ]+ [^ ]+ /, "", l)
		    gsub(/__p/, "__p" NR, l); print l }' probes
	} > "$out.c"
	# shellcheck disable=SC2086
	"$CC" $flags -fsyntax-only -fmax-errors=0 -Wno-error \
	    -fdiagnostics-plain-output -Wincompatible-pointer-types \
	    -Wint-conversion "$out.c" > "$out.diag" 2>&1
	awk -v first="$first" -v f="$out.c" '
	FNR == NR {
		kind[NR] = $1; name[NR] = $2; next
	}
	index($0, f ":") == 1 {
		split(substr($0, length(f) + 2), p, ":")
		line = p[1] - first + 1
		if (line < 1 || (line in seen))
			next
		seen[line] = 1
		t = "-"
		if (match($0, /incompatible pointer type .*/)) {
			s = substr($0, RSTART + 26)
			if (match(s, /\{aka '"'"'[^'"'"']*'"'"'\}/))
				s = substr(s, RSTART + 6, RLENGTH - 8)
			else {
				sub(/^'"'"'/, "", s); sub(/'"'"'.*$/, "", s)
			}
			t = s
		} else if (match($0, /initialization of .char \(\*\)\[[0-9]+\]. from/)) {
			s = substr($0, RSTART, RLENGTH)
			sub(/^[^[]*\[/, "", s); sub(/\].*$/, "", s)
			t = s - 1
		} else if ($0 ~ /lvalue required as unary/)
			t = "rvalue"
		result[line] = t
	}
	END {
		for (i = 1; i in kind; i++)
			printf "%s\t%s\t%s\n", kind[i], name[i],
			    (i in result ? result[i] : "none")
	}' probes "$out.diag" > "$out"
}

probe_results env_head.c env.res "$ENVFLAGS"
probe_results nb_head.c nb.res "$NBFLAGS"
[ -s env.res ] && [ -s nb.res ] || die "no probe results (see $W)"

# --- verdicts ------------------------------------------------------------

# The environment declares a name if a probe typed it; then NetBSD must
# type it the same.  "-" (an error without a type) or "none" (no
# diagnostic) means not declared.
paste env.res nb.res | awk -F'\t' '
function ok(what) { print "ok    " what }
function bad(what, why) { print "FAIL  " what ": " why }
function none(t) { return t == "-" || t == "none" }
FNR == NR { nbmacro[$1] = 1; next }
{
	k = $1; n = $2; e = $3; b = $6
	if (k == "nbobject")
		next
	if (none(e))
		next
	if (k == "vlo" || k == "vhi") {
		ev[n] = ev[n] " " k "=" e
		nv[n] = nv[n] " " k "=" b
		next
	}
	if (k == "object" && e == "rvalue")
		next	# a constant: its value is compared below
	if (e == b)
		ok(k " " n)
	else if (none(b) && (n in nbmacro))
		bad(k " " n, "tools/kern: " e "; NetBSD: a macro")
	else if (none(b))
		bad(k " " n, "tools/kern: " e "; NetBSD: not declared")
	else
		bad(k " " n, "tools/kern: " e "; NetBSD: " b)
}
END {
	for (n in ev) {
		if (ev[n] ~ /=(-|none|rvalue)( |$)/)
			continue
		if (ev[n] == nv[n])
			ok("value " n)
		else
			bad("value " n, "tools/kern" ev[n] "; NetBSD" nv[n])
	}
}' nb_macros - > verdicts

# Macros: NetBSD must have the macro, with as many arguments.
join used_macros nb_macros > both_macros
join -v1 used_macros nb_macros > only_env_macros
awk '$2 == $3 { print "ok    macro " $1 }
    $2 != $3 { print "FAIL  macro " $1 ": " ($2 < 0 ? "object-like" : $2 " arguments") " in tools/kern, " ($3 < 0 ? "object-like" : $3 " arguments") " in NetBSD" }' \
    both_macros >> verdicts
while read -r n nargs; do
	# Not a macro in NetBSD.  An integer constant of the same value
	# (an enum constant) serves sys/ as well; anything else does not.
	if grep -q "^ok    value $n\$" verdicts; then
		echo "ok    macro $n (an enum constant in NetBSD)"
		continue
	fi
	grep -q "^FAIL  value $n:" verdicts && continue
	kind=$(awk -F'\t' -v n="$n" '$1 == "nbobject" && $2 == n &&
	    $3 != "-" && $3 != "none" && $3 != "rvalue" { print $3 }' nb.res)
	if [ -n "$kind" ]; then
		kind="a function or variable, $kind"
	else
		kind="not declared"
	fi
	echo "FAIL  macro $n: a macro in tools/kern, $kind in NetBSD"
done < only_env_macros >> verdicts
while read -r h; do
	echo "FAIL  header $h: in tools/kern/include, not in NetBSD's sys/"
done < missing_headers >> verdicts

sort -k2 verdicts
nok=$(grep -c '^ok' verdicts)
nbad=$(grep -c '^FAIL' verdicts)
echo "envdecl: $((nok + nbad)) compared, $nok ok, $nbad differ"
[ "$nbad" -eq 0 ]
