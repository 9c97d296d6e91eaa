#!/bin/sh
# The C routec generates compiles without a warning under gcc -O2 -Wall
# -Wextra -Werror and under tcc, for every sample and test script.
set -u
cd "$(dirname "$0")/.." || exit 1
: "${ROUTEC:=build/routec}"
tmp=$(mktemp -d /tmp/routec-cg.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
for cfg in samples/*.cfg tests/sip/scripts/*.cfg; do
	c=$tmp/$(basename "$cfg" .cfg).c
	if ! "$ROUTEC" emit-c -Wno-unreachable "$cfg" >"$c" 2>"$tmp/err"; then
		echo "FAIL $cfg: emit-c: $(head -n 3 "$tmp/err")"
		fail=$((fail + 1))
		continue
	fi
	if gcc -std=c99 -O2 -Wall -Wextra -Werror -Iruntime/include -c "$c" -o "$tmp/g.o" 2>"$tmp/err"; then
		echo "PASS $cfg: gcc -O2 -Wall -Wextra -Werror"
		pass=$((pass + 1))
	else
		echo "FAIL $cfg: gcc: $(head -n 5 "$tmp/err")"
		fail=$((fail + 1))
	fi
	if tcc -Iruntime/include -c "$c" -o "$tmp/t.o" 2>"$tmp/err" && [ ! -s "$tmp/err" ]; then
		echo "PASS $cfg: tcc"
		pass=$((pass + 1))
	else
		echo "FAIL $cfg: tcc: $(head -n 5 "$tmp/err")"
		fail=$((fail + 1))
	fi
done
echo "cg: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
