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
 *       # serial: R-URI (no q) + hi (q=1.0, UAS) + lo (q=0.5, UAS2)
 *       append_branch("sip:hi@127.0.0.1:UAS", "1.0");
 *       append_branch("sip:lo@127.0.0.1:UAS2", "0.5");
 *       t_load_contacts(); t_next_contacts();
 *       t_on_failure("NEXT"); t_relay();
 *   }
 *   failure_route[NEXT] { if (t_next_contacts()) { t_on_failure("NEXT"); t_relay(); } }
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
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/fn.h"
#include "core/gen.h"
#include "core/main.h"
#include "core/sock.h"
#include "modules/mod.h"

static int passed, failed;

static void check(int ok, const char *what, int line)
{
	if (ok) {
		passed++;
		printf("PASS %s\n", what);
	} else {
		failed++;
		printf("FAIL %s (tm_tw_test.c:%d)\n", what, line);
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
static char listen_text[64], hi_uri[64], lo_uri[64], sock_path[108];
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

/* ---- scenarios ----------------------------------------------------------------------- */

static int uac, uas, uas2, app;
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

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	uac = udp_bound(&uac_port);
	uas = udp_bound(&uas_port);
	uas2 = udp_bound(&uas2_port);
	snprintf(sock_path, sizeof sock_path, "/tmp/tm_tw_test.%d.sock", (int)getpid());
	unlink(sock_path);
	app = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	snprintf(su.sun_path, sizeof su.sun_path, "%s", sock_path);
	if (app < 0 || bind(app, (struct sockaddr *)&su, sizeof su) < 0) {
		perror("unix socket");
		return 1;
	}
	snprintf(listen_text, sizeof listen_text, "udp:127.0.0.1:0");
	rt_cmdline cl;
	memset(&cl, 0, sizeof cl);
	cl.log_stderr = 1;
	pthread_t th;
	pthread_create(&th, NULL, run_thread, &cl);
	for (int i = 0; i < 500 && !rt_running(); i++)
		sleep_ms(10);
	CHECK(rt_running(), "rt_run serves the script");
	if (!rt_running()) {
		unlink(sock_path);
		printf("%d passed, %d failed\n", passed, failed + 1);
		return 1;
	}
	proxy_port = rt_sock_at(0)->port;
	write_unix();
	serial();
	rt_stop();
	pthread_join(th, NULL);
	unlink(sock_path);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
