#!/bin/sh
# tests/corpus/run.sh: routec's corpus test over the Kamailio 5.6 example configurations.
#
# For each line of expected.txt (see its header; produced by kamailio-syntax.sh) runs
#     cd DIR-OF-FILE && $ROUTEC check --syntax-only BASENAME
# and checks:   ok        -> exit status 0
#               error L   -> exit status 1 and a diagnostic line on stderr
#                            "FILE:L:COL: error: ..." (FILE = the name routec was given,
#                            the absolute path, or any path ending in /BASENAME;
#                            ":COL" may be missing)
#               skip      -> not run
# Files listed in known-failures.txt ("PATH REASON" lines) may fail: XFAIL, not FAIL.
# Output: one line per file (PASS path | FAIL path: why | XFAIL path: reason |
# SKIP path: reason), then exactly one line "corpus: N passed, N failed". Exit 1 if any
# FAIL, 2 on a usage error.
#
# Env: ROUTEC (required) the routec binary; CORPUS_EXAMPLES (default
#      /usr/share/doc/kamailio/examples) where relative paths of expected.txt live;
#      CORPUS_TIMEOUT seconds per file (default 60).
# Usage: ROUTEC=build/routec sh tests/corpus/run.sh [EXPECTED [KNOWN_FAILURES]]

here=$(cd "$(dirname "$0")" && pwd)
expected=${1:-$here/expected.txt}
known=${2:-$here/known-failures.txt}
examples=${CORPUS_EXAMPLES:-/usr/share/doc/kamailio/examples}
tmo=${CORPUS_TIMEOUT:-60}

if [ -z "${ROUTEC:-}" ]; then
  echo "corpus: ROUTEC is not set (path of the routec binary)" >&2; exit 2
fi
case $ROUTEC in
  /*) ;;
  */*) ROUTEC=$(pwd)/$ROUTEC ;;               # relative path: we cd before running it
  *) ROUTEC=$(command -v "$ROUTEC" || echo "$ROUTEC") ;;
esac
if [ ! -x "$ROUTEC" ]; then
  echo "corpus: ROUTEC=$ROUTEC is not an executable file" >&2; exit 2
fi
if [ ! -r "$expected" ]; then
  echo "corpus: cannot read $expected" >&2; exit 2
fi
if command -v timeout >/dev/null 2>&1; then tcmd="timeout $tmo"; else tcmd=""; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/corpus.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM

# known_reason PATH: the reason given in known-failures.txt, empty if not listed
known_reason() {
  [ -r "$known" ] || return 0
  awk -v p="$1" '$1 == p { $1 = ""; sub(/^[ \t]+/, ""); print ($0 == "" ? "listed" : $0); exit }' "$known"
}

# has_error_at ERRFILE NAME FULLPATH LINE: stderr has "NAME:LINE:[COL:] error" for the file
has_error_at() {
  awk -v name="$2" -v full="$3" -v want="$4" '
    {
      # split "FILE:LINE:COL: error: msg" from the right of FILE (FILE may contain ":")
      if (!match($0, /:[0-9]+(:[0-9]+)?: *(fatal )?error/)) next
      f = substr($0, 1, RSTART - 1)
      rest = substr($0, RSTART + 1); l = rest; sub(/[^0-9].*$/, "", l)
      base = name; sub(/^.*\//, "", base)
      okf = (f == name || f == full || f == base ||
             (length(f) > length(base) && substr(f, length(f) - length(base)) == "/" base))
      if (okf && l == want) { found = 1; exit }
    }
    END { exit found ? 0 : 1 }' "$1"
}

# error_lines ERRFILE: the "file:line" of the first few error diagnostics, for messages
error_lines() {
  awk 'match($0, /:[0-9]+(:[0-9]+)?: *(fatal )?error/) {
         s = substr($0, 1, RSTART + RLENGTH - 1); sub(/(:[0-9]+)?: *(fatal )?error$/, "", s)
         out = out (n++ ? ", " : "") s; if (n == 4) exit }
       END { print (n ? out : "none") }' "$1"
}

pass=0 fail=0 xfail=0 skip=0
# `exec 3<` so that routec cannot eat the list from stdin
exec 3< "$expected"
while IFS= read -r line <&3; do
  case $line in ''|'#'*) continue ;; esac
  set -f
  # shellcheck disable=SC2086 # split the line into words on purpose
  set -- $line
  set +f
  path=$1 verdict=${2:-} want=${3:-}
  case $verdict in
    skip)
      shift 2; echo "SKIP $path: $*"; skip=$((skip + 1)); continue ;;
    ok) ;;
    error)
      case $want in
        ''|*[!0-9]*) echo "FAIL $path: bad line in $expected: $line"; fail=$((fail + 1)); continue ;;
      esac ;;
    *) echo "FAIL $path: bad verdict in $expected: $line"; fail=$((fail + 1)); continue ;;
  esac

  case $path in
    /*) file=$path ;;
    *) file=$examples/$path ;;
  esac
  why=""
  if [ ! -f "$file" ]; then
    why="$file not found (Debian package kamailio installed?)"
  else
    dir=$(dirname "$file") base=$(basename "$file")
    # (not `exec`ed: a crash is then reported into err, not on our stderr)
    (cd "$dir" || exit 125; $tcmd "$ROUTEC" check --syntax-only "$base"; r=$?; exit $r) \
      > "$tmp/out" 2> "$tmp/err" < /dev/null
    rc=$?
    case $verdict:$rc in
      ok:0) ;;
      ok:1) why="expected no error, got exit 1 (errors at $(error_lines "$tmp/err"))" ;;
      error:1)
        if ! has_error_at "$tmp/err" "$base" "$file" "$want"; then
          why="expected an error at line $want, got errors at $(error_lines "$tmp/err")"
        fi ;;
      error:0) why="expected an error at line $want, got exit 0" ;;
      *:124) [ -n "$tcmd" ] && why="timeout after ${tmo}s" || why="exit status 124" ;;
      *)
        why="exit status $rc"
        [ "$rc" -gt 128 ] && why="$why (killed by signal $((rc - 128)))"
        first=$(sed -n "/./{p;q;}" "$tmp/err" | cut -c1-160)
        [ -n "$first" ] && why="$why: $first" ;;
    esac
  fi

  reason=$(known_reason "$path")
  if [ -z "$why" ]; then
    pass=$((pass + 1))
    if [ -n "$reason" ]; then echo "PASS $path (listed in known-failures.txt: remove it)"
    else echo "PASS $path"; fi
  elif [ -n "$reason" ]; then
    xfail=$((xfail + 1)); echo "XFAIL $path: $reason"
  else
    fail=$((fail + 1)); echo "FAIL $path: $why"
  fi
done
exec 3<&-

[ $xfail -eq 0 ] && [ $skip -eq 0 ] || echo "($xfail expected failures from known-failures.txt, $skip skipped)"
echo "corpus: $pass passed, $fail failed"
[ $fail -eq 0 ]
