/* tm_tw_test.c: t_write_unix() with tw_append, and serial forking by q
 * with t_load_contacts()/t_next_contacts(), on the wire.  A script written
 * by hand in C runs under rt_run on loopback; the test is the caller, two
 * callees and the external application (a unix datagram socket).
 *
 *   modparam("tm", "tw_append", "extra:hdr[Subject];who=avp[w];msg[body]")
 *   modparam("tm", "contacts_avp", "tm_contacts")
 *   modparam("tm", "contact_flows_avp", "tm_flows")
 *   request_route {
 *       if (method == "ACK") { t_relay(); exit; }
 *       if ($rU == "vm") { $avp(w) = "bob"; t_write_unix("SOCK", "voicemail/extra"); exit; }
 *       # serial: R-URI (no q; user "top": q 1.0 as lookup sets it) + hi
 *       # (q=1.0, UAS) + lo (q=0.5, UAS2)
 *       append_branch("sip:hi@127.0.0.1:UAS", "1.0");
 *       append_branch("sip:lo@127.0.0.1:UAS2", "0.5");
 *       t_load_contacts(); t_next_contacts();
 *       t_on_failure("NEXT"); t_relay();
 *   }
 *   failure_route[NEXT] { if (t_next_contacts()) { t_on_failure("NEXT"); t_relay(); } }
 */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include <signal.h>
#include <stdatomic.h>
#include <sys/un.h>

#include "core/gen.h"
#include "core/rpc.h"
#include "modules/mod.h"
#include "tm_harness.h"

/* ---- the script ------------------------------------------------------------------ */

static char hi_uri[64], lo_uri[64], sock_path[108];
static rc_arg a_write[2], a_hi[2], a_lo[2], a_fail[1];
static rc_pv *pv_w;

static int R_request(rc_msg_t *m, rc_ctx_t *c)
{
	if (m->sip.method_id == SIP_M_ACK) {
		tm_t_relay(m, c, NULL);
		c->flags |= RC_F_EXIT;
		return 1;
	}
	if (m->sip.ruri.len > 7 && !memcmp(m->sip.ruri.s, "sip:vm@", 7)) {
		rc_val v = pv_vstr("bob", 3);
		rc_pv_set(m, c, pv_w, &v);
		tm_t_write_unix(m, c, a_write);
		c->flags |= RC_F_EXIT;
		return 1;
	}
	/* "top": the R-URI comes with q 1.0, as lookup() leaves it (set_ruri_q) */
	if (m->sip.ruri.len > 8 && !memcmp(m->sip.ruri.s, "sip:top@", 8))
		rt_set_ruri_q(m, 1000);
	corex_append_branch_2(m, c, a_hi);
	corex_append_branch_2(m, c, a_lo);
	if (tm_t_load_contacts(m, c, NULL) < 0 || tm_t_next_contacts(m, c, NULL) < 0)
		return -1;
	tm_t_on_failure(m, c, a_fail);
	int v = tm_t_relay(m, c, NULL);
	if (v == 0)
		c->flags |= RC_F_EXIT;
	return v;
}

static int R_failure(rc_msg_t *m, rc_ctx_t *c)
{
	if (tm_t_next_contacts(m, c, NULL) > 0) {
		tm_t_on_failure(m, c, a_fail);
		return tm_t_relay(m, c, NULL);
	}
	return 1;
}

static int init(rc_gen_t *g)
{
	a_write[0] = (rc_arg){ .type = RC_STR, .s = { sock_path, (int)strlen(sock_path) } };
	a_write[1] = (rc_arg){ .type = RC_STR, .s = { "voicemail/extra", 15 } };
	snprintf(hi_uri, sizeof hi_uri, "sip:hi@127.0.0.1:%d", uas_port);
	snprintf(lo_uri, sizeof lo_uri, "sip:lo@127.0.0.1:%d", uas2_port);
	a_hi[0] = (rc_arg){ .type = RC_STR, .s = { hi_uri, (int)strlen(hi_uri) } };
	a_hi[1] = (rc_arg){ .type = RC_STR, .s = { "1.0", 3 } };
	a_lo[0] = (rc_arg){ .type = RC_STR, .s = { lo_uri, (int)strlen(lo_uri) } };
	a_lo[1] = (rc_arg){ .type = RC_STR, .s = { "0.5", 3 } };
	a_fail[0] = (rc_arg){ .type = RC_STR, .s = { "NEXT", 4 } };
	if (!(pv_w = rc_pv_prepare(g, "$avp(w)", 7, "t.cfg:1:1")))
		return -1;
	if (rc_fn_prepare(g, "tm_t_write_unix", a_write, 2, "t.cfg:2:1") < 0 ||
	    rc_fn_prepare(g, "corex_append_branch_2", a_hi, 2, "t.cfg:3:1") < 0 ||
	    rc_fn_prepare(g, "corex_append_branch_2", a_lo, 2, "t.cfg:4:1") < 0 ||
	    rc_fn_prepare(g, "tm_t_on_failure", a_fail, 1, "t.cfg:5:1") < 0)
		return -1;
	return 0;
}

static const rc_route_def routes[] = {
	{ 0, "0", R_request },
	{ 3, "NEXT", R_failure },
	{ 0, NULL, NULL },
};

static rc_param_def params[] = {
	{ NULL, "listen", RC_STR, 0, listen_text },
	{ NULL, "children", RC_INT, 2, NULL },
	{ "tm", "fr_timer", RC_INT, 1000, NULL },
	{ "tm", "fr_inv_timer", RC_INT, 3000, NULL },
	{ "tm", "wt_timer", RC_INT, 500, NULL },
	{ "tm", "tw_append", RC_STR, 0, "extra:hdr[Subject];who=avp[w];msg[body]" },
	{ "tm", "contacts_avp", RC_STR, 0, "tm_contacts" },
	{ "tm", "contact_flows_avp", RC_STR, 0, "tm_flows" },
	{ 0, 0, 0, 0, 0 },
};

static const char *const modules[] = { "tm", "tmx", "sl", "corex", 0 };

static const rc_script_def script = {
	.abi = RC_ABI_VERSION,
	.init = init,
	.routes = routes,
	.params = params,
	.modules = modules,
	.source = "tm_tw_test.c",
};

/* ---- scenarios ----------------------------------------------------------------------- */

static int app; /* the external application's unix socket */
static char buf[8192], req[8192], msg[4096], want[4096];

/* t_write_unix: the exact lines, then the blind branch's 408 at fr_timer. */
static void write_unix(void)
{
	snprintf(msg, sizeof msg,
	         "MESSAGE sip:vm@127.0.0.1:%d SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-tw1;rport\r\n"
	         "Max-Forwards: 70\r\n"
	         "From: <sip:alice@127.0.0.1>;tag=ft-tw1\r\n"
	         "To: <sip:vm@127.0.0.1>\r\n"
	         "Call-ID: tw1\r\n"
	         "CSeq: 7 MESSAGE\r\n"
	         "Contact: <sip:alice@127.0.0.1:%d>\r\n"
	         "Record-Route: <sip:p1.example;lr>\r\n"
	         "Subject:  hello there \r\n"
	         "Content-Length: 5\r\n\r\nhi!\r\n",
	         proxy_port, uac_port, uac_port);
	send_to(uac, msg);
	int n = recv_within(app, buf, sizeof buf, 3000);
	CHECK(n > 0, "t_write_unix: the application socket receives a datagram");
	if (n <= 0)
		return;
	/* hash:label differ per run: take them from line 16 */
	const char *p = buf;
	for (int i = 0; i < 15 && p; i++)
		p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
	char id[64] = "";
	if (p)
		sscanf(p, "%63[0-9:]", id);
	snprintf(want, sizeof want,
	         "0.3\nsip_request.voicemail\nMESSAGE\nvm\n127.0.0.1\n127.0.0.1\n%d\n"
	         "sip:vm@127.0.0.1:%d\nsip:alice@127.0.0.1:%d\n"
	         "<sip:alice@127.0.0.1>;tag=ft-tw1\n<sip:vm@127.0.0.1>\ntw1\nft-tw1\n\n7\n%s\n"
	         "<sip:p1.example;lr>,<sip:p1.example;lr>\nsip:p1.example;lr\n"
	         "P-MsgFlags: 0\nSubject: hello there\nwho: bob\n.\nhi!\r\n\n",
	         proxy_port, proxy_port, uac_port, id);
	CHECK(strchr(id, ':') != NULL, "t_write_unix: line 16 is hash:label");
	CHECK(!strcmp(buf, want), "t_write_unix: the lines are Kamailio's (version, action, "
	                          "request fields, route set, P-MsgFlags, tw_append, body)");
	if (strcmp(buf, want))
		printf("  got:\n%s\n  want:\n%s\n", buf, want);
	/* nobody answers: the blind branch times out, a 408 goes upstream */
	CHECK(recv_line(uac, "SIP/2.0 408", buf, sizeof buf, 4000),
	      "t_write_unix: no answer from the application: 408 at fr_timer");
}

/* tm.reply(code, reason, trans_id, to_tag, headers, body) with rpc's params. */
static char *rpc_reply(int code, const char *reason, const char *id, const char *tag,
                       const char *hdrs, const char *body, int *is_err)
{
	rt_rpc_in in;
	memset(&in, 0, sizeof in);
	const char *sv[5] = { reason, id, tag, hdrs, body };
	in.v[0] = (rt_rpc_val){ .type = RPC_T_INT, .i = code };
	in.n = 1;
	for (int i = 0; i < 5 && sv[i]; i++, in.n++)
		in.v[in.n] = (rt_rpc_val){ .type = RPC_T_STR, .s = { sv[i], (int)strlen(sv[i]) } };
	return rt_rpc_call("tm.reply", &in, is_err);
}

/* The application answers through tm.reply: the caller gets exactly that
 * reply; the ACK of the 200 matches by the application's To-tag and stops
 * its retransmissions; wrong ids get Kamailio's errors. */
static void rpc_answer(void)
{
	invite(msg, sizeof msg, "INVITE", "vm", proxy_port, "twr1", "z9hG4bK-twr1", NULL, 3);
	send_to(uac, msg);
	int n = recv_within(app, buf, sizeof buf, 3000);
	CHECK(n > 0 && !strncmp(buf, "0.3\nsip_request.voicemail\nINVITE\n", 33),
	      "tm.reply: t_write_unix hands the INVITE to the application");
	const char *p = n > 0 ? buf : NULL;
	for (int i = 0; i < 15 && p; i++)
		p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
	char id[64] = "", bad[80];
	unsigned h = 0, l = 0;
	if (p)
		sscanf(p, "%63[0-9:]", id);
	sscanf(id, "%u:%u", &h, &l);

	int is_err = 0;
	char *res;
	snprintf(bad, sizeof bad, "%u:%u", h, l + 1);
	res = rpc_reply(200, "OK", bad, "x", "", "", &is_err);
	CHECK(res && is_err && strstr(res, "481") && strstr(res, "No such transaction"),
	      "tm.reply: an unknown hash:label is 481 No such transaction");
	free(res);
	res = rpc_reply(200, "OK", "12-34", "x", "", "", &is_err);
	CHECK(res && is_err && strstr(res, "400") && strstr(res, "Invalid transaction ID"),
	      "tm.reply: a trans_id that is not hash:label is 400 Invalid transaction ID");
	free(res);
	res = rpc_reply(200, "OK", id, NULL, NULL, NULL, &is_err);
	CHECK(res && is_err && strstr(res, "400") && strstr(res, "To tag expected"),
	      "tm.reply: without to_tag, 400 To tag expected");
	free(res);
	CHECK(quiet(uac, 200), "tm.reply: the failed calls sent nothing");

	res = rpc_reply(200, "Stored", id, "app-7",
	                "Contact: <sip:vm@127.0.0.1>\r\nContent-Type: text/plain\r\n", "saved\r\n", &is_err);
	CHECK(res && !is_err, "tm.reply: answered with an empty result");
	if (res && is_err)
		printf("  got: %s\n", res);
	free(res);
	int got = recv_line(uac, "SIP/2.0 200 Stored\r\n", buf, sizeof buf, 2000);
	char v[256];
	CHECK(got, "tm.reply: the caller gets 200 Stored");
	CHECK(got && !strcmp(hdr(buf, "To", v, sizeof v), "<sip:vm@127.0.0.1>;tag=app-7"),
	      "tm.reply: the To-tag is the application's");
	CHECK(got && !strcmp(hdr(buf, "Contact", v, sizeof v), "<sip:vm@127.0.0.1>") &&
	          !strcmp(hdr(buf, "Content-Type", v, sizeof v), "text/plain") &&
	          !strcmp(hdr(buf, "Content-Length", v, sizeof v), "7") && strstr(buf, "\r\n\r\nsaved\r\n") &&
	          strstr(buf, "Content-Type: text/plain\r\nServer: ") && strstr(buf, "Call-ID: twr1\r\n"),
	      "tm.reply: its headers before Server, its body with Content-Length");
	res = rpc_reply(486, "Busy", id, "app-7", "", "", &is_err);
	CHECK(res && is_err && strstr(res, "500") && strstr(res, "Reply failed"),
	      "tm.reply: a second final reply is 500 Reply failed");
	free(res);
	/* no ACK yet: the 2xx is retransmitted (T1 500 ms) */
	CHECK(recv_line(uac, "SIP/2.0 200 Stored\r\n", buf, sizeof buf, 2000),
	      "tm.reply: the 200 is retransmitted until the ACK");
	invite(msg, sizeof msg, "ACK", "vm", uas_port, "twr1", "z9hG4bK-twr1a", "app-7", 3);
	send_to(uac, msg);
	while (recv_within(uac, buf, sizeof buf, 100) > 0) /* one may have crossed the ACK */
		;
	CHECK(quiet(uac, 1500), "tm.reply: the ACK (matched by the To-tag) stops the retransmissions");
}

/* t_write_unix to a socket nobody binds: an error, no datagram, 500 from tm
 * would need t_relay: the script exits, the request stays unanswered. */

/* Serial forking: hi (q=1) first, lo (q=0.5) only after hi fails, the
 * R-URI (no q) last; then the final reply. */
static void serial(void)
{
	invite(msg, sizeof msg, "INVITE", "first", uas2_port + 1, "ser1", "z9hG4bK-ser1", NULL, 1);
	send_to(uac, msg);
	CHECK(recv_line(uas, "INVITE sip:hi@", req, sizeof req, 3000),
	      "serial: the q=1.0 contact gets the INVITE first");
	CHECK(quiet(uas2, 300), "serial: the q=0.5 contact gets nothing yet");
	answer(uas, req, 486, "Busy Here", "hi-tag");
	CHECK(recv_line(uas, "ACK sip:hi@", buf, sizeof buf, 2000), "serial: the 486 is ACKed");
	CHECK(recv_line(uas2, "INVITE sip:lo@", req, sizeof req, 3000),
	      "serial: after the 486 the q=0.5 contact gets the INVITE");
	answer(uas2, req, 200, "OK", "lo-tag");
	CHECK(recv_line(uac, "SIP/2.0 200", buf, sizeof buf, 3000),
	      "serial: the second group's 200 reaches the caller");
}

/* The R-URI with its own q 1.0 (lookup's set_ruri_q) is in the first group,
 * with hi: both at once; lo after both failed.  Kamailio's get_ruri_q in
 * t_load_contacts. */
static void serial_ruri_q(void)
{
	invite(msg, sizeof msg, "INVITE", "top", uas2_port, "ser2", "z9hG4bK-ser2", NULL, 1);
	send_to(uac, msg);
	char req2[8192];
	CHECK(recv_line(uas, "INVITE sip:hi@", req, sizeof req, 3000),
	      "serial, R-URI q 1.0: the q=1.0 branch gets the INVITE in the first group");
	CHECK(recv_line(uas2, "INVITE sip:top@", req2, sizeof req2, 3000),
	      "serial, R-URI q 1.0: the R-URI is in the first group too (it sorted last before)");
	answer(uas, req, 486, "Busy Here", "hi-tag2");
	answer(uas2, req2, 486, "Busy Here", "top-tag2");
	CHECK(recv_line(uas2, "INVITE sip:lo@", req, sizeof req, 3000),
	      "serial, R-URI q 1.0: after both failed the q=0.5 contact gets the INVITE");
	answer(uas2, req, 200, "OK", "lo-tag2");
	CHECK(recv_line(uac, "SIP/2.0 200", buf, sizeof buf, 3000),
	      "serial, R-URI q 1.0: the second group's 200 reaches the caller");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	tm_sockets();
	snprintf(sock_path, sizeof sock_path, "/tmp/tm_tw_test.%d.sock", (int)getpid());
	unlink(sock_path);
	app = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	snprintf(su.sun_path, sizeof su.sun_path, "%s", sock_path);
	if (app < 0 || bind(app, (struct sockaddr *)&su, sizeof su) < 0) {
		perror("unix socket");
		return 1;
	}
	if (!tm_start(&script, "rt_run serves the script")) {
		unlink(sock_path);
		printf("%d passed, %d failed\n", passed, failed + 1);
		return 1;
	}
	write_unix();
	rpc_answer();
	serial();
	serial_ruri_q();
	tm_stop();
	unlink(sock_path);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
