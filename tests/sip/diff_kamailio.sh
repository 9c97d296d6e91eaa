#!/bin/sh
# tests/sip/diff_kamailio.sh: the same script, the same messages, on Kamailio 5.6
# and on routec (`routec run`, the JIT); what each proxy does must be the same.
#
# samples/default.cfg runs on both, each in front of its own `sipua uas`
# (NEXT_HOP_PORT; LISTEN_ADDR given unquoted, see diff-known.txt), and each
# request of the table below (templates in tests/sip/msgs) is sent to both
# with the same bytes (fixed Call-ID, branch and From tag; the same caller
# port).  A 2xx to an INVITE is ACKed by the caller through the proxy (its
# Record-Route), so that ACK is compared too.
# A third copy of each request goes straight to a bare `sipua uas`: that
# "baseline" is what the caller sent, to see what each proxy changed.
# Checks, per request (Kamailio's result against routec's):
#   CASE: status              the final status code the caller received, or
#                             "none" (nothing within the timeout)
#   CASE: reply headers       the header names of that reply in order; a To
#                             with a tag shows as "to;tag"
#   CASE: reply values        the whole reply, normalized (below)
#   CASE: forwarded           the methods of the requests the UAS received for
#                             this Call-ID, in order ("none" if none)
#   CASE: METHOD R-URI        the Request-URI of each of them
#   CASE: METHOD headers      which headers the proxy added (+), removed (-)
#                             and changed (~) against the baseline, in order
#                             ("+record-route +via ~via ~max-forwards")
#   CASE: METHOD values       the same diff with the header values
# plus one check on the script itself (its quoted listen value, see
# diff-known.txt) and one osip_check run over every message recorded
# (build/osip_check: routec's parser against libosip2).
#
# Normalization, applied to every message before comparing:
#   - header names in lower case, compact forms expanded (v -> via, f -> from,
#     t -> to, i -> call-id, m -> contact, l -> content-length, ...),
#     continuation lines joined, one space after the colon, values trimmed;
#   - the ports of this run: each proxy's port -> PROXY, each UAS's port
#     -> UAS (the caller's port is the same for both);
#   - branch values: ours (z9hG4bK-diff-CASE) kept, any other branch starting
#     with the magic cookie -> z9hG4bK* (each proxy's own, the ACK's);
#   - every tag value -> TAG (locally generated To tags, the UAS's To tag);
#   - the values of Server and User-Agent -> VALUE;
#   - the parameters of each Via value sorted (their order means nothing, and
#     Kamailio puts received= after the sent-by in a request it forwards but
#     after the other parameters in a reply it sends).
# Nothing else: received=, rport=, Record-Route parameters, Max-Forwards,
# Content-Length, reason phrases are compared as they are.
#
# A check whose results differ is a FAIL unless tests/sip/diff-known.txt lists
# it ("CHECK NAME | reason"): then it is an XFAIL, counted as passed.  A listed
# check that passes is a FAIL too (remove its line).  Kamailio missing: SKIP
# and one failure (make test installs it).
# Env: ROUTEC, B (build dir with sipua and osip_check), KAMAILIO (binary),
# KAMAILIO_MODULES, SIPDIFF_KEEP=1 (keep the recorded messages).  Ends with
# "sip-diff: N passed, N failed"; exit 1 on a failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${ROUTEC:=build/routec}" "${B:=build}"
: "${KAMAILIO:=kamailio}" "${KAMAILIO_MODULES:=/usr/lib/x86_64-linux-gnu/kamailio/modules}"
SIPUA=$B/sipua
OSIP=$B/osip_check
SCRIPT=samples/default.cfg
KNOWN=tests/sip/diff-known.txt
MSGS=tests/sip/msgs
pass=0 fail=0
pids=""
tmp=$(mktemp -d /tmp/routec-sipdiff.XXXXXX) || exit 1

# alive PID: running (a child that exited stays a zombie until waited for,
# and kill -0 still finds it)
alive() {
	st=$(ps -o stat= -p "$1" 2>/dev/null)
	[ -n "$st" ] && [ "${st#Z}" = "$st" ]
}
# stop PID...: TERM to all, up to 5 s, then KILL; their children too
# (Kamailio's, listed by parent pid before the parent goes).  Then forgotten.
stop() {
	kids=""
	for p in "$@"; do kids="$kids $(ps -o pid= --ppid "$p" 2>/dev/null)"; done
	kill "$@" 2>/dev/null
	i=0
	while [ $i -lt 50 ]; do
		up=""
		for p in "$@"; do alive "$p" && up=1; done
		[ -n "$up" ] || break
		sleep 0.1
		i=$((i + 1))
	done
	for p in "$@" $kids; do alive "$p" && kill -9 "$p" 2>/dev/null; done
	for p in "$@"; do wait "$p" 2>/dev/null; forget "$p"; done
	return 0
}
# forget PID: no longer ours to stop (stopped and reaped: its number may be reused)
forget() {
	l=""
	for p in $pids; do [ "$p" = "$1" ] || l="$l $p"; done
	pids=$l
}
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	# shellcheck disable=SC2086 # one pid per word
	[ -z "$pids" ] || stop $pids
	if [ -n "${SIPDIFF_KEEP:-}" ]; then echo "sip-diff: messages kept in $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP PIPE

summary() {
	echo "sip-diff: $pass passed, $fail failed"
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
	exit $?
}
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# known NAME: the reason diff-known.txt gives for NAME, empty if not listed
known() {
	[ -f "$KNOWN" ] || return 0
	awk -v n="$1" '/^[ \t]*(#|$)/ { next }
		{ i = index($0, " | "); if (i && substr($0, 1, i - 1) == n) { print substr($0, i + 3); exit } }' "$KNOWN"
}

# check NAME KAMAILIO_RESULT ROUTEC_RESULT (results may span lines)
check() {
	why=$(known "$1")
	if [ "$2" = "$3" ]; then
		if [ -n "$why" ]; then
			ko "$1" "the same on both now: remove it from $KNOWN"
		elif [ "$(printf '%s\n' "$2" | wc -l)" -eq 1 ] && [ ${#2} -le 80 ]; then
			ok "$1 (${2:-empty})"
		else
			ok "$1"
		fi
	elif [ -n "$why" ]; then
		echo "XFAIL $1: $why"
		pass=$((pass + 1))
	elif [ "$(printf '%s\n' "$2$3" | wc -l)" -le 1 ]; then
		ko "$1" "kamailio [$2] routec [$3]"
	else # several lines: only those that differ
		printf '%s\n' "$2" >"$tmp/c1"
		printf '%s\n' "$3" >"$tmp/c2"
		ko "$1" "$(diff "$tmp/c1" "$tmp/c2" | sed -n 's/^< /kamailio [/p; s/^> /routec [/p' |
			sed 's/$/]/' | tr '\n' ' ' | sed 's/ $//')"
	fi
}

if ! command -v "$KAMAILIO" >/dev/null 2>&1; then
	echo "SKIP sip-diff: $KAMAILIO is not installed (make test installs it: sh mk/deps.sh test)"
	echo "sip-diff: 0 passed, 1 failed"
	exit 1
fi
for t in "$SIPUA" "$OSIP"; do
	if [ ! -x "$t" ]; then
		make --no-print-directory "$t" >/dev/null 2>&1 || { ko build "no $t"; summary; }
	fi
done
[ -x "$ROUTEC" ] || { ko build "no $ROUTEC"; summary; }

# Ports: one block per run, away from tests/sip/run.sh's 5100-9099.
base=$((20000 + ($$ % 900) * 10))
K_PROXY=$base K_UAS=$((base + 1))
R_PROXY=$((base + 2)) R_UAS=$((base + 3))
UA=$((base + 4))
B_UAS=$((base + 5)) B_PROXY=$((base + 6)) # B_PROXY: only written in the baseline's messages

# The requests: NAME TEMPLATE SEND-TIMEOUT-MS [--set K=V]...  (maxfwd is 70
# unless set; the ACK expects nothing back).
CASES='keepalive      options.sip        2000
myself-noport  options.sip        2000 proxy=127.0.0.1
maxfwd-0       options.sip        2000 maxfwd=0
invite         invite.sip         3000
bye-route      bye-route.sip      2000
bye-noroute    bye-noroute.sip    2000
ack-noroute    ack-noroute.sip    600
maxfwd-1       message.sip        2000 maxfwd=1
maxfwd-255     options-user.sip   2000 maxfwd=255
maxfwd-bad     message.sip        2000 maxfwd=x1
no-maxfwd      options-nomf.sip   2000
ruri-user      options-user.sip   2000
message        message.sip        2000
register       register.sip       2000
subscribe      subscribe.sip      2000
invite-compact invite-compact.sip 3000
invite-via2    invite-via2.sip    3000
via-host       options-via.sip    2000 ruser=
via-host-fwd   options-via.sip    2000 ruser=fwd@'

# ---- the script's own listen value ---------------------------------------
# A quoted listen value (listen = "udp:127.0.0.1:PORT", through LISTEN_ADDR):
# started with that form, does each start?
mkdir -p "$tmp/kam-run"
"$KAMAILIO" -DD -E -f "$SCRIPT" -L "$KAMAILIO_MODULES" -Y "$tmp/kam-run" -m 64 -M 8 \
	-A NEXT_HOP_PORT="$K_UAS" -A "LISTEN_ADDR=\"udp:127.0.0.1:$K_PROXY\"" >"$tmp/kam-listen.log" 2>&1 &
kl=$!
pids="$pids $kl"
"$ROUTEC" run -n 1 -E -D NEXT_HOP_PORT="$R_UAS" -D "LISTEN_ADDR=\"udp:127.0.0.1:$R_PROXY\"" "$SCRIPT" \
	>"$tmp/rt-listen.log" 2>&1 &
rl=$!
pids="$pids $rl"
listen_result() { # PID LOG
	i=0
	while [ $i -lt 50 ]; do
		grep -q "serving\|Listening on" "$2" && { echo starts; return; }
		alive "$1" || { echo "refuses: $(grep -m 1 -i 'error' "$2" | sed 's/.*]: //')"; return; }
		sleep 0.1
		i=$((i + 1))
	done
	echo "no answer in 5 s"
}
kr=$(listen_result "$kl" "$tmp/kam-listen.log")
rr=$(listen_result "$rl" "$tmp/rt-listen.log")
stop "$kl" "$rl"
check "script: listen = \"proto:host:port\" (quoted)" "$kr" "$rr"

# ---- start both proxies and the three UASes --------------------------------
for u in B_UAS K_UAS R_UAS; do
	case $u in B_UAS) port=$B_UAS ;; K_UAS) port=$K_UAS ;; *) port=$R_UAS ;; esac
	"$SIPUA" uas --bind "127.0.0.1:$port" --timeout 120000 --record "$tmp/$u.rec" --quiet >"$tmp/$u.out" 2>&1 &
	pids="$pids $!"
done
"$KAMAILIO" -DD -E -f "$SCRIPT" -L "$KAMAILIO_MODULES" -Y "$tmp/kam-run" -m 64 -M 8 \
	-l "udp:127.0.0.1:$K_PROXY" -A NEXT_HOP_PORT="$K_UAS" -A "LISTEN_ADDR=udp:127.0.0.1:$K_PROXY" \
	>"$tmp/kamailio.log" 2>&1 &
KPID=$!
pids="$pids $KPID"
"$ROUTEC" run -l "udp:127.0.0.1:$R_PROXY" -n 2 -E -D NEXT_HOP_PORT="$R_UAS" \
	-D "LISTEN_ADDR=udp:127.0.0.1:$R_PROXY" "$SCRIPT" >"$tmp/routec.log" 2>&1 &
RPID=$!
pids="$pids $RPID"

# Kamailio is up when it answers a keepalive; routec when it says "serving".
i=0 up=""
while [ $i -lt 25 ] && alive "$KPID"; do
	if "$SIPUA" send --to "127.0.0.1:$K_PROXY" --bind "127.0.0.1:$UA" --msg "$MSGS/options.sip" \
		--timeout 300 --set proxy="127.0.0.1:$K_PROXY" --set maxfwd=70 --set call_id="probe-$i" \
		--quiet >/dev/null 2>&1; then
		up=1
		break
	fi
	i=$((i + 1))
done
[ -n "$up" ] || { ko "kamailio start" "$(tail -n 5 "$tmp/kamailio.log" | tr '\n' '|')"; summary; }
i=0 up=""
while [ $i -lt 50 ] && alive "$RPID"; do
	grep -q "serving" "$tmp/routec.log" && { up=1; break; }
	sleep 0.1
	i=$((i + 1))
done
[ -n "$up" ] || { ko "routec start" "$(tail -n 5 "$tmp/routec.log" | tr '\n' '|')"; summary; }

# ---- send every request three ways ----------------------------------------
mkdir -p "$tmp/base" "$tmp/kam" "$tmp/rt"
echo "$CASES" | while read -r name tmpl ms sets; do
	for side in base kam rt; do
		case $side in
		base) to=$B_UAS proxy=$B_PROXY uas=$B_UAS ;;
		kam) to=$K_PROXY proxy=$K_PROXY uas=$K_UAS ;;
		rt) to=$R_PROXY proxy=$R_PROXY uas=$R_UAS ;;
		esac
		extra=""
		for s in $sets; do extra="$extra --set $s"; done
		expect=""
		[ "$tmpl" = ack-noroute.sip ] && expect="--expect none"
		# shellcheck disable=SC2086 # word splitting wanted
		"$SIPUA" send --to "127.0.0.1:$to" --bind "127.0.0.1:$UA" --msg "$MSGS/$tmpl" --timeout "$ms" \
			--set proxy="127.0.0.1:$proxy" --set uas_port="$uas" --set maxfwd=70 \
			--set call_id="diff-$name" --set branch="z9hG4bK-diff-$name" --set from_tag="ft-$name" \
			$extra $expect --record "$tmp/$side/$name.rx" --quiet >"$tmp/$side/$name.out" 2>&1
	done
done
sleep 0.5 # the last ACKs and retransmissions
stop "$KPID" "$RPID"

# ---- compare ---------------------------------------------------------------

# msgs FILE CALL-ID: the messages of a record with that Call-ID, each ended by ----
msgs() {
	awk -v cid="$2" '
	$0 == "----" { if (keep) printf "%s----\n", buf; buf = ""; keep = 0; body = 0; next }
	{ buf = buf $0 "\n" }
	$0 == "" { body = 1 }
	!body && tolower($0) ~ /^(call-id|i)[ \t]*:/ {
		v = $0; sub(/^[^:]*:[ \t]*/, "", v); sub(/[ \t]+$/, "", v); if (v == cid) keep = 1 }' "$1" 2>/dev/null
}
# nth N: the Nth message of stdin (first line and headers, no body)
nth() {
	awk -v n="$1" '$0 == "----" { k++; hdr = 1; next } k == n - 1 && hdr { if ($0 == "") hdr = 0; else print }
		BEGIN { hdr = 1 }'
}
# norm: first line and headers of stdin, normalized (see the top)
norm() {
	awk -v ports="$K_PROXY=PROXY $R_PROXY=PROXY $B_PROXY=PROXY $K_UAS=UAS $R_UAS=UAS $B_UAS=UAS" '
	BEGIN {
		split("v=via f=from t=to i=call-id m=contact l=content-length c=content-type e=content-encoding " \
		      "k=supported s=subject o=event u=allow-events r=refer-to b=referred-by a=accept-contact " \
		      "j=reject-contact d=request-disposition x=session-expires y=identity n=identity-info", cf, " ")
		for (i in cf) { split(cf[i], kv, "="); compact[kv[1]] = kv[2] }
		np = split(ports, pl, " ")
	}
	function port(s,   i, kv, re) {
		for (i = 1; i <= np; i++) {
			split(pl[i], kv, "=")
			re = ":" kv[1]
			while (match(s, re "([^0-9]|$)"))
				s = substr(s, 1, RSTART) kv[2] substr(s, RSTART + length(re))
		}
		return s
	}
	function sortparams(v,   n, p, i, j, t, out) {  # a Via value: its params sorted
		if (index(v, ",")) return v
		n = split(v, p, ";")
		for (i = 3; i <= n; i++)
			for (j = i; j > 2 && p[j - 1] > p[j]; j--) { t = p[j]; p[j] = p[j - 1]; p[j - 1] = t }
		out = p[1]
		for (i = 2; i <= n; i++) out = out ";" p[i]
		return out
	}
	function value(name, v) {
		if (name == "server" || name == "user-agent") return "VALUE"
		if (name == "via") v = sortparams(v)
		v = port(v)
		gsub(/branch=z9hG4bK-diff-/, "branch=@KEEP@", v)
		gsub(/branch=z9hG4bK[^;, >]*/, "branch=z9hG4bK*", v)
		gsub(/branch=@KEEP@/, "branch=z9hG4bK-diff-", v)
		gsub(/;[ \t]*tag=[^;, >]*/, ";tag=TAG", v)
		return v
	}
	function flush(   c, name, v) {
		if (cur == "") return
		c = index(cur, ":")
		name = tolower(substr(cur, 1, c - 1)); sub(/[ \t]+$/, "", name)
		if (name in compact) name = compact[name]
		v = substr(cur, c + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v)
		print name ": " value(name, v)
		cur = ""
	}
	NR == 1 { print port($0); next }
	/^[ \t]/ { sub(/^[ \t]+/, " "); cur = cur $0; next }
	{ flush(); cur = $0 }
	END { flush() }'
}
# names: the header names of a normalized message (To with a tag: to;tag)
names() {
	awk 'NR > 1 { c = index($0, ": "); n = substr($0, 1, c - 1)
		if (n == "to" && $0 ~ /;tag=/) n = "to;tag"; printf "%s%s", (NR > 2 ? " " : ""), n }'
}
# changes BASE FWD: the headers FWD added (+), removed (-) and changed (~)
# against BASE, both normalized, first lines left out
changes() {
	tail -n +2 "$1" >"$tmp/d1"
	tail -n +2 "$2" >"$tmp/d2"
	diff "$tmp/d1" "$tmp/d2" | awk '
	function name(l) { l = substr(l, 3); return substr(l, 1, index(l, ":") - 1) }
	function flush(   i, j, out) {
		for (i = na; i >= 1; i--) {  # a name removed and added in one hunk: changed
			for (j = nr; j >= 1; j--)
				if (!used[j] && R[j] == A[i]) { used[j] = 1; ch[i] = 1; break }
		}
		for (j = 1; j <= nr; j++) if (!used[j]) out = out " -" R[j]
		for (i = 1; i <= na; i++) out = out " " (ch[i] ? "~" : "+") A[i]
		printf "%s", out
		na = nr = 0; delete used; delete ch
	}
	/^[0-9]/ { flush(); next }
	/^< / { R[++nr] = name($0) }
	/^> / { A[++na] = name($0) }
	END { flush() }' | sed 's/^ //'
}
# changed BASE FWD: the same as a diff of the values
changed() {
	tail -n +2 "$1" >"$tmp/d1"
	tail -n +2 "$2" >"$tmp/d2"
	diff "$tmp/d1" "$tmp/d2"
}
# final FILE: the last final reply (first line and headers) of a caller's record
final() {
	awk '$0 == "----" { if (fin) last = cur; cur = ""; fin = 0; hdr = 1; next }
		cur == "" && /^SIP\/2\.0 [2-6][0-9][0-9]/ { fin = 1 }
		hdr { if ($0 == "") hdr = 0; else cur = cur $0 "\n" }
		BEGIN { hdr = 1 } END { printf "%s", last }'
}
status() { # FILE (the final reply) OUT (sipua's output)
	if [ -s "$1" ]; then
		head -n 1 "$1" | cut -d " " -f 2
	elif grep -q "malformed" "$2" 2>/dev/null; then
		echo "malformed: $(grep -m 1 malformed "$2")"
	else
		echo none
	fi
}
methods() { # a file of messages: the method of each request
	awk '$0 == "----" { first = 1; next } BEGIN { first = 1 } first { printf "%s%s", (n++ ? " " : ""), $1; first = 0 }' "$1"
}

echo "$CASES" | while read -r name tmpl ms sets; do
	cid=diff-$name
	for side in kam rt; do
		msgs "$tmp/$side/$name.rx" "$cid" | final >"$tmp/$side/$name.final"
		norm <"$tmp/$side/$name.final" >"$tmp/$side/$name.fnorm"
	done
	ks=$(status "$tmp/kam/$name.final" "$tmp/kam/$name.out")
	rs=$(status "$tmp/rt/$name.final" "$tmp/rt/$name.out")
	check "$name: status" "$ks" "$rs"
	if [ -s "$tmp/kam/$name.final" ] && [ -s "$tmp/rt/$name.final" ]; then
		check "$name: reply headers" "$(names <"$tmp/kam/$name.fnorm")" "$(names <"$tmp/rt/$name.fnorm")"
		check "$name: reply values" "$(cat "$tmp/kam/$name.fnorm")" "$(cat "$tmp/rt/$name.fnorm")"
	fi

	msgs "$tmp/B_UAS.rec" "$cid" >"$tmp/base/$name.fwd"
	msgs "$tmp/K_UAS.rec" "$cid" >"$tmp/kam/$name.fwd"
	msgs "$tmp/R_UAS.rec" "$cid" >"$tmp/rt/$name.fwd"
	km=$(methods "$tmp/kam/$name.fwd")
	rm_=$(methods "$tmp/rt/$name.fwd")
	check "$name: forwarded" "${km:-none}" "${rm_:-none}"
	n=1
	for m in $km; do # while both forwarded the same methods
		[ "$(echo "$rm_" | cut -d " " -f "$n")" = "$m" ] || break
		for side in base kam rt; do
			nth $n <"$tmp/$side/$name.fwd" | norm >"$tmp/$side/$name.$n"
		done
		check "$name: $m R-URI" "$(head -n 1 "$tmp/kam/$name.$n" | cut -d " " -f 2)" \
			"$(head -n 1 "$tmp/rt/$name.$n" | cut -d " " -f 2)"
		# the baseline has the caller's ACK only if it was sent the same way
		if [ -s "$tmp/base/$name.$n" ]; then
			check "$name: $m headers" "$(changes "$tmp/base/$name.$n" "$tmp/kam/$name.$n")" \
				"$(changes "$tmp/base/$name.$n" "$tmp/rt/$name.$n")"
			check "$name: $m values" "$(changed "$tmp/base/$name.$n" "$tmp/kam/$name.$n")" \
				"$(changed "$tmp/base/$name.$n" "$tmp/rt/$name.$n")"
		fi
		n=$((n + 1))
	done
done >"$tmp/results"
cat "$tmp/results"
pass=$((pass + $(grep -c '^\(PASS\|XFAIL\) ' "$tmp/results")))
fail=$((fail + $(grep -c '^FAIL ' "$tmp/results")))

# ---- every message recorded, parsed alike by routec and libosip2 -----------
# (wait for the UASes: they record until stopped)
# shellcheck disable=SC2086
stop $pids
set -- "$tmp"/base/*.rx "$tmp"/kam/*.rx "$tmp"/rt/*.rx "$tmp"/*.rec
if "$OSIP" -q "$@" >"$tmp/osip.out" 2>&1; then
	ok "every message parsed alike by routec and libosip2 ($(tail -n 1 "$tmp/osip.out" | sed 's/^osip_check: //'))"
else
	ko "every message parsed alike by routec and libosip2" "$(head -n 5 "$tmp/osip.out" | tr '\n' '|')"
fi

summary
