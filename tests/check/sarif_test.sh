#!/bin/sh
# tests/check/sarif_test.sh: `routec check --format=sarif` writes valid SARIF 2.1.0.
#
# For a set of inputs (golden cases of this directory and a few scripts written
# here: an error inside an included file, one inside a #!define expansion, a file
# that cannot be read) it runs `routec check --format=sarif` from this directory
# and checks, with python3's json module:
#   - stderr is one JSON document; version "2.1.0", "$schema", one run whose
#     tool.driver.name is "routec", a results array;
#   - every result has a ruleId, a level (none|note|warning|error), a message
#     text, locations (physicalLocation: artifactLocation.uri and a region with
#     startLine/startColumn >= 1 and an end after the start; an empty location
#     only for a diagnostic with no place), relatedLocations with distinct ids;
#   - the results are the diagnostics of `--format=json` for the same input, in
#     the same order (rule, level, message, line, column, notes), and the exit
#     status is the same as with the default format.
# Then it validates every document against the official SARIF 2.1.0 JSON schema
# (sarif-2.1.0-rtm.5.json, shipped by the npm package @microsoft/jest-sarif) with
# ajv 6, both installed by npm into a temporary directory. Without node/npm or
# the network that step is reported as SKIP (not a failure).
# Output: PASS/FAIL/SKIP lines, then "sarif: N passed, N failed"; exit 1 on a failure.
# Env: ROUTEC (default build/routec); SARIF_NPM_TIMEOUT (seconds, default 180).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${ROUTEC:=$here/../../build/routec}"
case $ROUTEC in /*) ;; *) ROUTEC=$(pwd)/$ROUTEC ;; esac
if [ ! -x "$ROUTEC" ] || ! command -v python3 >/dev/null 2>&1; then
	echo "FAIL sarif: needs the routec binary ($ROUTEC) and python3"
	echo "sarif: 0 passed, 1 failed"
	exit 1
fi
export LC_ALL=C
cd "$here" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/routec-sarif.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM

# Scripts of our own, in the temporary directory.
mkdir -p "$tmp/in"
cat >"$tmp/in/inc_main.cfg" <<'EOF'
loadmodule "sl.so"
include_file "inc_part.cfg"
request_route {
	route(PART);
	sl_send_reply("200", "OK");
	exit;
}
EOF
cat >"$tmp/in/inc_part.cfg" <<'EOF'
route[PART] {
	no_such_function();
	$si = "1.2.3.4";
}
EOF
cat >"$tmp/in/define.cfg" <<'EOF'
#!define REPLY sl_send_reply("200", "OK")
#!define CHECK nonexistent_check()
loadmodule "sl.so"
request_route {
	if (CHECK) {
		REPLY;
	}
	exit;
}
EOF
printf 'request_route {\n\tdrop;\n\t$var(ünïcode) = "é";\n}\n' >"$tmp/in/utf8.cfg"

# name|args (word-split; paths relative to this directory)
inputs="errors_notes|79_route_type_subroute.cfg
warnings|90_unreachable.cfg
clean|93_no_reply_ok.cfg
note_level|76_runtime_modules.cfg
werror|-Werror 97_werror.cfg
syntax_errors|40_syntax_recovery.cfg
included_file|$tmp/in/inc_main.cfg
define_expansion|$tmp/in/define.cfg
utf8|$tmp/in/utf8.cfg
unreadable|$tmp/in/no-such-file.cfg"

pass=0 fail=0
ok() { echo "PASS sarif $1"; pass=$((pass + 1)); }
ko() { echo "FAIL sarif $1: $2"; fail=$((fail + 1)); }

docs=""
while IFS='|' read -r name args; do
	[ -n "$name" ] || continue
	# shellcheck disable=SC2086
	"$ROUTEC" check --format=sarif $args >/dev/null 2>"$tmp/$name.sarif"
	src=$?
	# shellcheck disable=SC2086
	"$ROUTEC" check --format=json $args >/dev/null 2>"$tmp/$name.json"
	# shellcheck disable=SC2086
	"$ROUTEC" check $args >/dev/null 2>/dev/null
	grc=$?
	if [ "$src" != "$grc" ]; then
		ko "$name" "exit status $src with --format=sarif, $grc without"
		continue
	fi
	if why=$(python3 - "$tmp/$name.sarif" "$tmp/$name.json" 2>&1 <<'EOF'
import json, sys

def fail(msg):
    print(msg)
    sys.exit(1)

try:
    with open(sys.argv[1], encoding="utf-8") as f:
        log = json.load(f)      # one document, nothing after it
except ValueError as e:
    fail("not one JSON document: %s" % e)
with open(sys.argv[2], encoding="utf-8") as f:
    plain = json.load(f)

if not isinstance(log, dict):
    fail("the log is not an object")
if log.get("version") != "2.1.0":
    fail("version is %r, not '2.1.0'" % log.get("version"))
if not isinstance(log.get("$schema"), str) or "sarif" not in log["$schema"]:
    fail("no SARIF $schema")
runs = log.get("runs")
if not isinstance(runs, list) or len(runs) != 1:
    fail("runs must be a list of one run")
run = runs[0]
if run.get("tool", {}).get("driver", {}).get("name") != "routec":
    fail("tool.driver.name is not 'routec'")
results = run.get("results")
if not isinstance(results, list):
    fail("no results array")

def check_region(where, r, full):
    if not isinstance(r, dict):
        fail("%s: region is not an object" % where)
    for k in ("startLine", "startColumn"):
        if not isinstance(r.get(k), int) or r[k] < 1:
            fail("%s: region.%s must be an integer >= 1: %r" % (where, k, r.get(k)))
    if full:
        for k in ("endLine", "endColumn"):
            if not isinstance(r.get(k), int) or r[k] < 1:
                fail("%s: region.%s must be an integer >= 1" % (where, k))
        if (r["endLine"], r["endColumn"]) <= (r["startLine"], r["startColumn"]):
            fail("%s: region ends before it starts (endColumn is exclusive): %r" % (where, r))

def check_physical(where, loc, full):
    pl = loc.get("physicalLocation")
    if not isinstance(pl, dict):
        fail("%s: no physicalLocation" % where)
    uri = pl.get("artifactLocation", {}).get("uri")
    if not isinstance(uri, str) or not uri:
        fail("%s: no artifactLocation.uri" % where)
    check_region(where, pl.get("region"), full)
    return uri, pl["region"]

if len(results) != len(plain):
    fail("%d results, but --format=json has %d diagnostics" % (len(results), len(plain)))
for i, (res, d) in enumerate(zip(results, plain)):
    where = "result %d" % i
    if not isinstance(res.get("ruleId"), str) or not res["ruleId"]:
        fail("%s: no ruleId" % where)
    if res.get("level") not in ("none", "note", "warning", "error"):
        fail("%s: bad level %r" % (where, res.get("level")))
    text = res.get("message", {}).get("text")
    if not isinstance(text, str) or not text:
        fail("%s: no message.text" % where)
    want_level = "error" if d["severity"] in ("error", "fatal error") else d["severity"]
    if res["level"] != want_level:
        fail("%s: level %s, json severity %s" % (where, res["level"], d["severity"]))
    if res["ruleId"] != (d["rule"] or "routec"):
        fail("%s: ruleId %s, json rule %s" % (where, res["ruleId"], d["rule"]))
    if text != d["message"]:
        fail("%s: message differs from --format=json" % where)
    locs = res.get("locations")
    if not isinstance(locs, list) or len(locs) != 1:
        fail("%s: locations must hold one location" % where)
    if locs[0] == {}:
        if d["file"] and d["line"] > 0:
            fail("%s: empty location for a diagnostic at %s:%d" % (where, d["file"], d["line"]))
    else:
        uri, reg = check_physical(where, locs[0], True)
        if (uri, reg["startLine"], reg["startColumn"]) != (d["file"], d["line"], d["column"]):
            fail("%s: at %s:%d:%d, json says %s:%d:%d" % (where, uri, reg["startLine"],
                 reg["startColumn"], d["file"], d["line"], d["column"]))
    rel = res.get("relatedLocations", [])
    if len(rel) != len(d["notes"]):
        fail("%s: %d relatedLocations, %d notes" % (where, len(rel), len(d["notes"])))
    ids = set()
    for j, (r, n) in enumerate(zip(rel, d["notes"])):
        w = "%s related %d" % (where, j)
        if not isinstance(r.get("id"), int) or r["id"] < 0 or r["id"] in ids:
            fail("%s: ids must be distinct integers >= 0" % w)
        ids.add(r["id"])
        if r.get("message", {}).get("text") != n["message"]:
            fail("%s: message differs from the note" % w)
        if "physicalLocation" in r:
            check_physical(w, r, False)
        elif n["file"] and n["line"] > 0:
            fail("%s: the note has a place, the related location none" % w)
print("%d results" % len(results))
EOF
	); then
		ok "$name ($why, exit $src)"
		docs="$docs $name"
	else
		ko "$name" "$why"
	fi
done <<EOF
$inputs
EOF

# --- the official schema ----------------------------------------------------------
schema_pkg=@microsoft/jest-sarif@1.0.0-beta.0
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "SKIP sarif schema: no node/npm to install ajv and $schema_pkg"
elif ! timeout "${SARIF_NPM_TIMEOUT:-180}" npm install --prefix "$tmp/npm" --no-save --no-audit \
	--no-fund --ignore-scripts --loglevel=error --fetch-retries=1 --fetch-timeout=30000 \
	"ajv@6" "$schema_pkg" >"$tmp/npm.log" 2>&1; then
	echo "SKIP sarif schema: npm install of ajv@6 and $schema_pkg failed: $(tail -n 1 "$tmp/npm.log")"
else
	for name in $docs; do
		if why=$(cd "$tmp/npm" && node - "$tmp/$name.sarif" 2>&1 <<'EOF'
const fs = require("fs");
const Ajv = require("ajv");
const schema = require("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
const ajv = new Ajv({ schemaId: "auto", allErrors: true });
ajv.addMetaSchema(require("ajv/lib/refs/json-schema-draft-04.json"));
const validate = ajv.compile(schema);
const doc = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
if (!validate(doc)) {
	console.log(ajv.errorsText(validate.errors, { separator: "; " }).slice(0, 600));
	process.exit(1);
}
console.log("valid");
EOF
		); then
			ok "$name against the SARIF 2.1.0 schema"
		else
			ko "$name against the SARIF 2.1.0 schema" "$why"
		fi
	done
fi

echo "sarif: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
