#!/bin/sh
# docs/modules.md is generated from the exports tables: it must match them.
set -u
: "${ROUTEC:=build/routec}"
pass=0 fail=0
if "$ROUTEC" doc modules | diff -u docs/modules.md - >/tmp/routec-docs.$$ 2>&1; then
	echo "PASS docs/modules.md is up to date"
	pass=1
else
	echo "FAIL docs/modules.md is stale: run 'make docs'"
	head -n 20 /tmp/routec-docs.$$
	fail=1
fi
rm -f /tmp/routec-docs.$$
echo "docs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
