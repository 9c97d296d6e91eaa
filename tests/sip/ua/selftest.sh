#!/bin/sh
# tests/sip/ua/selftest.sh: the SIP tools (sipua, loadgen, uas) checked against
# each other, against Kamailio 5.6 (tests/sip/ua/kamailio-test.cfg) and sipsak.
#
# Usage: sh tests/sip/ua/selftest.sh [PATTERN]   (only the tests whose name holds PATTERN)
# Env:   B=build (B=build-san for the sanitizer build; make sip-tools first)
# Prints PASS/FAIL lines and ends with "sip-ua: N passed, N failed"; exit 1 on a
# failure.  The Kamailio and sipsak parts say "SKIP" when those are missing.
# Everything runs on 127.0.0.1, on free ports, and every wait is bounded.
set -u
cd "$(dirname "$0")/../../.."
B=${B:-build}
UA=$B/sipua LG=$B/loadgen BU=$B/uas
EX=tests/sip/ua/examples
ONLY=${1:-}
T=$(mktemp -d /tmp/sipua-selftest.XXXXXX)
pass=0 fail=0 KPID= BPID=

cleanup() {
	[ -n "$BPID" ] && kill "$BPID" 2>/dev/null
	[ -n "$KPID" ] && kill "$KPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for x in "$UA" "$LG" "$BU"; do
	if [ ! -x "$x" ]; then
		echo "FAIL selftest: no $x (make sip-tools)"
		echo "sip-ua: 0 passed, 1 failed"
		exit 1
	fi
done

# N free UDP ports on 127.0.0.1, one per line.
free_ports() {
	python3 -c 'import socket,sys
s=[socket.socket(socket.AF_INET,socket.SOCK_DGRAM) for _ in range(int(sys.argv[1]))]
[x.bind(("127.0.0.1",0)) for x in s]
print("\n".join(str(x.getsockname()[1]) for x in s))' "$1"
}

# Waits (at most 5 s) until something listens on UDP port $1.
wait_port() {
	i=0
	while [ $i -lt 50 ]; do
		ss -Hlun "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

want() { [ -z "$ONLY" ] || case "$1" in *"$ONLY"*) return 0 ;; *) return 1 ;; esac; }
ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() {
	fail=$((fail + 1))
	echo "FAIL $1: $2"
	shift 2
	for f in "$@"; do [ -f "$f" ] && sed 's/^/    | /' "$f" | head -40; done
	return 0
}

# Starts `sipua uas ARGS` on port $1 in the background; uas_end waits for it.
uas_start() {
	p=$1
	shift
	"$UA" uas --bind "127.0.0.1:$p" --record "$T/rec" "$@" >"$T/uas" 2>&1 &
	UPID=$!
	wait_port "$p"
}
uas_end() { wait "$UPID"; }

set -- $(free_ports 6)
P1=$1 P2=$2 KP=$3 KU=$4 P3=$5 P4=$6

# ---- sipua against itself ---------------------------------------------------

if want send-options; then
	uas_start "$P1" --count 1 --timeout 5000
	"$UA" send --to "127.0.0.1:$P1" --msg "$EX/options.sip" --expect 200 >"$T/out" 2>&1
	rc=$?
	uas_end
	urc=$?
	if [ $rc -eq 0 ] && [ $urc -eq 0 ] && grep -q '^<<< SIP/2.0 200 OK' "$T/out" \
	   && grep -q '^OPTIONS sip:test@' "$T/rec" && grep -qx -- '----' "$T/rec"; then
		ok send-options
	else
		ko send-options "send $rc, uas $urc" "$T/out" "$T/uas"
	fi
fi

if want send-mismatch; then
	uas_start "$P1" --count 1 --code 404 --timeout 5000
	"$UA" send --to "127.0.0.1:$P1" --msg "$EX/options.sip" --expect 200,486 >"$T/out" 2>&1
	rc=$?
	uas_end
	if [ $rc -eq 1 ] && grep -q 'expected 200 (or another listed code), got SIP/2.0 404' "$T/out"; then
		ok send-mismatch
	else
		ko send-mismatch "exit $rc" "$T/out"
	fi
fi

if want send-none; then
	"$UA" send --to "127.0.0.1:$P2" --msg "$EX/options.sip" --expect none --timeout 300 >"$T/out" 2>&1
	a=$?
	"$UA" send --to "127.0.0.1:$P2" --msg "$EX/options.sip" --timeout 300 >"$T/out2" 2>&1
	b=$?
	if [ $a -eq 0 ] && [ $b -eq 1 ] && grep -q 'no final response within 300 ms' "$T/out2"; then
		ok send-none
	else
		ko send-none "expect none: $a, timeout: $b" "$T/out" "$T/out2"
	fi
fi

if want send-retransmit; then
	# Timer E: sent at 0, 500, 1500 ms; the 1800 ms timeout ends it.
	"$UA" send --to "127.0.0.1:$P2" --msg "$EX/options.sip" --retransmit --timeout 1800 >"$T/out" 2>&1
	n=$(grep -c '^>>> OPTIONS' "$T/out")
	if [ "$n" -eq 3 ] && grep -q 'retransmission 2' "$T/out"; then
		ok send-retransmit
	else
		ko send-retransmit "$n sends" "$T/out"
	fi
fi

if want usage; then
	printf 'OPTIONS sip:x@${remote_ip} SIP/2.0\nVia: SIP/2.0/UDP ${local_ip};branch=${branh}\n' >"$T/typo.sip"
	"$UA" send --to "127.0.0.1:$P2" --msg "$T/typo.sip" >"$T/out" 2>&1
	a=$?
	printf 'send INVITE %s\nexpekt 200\ndrop 30\n' "$(pwd)/$EX/invite.sip" >"$T/bad.scn"
	"$UA" scenario "$T/bad.scn" --to "127.0.0.1:$P2" >"$T/out2" 2>&1
	b=$?
	"$UA" send --to 10.1.2.3:5060 --msg "$EX/options.sip" >"$T/out3" 2>&1
	c=$?
	if [ $a -eq 2 ] && [ $b -eq 2 ] && [ $c -eq 2 ] && grep -q "line 2: unknown variable '\${branh}'" "$T/out" \
	   && grep -q 'bad.scn:2: error: unknown statement' "$T/out2" && grep -q 'bad.scn:3: error: usage: drop' "$T/out2" \
	   && grep -q 'only loopback' "$T/out3"; then
		ok usage
	else
		ko usage "exits $a $b $c" "$T/out" "$T/out2" "$T/out3"
	fi
fi

if want malformed; then
	# A request without Via: the uas must fail and say why.
	printf 'OPTIONS sip:x@127.0.0.1 SIP/2.0\nFrom: <sip:a@b>;tag=1\nTo: <sip:x@y>\nCall-ID: ${call_id}\nCSeq: 1 OPTIONS\n\n' >"$T/novia.sip"
	uas_start "$P1" --count 1 --timeout 3000
	"$UA" send --to "127.0.0.1:$P1" --msg "$T/novia.sip" --timeout 500 >"$T/out" 2>&1
	uas_end
	urc=$?
	if [ $urc -eq 1 ] && grep -q 'malformed message from 127.0.0.1:[0-9]*: no Via header' "$T/uas"; then
		ok malformed
	else
		ko malformed "uas exit $urc" "$T/uas"
	fi
fi

# scen NAME UAS-ARGS -- SCENARIO-ARGS: a scenario against `sipua uas` on P1.
scen() {
	name=$1
	shift
	ua_args=
	while [ "$1" != -- ]; do ua_args="$ua_args $1"; shift; done
	shift
	uas_start "$P1" $ua_args
	"$UA" scenario "$@" >"$T/out" 2>&1
	rc=$?
	uas_end
	urc=$?
	if [ $rc -eq 0 ] && [ $urc -eq 0 ]; then ok "$name"; else ko "$name" "scenario $rc, uas $urc" "$T/out" "$T/uas"; fi
}

want call && scen call --count 2 --trying --ring 20 --delay 50 --timeout 8000 -- \
	"$EX/call.scn" --to "127.0.0.1:$P1"
want cancel-after-180 && scen cancel-after-180 --count 1 --ring 0 --delay 5000 --timeout 8000 -- \
	"$EX/cancel.scn" --to "127.0.0.1:$P1"
want cancel-before-180 && scen cancel-before-180 --count 1 --trying --ring 3000 --delay 5000 --timeout 8000 -- \
	"$EX/cancel-early.scn" --to "127.0.0.1:$P1"
want lossy && scen lossy --count 2 --linger 4000 --timeout 20000 -- \
	"$EX/lossy-call.scn" --to "127.0.0.1:$P1" --seed 1

if want resend-lose; then
	# The INVITE twice (the uas answers the copy with its 200 again); the
	# first 200 lost on purpose, the second one taken.
	printf 'retransmit off\nsend INVITE %s\nresend\nlose 1\nexpect 200\nsend ACK\n' \
		"$(pwd)/$EX/invite.sip" >"$T/rl.scn"
	uas_start "$P1" --count 1 --timeout 5000
	"$UA" scenario "$T/rl.scn" --to "127.0.0.1:$P1" >"$T/out" 2>&1
	rc=$?
	uas_end
	urc=$?
	if [ $rc -eq 0 ] && [ $urc -eq 0 ] && grep -q '^>>> INVITE .*\[resent\]' "$T/out" \
	   && grep -q '^<<< \[lost\] SIP/2.0 200' "$T/out" && grep -q '^>>> SIP/2.0 200 OK  \[again\]' "$T/uas"; then
		ok resend-lose
	else
		ko resend-lose "scenario $rc, uas $urc" "$T/out" "$T/uas"
	fi
fi

if want uas-misbehave; then
	# --lose-first: the first OPTIONS lost, its retransmission answered;
	# --no-answer: recorded, never answered.
	uas_start "$P1" --count 1 --lose-first 1 --quiet --timeout 5000
	"$UA" send --to "127.0.0.1:$P1" --msg "$EX/options.sip" --retransmit --expect 200 >"$T/out" 2>&1
	a=$?
	uas_end
	b=$?
	grep -q '^<<< \[lost\] OPTIONS' "$T/uas" && grep -q 'retransmission 1' "$T/out" || a="$a (no loss seen)"
	uas_start "$P1" --no-answer --timeout 1000
	"$UA" send --to "127.0.0.1:$P1" --msg "$EX/options.sip" --expect none --timeout 600 >"$T/out2" 2>&1
	c=$?
	uas_end
	if [ "$a $b $c" = "0 0 0" ] && grep -q '^OPTIONS sip:' "$T/rec"; then
		ok uas-misbehave
	else
		ko uas-misbehave "lose-first: send $a uas $b, no-answer: send $c" "$T/out" "$T/uas" "$T/out2"
	fi
fi

if want callee; then
	# No proxy, so no 100: a caller that expects 180 and 200 only.
	printf 'send INVITE %s\nexpect 180\nexpect 200\nsend ACK\nsend BYE\nexpect 200 BYE\n' \
		"$(pwd)/$EX/invite.sip" >"$T/caller.scn"
	"$UA" scenario "$EX/callee.scn" --to "127.0.0.1:$P2" --bind "127.0.0.1:$P1" >"$T/callee" 2>&1 &
	CPID=$!
	wait_port "$P1"
	"$UA" scenario "$T/caller.scn" --to "127.0.0.1:$P1" >"$T/out" 2>&1
	rc=$?
	wait $CPID
	crc=$?
	if [ $rc -eq 0 ] && [ $crc -eq 0 ]; then ok callee; else ko callee "caller $rc, callee $crc" "$T/out" "$T/callee"; fi
fi

# ---- loadgen and uas --------------------------------------------------------

field() { sed -n "s/^$1: //p" "$2"; }

"$BU" --bind "127.0.0.1:$P3" >"$T/bu" 2>"$T/bu.err" &
BPID=$!
wait_port "$P3"

if want loadgen-options; then
	"$LG" --to "127.0.0.1:$P3" --closed 4 --count 2000 >"$T/out" 2>&1
	if [ "$(field responses "$T/out")" = 2000 ] && [ "$(field timeouts "$T/out")" = 0 ]; then
		ok loadgen-options
	else
		ko loadgen-options "counts" "$T/out"
	fi
fi

if want loadgen-calls; then
	"$LG" --to "127.0.0.1:$P3" --method INVITE --closed 4 --count 300 >"$T/out" 2>&1
	if [ "$(field calls "$T/out")" = 300 ] && [ "$(field timeouts "$T/out")" = 0 ]; then
		ok loadgen-calls
	else
		ko loadgen-calls "counts" "$T/out"
	fi
fi

if want loadgen-open; then
	"$LG" --to "127.0.0.1:$P3" --rate 1000 --count 500 >"$T/out" 2>&1
	el=$(field elapsed_s "$T/out")
	if [ "$(field responses "$T/out")" = 500 ] && awk -v e="$el" 'BEGIN { exit !(e >= 0.45 && e < 3) }'; then
		ok loadgen-open
	else
		ko loadgen-open "counts or pace" "$T/out"
	fi
fi

if want loadgen-timeout; then
	"$LG" --to "127.0.0.1:$P2" --closed 2 --count 4 --wait 200 >"$T/out" 2>&1
	if [ "$(field timeouts "$T/out")" = 4 ] && [ "$(field responses "$T/out")" = 0 ]; then
		ok loadgen-timeout
	else
		ko loadgen-timeout "counts" "$T/out"
	fi
fi

# REGISTER refreshes: one Call-ID per user, CSeq counting up, the --contact address.
if want loadgen-register; then
	uas_start "$P4" --count 4 --timeout 5000
	"$LG" --to "127.0.0.1:$P4" --method REGISTER --users 2 --count 4 --closed 1 \
		--contact "127.0.0.1:$P1" --expires 60 >"$T/out" 2>&1
	uas_end
	if [ "$(field method "$T/out")" = REGISTER ] && [ "$(field status_2xx "$T/out")" = 4 ] \
	   && [ "$(grep -c "^Contact: <sip:bench-1@127.0.0.1:$P1>" "$T/rec")" = 2 ] \
	   && [ "$(grep '^Call-ID: lg-reg-0-' "$T/rec" | sort -u | wc -l)" = 1 ] \
	   && grep -q '^CSeq: 2 REGISTER' "$T/rec" && grep -q '^Expires: 60' "$T/rec"; then
		ok loadgen-register
	else
		ko loadgen-register "counts or headers" "$T/out" "$T/rec"
	fi
fi

# --users: calls to sip:bench-I@TARGET, which the uas counts as its own contact.
if want loadgen-users; then
	"$LG" --to "127.0.0.1:$P3" --method INVITE --users 5 --closed 2 --count 10 >"$T/out" 2>&1
	if [ "$(field calls "$T/out")" = 10 ]; then ok loadgen-users; else ko loadgen-users "counts" "$T/out"; fi
fi

kill "$BPID"
wait "$BPID"
brc=$?
BPID=
if want uas-counts; then
	if [ $brc -eq 0 ] && grep -q '^received: [0-9]' "$T/bu" && [ "$(field malformed "$T/bu")" = 0 ] \
	   && [ "$(field invite_to_contact "$T/bu")" = "$(field invite "$T/bu")" ]; then
		ok uas-counts
	else
		ko uas-counts "exit $brc" "$T/bu" "$T/bu.err"
	fi
fi

# ---- against Kamailio 5.6 ---------------------------------------------------

if ! command -v kamailio >/dev/null 2>&1; then
	echo "SKIP kamailio: not installed"
else
	mkdir -p "$T/kam"
	kamailio -DD -E -f tests/sip/ua/kamailio-test.cfg -L /usr/lib/x86_64-linux-gnu/kamailio/modules \
		-Y "$T/kam" -m 64 -M 8 -l "udp:127.0.0.1:$KP" -A "UAS_PORT=$KU" >"$T/kam.log" 2>&1 &
	KPID=$!
	if ! wait_port "$KP"; then
		ko kamailio-start "no listener on $KP" "$T/kam.log"
	else
		K=127.0.0.1:$KP

		if want kam-sl; then
			"$UA" send --to "$K" --msg "$EX/options.sip" --expect 200 --print-full >"$T/out" 2>&1
			if [ $? -eq 0 ] && grep -q '^Server: kamailio' "$T/out"; then ok kam-sl; else ko kam-sl "" "$T/out"; fi
		fi

		if want kam-forward; then
			uas_start "$KU" --count 1 --timeout 5000
			"$UA" send --to "$K" --msg "$EX/options.sip" --set user=fwd --expect 200 >"$T/out" 2>&1
			rc=$?
			uas_end
			if [ $rc -eq 0 ] && [ "$(grep -c '^Via: ' "$T/rec")" -eq 2 ] && grep -q '^Max-Forwards: 69' "$T/rec"; then
				ok kam-forward
			else
				ko kam-forward "exit $rc" "$T/out" "$T/rec"
			fi
		fi

		if want kam-tm-call; then
			uas_start "$KU" --count 2 --trying --ring 20 --delay 50 --timeout 8000
			"$UA" scenario "$EX/call.scn" --to "$K" --set user=tm --print-full >"$T/out" 2>&1
			rc=$?
			uas_end
			urc=$?
			if [ $rc -eq 0 ] && [ $urc -eq 0 ] && grep -q "^Record-Route: <sip:127.0.0.1:$KP;lr" "$T/rec" \
			   && grep -q "^Route: <sip:127.0.0.1:$KP;lr" "$T/out" && grep -q '^BYE sip:uas@' "$T/rec"; then
				ok kam-tm-call
			else
				ko kam-tm-call "scenario $rc, uas $urc" "$T/out" "$T/uas"
			fi
		fi

		kscen() {
			name=$1 scn=$2
			shift 2
			uas_start "$KU" "$@"
			"$UA" scenario "$EX/$scn" --to "$K" --set user=tm >"$T/out" 2>&1
			rc=$?
			uas_end
			urc=$?
			if [ $rc -eq 0 ] && [ $urc -eq 0 ]; then ok "$name"; else ko "$name" "scenario $rc, uas $urc" "$T/out" "$T/uas"; fi
		}
		want kam-cancel-after-180 && kscen kam-cancel-after-180 cancel.scn --count 1 --ring 0 --delay 5000 --timeout 8000
		want kam-cancel-before-180 && kscen kam-cancel-before-180 cancel-early.scn --count 1 --trying --ring 3000 --delay 5000 --timeout 8000
		want kam-lossy && kscen kam-lossy lossy-call.scn --count 2 --linger 4000 --timeout 20000

		if want kam-486; then
			uas_start "$KU" --count 1 --code INVITE=486 --timeout 5000
			"$UA" send --to "$K" --msg "$EX/invite.sip" --set user=tm --expect 486 >"$T/out" 2>&1
			rc=$?
			uas_end
			if [ $rc -eq 0 ] && grep -q 'ACK of a non-2xx' "$T/out" && grep -q '^ACK sip:' "$T/rec"; then
				ok kam-486
			else
				ko kam-486 "exit $rc" "$T/out" "$T/rec"
			fi
		fi

		if want kam-callee; then
			"$UA" scenario "$EX/callee.scn" --to "$K" --bind "127.0.0.1:$KU" >"$T/callee" 2>&1 &
			CPID=$!
			wait_port "$KU"
			"$UA" scenario "$EX/call.scn" --to "$K" --set user=tm >"$T/out" 2>&1
			rc=$?
			wait $CPID
			crc=$?
			if [ $rc -eq 0 ] && [ $crc -eq 0 ]; then ok kam-callee; else ko kam-callee "caller $rc, callee $crc" "$T/out" "$T/callee"; fi
		fi

		"$BU" --bind "127.0.0.1:$KU" >"$T/bu" 2>&1 &
		BPID=$!
		wait_port "$KU"
		if want kam-loadgen-sl; then
			"$LG" --to "$K" --closed 4 --count 1000 >"$T/out" 2>&1
			if [ "$(field responses "$T/out")" = 1000 ]; then ok kam-loadgen-sl; else ko kam-loadgen-sl "" "$T/out"; fi
		fi
		if want kam-loadgen-forward; then
			"$LG" --to "$K" --closed 4 --count 1000 --ruri "sip:fwd@$K" >"$T/out" 2>&1
			if [ "$(field responses "$T/out")" = 1000 ]; then ok kam-loadgen-forward; else ko kam-loadgen-forward "" "$T/out"; fi
		fi
		if want kam-loadgen-calls; then
			"$LG" --to "$K" --method INVITE --closed 4 --count 200 --ruri "sip:tm@$K" >"$T/out" 2>&1
			if [ "$(field calls "$T/out")" = 200 ]; then ok kam-loadgen-calls; else ko kam-loadgen-calls "" "$T/out"; fi
		fi
		kill "$BPID"
		wait "$BPID"
		BPID=

		if ! command -v sipsak >/dev/null 2>&1; then
			echo "SKIP sipsak: not installed"
		elif want sipsak; then
			uas_start "$P1" --count 1 --timeout 5000
			timeout 10 sipsak -s "sip:test@127.0.0.1:$P1" -H 127.0.0.1 >"$T/out" 2>&1
			a=$?
			uas_end
			b=$?
			grep -q '^User-Agent: sipsak' "$T/rec" || b=9
			uas_start "$KU" --count 1 --timeout 5000
			timeout 10 sipsak -s "sip:fwd@$K" -H 127.0.0.1 >"$T/out2" 2>&1
			c=$?
			uas_end
			d=$?
			timeout 10 sipsak -s "sip:test@$K" -H 127.0.0.1 >"$T/out3" 2>&1
			e=$?
			if [ "$a$b$c$d$e" = 00000 ]; then ok sipsak; else ko sipsak "exits $a $b $c $d $e" "$T/out" "$T/out2" "$T/out3" "$T/uas"; fi
		fi
	fi
	kill "$KPID"
	wait "$KPID" 2>/dev/null
	KPID=
fi

echo "sip-ua: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
