#!/bin/sh
# tests/fuzz/replay_sip.sh: replays the saved inputs of `make fuzz-sip`.
#
# Every file in tests/corpus/fuzz-sip/ (minimized crashers, kept as
# regression tests once fixed), and every case of the SIP unit corpus (the
# fuzzer's seeds, written by sip_cases_test --dump), goes once through the
# fuzz harness
# (tests/fuzz/fuzz_sip.c built with -DSIP_REPLAY_MAIN: the same parse,
# getters, lump round trip and reply checks as under libFuzzer), each in its
# own process, with ASan and UBSan when the compiler has them.
# Output: PASS/FAIL per file, then exactly one line "fuzz-sip: N passed, N failed".
# Exit 1 if anything failed.
# Env: B (build directory, default build), CC (default cc), REPLAY_TIMEOUT (s, default 10).
set -u
cd "$(dirname "$0")/../.." || exit 2
: "${B:=build}"
cc=${CC:-cc}
tmo=${REPLAY_TIMEOUT:-10}
dir=tests/corpus/fuzz-sip
bin=$B/fuzz-sip-replay
pass=0 fail=0
mkdir -p "$B"

build() {
	$cc -std=c11 -D_GNU_SOURCE -g -O1 "$@" -DSIP_REPLAY_MAIN -Iruntime -o "$bin" \
		tests/fuzz/fuzz_sip.c runtime/sip/msg.c runtime/sip/hf.c runtime/sip/uri.c \
		runtime/sip/lump.c runtime/sip/build.c
}
if ! build -fsanitize=address,undefined -fno-sanitize-recover=all 2>/dev/null; then
	echo "note: no sanitizers with $cc; replaying without"
	if ! build; then
		echo "FAIL fuzz-sip replay: does not build"
		echo "fuzz-sip: 0 passed, 1 failed"
		exit 1
	fi
fi

# the seeds: the unit tests' corpus
seeds=$B/fuzz-sip-seeds
rm -rf "$seeds" && mkdir -p "$seeds"
if ! $cc -std=c11 -D_GNU_SOURCE -Iruntime -o "$B/fuzz-sip-cases" tests/unit/sip_cases_test.c \
	runtime/sip/msg.c runtime/sip/hf.c runtime/sip/uri.c || ! "$B/fuzz-sip-cases" --dump "$seeds"; then
	echo "FAIL fuzz-sip seeds: cannot write the unit corpus"
	fail=$((fail + 1))
fi

for f in "$dir"/* "$seeds"/*; do
	[ -f "$f" ] || continue
	if out=$(timeout "$tmo" "$bin" "$f" 2>&1); then
		echo "PASS $f"
		pass=$((pass + 1))
	else
		echo "FAIL $f"
		printf '%s\n' "$out" | head -n 20
		fail=$((fail + 1))
	fi
done
echo "fuzz-sip: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
