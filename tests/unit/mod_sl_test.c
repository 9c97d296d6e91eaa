/* mod_sl_test.c: stateless replies on the wire.  The test listens on a free
 * loopback port (the proxy's socket) and plays the caller with its own UDP
 * socket; every reply sl sends is received and compared byte for byte:
 * status line, copied headers, the To-tag (Kamailio's md5.crc form, stable
 * for a retransmission), Server, append_to_reply lines, the 3xx Contact,
 * the destination rules (rport, Via port) and the return codes. */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

static int uac, uac_port;
static char server_line[512];

static char *req(const char *method, const char *via_extra, const char *to)
{
	static char buf[2048];
	snprintf(buf, sizeof buf,
	         "%s sip:bob@biloxi.com SIP/2.0\n"
	         "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKnashds8%s\n"
	         "Max-Forwards: 70\n"
	         "To: %s\n"
	         "From: Alice <sip:alice@atlanta.com>;tag=1928301774\n"
	         "Call-ID: a84b4c76e66710\n"
	         "CSeq: 314159 %s\n"
	         "Record-Route: <sip:p1.example.com;lr>\n"
	         "Content-Length: 0\n\n",
	         method, uac_port, via_extra, to, method);
	return buf;
}

static const char *reply_of(rc_msg_t *m, site *s, int *rc)
{
	static char buf[8192];
	*rc = run(m, s);
	int n = recv_within(uac, buf, sizeof buf, 500);
	return n < 0 ? "(nothing received)" : lf(buf, n);
}

static const char *tag_of(const char *reply)
{
	static char tag[64];
	const char *t = strstr(reply, "\nTo: ");
	t = t ? strstr(t, ";tag=") : NULL;
	if (!t)
		return "";
	t += 5;
	int n = 0;
	while (t[n] && t[n] != '\n' && n < 63)
		n++;
	memcpy(tag, t, (size_t)n);
	tag[n] = '\0';
	return tag;
}

static void basic(void)
{
	rc_msg_t *m = msg_from(req("OPTIONS", "", "Bob <sip:bob@biloxi.com>"), uac_port);
	site *s = prep("sl_send_reply", 2, ARGS(AI(404), AS("Not Here")));
	int rc;
	const char *r = reply_of(m, s, &rc);
	CHECK_INT(rc, 1, "sl_send_reply returns 1");
	CHECK(m->replied, "the message is marked replied");
	char want[2048];
	const char *tag = tag_of(r);
	snprintf(want, sizeof want,
	         "SIP/2.0 404 Not Here\n"
	         "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKnashds8\n"
	         "From: Alice <sip:alice@atlanta.com>;tag=1928301774\n"
	         "To: Bob <sip:bob@biloxi.com>;tag=%s\n"
	         "Call-ID: a84b4c76e66710\n"
	         "CSeq: 314159 OPTIONS\n"
	         "%s"
	         "Content-Length: 0\n\n",
	         uac_port, tag, server_line);
	CHECK_CSTR(r, want, "the 404 reply, byte for byte (no Record-Route in a 4xx)");
	/* Kamailio's tag: md5("KAMAILIO-stateless" + first listen address + port) '.' crc */
	char port[16], md5[33];
	snprintf(port, sizeof port, "%d", test_port);
	rc_str parts[3] = { { "KAMAILIO-stateless", 18 }, { "127.0.0.1", 9 }, { port, (int)strlen(port) } };
	pv_md5_hex(parts, 3, md5);
	md5[32] = '\0';
	CHECK_INT(strlen(tag), 41, "the To-tag has 41 characters");
	CHECK(!strncmp(tag, md5, 32) && tag[32] == '.', "the To-tag starts with the instance md5 and a dot");
	char tag1[64];
	snprintf(tag1, sizeof tag1, "%s", tag);
	r = reply_of(m, s, &rc);
	CHECK_CSTR(tag_of(r), tag1, "a retransmission gets the same To-tag");
	msg_free(m);

	m = msg_from(req("OPTIONS", "x", "Bob <sip:bob@biloxi.com>"), uac_port);
	r = reply_of(m, s, &rc);
	CHECK(strncmp(tag_of(r), tag1, 32) == 0 && strcmp(tag_of(r), tag1) != 0,
	      "another Via branch: same md5 half, another crc half");
	msg_free(m);
	free(s);

	/* 100 gets no tag, 180 does, a To with a tag keeps it */
	m = msg_from(req("INVITE", "", "<sip:bob@biloxi.com>"), uac_port);
	s = prep("sl_send_reply", 2, ARGS(AI(100), AS("Trying")));
	r = reply_of(m, s, &rc);
	CHECK(strstr(r, "\nTo: <sip:bob@biloxi.com>\n") != NULL, "100 Trying gets no To-tag");
	free(s);
	s = prep("sl_send_reply", 2, ARGS(AI(180), AS("Ringing")));
	r = reply_of(m, s, &rc);
	CHECK(strstr(r, "\nTo: <sip:bob@biloxi.com>;tag=") != NULL, "180 Ringing gets a To-tag");
	CHECK(strstr(r, "\nRecord-Route: <sip:p1.example.com;lr>\n") != NULL, "180 copies Record-Route");
	free(s);
	msg_free(m);
	m = msg_from(req("BYE", "", "<sip:bob@biloxi.com>;tag=xyz"), uac_port);
	s = prep("sl_send_reply", 2, ARGS(AI(200), AS("OK")));
	r = reply_of(m, s, &rc);
	CHECK(strstr(r, "\nTo: <sip:bob@biloxi.com>;tag=xyz\n") != NULL, "a To-tag already there is kept");
	CHECK(!strncmp(r, "SIP/2.0 200 OK\n", 15), "200 OK status line");
	free(s);
	msg_free(m);
}

static void arguments(void)
{
	int rc;
	rc_msg_t *m = msg_from(req("OPTIONS", "", "<sip:bob@biloxi.com>"), uac_port);
	set(m, "$var(code)", I(486));
	site *s = prep("sl_send_reply", 2, ARGS(AS("$var(code)"), AS("Busy for $fU ($rm)")));
	CHECK(s->ok, "a pv code and a format reason prepare");
	const char *r = reply_of(m, s, &rc);
	CHECK(!strncmp(r, "SIP/2.0 486 Busy for alice (OPTIONS)\n", 37), "code from $var, reason formatted");
	set(m, "$var(code)", S("abc"));
	r = reply_of(m, s, &rc);
	CHECK(!strncmp(r, "SIP/2.0 500 Internal Server Error\n", 34), "a code that is not a number: 500 default");
	free(s);
	/* a dynamic (per call) argument: the value as given */
	rc_arg dyn[2] = { { RC_INT, 403, { "403", 3 }, NULL }, { RC_STR, 0, { "Forbidden $x", 12 }, NULL } };
	s = prep("sl_send_reply", 0, NULL);
	s->argv[0] = dyn[0];
	s->argv[1] = dyn[1];
	s->ok = 1;
	r = reply_of(m, s, &rc);
	CHECK(!strncmp(r, "SIP/2.0 403 Forbidden $x\n", 25), "a dynamic reason is used as it is");
	free(s);
	CHECK_INT(call(m, "sl_send_reply", 2, ARGS(AI(99), AS("x"))), -1, "code 99 is refused");
	CHECK_INT(call(m, "sl_send_reply", 2, ARGS(AS("$nosuch"), AS("x"))), -1000, "a bad pv fails to prepare");
	CHECK_INT(call(m, "sl_send_reply", 2, ARGS(AI(400), AS("$(ru{bad.tr})"))), -1000, "a bad format fails to prepare");
	s = prep("sl_send_reply_tm", 2, ARGS(AI(202), AS("Accepted")));
	r = reply_of(m, s, &rc);
	CHECK(!strncmp(r, "SIP/2.0 202 Accepted\n", 21) && rc == 1, "send_reply without a transaction replies statelessly");
	free(s);
	s = prep("sl_reply", 2, ARGS(AI(488), AS("Not Acceptable Here")));
	r = reply_of(m, s, &rc);
	CHECK(!strncmp(r, "SIP/2.0 488 Not Acceptable Here\n", 32), "sl_reply is sl_send_reply");
	free(s);
	s = prep("sl_send_reply_mode", 3, ARGS(AI(480), AS("Later"), AI(1)));
	r = reply_of(m, s, &rc);
	CHECK(!strncmp(r, "SIP/2.0 480 Later\n", 18), "send_reply_mode");
	free(s);
	msg_free(m);
}

static void special(void)
{
	int rc;
	char buf[4096];
	/* ACK is never answered */
	rc_msg_t *m = msg_from(req("ACK", "", "<sip:bob@biloxi.com>;tag=1"), uac_port);
	CHECK_INT(call(m, "sl_send_reply", 2, ARGS(AI(200), AS("OK"))), -1, "an ACK is not answered (-1)");
	CHECK(recv_within(uac, buf, sizeof buf, 100) < 0, "nothing was sent for the ACK");
	msg_free(m);

	/* rport: the source port; without it the Via port */
	char text[2048];
	snprintf(text, sizeof text, "%s", req("OPTIONS", ";rport", "<sip:b@c>"));
	char *p = strstr(text, "127.0.0.1:");
	memcpy(p, "127.0.0.1:9    ", 15); /* the Via says port 9 */
	memmove(p + 11, p + 15, strlen(p + 15) + 1);
	m = msg_from(text, uac_port);
	site *s = prep("sl_send_reply", 2, ARGS(AI(200), AS("OK")));
	const char *r = reply_of(m, s, &rc);
	CHECK(!strncmp(r, "SIP/2.0 200 OK\n", 15), ";rport: the reply goes to the source port, not Via's 9");
	msg_free(m);
	int other, ofd = udp_bound(&other);
	m = msg_from(req("OPTIONS", "", "<sip:b@c>"), other); /* no rport: Via port (uac_port) wins */
	r = reply_of(m, s, &rc);
	CHECK(!strncmp(r, "SIP/2.0 200 OK\n", 15), "no rport: the reply goes to the Via port");
	CHECK(recv_within(ofd, buf, sizeof buf, 50) < 0, "and not to the source port");
	close(ofd);
	msg_free(m);
	free(s);

	/* append_to_reply lines are added */
	m = msg_from(req("OPTIONS", "", "<sip:b@c>"), uac_port);
	CHECK_INT(call(m, "textops_append_to_reply", 1, ARGS(AS("X-Reason: $rm\r\n"))), 1, "append_to_reply");
	CHECK_INT(call(m, "textops_append_to_reply", 1, ARGS(AS("Retry-After: 30\r\n"))), 1, "append_to_reply again");
	s = prep("sl_send_reply", 2, ARGS(AI(503), AS("Busy")));
	r = reply_of(m, s, &rc);
	CHECK(strstr(r, "\nX-Reason: OPTIONS\nRetry-After: 30\nContent-Length: 0\n\n") != NULL,
	      "append_to_reply lines come before Content-Length");
	free(s);
	msg_free(m);

	/* 3xx: the destination set as Contact */
	m = msg_from(req("INVITE", "", "<sip:b@c>"), uac_port);
	set(m, "$ru", S("sip:bob@new.example.com"));
	m->branches[0] = (rt_branch){ .uri = { "sip:b2@x.com", 12 }, .q = 500 };
	m->branches[1] = (rt_branch){ .uri = { "sip:b3@y.com", 12 }, .q = -1 };
	m->nbranches = 2;
	s = prep("sl_send_reply", 2, ARGS(AI(302), AS("Moved Temporarily")));
	r = reply_of(m, s, &rc);
	CHECK(strstr(r, "\nContact: <sip:bob@new.example.com>, <sip:b2@x.com>;q=0.5, <sip:b3@y.com>\n") != NULL,
	      "302 lists the new R-URI and the branches as Contact");
	free(s);
	msg_free(m);

	/* sl_reply_error */
	m = msg_from(req("OPTIONS", "", "<sip:b@c>"), uac_port);
	s = prep("sl_reply_error", 0, NULL);
	r = reply_of(m, s, &rc);
	CHECK(!strncmp(r, "SIP/2.0 500 I'm terribly sorry, server error occurred (1/SL)\n", 61),
	      "sl_reply_error without a recorded error: 500 ... (1/SL)");
	m->sl_err = -478;
	r = reply_of(m, s, &rc);
	CHECK(!strncmp(r, "SIP/2.0 478 Unresolvable destination (478/SL)\n", 46), "sl_reply_error for E_BAD_ADDRESS");
	CHECK_INT(rc, 1, "sl_reply_error returns 1");
	free(s);
	msg_free(m);

	/* a reply cannot be answered */
	m = msg_from("SIP/2.0 200 OK\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\n"
	             "To: <sip:c@d>;tag=2\nCall-ID: 1\nCSeq: 1 INVITE\nContent-Length: 0\n\n",
	             uac_port);
	CHECK_INT(call(m, "sl_send_reply", 2, ARGS(AI(200), AS("OK"))), -1, "sl_send_reply on a reply: -1");
	msg_free(m);
}

int main(void)
{
	listen_loopback(NULL, NULL);
	rt_log_level = RT_L_CRIT;
	uac = udp_bound(&uac_port);
	rc_str sv = rt_server_header();
	if (sv.s)
		snprintf(server_line, sizeof server_line, "Server: %.*s\n", sv.len, sv.s);
	basic();
	arguments();
	special();
	close(uac);
	pv_worker_done();
	return summary();
}
