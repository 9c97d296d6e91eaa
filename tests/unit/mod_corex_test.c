/* mod_corex_test.c: the corex functions routec implements (runtime/modules/corex.c):
 * append_branch and the destination set, extended and internal flags, sockets,
 * send_udp/send_data/sendx, file_read/file_write, and the fixed answers. */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

static int port1, port2; /* the two listening sockets, named "one" and "two" */

/* Two sockets on 127.0.0.1 with kernel-chosen ports, and an alias. */
static void listen_two(void)
{
	rt_conf_defaults(&rt_cfg);
	if (rt_listen_parse("udp:127.0.0.1:0 name \"one\"", &rt_cfg.listen[0]) < 0 ||
	    rt_listen_parse("udp:127.0.0.1:0 name \"two\"", &rt_cfg.listen[1]) < 0 ||
	    rt_alias_parse("proxy.example.com", &rt_cfg.alias[0]) < 0)
		exit(1);
	rt_cfg.nlisten = 2;
	rt_cfg.nalias = 1;
	if (rt_socks_open(&rt_cfg, 0) < 0 || !rt_sock_at(1)) {
		printf("cannot open the test sockets\n");
		exit(1);
	}
	port1 = rt_sock_at(0)->port;
	port2 = rt_sock_at(1)->port;
	test_port = port1;
}

static rc_msg_t *invite(const char *ruri)
{
	char text[1024];
	snprintf(text, sizeof text,
	         "INVITE %s SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\nTo: <sip:b@c>\n"
	         "From: <sip:a@c>;tag=1\nCall-ID: 1\nCSeq: 1 INVITE\nContent-Length: 0\n\n",
	         ruri);
	return msg(text);
}

/* A call whose argument i is an expression: RC_NULL when prepared, then the value. */
static int call_dyn(rc_msg_t *m, const char *csym, int argc, const rc_arg *at_load, const rc_arg *at_call)
{
	site *s = prep(csym, argc, at_load);
	for (int i = 0; i < argc; i++)
		if (at_load[i].type == RC_NULL)
			s->argv[i] = at_call[i];
	int rc = run(m, s);
	free(s);
	return rc;
}

static const rc_arg NUL = { RC_NULL, 0, { NULL, 0 }, NULL };

static char got[4096];
static int got_port;

/* One datagram on fd within 1 s into got (and the port it came from), its length or -1. */
static int receive(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	got[0] = '\0';
	got_port = 0;
	if (poll(&p, 1, 1000) <= 0)
		return -1;
	ssize_t n = recvfrom(fd, got, sizeof got - 1, 0, (struct sockaddr *)&from, &fl);
	if (n < 0)
		return -1;
	got[n] = '\0';
	got_port = ntohs(from.sin_port);
	return (int)n;
}

static void test_append_branch(void)
{
	rc_msg_t *m = invite("sip:b@example.com");
	set(m, "$du", S("sip:127.0.0.1:5099"));
	m->bflags = 5;
	m->force_send = rt_sock_at(1);
	m->reg_path = (rc_str){ "<sip:p1.example.com;lr>", 23 }; /* as lookup() leaves it */
	CHECK_INT(call(m, "corex_append_branch", 0, NULL), 1, "append_branch(): 1");
	CHECK_INT(m->nbranches, 1, "append_branch(): one branch");
	CHECK_STR(m->branches[0].uri, "sip:b@example.com", "append_branch(): the branch is the R-URI");
	CHECK_STR(m->branches[0].dst_uri, "sip:127.0.0.1:5099", "append_branch(): with $du");
	CHECK_INT(m->branches[0].flags, 5, "append_branch(): with the R-URI's branch flags");
	CHECK_STR(m->branches[0].path, "<sip:p1.example.com;lr>", "append_branch(): with the path vector");
	CHECK(m->reg_path.s == NULL, "append_branch(): the R-URI's path vector reset");
	CHECK_INT(m->branches[0].q, -1, "append_branch(): q unspecified");
	CHECK_PV(m, "$du", "<null>");
	CHECK_INT(m->bflags, 0, "append_branch(): $bf of the R-URI reset");
	CHECK(m->force_send == NULL, "append_branch(): the forced socket reset");
	CHECK_PV(m, "$br", "sip:b@example.com");

	/* with a uri: $du and $bf go with it, nothing is reset */
	set(m, "$du", S("sip:10.0.0.9"));
	m->bflags = 2;
	m->reg_path = (rc_str){ "<sip:p2.example.com;lr>", 23 };
	set(m, "$var(u)", S("sip:c@example.org"));
	CHECK_INT(call(m, "corex_append_branch_1", 1, ARGS(AS("$var(u);x=1"))), 1, "append_branch(\"$var(u);x=1\"): 1");
	set(m, "$var(u)", S("changed"));
	CHECK_STR(m->branches[1].uri, "sip:c@example.org;x=1", "append_branch(uri): the uri printed (and kept)");
	CHECK_STR(m->branches[1].dst_uri, "sip:10.0.0.9", "append_branch(uri): the current $du");
	CHECK_INT(m->branches[1].flags, 2, "append_branch(uri): the current $bf");
	CHECK_STR(m->branches[1].path, "<sip:p2.example.com;lr>", "append_branch(uri): the current path vector");
	CHECK(m->reg_path.s != NULL, "append_branch(uri): the path vector not reset");
	CHECK_PV(m, "$du", "sip:10.0.0.9");
	CHECK_INT(m->bflags, 2, "append_branch(uri): $bf not reset");
	CHECK_PV(m, "$bR", "sip:b@example.com, sip:c@example.org;x=1");

	/* q values as str2q reads them */
	static const struct {
		const char *q;
		int want_rc, want_q;
	} qs[] = { { "0.5", 1, 500 },  { "1", 1, 1000 },    { "0", 1, 0 },     { "0.123", 1, 123 },
	           { ".5", 1, 500 },   { "1.000", 1, 1000 }, { "0.12345", 1, 123 }, { " 0.7", 1, 700 },
	           { "", 1, -1 },      { "1.5", -1, 0 },     { "2", -1, 0 },    { "abc", -1, 0 },
	           { "0.", -1, 0 },    { "0.5 ", -1, 0 },    { "-0.5", -1, 0 } };
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		rc_msg_t *mq = invite("sip:b@example.com");
		char what[96];
		snprintf(what, sizeof what, "append_branch(uri, \"%s\"): %d", qs[i].q, qs[i].want_rc);
		CHECK_INT(call(mq, "corex_append_branch_2", 2, ARGS(AS("sip:q@x"), AS(qs[i].q))), qs[i].want_rc, what);
		if (qs[i].want_rc == 1) {
			snprintf(what, sizeof what, "append_branch(uri, \"%s\"): q %d", qs[i].q, qs[i].want_q);
			CHECK_INT(mq->nbranches == 1 ? mq->branches[0].q : -99, qs[i].want_q, what);
		} else {
			snprintf(what, sizeof what, "append_branch(uri, \"%s\"): no branch added", qs[i].q);
			CHECK_INT(mq->nbranches, 0, what);
		}
		msg_free(mq);
	}
	msg_free(m);

	/* the R-URI in force; an empty uri takes it too (and resets) */
	m = invite("sip:b@example.com");
	set(m, "$ru", S("sip:new@example.net"));
	set(m, "$du", S("sip:10.0.0.1"));
	CHECK_INT(call(m, "corex_append_branch_1", 1, ARGS(AS(""))), 1, "append_branch(\"\"): 1");
	CHECK_STR(m->branches[0].uri, "sip:new@example.net", "append_branch(\"\"): the new R-URI");
	CHECK_PV(m, "$du", "<null>");

	/* an expression */
	rc_arg dyn[2] = { { RC_STR, 0, { "sip:dyn@x", 9 }, NULL }, { RC_STR, 0, { "0.25", 4 }, NULL } };
	CHECK_INT(call_dyn(m, "corex_append_branch_2", 2, ARGS(NUL, NUL), dyn), 1, "append_branch(expr, expr): 1");
	CHECK_STR(m->branches[1].uri, "sip:dyn@x", "append_branch(expr): the value as it is");
	CHECK_INT(m->branches[1].q, 250, "append_branch(expr, \"0.25\"): q 250");

	/* the set is full after 11 (max_branches 12 counts the R-URI) */
	int ok = 1;
	for (int k = 0; k < 20 && m->nbranches < RT_MAX_BRANCHES - 1; k++) /* bounded: calls may fail */
		ok &= call(m, "corex_append_branch_1", 1, ARGS(AS("sip:more@x"))) == 1;
	CHECK(ok, "append_branch: up to 11 branches");
	set(m, "$du", S("sip:10.0.0.2"));
	CHECK_INT(call(m, "corex_append_branch_1", 1, ARGS(AS("sip:one-too-many@x"))), -1,
	          "append_branch(uri) when the set is full: -1");
	CHECK_INT(m->nbranches, RT_MAX_BRANCHES - 1, "append_branch: the set stays at 11");
	CHECK_INT(call(m, "corex_append_branch", 0, NULL), -1, "append_branch() when the set is full: -1");
	CHECK_PV(m, "$du", "<null>"); /* 5.6 resets the R-URI's attributes anyway */

	/* a uri longer than MAX_URI_SIZE */
	static char longuri[1100];
	memcpy(longuri, "sip:", 4);
	memset(longuri + 4, 'a', 1030);
	rc_msg_t *m2 = invite("sip:b@example.com");
	CHECK_INT(call(m2, "corex_append_branch_1", 1, ARGS(AS(longuri))), -1, "append_branch(1034-byte uri): -1");
	CHECK_INT(m2->nbranches, 0, "a too long uri adds no branch");
	msg_free(m2);
	msg_free(m);
}

static void test_xflags(void)
{
	rc_msg_t *m = invite("sip:b@example.com");
	CHECK_INT(call(m, "corex_isxflagset", 1, ARGS(AI(3))), -1, "isxflagset(3) before: -1");
	CHECK_INT(call(m, "corex_setxflag", 1, ARGS(AI(3))), 1, "setxflag(3): 1");
	CHECK_INT(call(m, "corex_isxflagset", 1, ARGS(AI(3))), 1, "isxflagset(3): 1");
	CHECK_INT(call(m, "corex_setxflag", 1, ARGS(AI(63))), 1, "setxflag(63): 1");
	CHECK_INT(call(m, "corex_isxflagset", 1, ARGS(AI(63))), 1, "isxflagset(63): 1");
	CHECK_INT(call(m, "corex_isxflagset", 1, ARGS(AI(31))), -1, "isxflagset(31): -1 (63 is in the second word)");
	CHECK(m->corex_xflags[0] == 8u && m->corex_xflags[1] == 0x80000000u, "xflags 3 and 63 in their words");
	CHECK(m->flags == 0, "xflags are not the message flags ($mf)");
	CHECK_INT(call(m, "corex_resetxflag", 1, ARGS(AI(3))), 1, "resetxflag(3): 1");
	CHECK_INT(call(m, "corex_isxflagset", 1, ARGS(AI(3))), -1, "isxflagset(3) after reset: -1");
	CHECK_INT(call(m, "corex_setxflag", 1, ARGS(AI(64))), -1, "setxflag(64): -1");
	CHECK_INT(call(m, "corex_setxflag", 1, ARGS(AI(-1))), -1, "setxflag(-1): -1");
	CHECK_INT(call(m, "corex_resetxflag", 1, ARGS(AI(64))), -1, "resetxflag(64): -1");
	CHECK_INT(call(m, "corex_isxflagset", 1, ARGS(AI(64))), -1, "isxflagset(64): -1");
	set(m, "$var(xf)", I(40));
	CHECK_INT(call(m, "corex_setxflag", 1, ARGS(AS("$var(xf)"))), 1, "setxflag($var(xf) = 40): 1");
	CHECK_INT(call(m, "corex_isxflagset", 1, ARGS(AS("40"))), 1, "isxflagset(\"40\"): 1");
	set(m, "$var(xf)", S("abc"));
	CHECK_INT(call(m, "corex_setxflag", 1, ARGS(AS("$var(xf)"))), -1, "setxflag of a pv holding \"abc\": -1");
	CHECK_INT(call(m, "corex_setxflag", 1, ARGS(AS("abc"))), -1000, "setxflag(\"abc\"): refused at load");
	rc_arg dyn[1] = { { RC_INT, 7, { "7", 1 }, NULL } };
	CHECK_INT(call_dyn(m, "corex_setxflag", 1, ARGS(NUL), dyn), 1, "setxflag(expr 7): 1");
	CHECK_INT(call(m, "corex_isxflagset", 1, ARGS(AI(7))), 1, "isxflagset(7) after an expression set it");
	msg_free(m);
}

static void test_iflags(void)
{
	rc_msg_t *m = invite("sip:b@example.com");
	CHECK_INT(call(m, "corex_msg_iflag_is_set", 1, ARGS(AS("UAC_AUTH"))), -2, "msg_iflag_is_set(UAC_AUTH) before: -2");
	CHECK_INT(call(m, "corex_msg_iflag_set", 1, ARGS(AS("uac_auth"))), 1, "msg_iflag_set(uac_auth): 1 (any case)");
	CHECK_INT(call(m, "corex_msg_iflag_is_set", 1, ARGS(AS("UAC_AUTH"))), 1, "msg_iflag_is_set(UAC_AUTH): 1");
	CHECK_INT(call(m, "corex_msg_iflag_is_set", 1, ARGS(AS("USE_UAC_FROM"))), -2, "msg_iflag_is_set(USE_UAC_FROM): -2");
	CHECK_INT(m->corex_iflags, 1u << 19, "UAC_AUTH is Kamailio's bit 19");
	set(m, "$var(fl)", S("USE_UAC_TO"));
	CHECK_INT(call(m, "corex_msg_iflag_set", 1, ARGS(AS("$var(fl)"))), 1, "msg_iflag_set($var(fl)): 1");
	CHECK_INT(call(m, "corex_msg_iflag_is_set", 1, ARGS(AS("USE_UAC_TO"))), 1, "msg_iflag_is_set(USE_UAC_TO): 1");
	CHECK_INT(call(m, "corex_msg_iflag_reset", 1, ARGS(AS("UAC_AUTH"))), 1, "msg_iflag_reset(UAC_AUTH): 1");
	CHECK_INT(call(m, "corex_msg_iflag_is_set", 1, ARGS(AS("UAC_AUTH"))), -2, "msg_iflag_is_set(UAC_AUTH) after reset: -2");
	CHECK_INT(call(m, "corex_msg_iflag_reset", 1, ARGS(AS("NOPE"))), -1, "msg_iflag_reset(NOPE): -1");
	CHECK_INT(call(m, "corex_msg_iflag_is_set", 1, ARGS(AS("NOPE"))), -1, "msg_iflag_is_set(NOPE): -1");
	CHECK_INT(call(m, "corex_msg_iflag_set", 1, ARGS(AS("NOPE"))), 1, "msg_iflag_set(NOPE): 1 (5.6's fv == 1 test)");
	CHECK_INT(call(m, "corex_msg_iflag_is_set", 1, ARGS(AS("USE_UAC_FROM"))), 1,
	          "msg_iflag_set(NOPE) set every flag, as 5.6 does");
	msg_free(m);
}

static void test_sockets(void)
{
	char spec[64];
	rc_msg_t *m = invite("sip:b@example.com");
	snprintf(spec, sizeof spec, "udp:127.0.0.1:%d", port2);
	CHECK_INT(call(m, "corex_set_send_socket", 1, ARGS(AS(spec))), 1, "set_send_socket(udp:127.0.0.1:<two>): 1");
	CHECK(m->force_send == rt_sock_at(1), "set_send_socket: $fs is socket two");
	CHECK_CSTR(show(get(m, "$fs")), spec, "$fs shows it");
	snprintf(spec, sizeof spec, "127.0.0.1:%d", port1);
	CHECK_INT(call(m, "corex_set_send_socket", 1, ARGS(AS(spec))), 1, "set_send_socket(127.0.0.1:<one>): 1");
	CHECK(m->force_send == rt_sock_at(0), "set_send_socket without proto: socket one");
	m->force_send = NULL;
	CHECK_INT(call(m, "corex_set_send_socket", 1, ARGS(AS("udp:127.0.0.1"))), 1, "set_send_socket(udp:127.0.0.1): 1");
	CHECK(m->force_send == rt_sock_at(0), "no port: the first socket of that address");
	m->force_send = rt_sock_at(1);
	CHECK_INT(call(m, "corex_set_send_socket", 1, ARGS(AS("udp:10.1.2.3:5060"))), 1,
	          "set_send_socket(no such socket): 1 (5.6 only warns)");
	CHECK(m->force_send == rt_sock_at(1), "no such socket: $fs unchanged");
	snprintf(spec, sizeof spec, "tcp:127.0.0.1:%d", port1);
	CHECK_INT(call(m, "corex_set_send_socket", 1, ARGS(AS(spec))), 1, "set_send_socket(tcp:...): 1, no tcp socket");
	CHECK(m->force_send == rt_sock_at(1), "tcp: $fs unchanged");
	CHECK_INT(call(m, "corex_set_send_socket", 1, ARGS(AS(""))), -1, "set_send_socket(\"\"): -1");
	CHECK_INT(call(m, "corex_set_send_socket", 1, ARGS(AS("xyz:1.2.3.4:5"))), -1, "set_send_socket(bad proto): -1");
	CHECK_INT(call(m, "corex_set_send_socket", 1, ARGS(AS("a:b:c:d"))), -1, "set_send_socket(three colons): -1");
	CHECK_INT(call(m, "corex_set_send_socket", 1, ARGS(AS("udp:1.2.3.4:x"))), -1, "set_send_socket(bad port): -1");
	CHECK_INT(call(m, "corex_set_send_socket", 1, ARGS(AS("udp:1.2.3.4:"))), -1, "set_send_socket(ends with ':'): -1");
	snprintf(spec, sizeof spec, "udp:127.0.0.1:%d", port1);
	set(m, "$var(s)", S(spec));
	CHECK_INT(call(m, "corex_set_send_socket", 1, ARGS(AS("$var(s)"))), 1, "set_send_socket($var(s)): 1");
	CHECK(m->force_send == rt_sock_at(0), "set_send_socket($var(s)): socket one");
	rc_arg dyn[1] = { { RC_STR, 0, { NULL, 0 }, NULL } };
	snprintf(spec, sizeof spec, "udp:[127.0.0.1]:%d", port2); /* brackets are stripped */
	dyn[0].s = (rc_str){ spec, (int)strlen(spec) };
	CHECK_INT(call_dyn(m, "corex_set_send_socket", 1, ARGS(NUL), dyn), 1, "set_send_socket(expr): 1");
	CHECK(m->force_send == rt_sock_at(1), "set_send_socket(expr): socket two");

	CHECK_INT(call(m, "corex_set_send_socket_name", 1, ARGS(AS("one"))), 1, "set_send_socket_name(one): 1");
	CHECK(m->force_send == rt_sock_at(0), "set_send_socket_name(one): socket one");
	CHECK_INT(call(m, "corex_set_send_socket_name", 1, ARGS(AS("TWO"))), 1, "set_send_socket_name(TWO): 1");
	CHECK(m->force_send == rt_sock_at(1), "socket names match in any case");
	CHECK_INT(call(m, "corex_set_send_socket_name", 1, ARGS(AS("three"))), 1, "set_send_socket_name(three): 1, warned");
	CHECK(m->force_send == rt_sock_at(1), "unknown name: $fs unchanged");
	CHECK_INT(call(m, "corex_set_send_socket_name", 1, ARGS(AS(""))), -1, "set_send_socket_name(\"\"): -1");

	CHECK_INT(call(m, "corex_is_socket_name", 1, ARGS(AS("two"))), 1, "is_socket_name(two): 1");
	CHECK_INT(call(m, "corex_is_socket_name", 1, ARGS(AS("three"))), -1, "is_socket_name(three): -1");
	CHECK_INT(call(m, "corex_is_socket_name", 1, ARGS(AS(""))), -1, "is_socket_name(\"\"): -1");

	CHECK(m->rcv == rt_sock_at(0), "received on socket one");
	snprintf(spec, sizeof spec, "udp:127.0.0.1:%d", port2);
	CHECK_INT(call(m, "corex_set_recv_socket", 1, ARGS(AS(spec))), 1, "set_recv_socket(<two>): 1");
	CHECK(m->rcv == rt_sock_at(1), "set_recv_socket: now received on socket two");
	{
		char want[16];
		snprintf(want, sizeof want, "i:%d", port2);
		CHECK_CSTR(show(get(m, "$Rp")), want, "$Rp is socket two's port");
	}
	CHECK_INT(call(m, "corex_set_recv_socket", 1, ARGS(AS("udp:10.1.2.3:5060"))), 1, "set_recv_socket(no such): 1");
	CHECK(m->rcv == rt_sock_at(1), "set_recv_socket(no such): unchanged");
	CHECK_INT(call(m, "corex_set_recv_socket", 1, ARGS(AS("::::"))), -1, "set_recv_socket(bad): -1");
	CHECK_INT(call(m, "corex_set_recv_socket_name", 1, ARGS(AS("one"))), 1, "set_recv_socket_name(one): 1");
	CHECK(m->rcv == rt_sock_at(0), "set_recv_socket_name(one): socket one");
	CHECK_INT(call(m, "corex_set_recv_socket_name", 1, ARGS(AS(""))), -1, "set_recv_socket_name(\"\"): -1");

	CHECK_INT(call(m, "corex_set_source_address", 1, ARGS(AS("udp:127.0.0.2:5999"))), 1,
	          "set_source_address(udp:127.0.0.2:5999): 1");
	CHECK_PV(m, "$si", "127.0.0.2");
	CHECK_PV(m, "$sp", "i:5999");
	CHECK_INT(ntohs(((struct sockaddr_in *)&m->src)->sin_port), 5999, "the source address has port 5999");
	CHECK_INT(call(m, "corex_set_source_address", 1, ARGS(AS("[::1]:6000"))), 1, "set_source_address([::1]:6000): 1");
	CHECK_PV(m, "$si", "::1");
	CHECK_INT(m->src.ss_family, AF_INET6, "an IPv6 source");
	CHECK_INT(call(m, "corex_set_source_address", 1, ARGS(AS("10.0.0.7"))), 1, "set_source_address(10.0.0.7): 1");
	CHECK_PV(m, "$si", "10.0.0.7");
	CHECK_PV(m, "$sp", "i:0"); /* as 5.6: the port as given */
	CHECK_INT(call(m, "corex_set_source_address", 1, ARGS(AS(""))), -1, "set_source_address(\"\"): -1");
	CHECK_INT(call(m, "corex_set_source_address", 1, ARGS(AS("a:b:c:d"))), -1, "set_source_address(a:b:c:d): -1");
	CHECK_INT(call(m, "corex_set_source_address", 1, ARGS(AS("foo:1.2.3.4:5"))), -1,
	          "set_source_address(bad proto): -1");
	CHECK_PV(m, "$si", "10.0.0.7");
	msg_free(m);
}

static void test_send(void)
{
	int uport, fd = udp_bound(&uport);
	char dst[64];
	rc_msg_t *m = invite("sip:b@example.com");
	/* an edit the script made: send_udp sends the message as received */
	set(m, "$ru", S("sip:changed@example.com"));
	snprintf(dst, sizeof dst, "sip:127.0.0.1:%d", uport);
	set(m, "$du", S(dst));
	CHECK_INT(call(m, "corex_send_udp", 0, NULL), 1, "send_udp() to $du: 1");
	int n = receive(fd);
	CHECK(n == m->len && !memcmp(got, m->buf, (size_t)n), "send_udp(): the message as received, no Via added");
	CHECK_INT(got_port, port1, "send_udp(): from the receiving socket");

	m->force_send = rt_sock_at(1);
	CHECK_INT(call(m, "corex_send_udp", 0, NULL), 1, "send_udp() with $fs: 1");
	receive(fd);
	CHECK_INT(got_port, port2, "send_udp(): from $fs");
	m->force_send = NULL;

	snprintf(dst, sizeof dst, "127.0.0.1:%d", uport);
	set(m, "$du", S("sip:127.0.0.1:1")); /* not used: a destination is given */
	CHECK_INT(call(m, "corex_send_udp_1", 1, ARGS(AS(dst))), 1, "send_udp(\"127.0.0.1:<port>\"): 1");
	n = receive(fd);
	CHECK(n == m->len && !strncmp(got, "INVITE sip:b@example.com ", 25), "send_udp(host:port): received");
	set(m, "$var(d)", S(dst));
	CHECK_INT(call(m, "corex_send_udp_1", 1, ARGS(AS("$var(d)"))), 1, "send_udp(\"$var(d)\"): 1");
	CHECK(receive(fd) == m->len, "send_udp($var(d)): received");
	snprintf(dst, sizeof dst, "[127.0.0.1]:%d", uport);
	CHECK_INT(call(m, "corex_send_udp_1", 1, ARGS(AS(dst))), 1, "send_udp(\"[127.0.0.1]:<port>\"): 1");
	CHECK(receive(fd) == m->len, "send_udp([addr]:port): received");
	msg_free(m);

	/* no $du: the R-URI in force */
	snprintf(dst, sizeof dst, "sip:b@127.0.0.1:%d", uport);
	m = invite(dst);
	CHECK_INT(call(m, "corex_send_udp_1", 1, ARGS(AS(""))), 1, "send_udp(\"\") to the R-URI: 1");
	CHECK(receive(fd) == m->len, "send_udp(\"\"): received at the R-URI's address");
	set(m, "$du", S("tel:+123"));
	CHECK_INT(call(m, "corex_send_udp", 0, NULL), -1, "send_udp() with $du tel:+123: -1");
	set(m, "$du", S("not a uri"));
	CHECK_INT(call(m, "corex_send_udp", 0, NULL), -1, "send_udp() with a bad $du: -1");
	CHECK(receive(fd) < 0, "nothing sent on errors");
	msg_free(m);

	/* send_data and sendx */
	m = invite("sip:b@example.com");
	snprintf(dst, sizeof dst, "sip:127.0.0.1:%d", uport);
	CHECK_INT(call(m, "corex_send_data", 2, ARGS(AS(dst), AS("hello $rm"))), 1, "send_data(uri, \"hello $rm\"): 1");
	CHECK(receive(fd) == 12 && !strcmp(got, "hello INVITE"), "send_data: the data printed");
	CHECK_INT(got_port, port1, "send_data: from the first socket");
	snprintf(dst, sizeof dst, "sip:x@127.0.0.1:%d;transport=UDP", uport);
	CHECK_INT(call(m, "corex_send_data", 2, ARGS(AS(dst), AS("x"))), 1, "send_data(;transport=UDP): 1");
	CHECK(receive(fd) == 1, "send_data(;transport=UDP): received");
	snprintf(dst, sizeof dst, "sip:127.0.0.1:%d;transport=tcp", uport);
	CHECK_INT(call(m, "corex_send_data", 2, ARGS(AS(dst), AS("x"))), -1, "send_data(;transport=tcp): -1");
	CHECK_INT(call(m, "corex_send_data", 2, ARGS(AS("127.0.0.1"), AS("x"))), -1, "send_data(not a sip uri): -1");
	snprintf(dst, sizeof dst, "sip:127.0.0.1:%d", uport);
	char sock[64];
	snprintf(sock, sizeof sock, "udp:127.0.0.1:%d", port2);
	CHECK_INT(call(m, "corex_sendx", 3, ARGS(AS(dst), AS(sock), AS("via two"))), 1, "sendx(uri, <two>, data): 1");
	CHECK(receive(fd) == 7 && !strcmp(got, "via two"), "sendx: received");
	CHECK_INT(got_port, port2, "sendx: from the socket given");
	CHECK_INT(call(m, "corex_sendx", 3, ARGS(AS(dst), AS("udp:10.9.9.9:5060"), AS("dflt"))), 1,
	          "sendx(unknown socket): 1, from the default one");
	receive(fd);
	CHECK_INT(got_port, port1, "sendx(unknown socket): from the first socket");
	CHECK_INT(call(m, "corex_sendx", 3, ARGS(AS(dst), AS("a:b:c:d"), AS("x"))), -1, "sendx(bad socket): -1");
	CHECK(receive(fd) < 0, "nothing sent on errors");
	msg_free(m);
	close(fd);
}

static void test_files(void)
{
	char path[64], bad[80];
	snprintf(path, sizeof path, "/tmp/routec-corex-%d.txt", (int)getpid());
	snprintf(bad, sizeof bad, "/tmp/routec-corex-%d-nodir/x", (int)getpid());
	unlink(path);
	rc_msg_t *m = invite("sip:b@example.com");
	set(m, "$var(path)", S(path));
	CHECK_INT(call(m, "corex_file_write", 2, ARGS(AS("$var(path)"), AS("method=$rm\n"))), 1,
	          "file_write($var(path), \"method=$rm\\n\"): 1");
	CHECK_INT(call(m, "corex_file_read", 2, ARGS(AS("$var(path)"), AS("$var(content)"))), 1, "file_read: 1");
	CHECK_PV(m, "$var(content)", "method=INVITE\n");
	CHECK_INT(call(m, "corex_file_write", 2, ARGS(AS(path), AS("short"))), 1, "file_write again: 1");
	CHECK_INT(call(m, "corex_file_read", 2, ARGS(AS(path), AS("$avp(f)"))), 1, "file_read into an avp: 1");
	CHECK_PV(m, "$avp(f)", "short");
	CHECK_INT(call(m, "corex_file_write", 2, ARGS(AS(path), AS(""))), -1, "file_write(path, \"\"): -1");
	CHECK_INT(call(m, "corex_file_write", 2, ARGS(AS(""), AS("x"))), -1, "file_write(\"\", x): -1");
	CHECK_INT(call(m, "corex_file_write", 2, ARGS(AS(bad), AS("x"))), -1, "file_write(no such directory): -1");
	CHECK_INT(call(m, "corex_file_read", 2, ARGS(AS(bad), AS("$var(content)"))), -1, "file_read(no such file): -1");
	CHECK_PV(m, "$var(content)", "method=INVITE\n");
	CHECK_INT(call(m, "corex_file_read", 2, ARGS(AS(""), AS("$var(content)"))), -1, "file_read(\"\"): -1");
	CHECK_INT(call(m, "corex_file_read", 2, ARGS(AS(path), AS("$bogus("))), -1000, "file_read into a bad pv: refused at load");
	unlink(path);
	msg_free(m);
}

static void test_misc(void)
{
	rc_msg_t *m = invite("sip:b@example.com");
	CHECK_INT(call(m, "corex_is_incoming", 0, NULL), -1, "is_incoming(): -1 (no nio interception)");
	CHECK_INT(call(m, "corex_is_faked_msg", 0, NULL), -1, "is_faked_msg(): -1");
	CHECK_INT(call(m, "corex_forward_reply", 0, NULL), 1, "forward_reply(): 1");
	CHECK(!m->forwarded && !m->replied, "forward_reply(): marks nothing (the core relays replies)");
	CHECK(rt_fn_find("corex_send_tcp") == NULL, "send_tcp is not provided (no TCP)");
	CHECK(rt_fn_find("corex_via_add_srvid") == NULL, "via_add_srvid is not provided");
	msg_free(m);
}

int main(void)
{
	listen_two();
	rt_log_level = RT_L_CRIT;
	test_append_branch();
	test_xflags();
	test_iflags();
	test_sockets();
	test_send();
	test_files();
	test_misc();
	pv_worker_done();
	return summary();
}
