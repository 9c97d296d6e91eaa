# tests/sip/tm/scenarios.sh: the scenarios of tests/sip/tm/run.sh (sourced).
#
# sc_NAME runs one: it starts the far ends it needs (lib.sh `uas`), the caller
# (`caller`, a file of scn/), stops the far ends (`settle`), then checks what
# each side received.  The expected values were taken from Kamailio 5.6.3
# running the same script (tests/sip/tm/README.md).
#
# Far ends answering an INVITE send a 100 at once (--trying): the proxy then
# stops retransmitting it however slow the final answer is on a loaded
# machine, and "relayed once" holds.  Requests a proxy may rightly send more
# than once (an ACK per retransmitted final response, a CANCEL until its 200)
# are checked with `has`.
#
# samples/stateful.cfg's far ends, all on port $UAS_PORT:
#   alice 127.0.0.1  the callee (user alice; group's first contact)
#   abc   127.0.0.2  ABC_HOST, group's second contact (branch_route: X-My-Hdr: abc)
#   bad   127.0.0.3  BAD_HOST, group's third contact (branch_route drops it)
#   vm    127.0.0.4  VM_HOST, the voicemail server

STATEFUL_SCENARIOS="options notfound call busy-vm noanswer-vm ringing-vm vmdown reject
forbidden fork fork-busy cancel-ringing cancel-trying cancel-dead retrans retrans-final
loss-down loss-up loss-2xx"
REPLICATE_SCENARIOS="replicate"
UACHDRS_SCENARIOS="cancel-to uachdrs"
AUTH_SCENARIOS="auth-mixed auth-realms auth-single"

# via_ours NAME METHOD: 1 if the top Via of NAME's METHOD is the proxy's
via_ours() {
	hdr "$1" "$2" via | grep -c "^SIP/2.0/UDP 127.0.0.1:$PROXY;branch=z9hG4bK"
}

sc_options() {
	uas alice 1
	caller options.scn alice
	settle
	is "status codes" "$(codes)" "OPTIONS 200"
	is "answered by the script" "$(reason 200 OPTIONS)" "I got it"
	is "not relayed" "$(nreq alice OPTIONS)" 0
}

sc_notfound() {
	uas alice 1
	uas vm 4
	caller notfound.scn nobody
	settle
	is "status codes" "$(codes)" "INVITE 404"
	is "lookup's 404" "$(reason 404)" "Not found"
	is "no far end reached" "$(nreq alice INVITE) $(nreq vm INVITE)" "0 0"
}

sc_call() {
	uas alice 1 --trying --ring 0 --delay 200
	uas vm 4
	caller call.scn alice
	settle
	is "status codes" "$(codes)" "INVITE 100 180 200, BYE 200"
	is "alice got the INVITE once" "$(nreq alice INVITE)" 1
	is "to her contact" "$(ruri alice INVITE)" "sip:alice@127.0.0.1:$UAS_PORT"
	is "the proxy's Via on top" "$(via_ours alice INVITE)" 1
	is "branch_route's header" "$(hdr alice INVITE X-My-Hdr)" xyz
	is "ACK and BYE relayed" "$(has alice ACK) $(has alice BYE)" "1 1"
	is "voicemail not reached" "$(nreq vm INVITE)" 0
}

sc_busy_vm() {
	uas alice 1 --trying --code INVITE=486
	uas vm 4 --trying --delay 100
	caller call.scn alice
	settle
	is "status codes" "$(codes)" "INVITE 100 200, BYE 200"
	is "the 486 not relayed" "$(nresp 486)" 0
	is "alice's 486 ACKed hop by hop" "$(has alice ACK) $(branch alice ACK)" "1 $(branch alice INVITE)"
	is "serial fork to voicemail" "$(ruri vm INVITE)" "sip:alice@127.0.0.4:$UAS_PORT"
	is "no branch_route on the new branch" "$(hdr vm INVITE X-My-Hdr)" ""
	is "the dialog with voicemail" "$(has vm ACK) $(has vm BYE)" "1 1"
}

sc_noanswer_vm() {
	uas alice 1 --no-answer
	uas vm 4 --trying
	caller call.scn alice
	settle
	is "status codes" "$(codes)" "INVITE 100 200, BYE 200"
	is "alice's INVITE retransmitted (fr_timer 1 s)" "$(has alice INVITE) $(branch alice INVITE 2)" \
		"1 $(branch alice INVITE)"
	is "no CANCEL to a branch that never answered" "$(nreq alice CANCEL)" 0
	is "408: serial fork to voicemail" "$(ruri vm INVITE)" "sip:alice@127.0.0.4:$UAS_PORT"
}

sc_ringing_vm() {
	uas alice 1 --trying --ring 0 --delay 10000
	uas vm 4 --trying
	caller call.scn alice
	settle
	is "status codes" "$(codes)" "INVITE 100 180 200, BYE 200"
	is "alice's ringing branch CANCELled (fr_inv_timer 2 s)" "$(has alice CANCEL) $(branch alice CANCEL)" \
		"1 $(branch alice INVITE)"
	is "her 487 ACKed" "$(has alice ACK)" 1
	is "408: serial fork to voicemail" "$(ruri vm INVITE)" "sip:alice@127.0.0.4:$UAS_PORT"
}

sc_vmdown() {
	uas alice 1 --trying --code INVITE=486
	uas vm 4 --trying --code INVITE=480
	caller vmdown.scn alice
	settle
	is "status codes" "$(codes)" "INVITE 100 500"
	is "failure_route[VMDOWN]'s reply" "$(reason 500)" "Server error"
	is "486 and 480 ACKed" "$(has alice ACK) $(has vm ACK)" "1 1"
	is "neither relayed" "$(nresp 486) $(nresp 480)" "0 0"
}

sc_reject() {
	uas alice 1 --trying --code INVITE=480
	uas vm 4 --trying
	caller reject.scn alice
	settle
	is "status codes" "$(codes)" "INVITE 100 480"
	is "alice's 480 ACKed" "$(has alice ACK)" 1
	is "no voicemail on 480" "$(nreq vm INVITE)" 0
}

sc_forbidden() {
	uas alice 1 --trying --code INVITE=403
	uas vm 4 --trying
	caller forbidden.scn alice
	settle
	is "status codes" "$(codes)" "INVITE 100 404"
	is "onreply_route's reply" "$(reason 404)" "Not found"
	is "the 403 not relayed" "$(nresp 403)" 0
	is "alice's 403 ACKed" "$(has alice ACK)" 1
	is "no voicemail" "$(nreq vm INVITE)" 0
}

sc_fork() {
	uas alice 1 --trying --delay 500
	uas abc 2 --trying --ring 0 --delay 10000
	uas bad 3
	uas vm 4
	caller call.scn group
	settle
	is "status codes" "$(codes)" "INVITE 100 180 200, BYE 200"
	is "INVITEs to alice, abc, bad" "$(nreq alice INVITE) $(nreq abc INVITE) $(nreq bad INVITE)" "1 1 0"
	is "branch_route's headers" "$(hdr alice INVITE X-My-Hdr) $(hdr abc INVITE X-My-Hdr)" "xyz abc"
	is "abc CANCELled once alice answered" "$(has abc CANCEL) $(branch abc CANCEL)" "1 $(branch abc INVITE)"
	is "its Reason" "$(hdr abc CANCEL Reason)" 'SIP;cause=200;text="Call completed elsewhere"'
	is "abc's 487 ACKed" "$(has abc ACK)" 1
	is "the dialog with alice" "$(has alice ACK) $(has alice BYE)" "1 1"
}

sc_fork_busy() {
	uas alice 1 --trying --code INVITE=486
	uas abc 2 --trying --ring 0 --delay 300 --code INVITE=486
	uas bad 3
	uas vm 4 --trying
	caller call.scn group
	settle
	is "status codes" "$(codes)" "INVITE 100 180 200, BYE 200"
	is "both 486 ACKed" "$(has alice ACK) $(has abc ACK)" "1 1"
	is "bad dropped" "$(nreq bad INVITE)" 0
	is "serial fork to voicemail" "$(ruri vm INVITE)" "sip:group@127.0.0.4:$UAS_PORT"
}

sc_cancel_ringing() {
	uas alice 1 --trying --ring 0 --delay 10000
	uas vm 4
	caller cancel-ringing.scn alice
	settle
	is "status codes" "$(codes)" "INVITE 100 180 487, CANCEL 200"
	is "CANCEL relayed" "$(has alice CANCEL) $(branch alice CANCEL)" "1 $(branch alice INVITE)"
	is "alice's 487 ACKed" "$(has alice ACK)" 1
	is "failure_route stops when canceled" "$(nreq vm INVITE)" 0
}

sc_cancel_trying() {
	uas alice 1 --trying --ring 10000 --delay 10000
	uas vm 4
	caller cancel-early.scn alice
	settle
	is "status codes" "$(codes)" "INVITE 100 487, CANCEL 200"
	is "CANCEL relayed" "$(has alice CANCEL) $(branch alice CANCEL)" "1 $(branch alice INVITE)"
	is "failure_route stops when canceled" "$(nreq vm INVITE)" 0
}

sc_cancel_dead() {
	uas alice 1 --no-answer
	uas vm 4
	caller cancel-early.scn alice
	settle
	is "status codes" "$(codes)" "INVITE 100 487, CANCEL 200"
	is "no CANCEL to a branch that never answered" "$(nreq alice CANCEL)" 0
	is "failure_route stops when canceled" "$(nreq vm INVITE)" 0
}

sc_retrans() {
	uas alice 1 --trying --delay 600
	caller retrans.scn alice
	settle
	is "status codes" "$(codes)" "INVITE 100 200"
	is "relayed once" "$(nreq alice INVITE)" 1
	is "each copy answered with the 100" "$(nresp 100)" 3
}

sc_retrans_final() {
	uas alice 1
	caller retrans-final.scn alice
	settle
	is "status codes" "$(codes)" "MESSAGE 200"
	is "relayed once" "$(nreq alice MESSAGE)" 1
	is "each copy answered with the 200" "$(nresp 200 MESSAGE)" 3
}

sc_loss_down() {
	uas alice 1 --lose-first 1 --trying --delay 100
	caller call.scn alice
	settle
	is "status codes" "$(codes)" "INVITE 100 200, BYE 200"
	is "the INVITE lost once, then retransmitted" "$(lost alice INVITE) $(nreq alice INVITE)" "1 1"
	is "the dialog" "$(has alice ACK) $(has alice BYE)" "1 1"
}

sc_loss_up() {
	uas alice 1 --trying --code INVITE=480
	caller loss-up.scn alice
	settle
	is "status codes" "$(codes)" "INVITE 100 480"
	is "the 480 lost once, then retransmitted" "$(lost caller 'SIP/2.0 480') $(nresp 480)" "1 1"
	is "alice's 480 ACKed" "$(has alice ACK)" 1
}

sc_loss_2xx() {
	uas alice 1 --trying --delay 200
	caller loss-2xx.scn alice
	settle
	is "status codes" "$(codes)" "INVITE 100 200"
	is "the 200 lost once, its retransmission relayed" "$(lost caller 'SIP/2.0 200') $(nresp 200)" "1 1"
	is "alice's 200 ACKed" "$(has alice ACK)" 1
}

sc_replicate() {
	uas alice 1
	uas replica 2 --code MESSAGE=486
	caller replicate.scn copy
	settle
	is "status codes" "$(codes)" "MESSAGE 202"
	is "the script's answer" "$(reason 202 MESSAGE)" "Copied"
	is "the replica got a copy" "$(has replica MESSAGE) $(via_ours replica MESSAGE)" "1 1"
	is "its Request-URI unchanged" "$(ruri replica MESSAGE)" "sip:copy@127.0.0.1:$PROXY"
	is "its 486 not relayed" "$(nresp 486 MESSAGE)" 0
	is "nothing else sent" "$(nreq alice MESSAGE)" 0
}

# scripts/uachdrs.cfg: the To of the INVITE changed by the script; alice
# rings, the caller CANCELs.  tm's CANCEL takes the To as received, or as
# sent after t_use_uac_headers().
uachdrs_check() {
	is "status codes" "$(codes)" "INVITE 100 180 487, CANCEL 200"
	is "alice got the changed To" "$(hdr alice INVITE To)" "<sip:changed@127.0.0.9>"
	is "alice got tm's CANCEL" "$(has alice CANCEL) $(branch alice CANCEL)" "1 $(branch alice INVITE)"
	is "its To $2" "$(hdr alice CANCEL To)" "$1"
	is "its From as sent" "$(hdr alice CANCEL From)" "$(hdr alice INVITE From)"
}

sc_cancel_to() {
	uas alice 1 --trying --ring 0 --delay 10000
	caller cancel-ringing.scn cancelto
	settle
	uachdrs_check "<sip:cancelto@127.0.0.1:$PROXY>" "as received"
}

sc_uachdrs() {
	uas alice 1 --trying --ring 0 --delay 10000
	caller cancel-ringing.scn uachdrs
	settle
	uachdrs_check "<sip:changed@127.0.0.9>" "as sent (t_use_uac_headers)"
}

# ---- scripts/auth.cfg: challenges of a parallel fork ------------------------
# Every INVITE forks to alice (127.0.0.1, branch 0) and abc (127.0.0.2,
# branch 1); each far end challenges with the header lines given.

# rhdrs CODE NAME...: the lines of the first response CODE to the INVITE
# whose header name is one of NAME (any case), in their order, joined by " | "
rhdrs() {
	c=$1
	shift
	awk -v c="$c" -v names=" $(echo "$*" | tr 'A-Z' 'a-z') " '
	$0 == "----" { if (code == c) done = 1; first = 1; inhdr = 1; code = ""; next }
	BEGIN { first = 1; inhdr = 1 }
	done { next }
	first { first = 0; if ($1 == "SIP/2.0") code = $2; next }
	$0 == "" { inhdr = 0 }
	inhdr && code == c {
		n = tolower($0); sub(/[ \t]*:.*/, "", n)
		if (index(names, " " n " ")) out = out (out == "" ? "" : " | ") $0 }
	END { print out }' "$d/caller.m"
}

CH_A='Proxy-Authenticate: Digest realm="a.example", nonce="a1"'
CH_B1='WWW-Authenticate: Digest realm="b.example", nonce="b1"'
CH_B2='WWW-Authenticate: Digest realm="b2.example", nonce="b2", algorithm=MD5'

sc_auth_mixed() {
	# alice (branch 0) answers last: the order is the branches', not the
	# replies'; 401 wins over 407
	uas alice 1 --trying --delay 300 --code INVITE=407 --header "$CH_A"
	uas abc 2 --trying --code INVITE=401 --header "$CH_B1" --header "$CH_B2"
	caller auth.scn auth
	settle
	is "status codes" "$(codes)" "INVITE 100 401"
	is "tm's own 401" "$(reason 401)" "Unauthorized"
	is "every challenge, branch by branch" \
		"$(rhdrs 401 WWW-Authenticate Proxy-Authenticate)" "$CH_A | $CH_B1 | $CH_B2"
	is "a To tag of the proxy's" "$(rhdrs 401 To | grep -c ';tag=')" 1
	is "the 407 and the 401 ACKed" "$(has alice ACK) $(has abc ACK)" "1 1"
}

sc_auth_realms() {
	uas alice 1 --trying --code INVITE=401 --header "$CH_B1"
	uas abc 2 --trying --delay 300 --code INVITE=401 --header "$CH_B2"
	caller auth.scn auth
	settle
	is "status codes" "$(codes)" "INVITE 100 401"
	is "both realms" "$(rhdrs 401 WWW-Authenticate Proxy-Authenticate)" "$CH_B1 | $CH_B2"
	is "built by the proxy" "$(rhdrs 401 Server | grep -c sipua)" 0
}

sc_auth_single() {
	# one challenge: the 401 picked goes up as it came, far end's headers too
	uas alice 1 --trying --delay 300 --code INVITE=486
	uas abc 2 --trying --code INVITE=401 --header "$CH_B1"
	caller auth.scn auth
	settle
	is "status codes" "$(codes)" "INVITE 100 401"
	is "its challenge" "$(rhdrs 401 WWW-Authenticate Proxy-Authenticate)" "$CH_B1"
	is "relayed as it came" "$(rhdrs 401 Server)" "Server: sipua"
}
