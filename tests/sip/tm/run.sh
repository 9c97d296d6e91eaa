#!/bin/sh
# tests/sip/tm/run.sh: stateful proxying (the tm module) end to end, on
# loopback, through Kamailio 5.6 (the reference), `routec run` (jit) and a
# `routec build` binary (bin), each running the same scripts:
#   samples/stateful.cfg            every path of the stateful example
#   tests/sip/tm/scripts/replicate.cfg  t_replicate()
#   tests/sip/tm/scripts/uachdrs.cfg    t_use_uac_headers(): the To of tm's CANCEL
#   tests/sip/tm/scripts/auth.cfg       the challenges of a parallel fork
#   tests/sip/tm/scripts/loss.cfg       200 calls with 20% loss both ways,
#                                   then tm.stats must show no transaction
# Each scenario (scenarios.sh) drives the proxy with build/sipua (a caller
# scenario of scn/, far ends answering as told) and checks what every side
# received.  Then the differential: for each scenario, the status codes the
# caller received through routec (jit and bin) must be those it received
# through Kamailio.  tests/sip/tm/README.md has the list and the layout.
#
# Env: ROUTEC, B (build dir with sipua), KAMAILIO, KAMAILIO_MODULES,
#   TM_TARGETS (default "kamailio jit bin"), TM_ONLY (run only the scenarios
#   whose name holds it; "loss" for the loss test), TM_KEEP=1 (keep the
#   records; the folder is printed).
# Prints PASS/FAIL lines and ends with "sip-tm: N passed, N failed"; exit 1
# on a failure.
set -u
cd "$(dirname "$0")/../../.." || exit 1
: "${ROUTEC:=build/routec}" "${B:=build}"
: "${KAMAILIO:=kamailio}" "${KAMAILIO_MODULES:=/usr/lib/x86_64-linux-gnu/kamailio/modules}"
: "${TM_TARGETS:=kamailio jit bin}" "${TM_ONLY:=}"
case "$B" in *-san) export ROUTEC_CFLAGS="-fsanitize=address,undefined" ;; esac
SIPUA=$B/sipua
TM=tests/sip/tm
tmp=$(mktemp -d /tmp/routec-tm.XXXXXX) || exit 1
# shellcheck source=tests/sip/tm/lib.sh
. "$TM/lib.sh"
# shellcheck source=tests/sip/tm/scenarios.sh
. "$TM/scenarios.sh"

# shellcheck disable=SC2317 # run by the trap
cleanup() {
	# shellcheck disable=SC2086 # one pid per word
	[ -z "$pids" ] || stop $pids
	if [ -n "${TM_KEEP:-}" ]; then echo "sip-tm: records kept in $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP PIPE

summary() {
	echo "sip-tm: $pass passed, $fail failed"
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
	exit $?
}

want() { [ -z "$TM_ONLY" ] || case "$1" in *"$TM_ONLY"*) return 0 ;; *) return 1 ;; esac; }

[ -x "$SIPUA" ] || make --no-print-directory "$SIPUA" >/dev/null 2>&1 || { ko build "no $SIPUA"; summary; }
case " $TM_TARGETS " in *" jit "* | *" bin "*) [ -x "$ROUTEC" ] || { ko build "no $ROUTEC"; summary; } ;; esac
if ! command -v "$KAMAILIO" >/dev/null 2>&1; then
	# without the reference there is nothing to check routec against
	echo "SKIP kamailio: $KAMAILIO is not installed (make test installs it: sh mk/deps.sh test)"
	ko kamailio "not installed"
	TM_TARGETS=$(echo " $TM_TARGETS " | sed 's/ kamailio / /')
fi

# Ports: a block of 1,000 in 30000-39999 per run (the first whose proxy
# ports are free); each target has 300 of it: +0 proxy, +1 JSON-RPC, +2 the
# far ends (on 127.0.0.1-4), +3 the caller, +100..+299 the loss test's callers.
base=""
k=0
while [ $k -lt 10 ]; do
	b=$((30000 + (($$ + k) % 10) * 1000))
	if port_free $b && port_free $((b + 300)) && port_free $((b + 600)); then
		base=$b
		break
	fi
	k=$((k + 1))
done
[ -n "$base" ] || { ko ports "no free block in 30000-39999"; summary; }

# The defines of samples/stateful.cfg: every host on loopback, short timers
# (fr_timer 1 s: a silent branch times out; fr_inv_timer 2 s: a ringing one).
stateful_defs() {
	echo "UAS_PORT=$UAS_PORT" 'UAS_HOST="127.0.0.1"' 'ABC_HOST="127.0.0.2"' 'BAD_HOST="127.0.0.3"' \
		'VM_HOST="127.0.0.4"' FR_TIMER=1000 FR_INV_TIMER=2000 WT_TIMER=500
}

# run_script SCRIPT "SCENARIOS" DEFINE...: one proxy for the scenarios listed
run_script() {
	script=$1 list=$2
	shift 2
	todo=""
	for s in $list; do want "$s" && todo="$todo $s"; done
	[ -n "$todo" ] || return 0
	name=$(basename "$script")
	why=""
	if ! proxy_start "$script" "$@"; then
		ko "$T start $name" "$why"
		for s in $todo; do ko "$T $s" "not run: the proxy did not start"; done
		return 0
	fi
	dead=""
	for s in $todo; do
		# a proxy that died (the scenario before says so) is started again
		if [ -n "$dead" ] || { ! alive "$PROXY_PID" && ! proxy_start "$script" "$@"; }; then
			dead=1
			ko "$T $s" "not run: the proxy died and does not start again ($why)"
			continue
		fi
		SC=$s d=$tmp/$T/$s CID=tm-$T-$s-$$ UAS_PIDS="" UAS_ADDRS=""
		mkdir -p "$d"
		"sc_$(echo "$s" | tr - _)"
		codes >"$tmp/codes/$s.$T"
		alive "$PROXY_PID" || ko "$T $s: the proxy is still running" "it died: $(tail -n 2 "$tmp/$T/proxy.log" | tr '\n' '|')"
	done
	proxy_stop "$name"
}

# The loss test: 200 calls (INVITE, 200, ACK, BYE, 200), 20% of datagrams lost
# both ways at the caller and at the far end (fixed seeds), 50 at a time;
# every call must complete, and tm.stats must come back to no transaction
# ("current" and "waiting" 0) once the wait timer (1 s) is over.
run_loss() {
	want loss || return 0
	SC=loss d=$tmp/$T/loss CID=none
	mkdir -p "$d"
	# fr_timer 20 s: a branch outlives many lost retransmissions (1 s apart)
	if ! proxy_start "$TM/scripts/loss.cfg" "UAS_PORT=$UAS_PORT" "RPC_SOCKET=\"udp:127.0.0.1:$RPC\"" \
		FR_TIMER=20000 FR_INV_TIMER=20000 WT_TIMER=1000; then
		ko "$T start loss.cfg" "$why"
		ko "$T loss" "not run: the proxy did not start"
		return 0
	fi
	UAS_PIDS="" UAS_ADDRS=""
	uas far 1 --drop 20% --seed 7 --t2 1000 --timeout 900000
	# shellcheck disable=SC2086
	bound $UAS_ADDRS >/dev/null || ko "$T loss: far end listening" "nothing bound to $UAS_ADDRS"
	start=$(date +%s)
	# one sipua per call, each on its own port with its own seed; a failed
	# call prints one "FILE:LINE: error: ..." line
	i=0
	while [ $i -lt 200 ]; do
		echo "--bind 127.0.0.1:$((PROXY + 100 + i)) --seed $((i + 1)) --set call_id=loss-$T-$i-$$"
		i=$((i + 1))
	done | xargs -P 50 -L 1 "$SIPUA" scenario "$TM/scn/loss-call.scn" --to "127.0.0.1:$PROXY" \
		--t2 1000 --set user=loss --quiet 2>"$d/errors"
	took=$(($(date +%s) - start))
	settle
	nf=$(grep -c ': error: ' "$d/errors")
	if [ "$nf" -eq 0 ] && [ ! -s "$d/errors" ]; then
		ok "$T loss: 200 calls complete with 20% loss both ways (${took} s)"
	else
		ko "$T loss: 200 calls complete with 20% loss both ways" "$nf failed in ${took} s: $(head -n 2 "$d/errors" | tr '\n' '|')"
	fi
	# wt_timer 1 s after the last call; a branch still waiting for a lost
	# reply would end at its fr_timer (20 s): poll up to 25 s
	ctl=""
	[ "$T" = kamailio ] || ! "$ROUTEC" help 2>&1 | grep -q '^ *ctl ' || ctl=1
	i=0 st=""
	while [ $i -lt 50 ]; do
		st=$(tm_stats)
		case $st in "current=0 waiting=0 "*) break ;; esac
		sleep 0.5
		i=$((i + 1))
	done
	case $st in
	"") ko "$T loss: tm.stats" "no answer on udp:127.0.0.1:$RPC ($(tail -n 1 "$d/rpc.err" 2>/dev/null))" ;;
	"current=0 waiting=0 "*) ok "$T loss: no transaction left after the wait timer (tm.stats: $st)" ;;
	*) ko "$T loss: no transaction left after the wait timer" "25 s after the last call, tm.stats: $st" ;;
	esac
	if [ -n "$ctl" ]; then
		if "$ROUTEC" ctl -u "127.0.0.1:$RPC" core.psx 2>&1 | grep -q '"DSC": *"tm timer"'; then
			ok "$T core.psx lists the tm timer thread"
		else
			ko "$T core.psx lists the tm timer thread" "$("$ROUTEC" ctl -u "127.0.0.1:$RPC" core.psx 2>&1 | head -c 300)"
		fi
	fi
	proxy_stop loss.cfg
}

# tm_stats: "current=N waiting=N total=N" from tm.stats of the running proxy
# ("?" for a key it lacks), empty without an answer.  routec is asked with
# `routec ctl` when it has it; rpc.py speaks the same JSON-RPC over UDP to
# Kamailio's jsonrpcs (and to routec's control socket).
tm_stats() {
	if [ -n "$ctl" ]; then
		"$ROUTEC" ctl -u "127.0.0.1:$RPC" tm.stats 2>"$d/rpc.err"
	else
		python3 "$TM/rpc.py" "127.0.0.1:$RPC" tm.stats 2>"$d/rpc.err"
	fi | python3 -c 'import json,sys
try:
    r = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
if isinstance(r, dict) and "jsonrpc" in r:
    r = r.get("result", {})
r = r if isinstance(r, dict) else {}
print(" ".join("%s=%s" % (k, r.get(k, "?")) for k in ("current", "waiting", "total")))' 2>>"$d/rpc.err"
}

# run_target: every script and scenario on target $T, in a subshell of its
# own (its processes stopped when it ends or is stopped)
run_target() {
	pids="" # its own: the other targets' subshells are not its to stop
	# shellcheck disable=SC2086 # one pid per word
	trap '[ -z "$pids" ] || stop $pids' EXIT
	trap 'exit 2' INT TERM
	mkdir -p "$tmp/$T"
	# shellcheck disable=SC2046 # one define per word
	run_script samples/stateful.cfg "$STATEFUL_SCENARIOS" $(stateful_defs)
	run_script "$TM/scripts/replicate.cfg" "$REPLICATE_SCENARIOS" "REPLICA=\"sip:127.0.0.2:$UAS_PORT\""
	run_script "$TM/scripts/uachdrs.cfg" "$UACHDRS_SCENARIOS" "ALICE=\"sip:127.0.0.1:$UAS_PORT\""
	run_script "$TM/scripts/auth.cfg" "$AUTH_SCENARIOS" "A_URI=\"sip:auth@127.0.0.1:$UAS_PORT\"" \
		"B_URI=\"sip:auth@127.0.0.2:$UAS_PORT\""
	run_loss
	echo "END $T"
}

# The targets run side by side (most of a scenario is waiting for timers);
# their lines are printed together at the end, target by target.
mkdir -p "$tmp/codes"
t=0 tpids=""
for T in kamailio jit bin; do
	case " $TM_TARGETS " in *" $T "*) ;; *) t=$((t + 1)); continue ;; esac
	PROXY=$((base + t * 300)) RPC=$((base + t * 300 + 1)) UAS_PORT=$((base + t * 300 + 2))
	CALLER=$((base + t * 300 + 3)) PROXY_PID=""
	run_target >"$tmp/$T.out" 2>&1 &
	tpids="$tpids $!"
	pids="$pids $!"
	t=$((t + 1))
done
for p in $tpids; do
	wait "$p"
	forget "$p"
done
for T in kamailio jit bin; do
	[ -f "$tmp/$T.out" ] || continue
	grep -v "^END $T\$" "$tmp/$T.out"
	pass=$((pass + $(grep -c '^PASS ' "$tmp/$T.out")))
	fail=$((fail + $(grep -c '^FAIL ' "$tmp/$T.out")))
	grep -q "^END $T\$" "$tmp/$T.out" || ko "$T" "its run stopped before the end (the lines above are all there is)"
done

# ---- the differential: the caller saw the same status codes ---------------
if [ -n "$(ls "$tmp/codes"/*.kamailio 2>/dev/null)" ]; then
	for T in jit bin; do
		for f in "$tmp/codes"/*."$T"; do
			[ -f "$f" ] || continue
			s=$(basename "$f" ".$T")
			[ -f "$tmp/codes/$s.kamailio" ] || continue
			k=$(cat "$tmp/codes/$s.kamailio") r=$(cat "$f")
			if [ "$k" = "$r" ]; then
				ok "diff $T $s: the caller saw what Kamailio's caller saw (${k:-nothing})"
			else
				ko "diff $T $s" "Kamailio's caller saw [$k], routec's [$r]"
			fi
		done
	done
fi
summary
