#! /usr/bin/env atf-sh
#
# The kernel sources (every file under sys/) keep the style(9) rules a
# machine can check:
#
#	- no line wider than 80 columns, tabs expanded to the next
#	  multiple of 8 (a byte is a column: sys/ is ASCII);
#	- no trailing whitespace;
#	- no // comments in C files (.c and .h), outside strings and
#	  /* */ comments;
#	- in every .c file the first line of code is
#	  "#include <sys/cdefs.h>", and the next line is __KERNEL_RCSID(,
#	  or is "#ifdef _KERNEL" (with at most a /* */ comment after it),
#	  __KERNEL_RCSID( and "#endif" for a file that is also built in
#	  userland, as vmt_tspolicy*.c and vmt_backdoor_x86.c are.
#
# That a function's type sits on its own line is not checked: telling a
# definition from a declaration or a call needs a C parser.

SRCDIR=@SRCDIR@

# stylecheck file...: one "file:line: what is wrong" line per problem;
# exit status 1 if there was one.
stylecheck()
{
	LC_ALL=C awk '
	function width(s,	i, w, c) {
		w = 0
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			w = (c == "\t") ? w + 8 - w % 8 : w + 1
		}
		return w
	}
	function bad(line, what) {
		printf "%s:%d: %s\n", FILENAME, line, what
		nbad++
	}
	# The code of a line, /* */ comments (state in incom) taken out;
	# sets slashes if a // comment starts outside strings.
	function code(s,	i, n, c, q, out) {
		out = ""
		slashes = 0
		n = length(s)
		i = 1
		while (i <= n) {
			c = substr(s, i, 1)
			if (incom) {
				if (substr(s, i, 2) == "*/") {
					incom = 0
					i += 2
					out = out " "
				} else
					i++
				continue
			}
			if (substr(s, i, 2) == "/*") {
				incom = 1
				i += 2
				continue
			}
			if (substr(s, i, 2) == "//") {
				slashes = 1
				return out
			}
			if (c == "\"" || c == "\047") {
				q = c
				out = out c
				for (i++; i <= n && substr(s, i, 1) != q; i++) {
					if (substr(s, i, 1) == "\\") {
						out = out "\\"
						i++
					}
					out = out substr(s, i, 1)
				}
				out = out q
				i++
				continue
			}
			out = out c
			i++
		}
		return out
	}
	# The head of a .c file, one state per expected line.
	function head(s) {
		if (state == "cdefs") {
			if (s != "#include <sys/cdefs.h>") {
				bad(FNR, "first line of code is not " \
				    "#include <sys/cdefs.h>")
				state = "done"
			} else
				state = "rcsid"
		} else if (state == "rcsid") {
			if (s ~ /^__KERNEL_RCSID\(/)
				state = "done"
			else if (s ~ /^#ifdef _KERNEL([ \t]+\/\*.*\*\/)?$/)
				state = "ifdef"
			else {
				bad(FNR, "__KERNEL_RCSID( does not follow " \
				    "#include <sys/cdefs.h>")
				state = "done"
			}
		} else if (state == "ifdef") {
			if (s ~ /^__KERNEL_RCSID\(/)
				state = "endif"
			else {
				bad(FNR, "__KERNEL_RCSID( does not follow " \
				    "#ifdef _KERNEL")
				state = "done"
			}
		} else if (state == "endif") {
			if (s !~ /^#endif/)
				bad(FNR, "#endif does not follow " \
				    "#ifdef _KERNEL and __KERNEL_RCSID(")
			state = "done"
		}
	}
	function endfile() {
		if (state != "" && state != "done") {
			printf "%s:%d: ends before #include <sys/cdefs.h> " \
			    "and __KERNEL_RCSID(\n", file, lines
			nbad++
		}
	}
	FNR == 1 {
		if (NR > 1)
			endfile()
		incom = 0
		isc = FILENAME ~ /\.[ch]$/
		state = FILENAME ~ /\.c$/ ? "cdefs" : ""
		nfiles++
		if (state != "")
			nc++
	}
	{
		file = FILENAME
		lines = FNR
		if (length($0) * 8 > 80 && (w = width($0)) > 80)
			bad(FNR, w " columns")
		if ($0 ~ /[[:space:]]$/)
			bad(FNR, "trailing whitespace")
		if (!isc)
			next
		wascom = incom
		s = code($0)
		if (slashes)
			bad(FNR, "// comment")
		if (state == "" || state == "done")
			next
		if (s ~ /^[ \t]*$/)
			next
		# The head is checked as written: code after the end of
		# a comment is not "first", and only the guard may carry
		# a comment.
		if (wascom) {
			bad(FNR, "code on the line that ends a comment")
			state = "done"
			next
		}
		head($0)
	}
	END {
		if (NR > 0)
			endfile()
		printf "%d files checked, %d of them .c; %d problems\n",
		    nfiles, nc, nbad > "/dev/stderr"
		exit nbad > 0
	}' "$@"
}

atf_test_case sys
sys_head()
{
	atf_set descr "every file under sys/ keeps the checkable style rules"
}
sys_body()
{
	cd "$SRCDIR" || atf_fail "cannot cd to $SRCDIR"
	files=$(git ls-files --cached --others --exclude-standard sys \
	    2>/dev/null || find sys -type f)
	present=
	for f in $files; do
		[ -f "$f" ] && present="$present $f"
	done
	n=$(echo $present | wc -w)
	nc=$(printf '%s\n' $present | grep -c '\.c$')
	# sys/ holds the transport, the time-sync module, kern_tc.c...
	[ "$n" -ge 20 ] || atf_fail "only $n files found under $SRCDIR/sys"
	[ "$nc" -ge 10 ] || atf_fail "only $nc .c files under $SRCDIR/sys"
	stylecheck $present || atf_fail "style problems under sys/"
}

# Files with every kind of defect are reported, each at its line; a
# file that keeps the rules (the userland guard, // in a string and in
# a comment, exactly 80 columns) is not: the check can fail, and fails
# for the right reasons.
atf_test_case catches
catches_head()
{
	atf_set descr "the check reports each kind of defect, and only those"
}
catches_body()
{
	tab=$(printf '\t')
	# 80 columns: nine tabs (72) and eight characters; 81 with nine.
	cols80="${tab}${tab}${tab}${tab}${tab}${tab}${tab}${tab}${tab}12345678"
	{
		echo '/* A kernel file with its head right. */'
		echo
		echo '#include <sys/cdefs.h>'
		echo "#ifdef _KERNEL${tab}${tab}/* userland too */"
		echo '__KERNEL_RCSID(0, "$NetBSD$");'
		echo '#endif'
		echo
		echo 'static const char url[] = "http://example.org/";'
		echo "static const char q = '\"';	/* see http://x */"
		echo '/*'
		echo ' * // is fine in a comment'
		echo ' */'
		echo "$cols80"
	} > good.c
	{
		echo '/*'
		echo ' * No cdefs.'
		echo ' */'
		echo '#include <sys/param.h>'
		echo "${cols80}9"
		echo 'int x; '
		echo 'int y;	// a C++ comment'
	} > bad.c
	printf '%s\n' '#include <sys/cdefs.h>' '#include <sys/param.h>' \
	    > norcsid.c
	printf '%s\n' '#include <sys/cdefs.h>' '#ifdef _KERNEL' \
	    '#include <sys/param.h>' > badguard.c
	printf '%s\n' '#include <sys/cdefs.h>' '#ifdef _KERNEL /* a' \
	    ' * comment that goes on */' '__KERNEL_RCSID(0, "$NetBSD$");' \
	    '#endif' > longguard.c
	printf '%s\n' '#include <sys/cdefs.h>' '#ifdef _KERNEL' \
	    '__KERNEL_RCSID(0, "$NetBSD$");' 'int z;' > noendif.c
	printf '%s\n' '/* Only a comment. */' > empty.c
	printf '%s\n' '#define X 1 // C++' > bad.h
	printf '%s\n' "$cols80 " > long.mk

	stylecheck good.c || atf_fail "good.c reported"

	stylecheck bad.c norcsid.c badguard.c longguard.c noendif.c empty.c \
	    bad.h long.mk > out 2>&1 && atf_fail "no problem found"
	cat out
	for want in \
	    'bad.c:4: first line of code is not #include <sys/cdefs.h>' \
	    'bad.c:5: 81 columns' \
	    'bad.c:6: trailing whitespace' \
	    'bad.c:7: // comment' \
	    'norcsid.c:2: __KERNEL_RCSID( does not follow' \
	    'badguard.c:3: __KERNEL_RCSID( does not follow #ifdef _KERNEL' \
	    'longguard.c:2: __KERNEL_RCSID( does not follow' \
	    'noendif.c:4: #endif does not follow' \
	    'empty.c:1: ends before #include <sys/cdefs.h>' \
	    'bad.h:1: // comment' \
	    'long.mk:1: 81 columns' \
	    'long.mk:1: trailing whitespace'; do
		grep -qF "$want" out || atf_fail "not reported: $want"
	done
	n=$(grep -c ': ' out)
	[ "$n" -eq 12 ] || atf_fail "$n problems reported, 12 expected"
}

atf_init_test_cases()
{
	atf_add_test_case sys
	atf_add_test_case catches
}
