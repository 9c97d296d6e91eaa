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
 *    route[RESUME] with t_relay; an INVITE to sip:rb@ arms
 *    event_route[tm:branch-failure:RB], which resends a 503'd branch with
 *    t_reuse_branch; tm.t_uac_start sends an INVITE whose 200 tm ACKs;
 *    an INVITE to sip:rpark@ arms onreply_route[RP], which suspends its 480
 *    and drops the retransmissions (t_is_retr_async_reply), and a MESSAGE
 *    to sip:rresume@ continues the reply in route[RCONT], which adds a
 *    header to it)
 */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include <signal.h>
#include <stdatomic.h>

#include "core/gen.h"
#include "core/rpc.h"
#include "core/stats.h"
#include "modules/mod.h"
#include "tm_harness.h"

/* ---- the script ------------------------------------------------------------------ */

static char fork_uri[64], uac_ruri[64];
static rc_arg a_failure[1], a_status[1], a_reply[2], a_append[1], a_uac[6], a_202[2];
static atomic_int local_requests; /* written by a worker, read by the test */
static atomic_int bfail_runs, bfail_486, parked_idx, parked_label, rb_runs;
static rc_arg a_bfail[1], a_cont[3], a_200[2], a_rb[1], a_503[1], a_retry[1];
static rc_pv *pv_idx, *pv_label; /* $T(id_index), $T(id_label) */
static atomic_int rpark_idx = -1, rpark_label = -1, rpark_retr, rpark_first_retr = -2, rcont_runs;
static rc_arg a_onreply[1], a_rcont[3], a_continued[1];

/* onreply_route[RP] {
 *     if (t_is_retr_async_reply()) drop;
 *     if (status == "480") { t_suspend(); save $T(id_index), $T(id_label) }
 * } */
static int R_rpark(rc_msg_t *m, rc_ctx_t *c)
{
	int retr = tm_t_is_retr_async_reply(m, c, NULL);
	if (m->sip.status == 480 && atomic_load(&rpark_first_retr) == -2)
		atomic_store(&rpark_first_retr, retr);
	if (retr > 0) {
		atomic_fetch_add(&rpark_retr, 1);
		c->flags |= RC_F_DROP;
		return 0;
	}
	if (m->sip.status == 480 && tmx_t_suspend(m, c, NULL) > 0) {
		rc_val vi, vl;
		if (rc_pv_get(m, c, pv_idx, &vi) == 0 && rc_pv_get(m, c, pv_label, &vl) == 0) {
			atomic_store(&rpark_label, vl.i);
			atomic_store(&rpark_idx, vi.i);
		}
	}
	return 1;
}

/* route[RCONT] { append_hf("X-Continued: 1\r\n"); } */
static int R_rcont(rc_msg_t *m, rc_ctx_t *c)
{
	atomic_fetch_add(&rcont_runs, 1);
	return textops_append_hf(m, c, a_continued);
}

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
	if (m->sip.ruri.len > 12 && !memcmp(m->sip.ruri.s, "sip:rresume@", 12)) {
		/* t_continue(idx, label, "RCONT"); sl_send_reply("200", "Resumed") */
		rc_arg a[3] = { { .type = RC_INT, .i = atomic_load(&rpark_idx) },
		                { .type = RC_INT, .i = atomic_load(&rpark_label) }, a_rcont[2] };
		if (tmx_t_continue(m, c, a) > 0)
			sl_send_reply(m, c, a_200);
		c->flags |= RC_F_EXIT;
		return 1;
	}
	if (m->sip.ruri.len > 10 && !memcmp(m->sip.ruri.s, "sip:rpark@", 10))
		tm_t_on_reply(m, c, a_onreply);
	if (m->sip.ruri.len > 7 && !memcmp(m->sip.ruri.s, "sip:bf@", 7))
		tm_t_on_branch_failure(m, c, a_bfail);
	if (m->sip.ruri.len > 7 && !memcmp(m->sip.ruri.s, "sip:rb@", 7))
		tm_t_on_branch_failure(m, c, a_rb);
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

/* event_route[tm:branch-failure:RB] {
 *     if (t_check_status("503")) { t_reuse_branch(); append_hf("X-Retry: 1\r\n"); t_relay(); }
 * } */
static int R_rb(rc_msg_t *m, rc_ctx_t *c)
{
	if (tm_t_check_status(m, c, a_503) <= 0)
		return 1;
	atomic_fetch_add(&rb_runs, 1);
	if (tmx_t_reuse_branch(m, c, NULL) < 0 || textops_append_hf(m, c, a_retry) < 0)
		return -1;
	return tm_t_relay(m, c, NULL);
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
	a_rb[0] = (rc_arg){ .type = RC_STR, .s = { "RB", 2 } };
	a_503[0] = (rc_arg){ .type = RC_STR, .s = { "503", 3 } };
	a_retry[0] = (rc_arg){ .type = RC_STR, .s = { "X-Retry: 1\r\n", 12 } };
	a_cont[2] = (rc_arg){ .type = RC_STR, .s = { "RESUME", 6 } };
	a_onreply[0] = (rc_arg){ .type = RC_STR, .s = { "RP", 2 } };
	a_rcont[2] = (rc_arg){ .type = RC_STR, .s = { "RCONT", 5 } };
	a_continued[0] = (rc_arg){ .type = RC_STR, .s = { "X-Continued: 1\r\n", 16 } };
	a_200[0] = (rc_arg){ .type = RC_INT, .i = 200, .s = { "200", 3 } };
	a_200[1] = (rc_arg){ .type = RC_STR, .s = { "Resumed", 7 } };
	if (rc_fn_prepare(g, "tm_t_on_branch_failure", a_bfail, 1, "t.cfg:3:1") < 0 ||
	    rc_fn_prepare(g, "tm_t_on_branch_failure", a_rb, 1, "t.cfg:3:4") < 0 ||
	    rc_fn_prepare(g, "tm_t_check_status", a_503, 1, "t.cfg:9:5") < 0 ||
	    rc_fn_prepare(g, "textops_append_hf", a_retry, 1, "t.cfg:9:30") < 0 ||
	    rc_fn_prepare(g, "tmx_t_continue", a_cont, 3, "t.cfg:3:2") < 0 ||
	    rc_fn_prepare(g, "tm_t_on_reply", a_onreply, 1, "t.cfg:10:1") < 0 ||
	    rc_fn_prepare(g, "tmx_t_continue", a_rcont, 3, "t.cfg:10:2") < 0 ||
	    rc_fn_prepare(g, "textops_append_hf", a_continued, 1, "t.cfg:11:1") < 0 ||
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
	{ 6, "tm:branch-failure:RB", R_rb },
	{ 0, "RESUME", R_resume },
	{ 2, "RP", R_rpark },
	{ 0, "RCONT", R_rcont },
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

static const char *const modules[] = { "tm", "tmx", "sl", "corex", "textops", 0 };

static const rc_script_def script = {
	.abi = RC_ABI_VERSION,
	.init = init,
	.routes = routes,
	.params = params,
	.modules = modules,
	.source = "tm_wire_test.c",
};

/* ---- statistics -------------------------------------------------------------------- */

static long long stat_of(const char *group, const char *name)
{
	rt_stat *s = rt_stat_find(group, name);
	return s ? rt_stat_get(s) : -1;
}

/* ---- scenarios ----------------------------------------------------------------------- */

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

/* The value of the first Via's branch of a text message into out. */
static const char *via_branch(const char *m, char *out, int cap)
{
	const char *p = strstr(m, "\r\nVia: ");
	p = p ? strstr(p, ";branch=") : NULL;
	int n = 0;
	if (p)
		for (p += 8; p[n] && p[n] != ';' && p[n] != '\r' && n < cap - 1; n++)
			;
	if (p)
		memcpy(out, p, (size_t)n);
	out[n] = '\0';
	return out;
}

/* tm.t_uac_start sends an INVITE; its 200 is ACKed by tm, and that ACK is a
 * transaction of its own: another Via branch (RFC 3261 17.1.1.3). */
static void uac_invite_ack(void)
{
	char ruri[64], inv[8192], b1[128], b2[128];
	snprintf(ruri, sizeof ruri, "sip:ring@127.0.0.1:%d", uas_port);
	const char *sv[5] = { "INVITE", ruri, ".", ".",
		                  "From: <sip:proxy@127.0.0.1>\r\nTo: <sip:ring@127.0.0.1>\r\n" };
	rt_rpc_in in;
	memset(&in, 0, sizeof in);
	for (int i = 0; i < 5; i++)
		in.v[i] = (rt_rpc_val){ .type = RPC_T_STR, .s = { sv[i], (int)strlen(sv[i]) } };
	in.n = 5;
	int is_err = 1;
	char *res = rt_rpc_call("tm.t_uac_start", &in, &is_err);
	CHECK(res && !is_err, "tm.t_uac_start INVITE accepted");
	free(res);
	CHECK(recv_line(uas, "INVITE sip:ring@", inv, sizeof inv, 2000), "tm sends the INVITE as a UAC");
	answer(uas, inv, 200, "OK", "ring");
	CHECK(recv_line(uas, "ACK sip:ring@", buf, sizeof buf, 2000), "tm ACKs the 200 of its INVITE");
	via_branch(inv, b1, sizeof b1);
	via_branch(buf, b2, sizeof b2);
	CHECK(!strncmp(b2, "z9hG4bK", 7) && strlen(b1) == strlen(b2) && strcmp(b1, b2) &&
	          strstr(buf, "\r\nCSeq: 10 ACK\r\n"),
	      "the 2xx ACK has a Via branch of its own (RFC 3261 13.2.2.4)");
	if (!strcmp(b1, b2))
		printf("  INVITE %s, ACK %s\n", b1, b2);
	answer(uas, inv, 200, "OK", "ring");
	CHECK(recv_line(uas, "ACK sip:ring@", inv, sizeof inv, 2000) && !strcmp(via_branch(inv, b1, sizeof b1), b2),
	      "a retransmitted 200 finds the INVITE and gets the same ACK again");
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

/* t_reuse_branch() in the branch-failure route: a 503 makes the route send
 * the request again, to the same R-URI, with a header added: a new branch. */
static void reuse_branch(void)
{
	char b1[128], b2[128], v[64];
	send_to(uac, invite(msg, sizeof msg, "INVITE", "rb", uas_port, "call-13", "z9hG4bKm1", NULL, 1));
	CHECK(recv_line(uas, "INVITE sip:rb@", req, sizeof req, 2000), "t_reuse_branch: INVITE relayed");
	via_branch(req, b1, sizeof b1);
	answer(uas, req, 503, "Service Unavailable", "rb1");
	CHECK(recv_line(uas, "ACK sip:rb@", buf, sizeof buf, 2000), "its 503 is ACKed");
	CHECK(recv_line(uas, "INVITE sip:rb@", req, sizeof req, 2000) && strstr(req, "Call-ID: call-13\r\n"),
	      "t_reuse_branch + t_relay in event_route[tm:branch-failure]: the INVITE goes out again");
	via_branch(req, b2, sizeof b2);
	CHECK(!strcmp(hdr(req, "X-Retry", v, sizeof v), "1") && !strstr(buf, "X-Retry") && strcmp(b1, b2) &&
	          !strncmp(b1, b2, strlen(b1) - 1) && b2[strlen(b2) - 1] == '1',
	      "to the same R-URI, with the route's header, as branch 1 of the transaction");
	CHECK(atomic_load(&rb_runs) == 1, "the branch-failure route ran once (the new branch has none)");
	answer(uas, req, 200, "OK", "rb2");
	CHECK(recv_line(uac, "SIP/2.0", buf, sizeof buf, 2000) && !strncmp(buf, "SIP/2.0 100", 11) &&
	          recv_line(uac, "SIP/2.0", buf, sizeof buf, 2000) && !strncmp(buf, "SIP/2.0 200 OK\r\n", 16),
	      "the caller gets the 100 and the new branch's 200, never the 503");
	send_to(uac, invite(msg, sizeof msg, "ACK", "rb", uas_port, "call-13", "z9hG4bKm2", "rb2", 1));
	recv_line(uas, "ACK sip:rb@", buf, sizeof buf, 1000);
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

/* t_suspend() in onreply_route: the 480 waits, its retransmission is told
 * apart (t_is_retr_async_reply) and dropped, t_continue from another
 * message's route sends it on with its route's edits, once. */
static void suspend_reply(void)
{
	char v[64];
	send_to(uac, invite(msg, sizeof msg, "INVITE", "rpark", uas_port, "call-14", "z9hG4bKn1", NULL, 1));
	CHECK(recv_line(uas, "INVITE sip:rpark@", req, sizeof req, 2000), "onreply suspend: INVITE relayed");
	answer(uas, req, 480, "Temporarily Unavailable", "rp");
	CHECK(recv_line(uas, "ACK sip:rpark@", buf, sizeof buf, 2000), "its 480 is ACKed hop by hop");
	CHECK(recv_line(uac, "SIP/2.0 100 trying", buf, sizeof buf, 2000) && quiet(uac, 400),
	      "t_suspend() in onreply_route: the 480 is not relayed");
	CHECK(atomic_load(&rpark_idx) >= 0 && atomic_load(&rpark_first_retr) == -1,
	      "$T(id_index)/$T(id_label) name it; t_is_retr_async_reply() was false for it");
	answer(uas, req, 480, "Temporarily Unavailable", "rp");
	CHECK(recv_line(uas, "ACK sip:rpark@", buf, sizeof buf, 2000), "its retransmission is ACKed again");
	for (int i = 0; i < 40 && atomic_load(&rpark_retr) == 0; i++)
		sleep_ms(50);
	CHECK(atomic_load(&rpark_retr) == 1 && quiet(uac, 300),
	      "t_is_retr_async_reply() is true for the retransmission, which is dropped");
	send_to(uac, invite(tmp, sizeof tmp, "MESSAGE", "rresume", uas_port, "call-15", "z9hG4bKn2", NULL, 1));
	int got480 = 0, got200 = 0, cont = 0;
	for (int i = 0; i < 2; i++) {
		if (recv_within(uac, buf, sizeof buf, 2000) < 0)
			break;
		if (!strncmp(buf, "SIP/2.0 480 ", 12) && strstr(buf, "Call-ID: call-14\r\n")) {
			got480++;
			cont = !strcmp(hdr(buf, "X-Continued", v, sizeof v), "1") && !strstr(buf, "tm-test");
		} else if (!strncmp(buf, "SIP/2.0 200 Resumed\r\n", 21) && strstr(buf, "Call-ID: call-15\r\n")) {
			got200++;
		}
	}
	CHECK(got200 == 1 && got480 == 1 && cont,
	      "t_continue: route[RCONT] edits the kept 480, which goes up (200 Resumed to the MESSAGE)");
	send_to(uac, invite(msg, sizeof msg, "ACK", "rpark", uas_port, "call-14", "z9hG4bKn1", "rp", 1));
	CHECK(quiet(uac, 700) && atomic_load(&rcont_runs) == 1 && atomic_load(&rpark_retr) == 1,
	      "the caller gets it once; the ACK ends it");
	send_to(uac, invite(tmp, sizeof tmp, "MESSAGE", "rresume", uas_port, "call-16", "z9hG4bKn3", NULL, 1));
	CHECK(quiet(uac, 400), "t_continue again: not suspended any more, no reply");
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
	          stat_of("tmx", "4xx_transactions") >= 4 && stat_of("tmx", "UAC_transactions") == 2,
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
	tm_sockets();
	if (!tm_start(&script, "rt_run serves the tm script")) {
		printf("%d passed, %d failed\n", passed, failed + 1);
		return 1;
	}
	call_200_ack_bye();
	busy_to_404();
	timeout_408();
	retransmissions();
	cancels();
	parallel_fork();
	uac_request();
	uac_invite_ack();
	branch_failure();
	reuse_branch();
	suspend_continue();
	suspend_reply();
	statistics();
	tm_stop();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
