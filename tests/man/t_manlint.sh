#! /usr/bin/env atf-sh
#
# Every manual page of the project passes mandoc -Tlint at warning
# level: what a reader would see as broken (bad macros, sections out of
# order or out of place, unusual cross-reference order) fails.
# Cross-references to pages not installed on the build machine are
# STYLE messages and are not counted.

SRCDIR=@SRCDIR@

atf_test_case lint
lint_head()
{
	atf_set descr "mandoc -Tlint -W warning reports nothing"
	atf_set require.progs mandoc
}
lint_body()
{
	pages=$(cd "$SRCDIR" && git ls-files '*.[1-9]' 2>/dev/null ||
	    find share tools -name '*.[1-9]')
	[ -n "$pages" ] || atf_fail "no manual pages found under $SRCDIR"
	n=0
	for p in $pages; do
		n=$((n + 1))
		out=$(mandoc -Tlint -W warning "$SRCDIR/$p" 2>&1)
		[ -z "$out" ] || { echo "$out"; bad=1; }
	done
	echo "$n pages checked"
	[ "$n" -ge 4 ] || atf_fail "only $n manual pages found"
	[ -z "${bad:-}" ] || atf_fail "mandoc -Tlint found problems"
}

# A page with a known defect must be reported: the check can fail.
atf_test_case lint_catches
lint_catches_head()
{
	atf_set descr "the lint check reports a page with a misplaced section"
	atf_set require.progs mandoc
}
lint_catches_body()
{
	printf '%s\n' '.Dd November 30, 2026' '.Dt X 5' '.Os' '.Sh NAME' \
	    '.Nm x' '.Nd x' '.Sh DESCRIPTION' 'x' '.Sh ERRORS' 'x' > x.5
	atf_check -s not-exit:0 -o match:'unexpected section' -e ignore \
	    mandoc -Tlint -W warning x.5
}

atf_init_test_cases()
{
	atf_add_test_case lint
	atf_add_test_case lint_catches
}
