#!/bin/sh
# tests/sip/run.sh: end-to-end SIP on loopback.  Every scenario runs twice,
# through `routec run` (libtcc) and through a `routec build` binary, and the
# bytes each side receives must be the same both ways.
# Env: ROUTEC (binary), B (build dir with sipua).  Ends with
# "sip: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${ROUTEC:=build/routec}" "${B:=build}"
SIPUA=$B/sipua
# a sanitized runtime library needs the sanitizers when a proxy is linked
case "$B" in *-san) export ROUTEC_CFLAGS="-fsanitize=address,undefined" ;; esac
tmp=$(mktemp -d /tmp/routec-sip.XXXXXX)
pass=0 fail=0
pids=""

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

if [ ! -x "$SIPUA" ]; then
	make --no-print-directory "$SIPUA" >/dev/null 2>&1 || { ko build "no $SIPUA"; echo "sip: $pass passed, $fail failed"; exit 1; }
fi

# Ports: one block per run of this script, away from 5060, and below 10000:
# sipsak 0.9.8 cuts a five-digit port short in the R-URI it writes.
base=$((5100 + ($$ % 400) * 10))
PROXY_PORT=$base
UAS_PORT=$((base + 1))
UA_PORT=$((base + 2))

# start_proxy MODE SCRIPT [-D ...]: the proxy on PROXY_PORT, log in $tmp/proxy.log
start_proxy() {
	mode=$1 script=$2
	shift 2
	: >"$tmp/proxy.log"
	if [ "$mode" = jit ]; then
		"$ROUTEC" run -l "udp:127.0.0.1:$PROXY_PORT" -n 2 -E "$@" "$script" >"$tmp/proxy.log" 2>&1 &
	else
		"$ROUTEC" build "$@" "$script" -o "$tmp/proxy.bin" >"$tmp/build.log" 2>&1 ||
			{ cat "$tmp/build.log"; return 1; }
		"$tmp/proxy.bin" -l "udp:127.0.0.1:$PROXY_PORT" -n 2 -E >"$tmp/proxy.log" 2>&1 &
	fi
	PROXY_PID=$!
	pids="$pids $PROXY_PID"
	i=0
	while [ $i -lt 50 ]; do
		grep -q "serving" "$tmp/proxy.log" && return 0
		kill -0 "$PROXY_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	cat "$tmp/proxy.log"
	return 1
}

stop_proxy() {
	kill "$PROXY_PID" 2>/dev/null
	i=0
	while kill -0 "$PROXY_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -9 "$PROXY_PID" 2>/dev/null
	wait "$PROXY_PID" 2>/dev/null
}

# send MSG EXPECT OUT [--set k=v]...: fixed ids, so both modes send the same bytes
send() {
	msg=$1 expect=$2 out=$3
	shift 3
	"$SIPUA" send --to "127.0.0.1:$PROXY_PORT" --bind "127.0.0.1:$UA_PORT" \
		--msg "tests/sip/msgs/$msg" --expect "$expect" --timeout 3000 \
		--set proxy="127.0.0.1:$PROXY_PORT" --set uas_port="$UAS_PORT" --set maxfwd=70 \
		--set call_id="call-$msg" --set branch=z9hG4bK-test-1 --set from_tag=ft-1 \
		--record "$out" --quiet "$@"
}

uas() {
	rec=$1
	shift
	"$SIPUA" uas --bind "127.0.0.1:$UAS_PORT" --count 1 --timeout 5000 --record "$rec" --quiet "$@" &
	UAS_PID=$!
	pids="$pids $UAS_PID"
	sleep 0.2
}

# A header of a recorded message (first match).
hdr() {
	grep -i "^$2:" "$1" | head -n 1
}

run_mode() {
	mode=$1
	d=$tmp/$mode
	mkdir -p "$d"
	start_proxy "$mode" samples/default.cfg -D NEXT_HOP_PORT="$UAS_PORT" ||
		{ ko "$mode start" "the proxy did not start"; return; }

	# 1. OPTIONS to the proxy itself: answered by the script
	if send options.sip 200 "$d/options.rx" && grep -q "^SIP/2.0 200 Keepalive" "$d/options.rx"; then
		ok "$mode options answered"
	else
		ko "$mode options answered" "$(head -n 1 "$d/options.rx" 2>/dev/null)"
	fi

	# 2. the same with sipsak, the independent client
	if command -v sipsak >/dev/null 2>&1; then
		if sipsak -s "sip:127.0.0.1:$PROXY_PORT" >"$d/sipsak.out" 2>&1; then
			ok "$mode sipsak options"
		else
			ko "$mode sipsak options" "$(tail -n 3 "$d/sipsak.out" | tr '\n' ' ')"
		fi
	fi

	# 3. Max-Forwards: 0 -> 483
	if send options.sip 483 "$d/maxfwd.rx" --set maxfwd=0; then
		ok "$mode max-forwards 0 gives 483"
	else
		ko "$mode max-forwards 0 gives 483" "$(head -n 1 "$d/maxfwd.rx" 2>/dev/null)"
	fi

	# 4. INVITE forwarded to the UAS, its 200 relayed back
	uas "$d/uas-invite.rec"
	if send invite.sip 200 "$d/invite.rx" --no-ack; then
		ok "$mode invite forwarded and 200 relayed"
	else
		ko "$mode invite forwarded and 200 relayed" "$(head -n 1 "$d/invite.rx" 2>/dev/null)"
	fi
	kill "$UAS_PID" 2>/dev/null
	wait "$UAS_PID" 2>/dev/null
	top_via=$(hdr "$d/uas-invite.rec" via)
	case "$top_via" in
	*"127.0.0.1:$PROXY_PORT;branch=z9hG4bK"*) ok "$mode our Via on top of the forwarded INVITE" ;;
	*) ko "$mode our Via on top of the forwarded INVITE" "$top_via" ;;
	esac
	if [ "$(hdr "$d/uas-invite.rec" max-forwards)" = "Max-Forwards: 69" ]; then
		ok "$mode max-forwards decremented"
	else
		ko "$mode max-forwards decremented" "$(hdr "$d/uas-invite.rec" max-forwards)"
	fi
	if grep -q "^Via:.*127.0.0.1:$PROXY_PORT" "$d/invite.rx"; then
		ko "$mode our Via removed from the relayed reply" "still there"
	else
		ok "$mode our Via removed from the relayed reply"
	fi

	# 5. xlog: the script's log line
	if grep -q "relaying INVITE sip:bob@example.com" "$tmp/proxy.log"; then
		ok "$mode xlog line"
	else
		ko "$mode xlog line" "not in the proxy's log"
	fi

	# 6. record_route on the INVITE
	rr=$(hdr "$d/uas-invite.rec" record-route)
	case "$rr" in
	*"sip:127.0.0.1:$PROXY_PORT;lr"*) ok "$mode record-route added" ;;
	*) ko "$mode record-route added" "${rr:-no Record-Route}" ;;
	esac

	# 7. in-dialog BYE routed through us: loose_route removes our Route, relays to the UAS
	uas "$d/uas-bye.rec"
	if send bye-route.sip 200 "$d/bye.rx"; then
		ok "$mode in-dialog BYE follows its Route set"
	else
		ko "$mode in-dialog BYE follows its Route set" "$(head -n 1 "$d/bye.rx" 2>/dev/null)"
	fi
	kill "$UAS_PID" 2>/dev/null
	wait "$UAS_PID" 2>/dev/null
	if grep -qi "^Route:" "$d/uas-bye.rec" 2>/dev/null; then
		ko "$mode our Route removed by loose_route" "$(hdr "$d/uas-bye.rec" route)"
	elif [ -s "$d/uas-bye.rec" ]; then
		ok "$mode our Route removed by loose_route"
	else
		ko "$mode our Route removed by loose_route" "the UAS got nothing"
	fi

	stop_proxy
	cp "$tmp/proxy.log" "$d/proxy.log"

	# 8. reply_route drop: the 180 is not relayed, the 200 is
	start_proxy "$mode" tests/sip/scripts/reply_drop.cfg -D NEXT_HOP_PORT="$UAS_PORT" ||
		{ ko "$mode start reply_drop.cfg" "the proxy did not start"; return; }
	uas "$d/uas-ring.rec" --ring 10 --delay 300
	send invite.sip 200 "$d/ring.rx" --no-ack
	kill "$UAS_PID" 2>/dev/null
	wait "$UAS_PID" 2>/dev/null
	if grep -q "^SIP/2.0 180" "$d/ring.rx"; then
		ko "$mode reply_route drop stops the 180" "the 180 was relayed"
	elif grep -q "^SIP/2.0 200" "$d/ring.rx" && grep -q "dropping 180" "$tmp/proxy.log"; then
		ok "$mode reply_route drop stops the 180"
	else
		ko "$mode reply_route drop stops the 180" "$(head -n 1 "$d/ring.rx" 2>/dev/null)"
	fi
	stop_proxy

	# 9. sl absorbs the ACK to its own negative reply (sipua ACKs the 486)
	start_proxy "$mode" tests/sip/scripts/sl_ack.cfg ||
		{ ko "$mode start sl_ack.cfg" "the proxy did not start"; return; }
	send invite.sip 486 "$d/busy.rx" --linger 300
	sleep 0.2
	if grep -q "sl filtered the ACK of call-invite.sip" "$tmp/proxy.log" &&
		! grep -q "request_route saw ACK" "$tmp/proxy.log"; then
		ok "$mode ACK to sl's 486 absorbed, event_route[sl:filtered-ack] ran"
	else
		ko "$mode ACK to sl's 486 absorbed" "$(grep -E 'saw|filtered' "$tmp/proxy.log" | tr '\n' ' ')"
	fi
	stop_proxy
}

run_mode jit
run_mode bin

# Two sockets: the workers wait in epoll (one socket: in recvmmsg itself);
# both must answer, and a stop must still end the process promptly.
P2=$((base + 3))
"$ROUTEC" run -l "udp:127.0.0.1:$PROXY_PORT" -l "udp:127.0.0.1:$P2" -n 2 -E -D NEXT_HOP_PORT="$UAS_PORT" samples/default.cfg \
	>"$tmp/two.log" 2>&1 &
TWO_PID=$!
pids="$pids $TWO_PID"
i=0
while [ $i -lt 50 ] && ! grep -q "serving" "$tmp/two.log"; do sleep 0.1; i=$((i + 1)); done
for port in "$PROXY_PORT" "$P2"; do
	if "$SIPUA" send --to "127.0.0.1:$port" --bind "127.0.0.1:$UA_PORT" --msg tests/sip/msgs/options.sip \
		--expect 200 --timeout 3000 --set proxy="127.0.0.1:$port" --set maxfwd=70 --set call_id="two-$port" \
		--set branch=z9hG4bK-two-1 --set from_tag=ft-2 --record "$tmp/two-$port.rx" --quiet >/dev/null 2>&1 &&
		grep -q "^SIP/2.0 200" "$tmp/two-$port.rx"; then
		ok "two sockets: OPTIONS to the socket on port $port answered"
	else
		ko "two sockets: OPTIONS to the socket on port $port answered" "$(tail -n 3 "$tmp/two.log" | tr '\n' ' ')"
	fi
done
kill "$TWO_PID" 2>/dev/null
i=0
while [ $i -lt 30 ] && kill -0 "$TWO_PID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$TWO_PID" 2>/dev/null; then
	ko "two sockets: SIGTERM ends the proxy within 3 s" "still running"
else
	ok "two sockets: SIGTERM ends the proxy within 3 s"
fi

# Both ways, the same bytes: what the caller received from the proxy, and what
# the proxy sent on to the UAS (the UAS's own replies carry random tags).
for f in options.rx maxfwd.rx uas-invite.rec; do
	if [ -f "$tmp/jit/$f" ] && cmp -s "$tmp/jit/$f" "$tmp/bin/$f"; then
		ok "same bytes both ways: $f"
	else
		ko "same bytes both ways: $f" "$(diff "$tmp/jit/$f" "$tmp/bin/$f" 2>&1 | head -n 6)"
	fi
done

# Every message recorded (what the caller and the UAS received), parsed alike
# by routec's parser and libosip2 (tests/sip/osip_check.c).
[ -x "$B/osip_check" ] || make --no-print-directory "$B/osip_check" >/dev/null 2>&1
for mode in jit bin; do
	if "$B/osip_check" -q "$tmp/$mode"/*.rx "$tmp/$mode"/*.rec >"$tmp/osip-$mode.out" 2>&1; then
		ok "$mode every message parsed alike by routec and libosip2"
	else
		ko "$mode every message parsed alike by routec and libosip2" "$(head -n 3 "$tmp/osip-$mode.out" | tr '\n' ' ')"
	fi
done

echo "sip: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
