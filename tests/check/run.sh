#!/bin/sh
# tests/check/run.sh: golden diagnostics of the front end.
#
#   NN_topic.cfg     the script; a first line "# args: ..." gives extra routec
#                    arguments (-D NAME[=VALUE], -I DIR), with the shell's
#                    quoting; files it includes live in inc/
#   NN_topic.expect  "exit: N", then the stderr of
#                    `routec check --syntax-only ARGS NN_topic.cfg`, run from
#                    this directory so file names are relative and stable.
#                    A first line "# check: full [ARGS]" runs the whole checker
#                    instead (`routec check ARGS NN_topic.cfg`, no --syntax-only;
#                    ARGS as for "# args:", e.g. -Werror --format=json); the
#                    checker's cases are numbered 70-99
#   NN_topic.ast     for a case without errors: the stdout of
#                    `routec dump-ast ARGS NN_topic.cfg` (precedence, define
#                    expansion, switch structure ...)
#
# Usage: run.sh                 compare every case; prints PASS/FAIL lines and
#                               "check: N passed, N failed"; exit 1 on a failure
#        run.sh --update [NN]   rewrite the goldens of every case (or of the
#                               cases named NN_*, or NN_topic); update.sh does this
# Env: ROUTEC, the routec binary (default build/routec of the repository).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${ROUTEC:=$here/../../build/routec}"
case "$ROUTEC" in /*) ;; *) ROUTEC=$(pwd)/$ROUTEC ;; esac
if [ ! -x "$ROUTEC" ]; then
	echo "FAIL check: no routec binary at $ROUTEC"
	echo "check: 0 passed, 1 failed"
	exit 1
fi

update=0
only=""
if [ "${1:-}" = "--update" ]; then
	update=1
	only=${2:-}
fi

# The scripts read these (#!defenv); nothing else of the caller's
# environment may change a diagnostic.
export LC_ALL=C
export ROUTEC_TEST_HOST=env.example.com ROUTEC_TEST_PORT=5070
unset ROUTEC_TEST_UNSET

cd "$here" || exit 1
tmp=${TMPDIR:-/tmp}/routec-check.$$
trap 'rm -f "$tmp".*' EXIT INT TERM
pass=0 fail=0 seen=0

# Runs one case; writes the actual results to $tmp.expect and $tmp.ast.
# The args line is read with the shell's quoting: -D 'X="a b"' works.
run_case() {
	c=$1.cfg
	mode=--syntax-only
	sed -n 1p "$c" | grep -q '^# check: full' && mode=
	eval "set -- $(sed -n -e '1s/^# args: //p' -e '1s/^# check: full//p' "$c")"
	"$ROUTEC" check $mode "$@" "$c" >/dev/null 2>"$tmp.err"
	echo "exit: $?" >"$tmp.expect"
	cat "$tmp.err" >>"$tmp.expect"
	"$ROUTEC" dump-ast "$@" "$c" >"$tmp.ast" 2>/dev/null
}

for cfg in [0-9]*.cfg; do
	[ -f "$cfg" ] || continue
	name=${cfg%.cfg}
	if [ -n "$only" ]; then
		case "$name" in "$only" | "$only"_*) ;; *) continue ;; esac
	fi
	seen=$((seen + 1))
	run_case "$name"
	if [ "$update" = 1 ]; then
		cp "$tmp.expect" "$name.expect"
		# A case without errors also records its syntax tree.
		if [ "$(head -n 1 "$tmp.expect")" = "exit: 0" ]; then
			cp "$tmp.ast" "$name.ast"
		else
			rm -f "$name.ast"
		fi
		echo "updated $name: $(head -n 1 "$tmp.expect")"
		continue
	fi
	ok=1
	if [ ! -f "$name.expect" ]; then
		echo "FAIL $name: no $name.expect (run 'make check-update T=${name%%_*}')"
		ok=0
	elif ! diff -u "$name.expect" "$tmp.expect" >"$tmp.diff"; then
		echo "FAIL $name: diagnostics differ"
		cat "$tmp.diff"
		ok=0
	fi
	if [ -f "$name.ast" ] && ! diff -u "$name.ast" "$tmp.ast" >"$tmp.diff"; then
		[ "$ok" = 1 ] && echo "FAIL $name: syntax tree differs"
		[ "$ok" = 0 ] && echo "     $name: syntax tree differs too"
		cat "$tmp.diff"
		ok=0
	fi
	if [ "$ok" = 1 ]; then
		echo "PASS $name"
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done

if [ "$update" = 1 ]; then
	[ "$seen" -gt 0 ] || { echo "no case matches '$only'"; exit 1; }
	exit 0
fi
[ "$seen" -gt 0 ] || fail=$((fail + 1))
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
