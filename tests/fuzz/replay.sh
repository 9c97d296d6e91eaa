#!/bin/sh
# tests/fuzz/replay.sh: the inputs that once made the front end crash, leak
# or hang (tests/corpus/fuzz/, found by `make fuzz`) and the fuzzing seeds
# (tests/fuzz/seeds/), run again through the libFuzzer harness built as a
# plain program (replay_main.c + fuzz_front.c) against $B/libfront.a.  With
# B=build-san (make test SAN=1) it is built with ASan/UBSan, so memory errors
# and leaks fail too.  One process per input, each with a time limit.
# Env: B (the build directory).  Ends with "fuzz: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
: "${B:=build}"
cc=${CC:-cc}
san=""
case "$B" in *-san) san="-fsanitize=address,undefined -fno-sanitize-recover=all" ;; esac
limit=${FUZZ_REPLAY_TIMEOUT:-30}
mkdir -p "$B/fuzz"
bin=$B/fuzz/replay
# shellcheck disable=SC2086
if ! $cc -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror $san -I"$B/gen" -Igrammar -Icompiler \
	-Iruntime/include -Iruntime -o "$bin" tests/fuzz/replay_main.c tests/fuzz/fuzz_front.c \
	"$B/libfront.a" -lpcre2-8; then
	echo "FAIL tests/fuzz/replay_main.c: does not build"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
pass=0 fail=0
for f in tests/corpus/fuzz/* tests/fuzz/seeds/*; do
	[ -f "$f" ] || continue
	if timeout "$limit" "$bin" "$f" >"$B/fuzz/last.out" 2>&1; then
		echo "PASS $f"
		pass=$((pass + 1))
	else
		rc=$?
		[ "$rc" -eq 124 ] && why="hangs (over ${limit}s)" || why="exit $rc"
		echo "FAIL $f: $why"
		sed -n '1,30p' "$B/fuzz/last.out"
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
