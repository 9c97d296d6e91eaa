#!/bin/sh
# tests/reload/run.sh: hot reload of `routec run` (docs/reload.md).
#   1. reload_test.c: in one process, through the cfg.* RPC methods and SIGHUP:
#      wire behaviour before/after, broken script, needs-restart, $var,
#      event_route[core:reload], 1,000 reloads with RSS measured.
#   2. routec run as a process: SIGHUP, a broken script, a changed listen,
#      event_route[core:reload] in the log, the same through `routec ctl`,
#      --watch on an included file, SIGHUP to a `routec build` binary, and
#      the checker's knowledge of core event names.
#   3. under load (load.sh): INVITE-200-ACK-BYE calls at half the measured
#      capacity while the script is reloaded 100 times between two versions
#      that add different headers; a counting UAS (genuas.c) checks every
#      request carries exactly one of them.  Through a stateless forward()
#      script, and through samples/stateful.cfg once the runtime compiles it.
#      (RELOAD_LOAD=0 skips it; RELOAD_SWAPS=N changes the 100.)
# Env: ROUTEC, B.  Ports 50000-54999.  Ends with "reload: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${ROUTEC:=build/routec}" "${B:=build}"
ROUTEC=$(cd "$(dirname "$ROUTEC")" && pwd)/$(basename "$ROUTEC")
san=0 cflags=""
case "$B" in *-san) san=1 cflags="-fsanitize=address,undefined -fno-sanitize-recover=all"
	export ROUTEC_CFLAGS="-fsanitize=address,undefined" ;; esac
tmp=$(mktemp -d /tmp/routec-reload.XXXXXX)
pass=0 fail=0 pids=""

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
finish() { echo "reload: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

# 20 ports per run of this script, in 50000-54999
base=$((50000 + ($$ % 240) * 20))

# ---- 1. in one process ------------------------------------------------------------------
if cc -std=c11 -D_GNU_SOURCE -g -Wall -Wextra -Werror $cflags -I"$B/gen" -Igrammar -Icompiler \
	-Iruntime/include -Iruntime -o "$tmp/reload_test" tests/reload/reload_test.c \
	"$B/compiler/reload.o" "$B/compiler/reload_build.o" "$B/compiler/reload_watch.o" \
	"$B/compiler/reload_job.o" "$B/compiler/reload_rpc.o" "$B/compiler/reload_diff.o" \
	"$B/compiler/jit.o" \
	"$B/gen/jit_header.o" "$B/libfront.a" "$B/librt.a" \
	-ltcc -ldl -lpcre2-8 -lsqlite3 -lm -lpthread 2>"$tmp/cc.log"; then
	reloads=1000
	[ "$san" = 1 ] && reloads=200 # ASan keeps freed memory in quarantine: RSS says nothing
	out=$(PORT=$base RELOADS=$reloads SAN=$san "$tmp/reload_test" 2>"$tmp/reload_test.log")
	rc=$?
	printf '%s\n' "$out" | grep -v '^[0-9]* passed' | grep -v '^PASS\|^FAIL' | sed 's/^/  /'
	printf '%s\n' "$out" | grep '^PASS\|^FAIL'
	p=$(printf '%s\n' "$out" | grep -c '^PASS')
	f=$(printf '%s\n' "$out" | grep -c '^FAIL')
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		ko "reload_test" "exit $rc"
		tail -n 20 "$tmp/reload_test.log"
	fi
else
	ko "reload_test builds" "$(head -n 5 "$tmp/cc.log")"
fi

# ---- 2. routec run as a process -----------------------------------------------------------
SIPUA=$B/sipua
[ -x "$SIPUA" ] || make --no-print-directory B="$B" "$SIPUA" >/dev/null 2>&1 || { ko build "no $SIPUA"; finish; }

P1=$((base + 2)) P2=$((base + 3)) UA=$((base + 4))

# script FILE PORT GEN [EXTRA]: answers OPTIONS with X-Gen (from the included
# gen.cfg when GEN is "inc") and logs each event_route[core:reload]
script() {
	{
		echo "debug = 2"
		echo "log_stderror = yes"
		echo "children = 2"
		echo "listen = udp:127.0.0.1:$2"
		echo 'loadmodule "sl.so"'
		echo 'loadmodule "textops.so"'
		echo 'loadmodule "xlog.so"'
		echo 'loadmodule "pv.so"'
		if [ "$3" = inc ]; then echo 'include_file "gen.cfg"'; else echo "#!define GEN \"$3\""; fi
		echo 'request_route {'
		echo '	$var(g) = GEN;'
		printf '%s\n' '	append_to_reply("X-Gen: $var(g)\r\n");'
		echo '	sl_send_reply("200", "OK");'
		echo '	exit;'
		echo '}'
		echo 'event_route[core:reload] {'
		printf '%s\n' '	xlog("L_NOTICE", "core:reload event on $var(g)\n");'
		echo '}'
		if [ $# -ge 4 ]; then printf '%s\n' "$4"; fi
	} >"$1.tmp" && mv "$1.tmp" "$1"
}

# xgen PORT: the X-Gen of the answer to an OPTIONS, or "none"
xgen() {
	"$SIPUA" send --to "127.0.0.1:$1" --bind "127.0.0.1:$UA" --msg tests/sip/ua/examples/options.sip \
		--expect 200 --timeout 2000 --record "$tmp/rx" --quiet >/dev/null 2>&1 || { echo none; return; }
	v=$(grep -i '^X-Gen:' "$tmp/rx" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r')
	echo "${v:-none}"
}

# wait_log FILE PATTERN COUNT: until PATTERN is in FILE COUNT times (10 s)
wait_log() {
	i=0
	while [ "$(grep -c "$2" "$1" 2>/dev/null)" -lt "$3" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(grep -c "$2" "$1" 2>/dev/null)" -ge "$3" ]
}

start() { # start LOG ARGS...: routec run in the background; PID
	log=$1
	shift
	"$ROUTEC" run -E "$@" >"$log" 2>&1 &
	PID=$!
	pids="$pids $PID"
	wait_log "$log" "serving" 1 || { cat "$log"; return 1; }
}

stop() {
	kill "$PID" 2>/dev/null
	i=0
	while kill -0 "$PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -9 "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
}

d=$tmp/run
mkdir -p "$d"
script "$d/proxy.cfg" "$P1" A
if start "$d/log" "$d/proxy.cfg"; then
	[ "$(xgen "$P1")" = A ] && ok "run: generation 1 answers X-Gen: A" || ko "run: generation 1" "$(xgen "$P1")"

	script "$d/proxy.cfg" "$P1" B
	kill -HUP "$PID"
	if wait_log "$d/log" "reload (SIGHUP): generation 2 serving" 1 && [ "$(xgen "$P1")" = B ]; then
		ok "run: SIGHUP reloads and the wire shows X-Gen: B"
	else
		ko "run: SIGHUP" "$(xgen "$P1"); $(tail -n 3 "$d/log")"
	fi
	wait_log "$d/log" "core:reload event" 1
	n=$(grep -c "core:reload event" "$d/log")
	[ "$n" -eq 1 ] && ok "run: event_route[core:reload] ran once, after the swap" || ko "run: core:reload event" "$n times"

	# a broken script: the old logic keeps answering, the log has check's diagnostics
	script "$d/proxy.cfg" "$P1" C 'route[R] { sl_send_reply("404"); }'
	kill -HUP "$PID"
	wait_log "$d/log" "reload (SIGHUP) failed" 1
	if grep -q "proxy.cfg:19:12: error: no form of 'sl_send_reply' takes 1 argument" "$d/log" &&
		grep -q "^.*ERROR: .*| *\^~~~" "$d/log"; then
		ok "run: a broken script is logged in routec check's format (file:line:col, caret)"
	else
		ko "run: broken script diagnostics" "$(grep ERROR "$d/log" | head -n 5)"
	fi
	[ "$(xgen "$P1")" = B ] && ok "run: after the broken script the wire still shows X-Gen: B" ||
		ko "run: broken script kept the old logic" "$(xgen "$P1")"

	# a changed listen: needs a restart, nothing changes
	script "$d/proxy.cfg" "$P2" D
	kill -HUP "$PID"
	if wait_log "$d/log" "refused: the new script needs a restart: listen (running: udp:127.0.0.1:$P1; new script: udp:127.0.0.1:$P2)" 1; then
		ok "run: a changed listen is reported as needing a restart, naming listen"
	else
		ko "run: needs restart" "$(tail -n 2 "$d/log")"
	fi
	[ "$(xgen "$P1")" = B ] && ok "run: needs restart: the wire still shows X-Gen: B" ||
		ko "run: needs restart kept the old logic" "$(xgen "$P1")"
	n=$(grep -c "core:reload event" "$d/log")
	[ "$n" -eq 1 ] && ok "run: no event_route[core:reload] for refused reloads" || ko "run: core:reload after refusals" "$n"

	# the same through `routec ctl` (the control interface's unix socket of this PID)
	if "$ROUTEC" ctl -p "$PID" cfg.info >"$d/info.out" 2>&1; then
		"$ROUTEC" ctl -p "$PID" cfg.reload >"$d/ctl1.out" 2>&1
		rc=$?
		if [ $rc -eq 1 ] && grep -q "needs a restart: listen" "$d/ctl1.out"; then
			ok "ctl: cfg.reload of a changed listen exits 1 and names listen"
		else
			ko "ctl: needs restart" "exit $rc: $(head -n 3 "$d/ctl1.out")"
		fi
		"$ROUTEC" ctl -p "$PID" cfg.reload force >"$d/ctl2.out" 2>&1
		rc=$?
		if [ $rc -eq 0 ] && grep -q '"forced": *true' "$d/ctl2.out" && [ "$(xgen "$P1")" = D ]; then
			ok "ctl: cfg.reload force applies the rest (X-Gen: D on the running socket)"
		else
			ko "ctl: force" "exit $rc: $(head -n 5 "$d/ctl2.out"); $(xgen "$P1")"
		fi
		script "$d/proxy.cfg" "$P1" E 'route[R] { no_such_function(); }'
		"$ROUTEC" ctl -p "$PID" cfg.reload >"$d/ctl3.out" 2>&1
		rc=$?
		if [ $rc -eq 1 ] && grep -q "proxy.cfg:19:12: error: unknown function 'no_such_function'" "$d/ctl3.out" &&
			[ "$(xgen "$P1")" = D ]; then
			ok "ctl: cfg.reload of a broken script exits 1 with the diagnostics; X-Gen: D still"
		else
			ko "ctl: broken script" "exit $rc: $(head -n 3 "$d/ctl3.out"); $(xgen "$P1")"
		fi
		script "$d/proxy.cfg" "$P1" F
		if "$ROUTEC" ctl -p "$PID" cfg.reload >"$d/ctl4.out" 2>&1 && [ "$(xgen "$P1")" = F ] &&
			"$ROUTEC" ctl -p "$PID" cfg.info >"$d/info.out" 2>&1 &&
			grep -q '"trigger": *"cfg.reload"' "$d/info.out"; then
			ok "ctl: cfg.reload swaps (X-Gen: F) and cfg.info names it"
		else
			ko "ctl: reload" "$(head -n 3 "$d/ctl4.out"); $(xgen "$P1")"
		fi
	else
		echo "  (routec ctl cannot reach the proxy: $(head -n 1 "$d/info.out"); ctl tests skipped)"
	fi
	stop
else
	ko "run: start" "routec run did not serve"
fi

# --watch: an included file changes
d=$tmp/watch
mkdir -p "$d"
script "$d/proxy.cfg" "$P1" inc
echo '#!define GEN "W1"' >"$d/gen.cfg"
if start "$d/log" --watch "$d/proxy.cfg"; then
	[ "$(xgen "$P1")" = W1 ] || ko "watch: generation 1" "$(xgen "$P1")"
	sleep 1.1 # a new mtime, even on a file system with 1 s stamps
	echo '#!define GEN "W2"' >"$d/gen.cfg.tmp" && mv "$d/gen.cfg.tmp" "$d/gen.cfg"
	if wait_log "$d/log" "reload (watch): generation 2 serving" 1 && [ "$(xgen "$P1")" = W2 ]; then
		ok "watch: a change in an included file reloads (X-Gen: W2)"
	else
		ko "watch: included file" "$(xgen "$P1"); $(tail -n 3 "$d/log")"
	fi
	sleep 1.1
	echo '#!define GEN "W3"' >"$d/gen.cfg" # written in place this time
	if wait_log "$d/log" "reload (watch): generation 3 serving" 1 && [ "$(xgen "$P1")" = W3 ]; then
		ok "watch: a file written in place reloads too (X-Gen: W3)"
	else
		ko "watch: in place" "$(xgen "$P1"); $(tail -n 3 "$d/log")"
	fi
	sleep 1
	n=$(grep -c "reload (watch)" "$d/log")
	[ "$n" -eq 2 ] && ok "watch: one reload per change" || ko "watch: reloads" "$n for 2 changes"
	stop
else
	ko "watch: start" "routec run --watch did not serve"
fi

# SIGHUP to a standalone binary: no compiler, said clearly, still serving
d=$tmp/build
mkdir -p "$d"
script "$d/proxy.cfg" "$P1" S
if "$ROUTEC" build "$d/proxy.cfg" -o "$d/proxy" >"$d/build.log" 2>&1; then
	"$d/proxy" -E >"$d/log" 2>&1 &
	PID=$!
	pids="$pids $PID"
	if wait_log "$d/log" serving 1; then
		kill -HUP "$PID"
		if wait_log "$d/log" "SIGHUP ignored: .*has no compiler" 1 && [ "$(xgen "$P1")" = S ]; then
			ok "build: SIGHUP to a standalone binary says it has no compiler and keeps serving"
		else
			ko "build: SIGHUP" "$(tail -n 2 "$d/log")"
		fi
	else
		ko "build: start" "$(tail -n 3 "$d/log")"
	fi
	stop
else
	ko "build: routec build" "$(tail -n 3 "$d/build.log")"
fi

# the checker knows event_route[core:reload] and catches a misspelt core event
cat >"$tmp/ev.cfg" <<'EOF'
loadmodule "sl.so"
loadmodule "xlog.so"
request_route {
	sl_send_reply("200", "OK");
}
event_route[core:reload] {
	xlog("L_NOTICE", "reloaded\n");
}
event_route[core:relaod] {
	xlog("L_NOTICE", "never\n");
}
EOF
"$ROUTEC" check "$tmp/ev.cfg" >"$tmp/ev.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q "ev.cfg:9:1: warning: event_route\\[core:relaod\\] is never run: the core has no such event \\[-Wevent-name\\]" "$tmp/ev.out" &&
	[ "$(grep -c "warning:" "$tmp/ev.out")" -eq 1 ]; then
	ok "check: event_route[core:reload] accepted, core:relaod warned about"
else
	ko "check: event names" "exit $rc: $(cat "$tmp/ev.out")"
fi

# ---- 3. under load ---------------------------------------------------------------------------
[ "${RELOAD_LOAD:-1}" = 0 ] && finish
# stateless always; the stateful sample too once the runtime compiles it (tm)
modes=stateless
"$ROUTEC" run -c -D "LISTEN_ADDR=udp:127.0.0.1:$P1" samples/stateful.cfg >"$tmp/probe.log" 2>&1 &&
	modes="stateless stateful"
for mode in $modes; do
	RELOAD_MODE=$mode sh tests/reload/load.sh "$base" "$tmp/load-$mode"
	[ -f "$tmp/load-$mode/results" ] || ko "load ($mode)" "no results"
	while IFS= read -r line; do
		case "$line" in
		PASS*) pass=$((pass + 1)); echo "$line" ;;
		FAIL*) fail=$((fail + 1)); echo "$line" ;;
		*) echo "  $line" ;;
		esac
	done <"$tmp/load-$mode/results"
done
[ "$modes" = stateless ] && echo "  (load (stateful): samples/stateful.cfg does not compile yet: $(grep -m1 error "$tmp/probe.log"))"
finish
