#!/bin/sh
# tests/rpc/run.sh: the control interface end to end (docs/control.md).
#   - every core method through `routec ctl`, on the unix socket, UDP and FIFO
#   - Debian's kamcli (unix socket) and `kamctl rpc` (FIFO) reading
#     core.uptime, stats.get_statistics all and ul.dump
#   - statistics that move with the SIP traffic the test sends
#   - the paths: 0600 sockets, a second proxy never takes the first one's
#     socket, a stale socket is replaced, everything removed at stop
#   - access: UDP from 127.0.0.2 is ignored unless dgram_allow lists it, UDP
#     on a non-loopback address without dgram_allow refuses to start
#   - malformed input answered with JSON-RPC errors, the proxy serving on
#
# Env: ROUTEC (binary), B (build dir with sipua).  Ports 45000-49999, a block
# of 50 per run of this script (by pid).  Ends with "rpc: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${ROUTEC:=build/routec}" "${B:=build}"
SIPUA=$B/sipua
RAW="python3 tests/rpc/raw.py"
tmp=$(mktemp -d /tmp/routec-rpc.XXXXXX)
RUN=$tmp/run
mkdir -m 700 "$RUN"
export ROUTEC_RUNDIR="$RUN"
pass=0 fail=0 pids=""

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp" "/tmp/routec_ctl_$$"
}
trap cleanup EXIT INT TERM

ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
check() { # check NAME WHY COMMAND...: PASS when the command succeeds
	name=$1 why=$2
	shift 2
	if "$@"; then ok "$name"; else ko "$name" "$why"; fi
}

if [ ! -x "$SIPUA" ]; then
	make --no-print-directory "$SIPUA" >/dev/null 2>&1 || { ko build "no $SIPUA"; echo "rpc: $pass passed, $fail failed"; exit 1; }
fi

base=$((45000 + ($$ % 100) * 50))
P_A=$base           # proxy A: samples/default.cfg, no jsonrpcs
P_B=$((base + 2))   # proxy B: tests/rpc/jr.cfg (FIFO + UDP)
U_B=$((base + 3))   #   its UDP control socket
P_C=$((base + 4))   # proxy C: a second default.cfg in the same run directory
P_D=$((base + 6))   # proxy D: jr.cfg with dgram_allow
U_D=$((base + 7))
P_E=$((base + 8))   # proxy E: UDP control on 0.0.0.0 without dgram_allow
U_E=$((base + 9))
P_U=$((base + 10))  # proxy U: tests/rpc/ul.cfg (registrar)
UA=$((base + 20))   # sipua
CLOSED=$((base + 30)) # nobody listens here

# start NAME SCRIPT PORT [ARGS...]: `routec run`, log in $tmp/NAME.log, pid
# in $tmp/NAME.pid; waits until it serves (bounded)
start() {
	name=$1 script=$2 port=$3
	shift 3
	"$ROUTEC" run -E -d -n 2 -l "udp:127.0.0.1:$port" "$@" "$script" >"$tmp/$name.log" 2>&1 &
	pid=$!
	pids="$pids $pid"
	echo "$pid" >"$tmp/$name.pid"
	i=0
	while [ $i -lt 100 ]; do
		grep -qs "serving" "$tmp/$name.log" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

stop() { # stop NAME: SIGTERM, wait (bounded)
	pid=$(cat "$tmp/$1.pid")
	kill "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

ctl() { "$ROUTEC" ctl -t 5 "$@"; }

options() { # options PORT EXPECT [--set ...]: one OPTIONS to the proxy itself
	port=$1 expect=$2
	shift 2
	"$SIPUA" send --to "127.0.0.1:$port" --bind "127.0.0.1:$UA" --msg tests/sip/msgs/options.sip \
		--expect "$expect" --timeout 3000 --quiet --set proxy="127.0.0.1:$port" --set maxfwd=70 "$@" \
		>/dev/null 2>&1
}

# ---- proxy A: samples/default.cfg, which does not load jsonrpcs ---------------------------

if ! start A samples/default.cfg "$P_A" -D NEXT_HOP_PORT="$CLOSED"; then
	ko "start A" "$(tail -n 5 "$tmp/A.log")"
	echo "rpc: $pass passed, $fail failed"
	exit 1
fi
PID_A=$(cat "$tmp/A.pid")

# the sockets: the well-known one and the process's own, 0600, ours
for s in routec_rpc.sock "routec_rpc.$PID_A.sock"; do
	m=$(stat -c '%A %U' "$RUN/$s" 2>/dev/null)
	check "socket $s is 0600" "got '$m'" [ "$m" = "srw------- $(id -un)" ]
done
check "no FIFO without jsonrpcs" "$(ls "$RUN")" [ ! -e "$RUN/routec_rpc.fifo" ]

out=$(ctl core.version)
check "core.version" "'$out'" [ "$out" = '"routec 0.1.0 (x86_64/linux)"' ]
ctl -r core.version >"$tmp/raw.txt"
check "core.version reply in Kamailio's pretty layout (tabs)" "$(cat "$tmp/raw.txt")" python3 -c '
import sys
t = open(sys.argv[1]).read()
assert t.startswith("{\n\t\"jsonrpc\":\t\"2.0\",\n\t\"result\":\t\"routec 0.1.0 (x86_64/linux)\",\n\t\"id\":\t"), repr(t)
' "$tmp/raw.txt"

out=$(ctl -p "$PID_A" core.uptime) && printf '%s\n' "$out" >"$tmp/uptime.json"
check "core.uptime via -p PID" "$out" python3 -c '
import json, sys, time
r = json.load(open(sys.argv[1]))
assert set(r) == {"now", "up_since", "uptime"}, r
assert isinstance(r["uptime"], int) and 0 <= r["uptime"] < 60, r
time.strptime(r["now"], "%a %b %d %H:%M:%S %Y"); time.strptime(r["up_since"], "%a %b %d %H:%M:%S %Y")
' "$tmp/uptime.json"

ctl core.psx >"$tmp/psx.json"
check "core.psx: main thread and two receivers" "$(cat "$tmp/psx.json")" python3 -c '
import json, sys
r = json.load(open(sys.argv[1])); pid = int(sys.argv[2])
assert [e["IDX"] for e in r] == list(range(len(r))), r
assert {"IDX", "PID", "DSC"} == set(r[0]) and r[0]["PID"] == pid and r[0]["DSC"] == "main process - attendant", r
rcv = [e for e in r if e["DSC"].startswith("udp receiver child=")]
assert len(rcv) == 2 and all(e["DSC"].endswith("sock=127.0.0.1:%s" % sys.argv[3]) for e in rcv), r
import os
assert all(os.path.exists("/proc/%d/task/%d" % (pid, e["PID"])) for e in r), "PIDs are our threads"
' "$tmp/psx.json" "$PID_A" "$P_A"

ctl core.ps >"$tmp/ps.json"
check "core.ps: [pid, desc, ...]" "$(cat "$tmp/ps.json")" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r) % 2 == 0 and r[0] == int(sys.argv[2]) and r[1] == "main process - attendant", r
assert all(isinstance(x, int) for x in r[0::2]) and all(isinstance(x, str) for x in r[1::2]), r
' "$tmp/ps.json" "$PID_A"

ctl core.info >"$tmp/info.json"
check "core.info" "$(cat "$tmp/info.json")" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert set(r) == {"version", "id", "compiler", "compiled", "flags"} and r["version"] == "routec 0.1.0", r
' "$tmp/info.json"

ctl system.listMethods >"$tmp/methods.json"
check "system.listMethods: sorted, with the core's and cfg.*" "$(cat "$tmp/methods.json")" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
need = ["core.uptime", "core.version", "core.psx", "core.ps", "core.info", "system.listMethods",
        "system.methodHelp", "stats.get_statistics", "stats.fetch", "stats.fetchn",
        "stats.reset_statistics", "stats.clear_statistics", "sl.stats", "cfg.reload", "cfg.check", "cfg.info"]
assert all(m in r for m in need), [m for m in need if m not in r]
assert r == sorted(r), r
' "$tmp/methods.json"

out=$(ctl system.methodHelp core.uptime)
check "system.methodHelp" "'$out'" [ "$out" = '"Returns uptime of SIP server."' ]

# statistics move with traffic: 3 keepalives (200), 1 with Max-Forwards 0 (483)
n_ok=0
for i in 1 2 3; do options "$P_A" 200 && n_ok=$((n_ok + 1)); done
options "$P_A" 483 --set maxfwd=0 && n_ok=$((n_ok + 1))
check "SIP answered before the statistics" "$n_ok of 4" [ "$n_ok" -eq 4 ]
# a reply the proxy did not ask for: counted by class, code and CSeq method, then dropped
printf 'SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 127.0.0.1:%s;branch=z9hG4bKnope\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: r1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n' "$CLOSED" >"$tmp/180.sip"
$RAW udp 127.0.0.1 "$P_A" --file "$tmp/180.sip" --wait 0.3 >/dev/null

ctl stats.get_statistics all >"$tmp/all.json"
check "stats.get_statistics all: sorted strings, values of the traffic" "see $tmp/all.json" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
kv = dict(s.split(" = ") for s in r)
keys = [s.split(" = ")[0] for s in r]
assert keys == sorted(keys, key=lambda k: k.split(":", 1)), "sorted by group then name"
want = {"core:rcv_requests": "4", "core:rcv_requests_options": "4", "core:rcv_requests_invite": "0",
        "core:rcv_replies": "1", "core:rcv_replies_1xx": "1", "core:rcv_replies_18x": "1",
        "core:rcv_replies_1xx_invite": "1", "core:rcv_replies_2xx": "0",
        "sl:200_replies": "3", "sl:483_replies": "1", "sl:sent_replies": "4", "sl:1xx_replies": "0",
        "sl:failures": "0"}
bad = {k: (kv.get(k), v) for k, v in want.items() if kv.get(k) != v}
assert not bad, bad
assert int(kv["shmem:rss_size"]) > 1000000 and int(kv["shmem:used_size"]) > 0, kv
for g in ("core:", "sl:", "shmem:"):
    assert any(k.startswith(g) for k in keys), g
' "$tmp/all.json"

out=$(ctl stats.get_statistics sl: | tr -d ' \n')
check "stats.get_statistics group:" "$out" sh -c 'case "$1" in "[\"sl:1xx_replies=0\","*"\"sl:xxx_replies=0\"]") exit 0;; esac; exit 1' sh "$out"
out=$(ctl stats.get_statistics rcv_requests | tr -d ' \n')
check "stats.get_statistics NAME" "$out" [ "$out" = '["core:rcv_requests=4"]' ]
out=$(ctl stats.get_statistics sl:200_replies rcv_requests_options nosuch | tr -d ' \n')
check "stats.get_statistics several, group:name, unknown" "$out" \
	[ "$out" = '["sl:200_replies=3","core:rcv_requests_options=4"]' ]
ctl stats.get_statistics >/dev/null 2>"$tmp/err"
rc=$?
check "stats.get_statistics without a parameter: error 400" "rc=$rc $(cat "$tmp/err")" \
	sh -c '[ "$1" -eq 1 ] && grep -q "^error 400: Please provide which stats to retrieve" "$2"' sh "$rc" "$tmp/err"

out=$(ctl stats.fetch sl:404_replies rcv_requests | tr -d ' \n')
check "stats.fetch: dotted names, string values" "$out" [ "$out" = '{"sl.404_replies":"0","core.rcv_requests":"4"}' ]
out=$(ctl stats.fetchn core:rcv_requests | tr -d ' \n')
check "stats.fetchn: numbers" "$out" [ "$out" = '{"core.rcv_requests":4}' ]

ctl sl.stats >"$tmp/sl.json"
check "sl.stats: Kamailio's struct" "$(cat "$tmp/sl.json")" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert list(r) == ["200","202","2xx","300","301","302","3xx","400","401","403","404","407","408","483","4xx","500","5xx","6xx","xxx"], list(r)
assert r["200"] == 3 and r["483"] == 1 and r["404"] == 0, r
' "$tmp/sl.json"

out=$(ctl stats.reset_statistics core: sl: | tr -d ' \n')
check "stats.reset_statistics answers {}" "$out" [ "$out" = '{}' ]
out=$(ctl stats.get_statistics rcv_requests sl:200_replies | tr -d ' \n')
check "reset: core counters zeroed, sl kept (not resettable, as in Kamailio)" "$out" \
	[ "$out" = '["core:rcv_requests=0","sl:200_replies=3"]' ]
options "$P_A" 200
out=$(ctl stats.clear_statistics rcv_requests_options | tr -d ' \n')
check "stats.clear_statistics lists the values it cleared" "$out" [ "$out" = '["core:rcv_requests_options=1"]' ]
out=$(ctl stats.fetchn rcv_requests rcv_requests_options | tr -d ' \n')
check "counting goes on after a reset" "$out" [ "$out" = '{"core.rcv_requests":1,"core.rcv_requests_options":0}' ]

# errors and unreachable proxies
ctl nosuch.method >/dev/null 2>"$tmp/err"
rc=$?
check "unknown method: exit 1, message" "rc=$rc $(cat "$tmp/err")" \
	sh -c '[ "$1" -eq 1 ] && grep -q "Method not found" "$2"' sh "$rc" "$tmp/err"
t0=$(date +%s)
ctl -s "$tmp/nosuch.sock" core.uptime 2>/dev/null
rc1=$?
ctl -u "127.0.0.1:$CLOSED" core.uptime 2>/dev/null
rc2=$?
ctl -f "$tmp/nosuch.fifo" core.uptime 2>/dev/null
rc3=$?
t1=$(date +%s)
check "unreachable proxy: exit 2 at once (socket, UDP, FIFO)" "$rc1 $rc2 $rc3 in $((t1 - t0)) s" \
	[ "$rc1$rc2$rc3" = 222 ] && [ $((t1 - t0)) -le 3 ]
$RAW serve "$tmp/mute.sock" --mute >/dev/null &
mute=$!
pids="$pids $mute"
i=0
while [ ! -S "$tmp/mute.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
t0=$(date +%s)
"$ROUTEC" ctl -t 1 -s "$tmp/mute.sock" core.uptime 2>"$tmp/err"
rc=$?
t1=$(date +%s)
check "a proxy that does not answer: exit 2 after -t" "rc=$rc in $((t1 - t0)) s: $(cat "$tmp/err")" \
	sh -c '[ "$1" -eq 2 ] && [ "$2" -le 3 ] && grep -q "no answer in time" "$3"' sh "$rc" $((t1 - t0)) "$tmp/err"
kill "$mute" 2>/dev/null

# numbers and strings, as kamctl sends them: what looks like a number is one,
# s: forces a string, i: a number; the method answers a result, exit 0
$RAW serve "$tmp/fake.sock" >"$tmp/fake.req" &
fake=$!
pids="$pids $fake"
i=0
while [ ! -S "$tmp/fake.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ctl -s "$tmp/fake.sock" some.method 12 s:12 i:7 abc -1.5e3 "two words" "" 0x10 >"$tmp/fake.out"
rc=$?
wait "$fake" 2>/dev/null
check "parameters: numbers, s:, i:, strings" "rc=$rc $(cat "$tmp/fake.req")" python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).read())
assert r["jsonrpc"] == "2.0" and r["method"] == "some.method" and isinstance(r["id"], int), r
assert r["params"] == [12, "12", 7, "abc", -1500.0, "two words", "", "0x10"], r["params"]
assert [type(x) for x in r["params"][:5]] == [int, str, int, str, float], r["params"]
' "$tmp/fake.req"

# ---- proxy C: a second proxy in the same run directory ------------------------------------

if start C samples/default.cfg "$P_C" -D NEXT_HOP_PORT="$CLOSED"; then
	PID_C=$(cat "$tmp/C.pid")
	out=$(ctl core.psx | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["PID"])')
	check "a second proxy leaves the well-known socket to the first" "well-known answers for $out" [ "$out" = "$PID_A" ]
	check "the second proxy logs where it answers" "$(cat "$tmp/C.log")" grep -q "routec_rpc.$PID_C.sock" "$tmp/C.log"
	out=$(ctl -p "$PID_C" core.psx | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["PID"])')
	check "the second proxy answers on its own socket" "got $out" [ "$out" = "$PID_C" ]
	stop C
	check "stop removes the second proxy's socket, not the first's" "$(ls "$RUN")" \
		sh -c '[ ! -e "$1/routec_rpc.$2.sock" ] && [ -S "$1/routec_rpc.sock" ] && [ -S "$1/routec_rpc.$3.sock" ]' sh "$RUN" "$PID_C" "$PID_A"
	out=$(ctl core.version)
	check "the first proxy still answers" "$out" [ -n "$out" ]
else
	ko "start C" "$(tail -n 5 "$tmp/C.log")"
fi

stop A
check "stop removes the sockets" "$(ls "$RUN")" sh -c '! ls "$1" | grep -q sock' sh "$RUN"

# a socket left by a process that is gone is taken over
$RAW stale "$RUN/routec_rpc.sock"
if start C2 samples/default.cfg "$P_C" -D NEXT_HOP_PORT="$CLOSED"; then
	out=$(ctl core.psx | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["PID"])')
	check "a stale well-known socket is replaced" "answered by $out" [ "$out" = "$(cat "$tmp/C2.pid")" ]
	stop C2
else
	ko "start C2" "$(tail -n 5 "$tmp/C2.log")"
fi

# ---- proxy B: jsonrpcs configured (FIFO + UDP), kamctl and kamcli -----------------------------

FIFO=$tmp/b.fifo
if start B tests/rpc/jr.cfg "$P_B" -D "RPC_FIFO=\"$FIFO\"" -D "RPC_UDP=\"udp:127.0.0.1:$U_B\""; then
	PID_B=$(cat "$tmp/B.pid")
	m=$(stat -c '%A' "$FIFO" 2>/dev/null)
	check "FIFO made 0600" "got '$m'" [ "$m" = "prw-------" ]
	out=$(ctl -u "127.0.0.1:$U_B" core.version)
	check "UDP transport" "'$out'" [ "$out" = '"routec 0.1.0 (x86_64/linux)"' ]
	out=$(ctl -f "$FIFO" stats.get_statistics sl:404_replies | tr -d ' \n')
	check "FIFO transport (routec ctl -f)" "'$out'" [ "$out" = '["sl:404_replies=0"]' ]
	check "the reply FIFO is removed" "$(ls /tmp/routec_ctl_* 2>/dev/null)" sh -c '! ls /tmp/routec_ctl_$1 2>/dev/null' sh "$$"

	# kamctl rpc: JSON-RPC over the FIFO, reply FIFO in /tmp
	if command -v kamctl >/dev/null 2>&1; then
		RPCFIFOPATH=$FIFO timeout 20 kamctl rpc core.uptime >"$tmp/kamctl.up" 2>&1
		check "kamctl rpc core.uptime" "$(cat "$tmp/kamctl.up")" \
			sh -c 'grep -q "\"uptime\":" "$1" && grep -q "\"up_since\":" "$1"' sh "$tmp/kamctl.up"
		options "$P_B" 200
		RPCFIFOPATH=$FIFO timeout 20 kamctl rpc stats.get_statistics all >"$tmp/kamctl.st" 2>&1
		check "kamctl rpc stats.get_statistics all" "$(head -c 300 "$tmp/kamctl.st")" \
			sh -c 'grep -q "\"core:rcv_requests = 1\"" "$1" && grep -q "\"sl:200_replies = 1\"" "$1"' sh "$tmp/kamctl.st"
	else
		ko "kamctl" "not installed (mk/deps.sh test installs kamailio)"
	fi

	# kamcli: the unix datagram socket (its FIFO and UDP modes are broken on Python 3)
	if command -v kamcli >/dev/null 2>&1; then
		cat >"$tmp/kamcli.ini" <<-EOF
		[main]
		domain=example.com
		[ctl]
		type=jsonrpc
		kamgroup=$(id -gn)
		[jsonrpc]
		transport=socket
		path=$FIFO
		rplnamebase=kamailio_rpc_reply.fifo
		rpldir=/tmp
		srvaddr=$RUN/routec_rpc.$PID_B.sock
		rcvaddr=$tmp/kamcli_reply.sock
		outformat=json
		EOF
		kc() { timeout 20 kamcli -c "$tmp/kamcli.ini" "$@"; }
		kc uptime >"$tmp/kamcli.up" 2>&1
		check "kamcli uptime" "$(cat "$tmp/kamcli.up")" grep -q '"uptime": ' "$tmp/kamcli.up"
		kc stats >"$tmp/kamcli.st" 2>&1
		check "kamcli stats (stats.get_statistics all)" "$(head -c 300 "$tmp/kamcli.st")" \
			sh -c 'grep -q "\"core:rcv_requests = 1\"" "$1" && grep -q "\"shmem:rss_size = " "$1"' sh "$tmp/kamcli.st"
		kc ps >"$tmp/kamcli.ps" 2>&1
		check "kamcli ps (core.psx)" "$(cat "$tmp/kamcli.ps")" grep -q "^ *0 *$PID_B main process - attendant" "$tmp/kamcli.ps"
	else
		ko "kamcli" "not installed (mk/deps.sh test installs it)"
	fi

	# ---- malformed input: each answered with an error, the proxy serving on ----
	S=$RUN/routec_rpc.$PID_B.sock
	# raw LABEL EXPECT-CODE DATA...: the reply carries that error code and "id": null or the id
	bad() {
		label=$1 code=$2
		shift 2
		out=$($RAW unix "$S" "$@" | tr -d ' \t\n')
		case "$out" in
		*"\"error\":{\"code\":$code,"*) ok "malformed: $label" ;;
		*) ko "malformed: $label" "$out" ;;
		esac
	}
	bad "garbage" -32700 --data 'hello there'
	bad "truncated JSON" -32700 --data '{"jsonrpc":"2.0","method":"core.uptime","id":1'
	bad "trailing comma" -32700 --data '{"jsonrpc":"2.0","method":"core.uptime","id":1,}'
	bad "text after the document" -32700 --data '{"jsonrpc":"2.0","method":"core.uptime","id":1} x'
	bad "invalid UTF-8" -32700 --hex '7b226a736f6e727063223a22322e30222c226d6574686f64223a22ff222c226964223a317d'
	bad "NUL byte" -32700 --hex '7b226a736f6e727063223a22322e30220022'
	bad "nested 200 deep" -32700 --data "$(python3 -c 'print("["*200 + "]"*200)')"
	bad "empty datagram" -32700 --data ''
	bad "batch array" -32600 --data '[{"jsonrpc":"2.0","method":"core.uptime","id":1}]'
	bad "not an object" -32600 --data '"core.uptime"'
	bad "method is a number" -32600 --data '{"jsonrpc":"2.0","method":3,"id":4}'
	bad "method with a NUL" -32600 --data '{"jsonrpc":"2.0","method":"core.uptime\u0000x","id":4}'
	bad "jsonrpc 1.0" -32600 --data '{"jsonrpc":"1.0","method":"core.uptime","id":4}'
	bad "id is an object" -32600 --data '{"jsonrpc":"2.0","method":"core.uptime","id":{}}'
	bad "params is a string" -32602 --data '{"jsonrpc":"2.0","method":"core.uptime","params":"x","id":5}'
	bad "param of the wrong type" -32602 --data '{"jsonrpc":"2.0","method":"stats.get_statistics","params":[{"a":1}],"id":6}'
	bad "17 params" -32602 --data '{"jsonrpc":"2.0","method":"core.uptime","params":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17],"id":7}'
	bad "unknown method" -32601 --data '{"jsonrpc":"2.0","method":"no.such","id":8}'
	bad "huge request (70000 bytes)" -32600 --size 70000
	out=$($RAW unix "$S" --data '{"jsonrpc":"2.0","method":"core.version"}' | tr -d ' \t\n')
	check "no id: answered without id (as Kamailio)" "$out" [ "$out" = '{"jsonrpc":"2.0","result":"routec0.1.0(x86_64/linux)"}' ]
	out=$($RAW unix "$S" --data '{"jsonrpc":"2.0","method":"stats.fetchn","params":{"x":"sl:404_replies"},"id":"s1"}' | tr -d ' \t\n')
	check "params as an object, string id echoed" "$out" [ "$out" = '{"jsonrpc":"2.0","result":{"sl.404_replies":0},"id":"s1"}' ]
	out=$($RAW unix "$S" --size 65000 | tr -d ' \t\n')
	check "a request just under the limit is served" "$(printf '%s' "$out" | head -c 100)" [ "$out" = '{"jsonrpc":"2.0","result":"routec0.1.0(x86_64/linux)","id":1}' ]
	# the FIFO: garbage, an oversized request and a request without reply_name
	# are dropped (nobody to answer); the next request is served
	printf 'garbage } { "unterminated": "}" ' >"$FIFO"
	printf '}\n' >"$FIFO"
	python3 -c 'import sys; sys.stdout.write("{\"jsonrpc\":\"2.0\",\"method\":\"core.uptime\",\"params\":[\"" + "x"*70000 + "\"],\"reply_name\":\"nope\",\"id\":1}")' >"$FIFO"
	printf '{"jsonrpc":"2.0","method":"core.uptime","id":1}' >"$FIFO"
	out=$(ctl -f "$FIFO" core.version)
	check "FIFO still served after garbage and an oversized request" "'$out'" [ "$out" = '"routec 0.1.0 (x86_64/linux)"' ]
	check "oversized FIFO request logged" "$(tail -n 3 "$tmp/B.log")" grep -q "FIFO request of 7.... bytes dropped" "$tmp/B.log"
	check "SIP still served after malformed RPC input" "no 200 to OPTIONS" options "$P_B" 200
	out=$(ctl -p "$PID_B" core.version)
	check "RPC still served after malformed input" "'$out'" [ -n "$out" ]

	# ---- access: UDP from 127.0.0.2 is ignored, 127.0.0.1 answered ----
	out=$($RAW udp 127.0.0.1 "$U_B" --from 127.0.0.2 --wait 1 --data '{"jsonrpc":"2.0","method":"core.version","id":1}')
	check "UDP request from 127.0.0.2 ignored" "$out" [ "$out" = "NO REPLY" ]
	check "the refusal is logged" "$(tail -n 3 "$tmp/B.log")" grep -q "request from 127.0.0.2 refused" "$tmp/B.log"
	out=$($RAW udp 127.0.0.1 "$U_B" --from 127.0.0.1 --wait 2 --data '{"jsonrpc":"2.0","method":"core.version","id":1}' | tr -d ' \t\n')
	check "UDP request from 127.0.0.1 answered" "$out" [ "$out" = '{"jsonrpc":"2.0","result":"routec0.1.0(x86_64/linux)","id":1}' ]
	stop B
	check "stop removes the FIFO" "$(ls -l "$FIFO" 2>&1)" [ ! -e "$FIFO" ]
else
	ko "start B" "$(tail -n 5 "$tmp/B.log")"
fi

# dgram_allow lets a listed peer in; pretty_format 0 answers compact JSON
if start D tests/rpc/jr.cfg "$P_D" -D "RPC_FIFO=\"$tmp/d.fifo\"" -D "RPC_UDP=\"udp:127.0.0.1:$U_D\"" \
	-D 'RPC_ALLOW="127.0.0.2/32"' -D RPC_PRETTY=0; then
	out=$($RAW udp 127.0.0.1 "$U_D" --from 127.0.0.2 --wait 2 --data '{"jsonrpc":"2.0","method":"core.version","id":1}')
	check "dgram_allow admits 127.0.0.2; pretty_format 0 is compact" "$out" \
		[ "$out" = '{"jsonrpc":"2.0","result":"routec 0.1.0 (x86_64/linux)","id":1}' ]
	out=$($RAW udp 127.0.0.1 "$U_D" --from 127.0.0.3 --wait 1 --data '{"jsonrpc":"2.0","method":"core.version","id":1}')
	check "dgram_allow: other addresses still ignored" "$out" [ "$out" = "NO REPLY" ]
	stop D
else
	ko "start D" "$(tail -n 5 "$tmp/D.log")"
fi

# UDP on an address that is not loopback, without dgram_allow: refused at start
if start E tests/rpc/jr.cfg "$P_E" -D "RPC_FIFO=\"$tmp/e.fifo\"" -D "RPC_UDP=\"udp:0.0.0.0:$U_E\""; then
	ko "UDP on 0.0.0.0 without dgram_allow refused" "it started"
	stop E
else
	check "UDP on 0.0.0.0 without dgram_allow refused" "$(tail -n 3 "$tmp/E.log")" grep -q "not a loopback address" "$tmp/E.log"
fi

# ---- ul.dump through routec ctl, kamctl and kamcli (usrloc registers it) ----------------------

if "$ROUTEC" run -c tests/rpc/ul.cfg >"$tmp/ul.check" 2>&1 &&
	start U tests/rpc/ul.cfg "$P_U" -D "RPC_FIFO=\"$tmp/u.fifo\"" &&
	ctl -p "$(cat "$tmp/U.pid")" system.listMethods | grep -q '"ul.dump"'; then
	PID_U=$(cat "$tmp/U.pid")
	"$SIPUA" send --to "127.0.0.1:$P_U" --bind "127.0.0.1:$UA" --msg tests/sip/msgs/register.sip \
		--expect 200 --timeout 3000 --quiet --set maxfwd=70 >/dev/null 2>&1
	check "REGISTER answered 200" "rc=$?" [ $? -eq 0 ]
	ctl -p "$PID_U" ul.dump >"$tmp/ul.json"
	check "routec ctl ul.dump" "$(head -c 300 "$tmp/ul.json")" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
d = r["Domains"][0]["Domain"]
assert d["Domain"] == "location", d
aor = d["AoRs"][0]["Info"]
assert aor["AoR"] == "alice" and aor["Contacts"][0]["Contact"]["Address"].startswith("sip:alice@127.0.0.1"), aor
' "$tmp/ul.json"
	ctl -p "$PID_U" core.psx >"$tmp/psx-u.json"
	check "core.psx lists the usrloc timer thread" "$(head -c 300 "$tmp/psx-u.json")" \
		grep -q '"DSC": *"usrloc timer"' "$tmp/psx-u.json"
	RPCFIFOPATH=$tmp/u.fifo timeout 20 kamctl rpc ul.dump >"$tmp/kamctl.ul" 2>&1
	check "kamctl rpc ul.dump" "$(head -c 300 "$tmp/kamctl.ul")" grep -q '"AoR": *"alice"' "$tmp/kamctl.ul"
	sed "s|^srvaddr=.*|srvaddr=$RUN/routec_rpc.$PID_U.sock|" "$tmp/kamcli.ini" >"$tmp/kamcli-u.ini"
	timeout 20 kamcli -c "$tmp/kamcli-u.ini" ul show >"$tmp/kamcli.ul" 2>&1
	check "kamcli ul show (ul.dump)" "$(head -c 300 "$tmp/kamcli.ul")" grep -q '"AoR": *"alice"' "$tmp/kamcli.ul"
	stop U
else
	echo "SKIP ul.dump: usrloc's ul.dump is not available in this build ($(tail -n 2 "$tmp/ul.check" "$tmp/U.log" 2>/dev/null | tr '\n' ' ' | head -c 200))"
fi

echo "rpc: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
