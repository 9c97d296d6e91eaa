/* tm_wire_test.c: stateful proxying on the wire.  A script written by hand
 * in C (what the code generator would emit) runs under rt_run on a free
 * loopback port; the test plays the caller (UAC) and two callees (UAS)
 * with its own UDP sockets and checks every datagram: 100 Trying, the
 * relayed INVITE with tm's Via branch, relayed provisional and 2xx replies,
 * the hop-by-hop ACK of a negative reply, failure_route turning a 486 into
 * a 404, the FR timer's 408 (and the branch's retransmissions before it),
 * request retransmissions absorbed, CANCEL before and after a 180, a
 * parallel fork where the first 200 wins and the other branch is
 * cancelled, and the statistics afterwards.  Every wait is bounded.
 *
 *   request_route {
 *       if (method == "ACK") { t_relay(); exit; }
 *       if ($rU == "fork") append_branch("sip:two@127.0.0.1:UAS2");
 *       t_on_failure("F");
 *       t_relay();
 *   }
 *   failure_route[F] { if (t_check_status("486")) t_reply("404", "Not Here"); }
 *   (and a MESSAGE to sip:uac@ makes tm send an OPTIONS as a UAC,
 *    t_uac_send, with event_route[tm:local-request] counting it; an INVITE
 *    to sip:bf@ arms event_route[tm:branch-failure:BF]; an INVITE to
 *    sip:park@ is suspended and a MESSAGE to sip:resume@ continues it in
 *    route[RESUME] with t_relay)
 */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/fn.h"
#include "core/gen.h"
#include "core/main.h"
#include "core/rpc.h"
#include "core/sock.h"
#include "core/stats.h"
#include "modules/mod.h"

static int passed, failed;

static void check(int ok, const char *what, int line)
{
	if (ok) {
		passed++;
		printf("PASS %s\n", what);
	} else {
		failed++;
		printf("FAIL %s (tm_wire_test.c:%d)\n", what, line);
	}
	fflush(stdout);
}
#define CHECK(cond, what) check((cond) != 0, what, __LINE__)

static int udp_bound(int *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &l) < 0) {
		perror("udp socket");
		exit(1);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static int proxy_port;

static void send_to(int fd, const char *msg)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)proxy_port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&a, sizeof a) < 0)
		perror("sendto");
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One datagram within ms milliseconds (NUL-terminated): its length, or -1. */
static int recv_within(int fd, char *buf, int cap, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, ms) <= 0)
		return -1;
	int n = (int)recv(fd, buf, (size_t)cap - 1, 0);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* The next datagram whose first line starts with `start`, skipping others,
 * within ms: 1 found (in buf), 0 not. */
static int recv_line(int fd, const char *start, char *buf, int cap, int ms)
{
	long long end = now_ms() + ms;
	for (;;) {
		int left = (int)(end - now_ms());
		if (left <= 0 || recv_within(fd, buf, cap, left) < 0)
			return 0;
		if (!strncmp(buf, start, strlen(start)))
			return 1;
	}
}

/* Nothing more arrives within ms (what arrives is printed). */
static int quiet(int fd, int ms)
{
	char buf[8192];
	if (recv_within(fd, buf, sizeof buf, ms) < 0)
		return 1;
	printf("  unexpected at %lld: %.60s\n", now_ms() % 100000, buf);
	return 0;
}

static int sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	return nanosleep(&ts, NULL);
}

/* ---- the script ------------------------------------------------------------------ */

static int uac_port, uas_port, uas2_port;
static char listen_text[64], fork_uri[64], uac_ruri[64];
static rc_arg a_failure[1], a_status[1], a_reply[2], a_append[1], a_uac[6], a_202[2];
static atomic_int local_requests; /* written by a worker, read by the test */
static atomic_int bfail_runs, bfail_486, parked_idx, parked_label;
static rc_arg a_bfail[1], a_cont[3], a_200[2];
static rc_pv *pv_idx, *pv_label; /* $T(id_index), $T(id_label) */

static int R_request(rc_msg_t *m, rc_ctx_t *c)
{
	int v = 1;
	if (m->sip.method_id == SIP_M_ACK) {
		tm_t_relay(m, c, NULL);
		c->flags |= RC_F_EXIT;
		return 1;
	}
	if (m->sip.ruri.len > 9 && !memcmp(m->sip.ruri.s, "sip:fork@", 9))
		corex_append_branch_1(m, c, a_append);
	if (m->sip.ruri.len > 9 && !memcmp(m->sip.ruri.s, "sip:park@", 9)) {
		/* t_suspend(); the INVITE waits for t_continue */
		if (tmx_t_suspend(m, c, NULL) > 0) {
			rc_val vi, vl;
			if (rc_pv_get(m, c, pv_idx, &vi) == 0 && rc_pv_get(m, c, pv_label, &vl) == 0) {
				atomic_store(&parked_idx, vi.i);
				atomic_store(&parked_label, vl.i);
			}
		}
		c->flags |= RC_F_EXIT;
		return 1;
	}
	if (m->sip.ruri.len > 11 && !memcmp(m->sip.ruri.s, "sip:resume@", 11)) {
		/* t_continue($var(idx), $var(label), "RESUME"); sl_send_reply("200", "Resumed") */
		rc_arg a[3] = { { .type = RC_INT, .i = atomic_load(&parked_idx) },
		                { .type = RC_INT, .i = atomic_load(&parked_label) }, a_cont[2] };
		int r = tmx_t_continue(m, c, a);
		if (r > 0)
			sl_send_reply(m, c, a_200);
		c->flags |= RC_F_EXIT;
		return 1;
	}
	if (m->sip.ruri.len > 7 && !memcmp(m->sip.ruri.s, "sip:bf@", 7))
		tm_t_on_branch_failure(m, c, a_bfail);
	if (m->sip.ruri.len > 8 && !memcmp(m->sip.ruri.s, "sip:uac@", 8)) {
		tm_t_uac_send(m, c, a_uac);
		sl_send_reply(m, c, a_202);
		c->flags |= RC_F_EXIT;
		return 1;
	}
	tm_t_on_failure(m, c, a_failure);
	v = tm_t_relay(m, c, NULL);
	if (v == 0)
		c->flags |= RC_F_EXIT;
	return v;
}

static int R_failure(rc_msg_t *m, rc_ctx_t *c)
{
	if (tm_t_check_status(m, c, a_status) > 0)
		return tm_t_reply(m, c, a_reply);
	return 1;
}

/* event_route[tm:branch-failure:BF] { if (t_check_status("486")) ... } */
static int R_bfail(rc_msg_t *m, rc_ctx_t *c)
{
	atomic_fetch_add(&bfail_runs, 1);
	if (tm_t_check_status(m, c, a_status) > 0)
		atomic_fetch_add(&bfail_486, 1);
	return 1;
}

/* route[RESUME] { t_relay(); } */
static int R_resume(rc_msg_t *m, rc_ctx_t *c)
{
	return tm_t_relay(m, c, NULL);
}

static int R_local(rc_msg_t *m, rc_ctx_t *c)
{
	(void)m;
	(void)c;
	local_requests++;
	return 1;
}

static int init(rc_gen_t *g)
{
	a_failure[0] = (rc_arg){ .type = RC_STR, .s = { "F", 1 } };
	a_status[0] = (rc_arg){ .type = RC_STR, .s = { "486", 3 } };
	a_reply[0] = (rc_arg){ .type = RC_INT, .i = 404, .s = { "404", 3 } };
	a_reply[1] = (rc_arg){ .type = RC_STR, .s = { "Not Here", 8 } };
	snprintf(fork_uri, sizeof fork_uri, "sip:two@127.0.0.1:%d", uas2_port);
	a_append[0] = (rc_arg){ .type = RC_STR, .s = { fork_uri, (int)strlen(fork_uri) } };
	snprintf(uac_ruri, sizeof uac_ruri, "sip:ping@127.0.0.1:%d", uas_port);
	static const char *uac_args[6] = { "OPTIONS", NULL, "", "",
	                                   "From: <sip:proxy@127.0.0.1>\r\nTo: <sip:ping@127.0.0.1>\r\n", "" };
	uac_args[1] = uac_ruri;
	for (int i = 0; i < 6; i++)
		a_uac[i] = (rc_arg){ .type = RC_STR, .s = { uac_args[i], (int)strlen(uac_args[i]) } };
	a_202[0] = (rc_arg){ .type = RC_INT, .i = 202, .s = { "202", 3 } };
	a_202[1] = (rc_arg){ .type = RC_STR, .s = { "Sent", 4 } };
	if (!(pv_idx = rc_pv_prepare(g, "$T(id_index)", 12, "t.cfg:6:1")) ||
	    !(pv_label = rc_pv_prepare(g, "$T(id_label)", 12, "t.cfg:6:2")))
		return -1;
	a_bfail[0] = (rc_arg){ .type = RC_STR, .s = { "BF", 2 } };
	a_cont[2] = (rc_arg){ .type = RC_STR, .s = { "RESUME", 6 } };
	a_200[0] = (rc_arg){ .type = RC_INT, .i = 200, .s = { "200", 3 } };
	a_200[1] = (rc_arg){ .type = RC_STR, .s = { "Resumed", 7 } };
	if (rc_fn_prepare(g, "tm_t_on_branch_failure", a_bfail, 1, "t.cfg:3:1") < 0 ||
	    rc_fn_prepare(g, "tmx_t_continue", a_cont, 3, "t.cfg:3:2") < 0 ||
	    rc_fn_prepare(g, "sl_send_reply", a_200, 2, "t.cfg:3:3") < 0 ||
	    rc_fn_prepare(g, "tm_t_uac_send", a_uac, 6, "t.cfg:4:9") < 0 ||
	    rc_fn_prepare(g, "sl_send_reply", a_202, 2, "t.cfg:4:40") < 0 ||
	    rc_fn_prepare(g, "tm_t_on_failure", a_failure, 1, "t.cfg:5:5") < 0 ||
	    rc_fn_prepare(g, "tm_t_check_status", a_status, 1, "t.cfg:8:9") < 0 ||
	    rc_fn_prepare(g, "tm_t_reply", a_reply, 2, "t.cfg:8:30") < 0 ||
	    rc_fn_prepare(g, "corex_append_branch_1", a_append, 1, "t.cfg:4:5") < 0)
		return -1;
	return 0;
}

static const rc_route_def routes[] = {
	{ 0, "0", R_request },
	{ 3, "F", R_failure },
	{ 6, "tm:local-request", R_local },
	{ 6, "tm:branch-failure:BF", R_bfail },
	{ 0, "RESUME", R_resume },
	{ 0, NULL, NULL },
};

static rc_param_def params[] = {
	{ NULL, "listen", RC_STR, 0, listen_text },
	{ NULL, "children", RC_INT, 2, NULL },
	{ NULL, "server_header", RC_STR, 0, "Server: tm-test" },
	{ "tm", "fr_timer", RC_INT, 2000, NULL },
	{ "tm", "fr_inv_timer", RC_INT, 3000, NULL },
	{ "tm", "wt_timer", RC_INT, 1000, NULL },
	{ 0, 0, 0, 0, 0 },
};

static const char *const modules[] = { "tm", "tmx", "sl", "corex", 0 };

static const rc_script_def script = {
	.abi = RC_ABI_VERSION,
	.init = init,
	.routes = routes,
	.params = params,
	.modules = modules,
	.source = "tm_wire_test.c",
};

static void *run_thread(void *arg)
{
	static int rc;
	rc = rt_run(&script, arg);
	return &rc;
}

/* ---- messages ---------------------------------------------------------------------- */

static char *invite(char *buf, int cap, const char *method, const char *user, int port,
                    const char *callid, const char *branch, const char *to_tag, int cseq)
{
	snprintf(buf, (size_t)cap,
	         "%s sip:%s@127.0.0.1:%d SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport\r\n"
	         "Max-Forwards: 70\r\n"
	         "From: <sip:alice@127.0.0.1>;tag=ft-%s\r\n"
	         "To: <sip:%s@127.0.0.1>%s%s\r\n"
	         "Call-ID: %s\r\n"
	         "CSeq: %d %s\r\n"
	         "Content-Length: 0\r\n\r\n",
	         method, user, port, uac_port, branch, callid, user, to_tag ? ";tag=" : "",
	         to_tag ? to_tag : "", callid, cseq, method);
	return buf;
}

/* The value of header `name` (first one) of a text message, or "". */
static const char *hdr(const char *msg, const char *name, char *out, int cap)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\r\n%s: ", name);
	const char *p = strstr(msg, pat);
	out[0] = '\0';
	if (!p)
		return out;
	p += strlen(pat);
	const char *e = strstr(p, "\r\n");
	int n = e ? (int)(e - p) : (int)strlen(p);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	return out;
}

/* A reply from a callee to the request it got: its Vias, To with a tag. */
static void answer(int fd, const char *req, int code, const char *reason, const char *tag)
{
	char out[4096], v[512];
	int n = snprintf(out, sizeof out, "SIP/2.0 %d %s\r\n", code, reason);
	for (const char *p = req; (p = strstr(p, "\r\nVia: ")); p += 7) {
		const char *e = strstr(p + 7, "\r\n");
		n += snprintf(out + n, sizeof out - (size_t)n, "Via: %.*s\r\n", (int)(e - p - 7), p + 7);
	}
	char from[256], to[256], cid[256], cseq[64];
	hdr(req, "From", from, sizeof from);
	hdr(req, "To", to, sizeof to);
	hdr(req, "Call-ID", cid, sizeof cid);
	hdr(req, "CSeq", cseq, sizeof cseq);
	snprintf(out + n, sizeof out - (size_t)n,
	         "From: %s\r\nTo: %s%s%s\r\nCall-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n", from, to,
	         strstr(to, ";tag=") ? "" : ";tag=", strstr(to, ";tag=") ? "" : tag, cid, cseq);
	(void)v;
	send_to(fd, out);
}

static long long stat_of(const char *group, const char *name)
{
	rt_stat *s = rt_stat_find(group, name);
	return s ? rt_stat_get(s) : -1;
}

/* ---- scenarios ----------------------------------------------------------------------- */

static int uac, uas, uas2;
static char buf[8192], req[8192], msg[4096], tmp[512];

static void call_200_ack_bye(void)
{
	send_to(uac, invite(msg, sizeof msg, "INVITE", "bob", uas_port, "call-1", "z9hG4bKa1", NULL, 1));
	CHECK(recv_line(uac, "SIP/2.0 100 trying -- your call is important to us\r\n", buf, sizeof buf, 2000),
	      "INVITE: 100 Trying (auto_inv_100) to the caller");
	CHECK(!strstr(hdr(buf, "To", tmp, sizeof tmp), ";tag=") && strstr(buf, "Server: tm-test\r\n"),
	      "the 100 has no To-tag and a Server header");
	CHECK(recv_line(uas, "INVITE sip:bob@127.0.0.1:", req, sizeof req, 2000), "the INVITE is relayed");
	char want[128];
	snprintf(want, sizeof want, "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK", proxy_port);
	const char *via = strstr(req, "\r\nVia: ");
	CHECK(via && !strncmp(via + 2, want, strlen(want)) && strstr(via + 2, ".0\r\n"),
	      "with tm's Via on top: z9hG4bK<hash>.<md5>.0");
	answer(uas, req, 180, "Ringing", "callee1");
	CHECK(recv_line(uac, "SIP/2.0 180 Ringing\r\n", buf, sizeof buf, 2000), "180 relayed");
	answer(uas, req, 200, "OK", "callee1");
	CHECK(recv_line(uac, "SIP/2.0 200 OK\r\n", buf, sizeof buf, 2000), "200 relayed");
	CHECK(strstr(buf, "To: <sip:bob@127.0.0.1>;tag=callee1\r\n") && !strstr(buf, "Server:"),
	      "the 200 is the callee's (its To-tag, no Server header of ours)");
	answer(uas, req, 200, "OK", "callee1"); /* a 2xx retransmission is relayed too */
	CHECK(recv_line(uac, "SIP/2.0 200 OK\r\n", buf, sizeof buf, 2000), "a retransmitted 200 is relayed as well");
	send_to(uac, invite(msg, sizeof msg, "ACK", "bob", uas_port, "call-1", "z9hG4bKa2", "callee1", 1));
	CHECK(recv_line(uas, "ACK sip:bob@", buf, sizeof buf, 2000) && strstr(buf, "branch=z9hG4bKrc"),
	      "the 2xx ACK is forwarded statelessly (no transaction: a stateless branch)");
	send_to(uac, invite(msg, sizeof msg, "BYE", "bob", uas_port, "call-1", "z9hG4bKa3", "callee1", 2));
	CHECK(recv_line(uas, "BYE sip:bob@", req, sizeof req, 2000), "BYE relayed (no 100 for a non-INVITE)");
	answer(uas, req, 200, "OK", "callee1");
	CHECK(recv_line(uac, "SIP/2.0 200 OK\r\n", buf, sizeof buf, 2000) && strstr(buf, "CSeq: 2 BYE"),
	      "200 for the BYE relayed");
	CHECK(quiet(uac, 300) && quiet(uas, 100), "nothing else on the wire");
}

static void busy_to_404(void)
{
	send_to(uac, invite(msg, sizeof msg, "INVITE", "bob", uas_port, "call-2", "z9hG4bKb1", NULL, 1));
	CHECK(recv_line(uas, "INVITE sip:bob@", req, sizeof req, 2000), "second call: INVITE relayed");
	answer(uas, req, 486, "Busy Here", "callee2");
	CHECK(recv_line(uas, "ACK sip:bob@", buf, sizeof buf, 2000), "the 486 gets a hop-by-hop ACK");
	char v1[256], v2[256];
	const char *iv = strstr(req, "\r\nVia: "), *av = strstr(buf, "\r\nVia: ");
	snprintf(v1, sizeof v1, "%.*s", iv ? (int)(strstr(iv + 2, "\r\n") - iv) : 0, iv ? iv : "");
	snprintf(v2, sizeof v2, "%.*s", av ? (int)(strstr(av + 2, "\r\n") - av) : 0, av ? av : "");
	CHECK(v1[0] && !strcmp(v1, v2) && strstr(buf, "CSeq: 1 ACK\r\n") && strstr(buf, "tag=callee2") &&
	          !strstr(av + 2, "\r\nVia: "),
	      "the ACK has the INVITE's branch, our Via only, CSeq n ACK and the reply's To-tag");
	CHECK(recv_line(uac, "SIP/2.0 404 Not Here\r\n", buf, sizeof buf, 2000),
	      "failure_route: t_check_status(\"486\") -> t_reply(404)");
	CHECK(strstr(buf, "Server: tm-test\r\n") && strstr(buf, ";tag=") && strstr(hdr(buf, "To", tmp, sizeof tmp), "-"),
	      "the 404 is local: Server header, tm's To-tag (md5-crc)");
	long long t0 = now_ms();
	CHECK(recv_line(uac, "SIP/2.0 404 Not Here\r\n", buf, sizeof buf, 2000) && now_ms() - t0 >= 300,
	      "without an ACK the 404 is retransmitted (T1)");
	send_to(uac, invite(msg, sizeof msg, "ACK", "bob", uas_port, "call-2", "z9hG4bKb1", "x", 1));
	CHECK(quiet(uac, 1300), "the ACK stops the retransmissions");
	CHECK(quiet(uas, 100), "and is not forwarded (tm absorbed it)");
}

static void timeout_408(void)
{
	long long t0 = now_ms();
	send_to(uac, invite(msg, sizeof msg, "INVITE", "bob", uas_port, "call-3", "z9hG4bKc1", NULL, 1));
	int n = 0;
	long long at[4] = { 0 };
	while (n < 4 && recv_line(uas, "INVITE sip:bob@", buf, sizeof buf, n < 3 ? 1300 : 700))
		at[n++] = now_ms() - t0;
	CHECK(n == 3, "a silent callee: the INVITE is sent and retransmitted twice before fr_timer (2 s)");
	CHECK(n == 3 && at[1] >= 400 && at[1] <= 800 && at[2] - at[1] >= 800 && at[2] - at[1] <= 1300,
	      "retransmissions at T1 then 2*T1 (500 ms, 1 s)");
	if (n != 3 || at[1] < 400)
		printf("  sent at %lld %lld %lld %lld ms\n", at[0], at[1], at[2], at[3]);
	CHECK(recv_line(uac, "SIP/2.0 408 Request Timeout\r\n", buf, sizeof buf, 2000),
	      "fr_timer fires: a faked 408 goes to the caller (failure_route leaves it)");
	long long t = now_ms() - t0;
	CHECK(t >= 1900 && t <= 3100, "at fr_timer");
	send_to(uac, invite(msg, sizeof msg, "INVITE", "bob", uas_port, "call-3", "z9hG4bKc1", NULL, 1));
	CHECK(recv_line(uac, "SIP/2.0 408 Request Timeout\r\n", buf, sizeof buf, 1000),
	      "an INVITE retransmission gets the 408 again");
	send_to(uac, invite(msg, sizeof msg, "ACK", "bob", uas_port, "call-3", "z9hG4bKc1", "x", 1));
	CHECK(quiet(uas, 300), "nothing more to the callee");
}

static void retransmissions(void)
{
	invite(msg, sizeof msg, "MESSAGE", "bob", uas_port, "call-4", "z9hG4bKd1", NULL, 1);
	send_to(uac, msg);
	send_to(uac, msg);
	send_to(uac, msg);
	CHECK(recv_line(uas, "MESSAGE sip:bob@", req, sizeof req, 2000), "MESSAGE relayed");
	CHECK(quiet(uas, 300), "sent three times, relayed once");
	CHECK(quiet(uac, 10), "no 100 for a non-INVITE");
	answer(uas, req, 200, "OK", "m");
	CHECK(recv_line(uac, "SIP/2.0 200 OK\r\n", buf, sizeof buf, 2000), "its 200 relayed");
	send_to(uac, msg);
	CHECK(recv_line(uac, "SIP/2.0 200 OK\r\n", buf, sizeof buf, 2000) && quiet(uas, 200),
	      "a late retransmission gets the 200 again from tm, not from the callee");
}

static void cancels(void)
{
	/* after a 180: CANCEL downstream, 200 canceling, then 487 */
	invite(msg, sizeof msg, "INVITE", "bob", uas_port, "call-5", "z9hG4bKe1", NULL, 1);
	send_to(uac, msg);
	CHECK(recv_line(uas, "INVITE sip:bob@", req, sizeof req, 2000), "CANCEL after 180: INVITE relayed");
	answer(uas, req, 180, "Ringing", "c5");
	CHECK(recv_line(uac, "SIP/2.0 180 Ringing\r\n", buf, sizeof buf, 2000), "180 relayed");
	send_to(uac, invite(tmp, sizeof tmp, "CANCEL", "bob", uas_port, "call-5", "z9hG4bKe1", NULL, 1));
	CHECK(recv_line(uac, "SIP/2.0 200 canceling\r\n", buf, sizeof buf, 2000), "the CANCEL gets 200 canceling");
	char cancel[4096];
	CHECK(recv_line(uas, "CANCEL sip:bob@", cancel, sizeof cancel, 2000) && strstr(cancel, "CSeq: 1 CANCEL\r\n"),
	      "a CANCEL goes to the ringing branch");
	answer(uas, cancel, 200, "OK", "c5");
	answer(uas, req, 487, "Request Terminated", "c5");
	CHECK(recv_line(uas, "ACK sip:bob@", buf, sizeof buf, 2000), "the 487 is ACKed");
	CHECK(recv_line(uac, "SIP/2.0 487 Request Terminated\r\n", buf, sizeof buf, 2000), "487 to the caller");
	send_to(uac, invite(tmp, sizeof tmp, "ACK", "bob", uas_port, "call-5", "z9hG4bKe1", "c5", 1));

	/* before any reply from the callee: no CANCEL until its 1xx */
	invite(msg, sizeof msg, "INVITE", "bob", uas_port, "call-6", "z9hG4bKf1", NULL, 1);
	send_to(uac, msg);
	CHECK(recv_line(uas, "INVITE sip:bob@", req, sizeof req, 2000), "CANCEL before 180: INVITE relayed");
	send_to(uac, invite(tmp, sizeof tmp, "CANCEL", "bob", uas_port, "call-6", "z9hG4bKf1", NULL, 1));
	CHECK(recv_line(uac, "SIP/2.0 200 canceling\r\n", buf, sizeof buf, 2000), "200 canceling");
	CHECK(recv_within(uas, buf, sizeof buf, 800) > 0 && !strncmp(buf, "INVITE ", 7),
	      "the silent branch keeps retransmitting its INVITE, no CANCEL yet (cancel_b_method 1)");
	answer(uas, req, 180, "Ringing", "c6");
	CHECK(recv_line(uas, "CANCEL sip:bob@", cancel, sizeof cancel, 2000), "its first 1xx gets the CANCEL");
	answer(uas, cancel, 200, "OK", "c6");
	answer(uas, req, 487, "Request Terminated", "c6");
	CHECK(recv_line(uac, "SIP/2.0 487 Request Terminated\r\n", buf, sizeof buf, 2000), "487 to the caller");
	send_to(uac, invite(tmp, sizeof tmp, "ACK", "bob", uas_port, "call-6", "z9hG4bKf1", "c6", 1));
	CHECK(quiet(uac, 300), "the 180 on a cancelled branch is not relayed");
}

static void parallel_fork(void)
{
	send_to(uac, invite(msg, sizeof msg, "INVITE", "fork", uas_port, "call-7", "z9hG4bKg1", NULL, 1));
	char r2[8192];
	CHECK(recv_line(uas, "INVITE sip:fork@", req, sizeof req, 2000) &&
	          recv_line(uas2, "INVITE sip:two@", r2, sizeof r2, 2000),
	      "fork: the R-URI and the appended branch both get the INVITE");
	CHECK(strstr(req, ".0\r\n") && strstr(r2, ".1\r\n"), "branches .0 and .1");
	answer(uas2, r2, 180, "Ringing", "two");
	CHECK(recv_line(uac, "SIP/2.0 180 Ringing\r\n", buf, sizeof buf, 2000), "the second branch's 180 relayed");
	answer(uas, req, 200, "OK", "one");
	CHECK(recv_line(uac, "SIP/2.0 200 OK\r\n", buf, sizeof buf, 2000) && strstr(buf, "tag=one"),
	      "the first 200 wins");
	char cancel[4096];
	CHECK(recv_line(uas2, "CANCEL sip:two@", cancel, sizeof cancel, 2000), "the other branch is cancelled");
	CHECK(strstr(cancel, "Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\n") != NULL,
	      "with Reason: SIP;cause=200;text=\"Call completed elsewhere\"");
	answer(uas2, cancel, 200, "OK", "two");
	answer(uas2, r2, 487, "Request Terminated", "two");
	CHECK(recv_line(uas2, "ACK sip:two@", buf, sizeof buf, 2000), "its 487 is ACKed");
	CHECK(quiet(uac, 400), "and not relayed: the caller sees the 200 only");
}

static void uac_request(void)
{
	send_to(uac, invite(msg, sizeof msg, "MESSAGE", "uac", uas_port, "call-8", "z9hG4bKh1", NULL, 1));
	CHECK(recv_line(uac, "SIP/2.0 202 Sent\r\n", buf, sizeof buf, 2000), "t_uac_send, then the script's 202");
	char opt[8192];
	CHECK(recv_line(uas, "OPTIONS sip:ping@127.0.0.1:", opt, sizeof opt, 2000), "tm sends the OPTIONS as a UAC");
	CHECK(strstr(opt, "\r\nFrom: <sip:proxy@127.0.0.1>;tag=") && strstr(opt, "\r\nTo: <sip:ping@127.0.0.1>\r\n") &&
	          strstr(opt, "\r\nCSeq: 10 OPTIONS\r\n") && strstr(opt, "\r\nCall-ID: ") &&
	          strstr(opt, "\r\nMax-Forwards: 70\r\n") && strstr(opt, ";branch=z9hG4bK") &&
	          !strstr(strstr(opt, "\r\nVia: ") + 7, "\r\nVia: "),
	      "with a From-tag, Call-ID and CSeq of its own, Max-Forwards, our Via only");
	CHECK(local_requests == 1, "event_route[tm:local-request] ran for it");
	answer(uas, opt, 200, "OK", "p");
	CHECK(quiet(uac, 300), "its 200 stays with tm (no server side to relay it to)");
	CHECK(quiet(uas, 600), "and is not retransmitted after the 200");
}

static void branch_failure(void)
{
	send_to(uac, invite(msg, sizeof msg, "INVITE", "bf", uas_port, "call-9", "z9hG4bKi1", NULL, 1));
	CHECK(recv_line(uas, "INVITE sip:bf@", req, sizeof req, 2000), "t_on_branch_failure: INVITE relayed");
	answer(uas, req, 486, "Busy Here", "bf");
	CHECK(recv_line(uas, "ACK sip:bf@", buf, sizeof buf, 2000), "its 486 is ACKed");
	CHECK(recv_line(uac, "SIP/2.0 404 Not Here\r\n", buf, sizeof buf, 2000),
	      "the 486 goes on to the failure route (404)");
	CHECK(atomic_load(&bfail_runs) == 1 && atomic_load(&bfail_486) == 1,
	      "event_route[tm:branch-failure:BF] ran once, before, seeing the branch's 486");
	send_to(uac, invite(msg, sizeof msg, "ACK", "bf", uas_port, "call-9", "z9hG4bKi1", "x", 1));
}

static void suspend_continue(void)
{
	send_to(uac, invite(msg, sizeof msg, "INVITE", "park", uas_port, "call-10", "z9hG4bKj1", NULL, 1));
	CHECK(recv_line(uac, "SIP/2.0 100 trying", buf, sizeof buf, 2000), "t_suspend sends the 100 Trying");
	CHECK(quiet(uas, 300), "and nothing goes on while suspended");
	send_to(uac, invite(tmp, sizeof tmp, "MESSAGE", "resume", uas_port, "call-11", "z9hG4bKj2", NULL, 1));
	CHECK(recv_line(uac, "SIP/2.0 200 Resumed\r\n", buf, sizeof buf, 2000), "t_continue(index, label, RESUME) ran");
	CHECK(recv_line(uas, "INVITE sip:park@", req, sizeof req, 2000) && strstr(req, "Call-ID: call-10\r\n"),
	      "route[RESUME]'s t_relay sends the parked INVITE");
	answer(uas, req, 200, "OK", "pk");
	CHECK(recv_line(uac, "SIP/2.0 200 OK\r\n", buf, sizeof buf, 2000) && strstr(buf, "Call-ID: call-10\r\n"),
	      "its 200 reaches the caller");
	send_to(uac, invite(tmp, sizeof tmp, "MESSAGE", "resume", uas_port, "call-12", "z9hG4bKj3", NULL, 1));
	CHECK(quiet(uac, 400), "t_continue again: not suspended any more (-2), no reply");
}

static void statistics(void)
{
	int is_err = 0;
	char *res = rt_rpc_call("tm.stats", &(rt_rpc_in){ 0 }, &is_err);
	CHECK(res && !is_err && strstr(res, "\"total\":") && strstr(res, "\"rpl_received\":") &&
	          strstr(res, "\"4xx\":") && strstr(res, "\"delayed_free\":0"),
	      "tm.stats answers Kamailio's shape");
	free(res);
	CHECK(stat_of("tmx", "UAS_transactions") >= 10 && stat_of("tmx", "2xx_transactions") >= 3 &&
	          stat_of("tmx", "4xx_transactions") >= 4 && stat_of("tmx", "UAC_transactions") == 1,
	      "tmx: UAS_transactions, UAC_transactions, 2xx_transactions, 4xx_transactions counted");
	CHECK(stat_of("tmx", "rpl_received") == stat_of("tm", "received_replies") &&
	          stat_of("tmx", "rpl_relayed") == stat_of("tm", "relayed_replies") &&
	          stat_of("tmx", "rpl_generated") == stat_of("tm", "local_replies") &&
	          stat_of("tmx", "rpl_absorbed") == stat_of("tmx", "rpl_received") - stat_of("tmx", "rpl_relayed"),
	      "tm's OpenSIPS names read the same counters; rpl_absorbed = received - relayed");
	int gone = 0;
	for (int i = 0; i < 100 && !gone; i++) { /* wt_timer 1 s, fr_timer 2 s */
		gone = stat_of("tmx", "inuse_transactions") == 0;
		if (!gone)
			sleep_ms(50);
	}
	CHECK(gone, "after the wait timers no transaction is left (inuse_transactions 0)");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	uac = udp_bound(&uac_port);
	uas = udp_bound(&uas_port);
	uas2 = udp_bound(&uas2_port);
	snprintf(listen_text, sizeof listen_text, "udp:127.0.0.1:0");
	rt_cmdline cl;
	memset(&cl, 0, sizeof cl);
	cl.log_stderr = 1;
	pthread_t th;
	pthread_create(&th, NULL, run_thread, &cl);
	for (int i = 0; i < 500 && !rt_running(); i++)
		sleep_ms(10);
	CHECK(rt_running(), "rt_run serves the tm script");
	if (!rt_running()) {
		printf("%d passed, %d failed\n", passed, failed + 1);
		return 1;
	}
	proxy_port = rt_sock_at(0)->port;
	call_200_ack_bye();
	busy_to_404();
	timeout_408();
	retransmissions();
	cancels();
	parallel_fork();
	uac_request();
	branch_failure();
	suspend_continue();
	statistics();
	rt_stop();
	pthread_join(th, NULL);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
