/* rt_core_test.c: the runtime core on the wire.  A script written by hand in
 * C (what the code generator would emit) runs under rt_run on a free
 * loopback port; the test plays the caller (UAC) and the next hop (UAS)
 * with its own UDP sockets and checks every datagram that comes back:
 * local replies, forwarded requests with our Via and a stable branch,
 * relayed replies with our Via removed, what the reply route suppresses,
 * malformed input.  Then config parsing, R-URI commands and generations
 * off the wire.  Every wait is bounded.
 */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cmds.h"
#include "core/config.h"
#include "core/fn.h"
#include "core/forward.h"
#include "core/gen.h"
#include "core/main.h"
#include "core/rtmsg.h"
#include "core/sock.h"
#include "core/worker.h"
#include "sip/build.h"
#include "udp_harness.h"

static int passed, failed;

static void check(int ok, const char *what, int line)
{
	if (ok) {
		passed++;
		printf("PASS %s\n", what);
	} else {
		failed++;
		printf("FAIL %s (rt_core_test.c:%d)\n", what, line);
	}
	fflush(stdout);
}
#define CHECK(cond, what) check((cond) != 0, what, __LINE__)

/* ---- sockets of the test ---------------------------------------------------------- */

static void send_to(int fd, int port, const char *msg)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&a, sizeof a) < 0)
		perror("sendto");
}

/* One datagram within ms milliseconds: its length, or -1. */
/* The first Via value (after "Via: ") of a text message, as a string. */
static const char *nth_via(const char *msg, int nth, char *out, int cap)
{
	const char *p = msg;
	out[0] = '\0';
	for (int i = 0; i <= nth; i++) {
		p = strstr(p, "\r\nVia: ");
		if (!p)
			return out;
		p += 7;
	}
	const char *e = strstr(p, "\r\n");
	int n = e ? (int)(e - p) : (int)strlen(p);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	return out;
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- the script, as generated code would be -------------------------------------- */

static int proxy_port, uas_port, uac_port;
static char listen_text[64];
static rc_arg fwd_args[2];   /* forward("127.0.0.1", uas_port) */
static rc_arg prefix_arg[1]; /* prefix("00") */
static rc_arg flag_arg[1];   /* setflag(3) */
static int freed_hooks;

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static long long mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* request_route {
 *     if (method == "OPTIONS" && $rU == "slow") { <blocks 1.2 s>; sl_send_reply("200", "OK"); exit; }
 *     if (method == "OPTIONS" && $rU == "ping") { sl_send_reply("200", "OK"); exit; }
 *     setflag(3);
 *     if (method == "MESSAGE") { forward(); exit; }
 *     prefix("00");
 *     forward("127.0.0.1", UAS);
 * } */
static int test_request_route(rc_msg_t *m, rc_ctx_t *c)
{
	int slow = m->sip.method_id == SIP_M_OPTIONS && m->sip.ruri.len > 9 &&
	           !memcmp(m->sip.ruri.s, "sip:slow@", 9);
	if (slow)
		sleep_ms(1200); /* a script stuck in something slow (a query, an exec) */
	if (slow || (m->sip.method_id == SIP_M_OPTIONS && m->sip.ruri.len > 9 &&
	             !memcmp(m->sip.ruri.s, "sip:ping@", 9))) {
		char buf[2048];
		rc_str srv = rt_server_header();
		sip_reply r = { .status = 200, .to_tag = { "rt1", 3 }, .server = { srv.s, srv.len } };
		int n = sip_build_reply(&m->sip, &r, buf, sizeof buf);
		if (n > 0 && rt_send_reply(m, buf, n) == 0)
			m->replied = 1;
		c->flags |= RC_F_EXIT;
		return 1;
	}
	core_setflag(m, c, flag_arg);
	if (m->sip.method_id == SIP_M_MESSAGE) {
		core_forward(m, c, NULL);
		c->flags |= RC_F_EXIT;
		return 1;
	}
	core_prefix(m, c, prefix_arg);
	if (core_isflagset(m, c, flag_arg) > 0)
		core_forward_2(m, c, fwd_args);
	return 1;
}

/* reply_route {
 *     if (status == "183") return 0;     # not relayed
 *     if (status == "182") drop;         # not relayed
 *     return 1;
 * } */
static int test_reply_route(rc_msg_t *m, rc_ctx_t *c)
{
	if (m->sip.status == 183)
		return 0;
	if (m->sip.status == 182) {
		c->flags |= RC_F_DROP | RC_F_EXIT;
		return 0;
	}
	return 1;
}

static void count_free(void *arg)
{
	(*(int *)arg)++;
}

static int test_init(rc_gen_t *g)
{
	fwd_args[0] = (rc_arg){ .type = RC_STR, .s = { "127.0.0.1", 9 } };
	fwd_args[1] = (rc_arg){ .type = RC_INT, .i = uas_port };
	prefix_arg[0] = (rc_arg){ .type = RC_STR, .s = { "00", 2 } };
	flag_arg[0] = (rc_arg){ .type = RC_INT, .i = 3 };
	if (rc_fn_prepare(g, "core_forward_2", fwd_args, 2, "test.cfg:9:5") < 0 ||
	    rc_fn_prepare(g, "core_prefix", prefix_arg, 1, "test.cfg:8:5") < 0 ||
	    rc_fn_prepare(g, "core_setflag", flag_arg, 1, "test.cfg:4:5") < 0)
		return -1;
	rt_gen_param(g, "sl", "default_code"); /* a module asks for its parameter */
	return rt_gen_on_free(g, count_free, &freed_hooks);
}

static const rc_route_def test_routes[] = {
	{ 0, "0", test_request_route },
	{ 1, "0", test_reply_route },
	{ 0, NULL, NULL },
};

static rc_param_def test_params[] = {
	{ NULL, "listen", RC_STR, 0, listen_text },
	{ NULL, "children", RC_INT, 2, NULL },
	{ NULL, "log_stderror", RC_INT, 1, NULL },
	{ NULL, "server_header", RC_STR, 0, "Server: rt-test" },
	{ NULL, "fork", RC_INT, 1, NULL },       /* logged as ignored */
	{ NULL, "fork", RC_INT, 1, NULL },       /* ... once */
	{ "sl", "default_code", RC_INT, 500, NULL },
	{ "tm", "fr_timer", RC_INT, 3000, NULL }, /* logged as ignored */
	{ NULL, NULL, 0, 0, NULL },
};

static const rc_script_def test_script = {
	.abi = RC_ABI_VERSION,
	.init = test_init,
	.routes = test_routes,
	.params = test_params,
	.modules = NULL,
	.source = "rt_core_test.c",
};

static void *run_thread(void *arg)
{
	static int rc;
	rt_cmdline *cl = arg;
	rc = rt_run(&test_script, cl);
	return &rc;
}

/* ---- the wire ------------------------------------------------------------------------ */

static const char *invite_fmt =
	"INVITE sip:alice@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKuac1;rport\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:carol@example.com>;tag=f1\r\n"
	"To: <sip:alice@example.com>\r\n"
	"Call-ID: call-1@test\r\n"
	"CSeq: 1 INVITE\r\n"
	"Content-Length: 0\r\n\r\n";

/* The UAS answers the request it got: its Via headers copied, in order. */
static void uas_reply(int uas, const char *req, int status, const char *reason)
{
	char reply[4096], via[512];
	int n = snprintf(reply, sizeof reply, "SIP/2.0 %d %s\r\n", status, reason);
	for (int i = 0; *nth_via(req, i, via, sizeof via); i++)
		n += snprintf(reply + n, sizeof reply - (size_t)n, "Via: %s\r\n", via);
	snprintf(reply + n, sizeof reply - (size_t)n,
	         "From: <sip:carol@example.com>;tag=f1\r\n"
	         "To: <sip:alice@example.com>;tag=t9\r\n"
	         "Call-ID: call-1@test\r\n"
	         "CSeq: 1 INVITE\r\n"
	         "Content-Length: 0\r\n\r\n");
	send_to(uas, proxy_port, reply);
}

static void wire_tests(void)
{
	char buf[8192], msg[2048], via[512], via2[512], first_branch[512];
	int uac = udp_bound(&uac_port), uas = udp_bound(&uas_port);
	snprintf(listen_text, sizeof listen_text, "udp:127.0.0.1:0"); /* the kernel picks */

	rt_cmdline cl;
	memset(&cl, 0, sizeof cl);
	cl.log_stderr = 1;
	pthread_t th;
	pthread_create(&th, NULL, run_thread, &cl);
	for (int i = 0; i < 500 && !rt_running(); i++)
		sleep_ms(10);
	CHECK(rt_running(), "rt_run starts and serves within 5 s");
	if (!rt_running()) {
		rt_stop();
		pthread_join(th, NULL);
		return;
	}
	proxy_port = rt_sock_at(0) ? rt_sock_at(0)->port : 0;
	CHECK(proxy_port > 0 && !rt_sock_at(1), "listen udp:127.0.0.1:0 binds one socket on a free port");
	CHECK(rt_workers_count() == 2, "children = 2 gives two workers");
	CHECK(rt_myself("127.0.0.1", 9, proxy_port, 0) && !rt_myself("127.0.0.2", 9, proxy_port, 0) &&
	          !rt_myself("127.0.0.1", 9, proxy_port + 1, 0) && rt_myself("127.0.0.1", 9, 0, 0),
	      "rt_myself: our address and port; port 0 matches any");

	/* 1. a local reply */
	snprintf(msg, sizeof msg,
	         "OPTIONS sip:ping@127.0.0.1 SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKopt1\r\n"
	         "From: <sip:carol@example.com>;tag=o1\r\n"
	         "To: <sip:ping@127.0.0.1>\r\n"
	         "Call-ID: opt-1@test\r\n"
	         "CSeq: 7 OPTIONS\r\n"
	         "Content-Length: 0\r\n\r\n",
	         uac_port);
	send_to(uac, proxy_port, msg);
	int n = recv_within(uac, buf, sizeof buf, 2000);
	CHECK(n > 0 && !strncmp(buf, "SIP/2.0 200 OK\r\n", 16), "OPTIONS answered 200 OK by the script");
	CHECK(n > 0 && strstr(buf, "Call-ID: opt-1@test\r\n") && strstr(buf, "CSeq: 7 OPTIONS\r\n") &&
	          strstr(buf, "To: <sip:ping@127.0.0.1>;tag=rt1\r\n"),
	      "the reply carries the request's Call-ID, CSeq and a To tag");
	CHECK(n > 0 && strstr(buf, "Server: rt-test\r\n"), "server_header is the Server of local replies");

	/* 2. a forwarded request */
	snprintf(msg, sizeof msg, invite_fmt, uac_port);
	send_to(uac, proxy_port, msg);
	char req[8192];
	n = recv_within(uas, req, sizeof req, 2000);
	CHECK(n > 0 && !strncmp(req, "INVITE sip:00alice@example.com SIP/2.0\r\n", 40),
	      "INVITE forwarded to forward(host, port) with the prefixed R-URI");
	nth_via(req, 0, via, sizeof via);
	char want[128];
	snprintf(want, sizeof want, "SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK", proxy_port);
	CHECK(!strncmp(via, want, strlen(want)), "our Via on top: our address and an RFC 3261 branch");
	snprintf(want, sizeof want,
	         "SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKuac1;rport=%d;received=127.0.0.1", uac_port,
	         uac_port);
	CHECK(!strcmp(nth_via(req, 1, via2, sizeof via2), want),
	      "the caller's Via below it, ;rport filled and ;received added (RFC 3581 4)");
	CHECK(count_of(req, "\r\nVia: ") == 2 && strstr(req, "Max-Forwards: 70\r\n") &&
	          strstr(req, "\r\nContent-Length: 0\r\n\r\n"),
	      "nothing else changed (two Vias, Max-Forwards untouched)");
	snprintf(first_branch, sizeof first_branch, "%s", via);

	/* 3. the retransmission gets the same branch */
	send_to(uac, proxy_port, msg);
	n = recv_within(uas, buf, sizeof buf, 2000);
	CHECK(n > 0 && !strcmp(nth_via(buf, 0, via, sizeof via), first_branch),
	      "a retransmission is forwarded with the same branch");

	/* 4. replies relayed back, our Via removed */
	uas_reply(uas, req, 180, "Ringing");
	n = recv_within(uac, buf, sizeof buf, 2000);
	CHECK(n > 0 && !strncmp(buf, "SIP/2.0 180 Ringing\r\n", 21), "180 relayed to the caller");
	CHECK(n > 0 && count_of(buf, "\r\nVia: ") == 1 &&
	          !strcmp(nth_via(buf, 0, via, sizeof via), via2),
	      "the relayed reply has our Via removed, the caller's as it was forwarded");

	/* 5. what reply_route suppresses, and a reply that is not ours */
	uas_reply(uas, req, 183, "Session Progress"); /* return 0 */
	uas_reply(uas, req, 182, "Queued");           /* drop */
	char alien[1024];
	snprintf(alien, sizeof alien,
	         "SIP/2.0 181 Forwarded\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx\r\n"
	         "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKuac1\r\n"
	         "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
	         "Content-Length: 0\r\n\r\n",
	         uac_port);
	send_to(uas, proxy_port, alien);
	uas_reply(uas, req, 200, "OK");
	n = recv_within(uac, buf, sizeof buf, 2000);
	CHECK(n > 0 && !strncmp(buf, "SIP/2.0 200 OK\r\n", 16),
	      "183 (return 0), 182 (drop) and a reply whose top Via is not ours are not relayed; "
	      "the 200 after them is");
	CHECK(recv_within(uac, buf, sizeof buf, 200) < 0, "nothing else reaches the caller");

	/* 6. forward() with no arguments goes to the R-URI */
	snprintf(msg, sizeof msg,
	         "MESSAGE sip:bob@127.0.0.1:%d SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 10.0.0.9:5099;branch=z9hG4bKmsg1\r\n"
	         "From: <sip:carol@example.com>;tag=m1\r\n"
	         "To: <sip:bob@127.0.0.1>\r\n"
	         "Call-ID: msg-1@test\r\n"
	         "CSeq: 1 MESSAGE\r\n"
	         "Content-Type: text/plain\r\n"
	         "Content-Length: 2\r\n\r\nhi",
	         uas_port);
	send_to(uac, proxy_port, msg);
	n = recv_within(uas, buf, sizeof buf, 2000);
	snprintf(want, sizeof want, "SIP/2.0/UDP 10.0.0.9:5099;branch=z9hG4bKmsg1;received=127.0.0.1");
	CHECK(n > 0 && !strncmp(buf, "MESSAGE sip:bob@127.0.0.1:", 26) &&
	          !strcmp(nth_via(buf, 1, via, sizeof via), want) && n >= 2 &&
	          !memcmp(buf + n - 6, "\r\n\r\nhi", 6),
	      "forward() goes to the R-URI; ;received added for a Via that is not the source; body kept");

	/* 7. bad input */
	send_to(uac, proxy_port, "\x01\x02garbage\r\n\r\n");
	send_to(uac, proxy_port, "\r\n\r\n");
	snprintf(msg, sizeof msg,
	         "OPTIONS sip:ping@127.0.0.1 SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKbad1\r\n"
	         "From: <sip:carol@example.com>;tag=b1\r\n"
	         "To: <sip:ping@127.0.0.1>\r\n"
	         "Call-ID: bad-1@test\r\n"
	         "Content-Length: 0\r\n\r\n",
	         uac_port);
	send_to(uac, proxy_port, msg);
	n = recv_within(uac, buf, sizeof buf, 2000);
	CHECK(n > 0 && !strncmp(buf, "SIP/2.0 400 Missing or malformed CSeq\r\n", 39),
	      "garbage and keep-alives are dropped; a request without CSeq gets 400");
	CHECK(rt_running(), "still serving after bad input");

	/* 8. stats */
	rt_stats_snap st;
	for (int i = 0; i < 100; i++) { /* the last datagrams may still be in flight */
		rt_stats_sum(&st);
		if (st.rcv_requests >= 5 && st.drop_requests >= 2)
			break;
		sleep_ms(10);
	}
	CHECK(st.rcv_requests == 5 && st.fwd_requests == 3 && st.rcv_replies == 5 &&
	          st.fwd_replies == 2 && st.drop_replies == 3 && st.drop_requests == 2 &&
	          st.err_requests == 0 && st.err_replies == 0,
	      "counters: 5 requests (3 forwarded, 1 dropped) + 1 malformed, 5 replies (2 relayed, 3 dropped)");
	if (failed)
		printf("  rcv_requests %llu fwd_requests %llu drop_requests %llu rcv_replies %llu "
		       "fwd_replies %llu drop_replies %llu err %llu/%llu\n",
		       (unsigned long long)st.rcv_requests, (unsigned long long)st.fwd_requests,
		       (unsigned long long)st.drop_requests, (unsigned long long)st.rcv_replies,
		       (unsigned long long)st.fwd_replies, (unsigned long long)st.drop_replies,
		       (unsigned long long)st.err_requests, (unsigned long long)st.err_replies);

	/* 8b. a worker stuck in its script does not leave the socket unread: the
	   other worker answers meanwhile (it stands by while one waits on the
	   socket, and looks every RT_RX_LOOK_MS: core/rxturn.h) */
	static const char *opt_fmt = "OPTIONS sip:%s@127.0.0.1 SIP/2.0\r\n"
	                             "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s\r\n"
	                             "From: <sip:carol@example.com>;tag=o1\r\n"
	                             "To: <sip:%s@127.0.0.1>\r\n"
	                             "Call-ID: %s-9@test\r\n"
	                             "CSeq: 7 OPTIONS\r\n"
	                             "Content-Length: 0\r\n\r\n";
	for (int round = 0; round < 2; round++) { /* the second: after the turns settled again */
		long long t0 = mono_us();
		snprintf(msg, sizeof msg, opt_fmt, "slow", uac_port, round ? "slow2" : "slow1", "slow", "slow");
		send_to(uac, proxy_port, msg);
		sleep_ms(50); /* the slow one is in its script */
		snprintf(msg, sizeof msg, opt_fmt, "ping", uac_port, round ? "ping2" : "ping1", "ping", "ping");
		send_to(uac, proxy_port, msg);
		n = recv_within(uac, buf, sizeof buf, 2000);
		long long t1 = mono_us();
		CHECK(n > 0 && strstr(buf, "Call-ID: ping-9@test\r\n") && t1 - t0 < 900000,
		      "while one worker is stuck for 1.2 s in its script, the other answers within 0.9 s");
		n = recv_within(uac, buf, sizeof buf, 2000);
		CHECK(n > 0 && strstr(buf, "Call-ID: slow-9@test\r\n") && mono_us() - t0 >= 1200000,
		      "and the stuck one answers when its script is done");
		if (failed)
			printf("  round %d: ping answered after %lld ms\n", round, (t1 - t0) / 1000);
	}

	/* 9. SIGTERM stops it; the generation goes with it */
	kill(getpid(), SIGTERM);
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 3;
	void *ret = NULL;
	int j = pthread_timedjoin_np(th, &ret, &dl);
	CHECK(j == 0 && ret && *(int *)ret == 0, "SIGTERM: rt_run returns 0 within 3 s");
	if (j != 0) {
		rt_stop();
		pthread_join(th, NULL);
	}
	CHECK(!rt_running() && freed_hooks == 1, "stopped: the generation was freed");
	send_to(uac, proxy_port, msg);
	CHECK(recv_within(uac, buf, sizeof buf, 200) < 0, "the socket is closed after the stop");
	close(uac);
	close(uas);
}

/* ---- off the wire ---------------------------------------------------------------------- */

static void config_tests(void)
{
	rt_listen l;
	rt_alias a;
	CHECK(rt_listen_parse("udp:127.0.0.1:5060", &l) == 0 && l.proto == RT_PROTO_UDP &&
	          !strcmp(l.host, "127.0.0.1") && l.port == 5060 && !l.adv_host[0],
	      "listen udp:127.0.0.1:5060");
	CHECK(rt_listen_parse("udp:[::1]:5070 advertise 203.0.113.7:5080 name \"pub\" virtual", &l) == 0 &&
	          !strcmp(l.host, "::1") && l.port == 5070 && !strcmp(l.adv_host, "203.0.113.7") &&
	          l.adv_port == 5080 && !strcmp(l.name, "pub") && l.is_virtual,
	      "listen with IPv6, advertise, name and virtual");
	CHECK(rt_listen_parse("10.0.0.1", &l) == 0 && l.proto == RT_PROTO_UDP && l.port == -1 &&
	          rt_listen_parse("tcp:host.example.com", &l) == 0 && l.proto == RT_PROTO_TCP &&
	          !strcmp(l.host, "host.example.com"),
	      "listen without proto or port; with a host name");
	CHECK(rt_listen_parse("udp:1.2.3.4:99999", &l) < 0 && rt_listen_parse("udp:1.2.3.4 bogus", &l) < 0 &&
	          rt_listen_parse("", &l) < 0,
	      "bad listen texts are refused");
	CHECK(rt_listen_parse_cmdline("udp:127.0.0.1:5062/198.51.100.1:6000", &l) == 0 &&
	          l.port == 5062 && !strcmp(l.adv_host, "198.51.100.1") && l.adv_port == 6000,
	      "-l with Kamailio's /advertise form");
	CHECK(rt_alias_parse("sip.example.com", &a) == 0 && a.port == 0 && a.proto == 0 &&
	          rt_alias_parse("udp:[2001:db8::1]:5060", &a) == 0 && !strcmp(a.host, "2001:db8::1") &&
	          a.port == 5060,
	      "alias forms");

	rt_conf c;
	rt_conf_defaults(&c);
	rc_param_def ps[] = {
		{ NULL, "listen", RC_STR, 0, "udp:127.0.0.1:5090" },
		{ NULL, "listen", RC_STR, 0, "udp:127.0.0.2" },
		{ NULL, "debug", RC_INT, 2, NULL },
		{ NULL, "children", RC_INT, 4, NULL },
		{ NULL, "log_facility", RC_STR, 0, "LOG_LOCAL3" },
		{ NULL, "server_header", RC_STR, 0, "Server: my proxy" },
		{ NULL, "max_while_loops", RC_INT, 7, NULL },
		{ NULL, "shm_mem_size", RC_INT, 64, NULL },
		{ NULL, NULL, 0, 0, NULL },
	};
	rc_script_def d = { .abi = RC_ABI_VERSION, .params = ps };
	CHECK(rt_conf_apply(&c, &d) == 0 && c.nlisten == 2 && c.debug == 2 && c.children == 4 &&
	          c.max_while_loops == 7 && !strcmp(c.server_header, "my proxy"),
	      "global parameters applied (shm_mem_size is logged as ignored)");
	const char *ls[] = { "udp:127.0.0.9:7000" };
	rt_cmdline cl = { .nlisten = 1, .children = 3, .debug_bump = 1 };
	cl.listen[0] = ls[0];
	CHECK(rt_conf_cmdline(&c, &cl) == 0 && c.nlisten == 1 && c.listen[0].port == 7000 &&
	          c.children == 3 && c.debug == 3,
	      "the command line replaces listen, sets children, bumps debug");
	rc_param_def bad[] = { { NULL, "children", RC_INT, -1, NULL }, { NULL, NULL, 0, 0, NULL } };
	d.params = bad;
	CHECK(rt_conf_apply(&c, &d) < 0, "children = -1 is refused");
}

/* A message parsed as a worker would have it, for the R-URI commands. */
static rc_msg_t *parsed(rt_worker *w, const char *text)
{
	rc_msg_t *m = w->msg;
	rt_msg_reset(m);
	m->worker = w;
	sip_parse(&m->sip, text, strlen(text));
	sip_lumps_init(&m->lumps, &m->sip);
	return m;
}

static int ruri_is(rc_msg_t *m, const char *want)
{
	rc_str u = rt_msg_ruri(m);
	int ok = u.s && (size_t)u.len == strlen(want) && !memcmp(u.s, want, (size_t)u.len);
	if (!ok)
		printf("  R-URI is '%.*s', want '%s'\n", u.s ? u.len : 0, u.s ? u.s : "", want);
	return ok;
}

static void cmd_tests(void)
{
	static const char req[] = "INVITE sip:alice:pw@example.com:5070;transport=udp?h=1 SIP/2.0\r\n"
	                          "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa\r\n"
	                          "Content-Length: 0\r\n\r\n";
	rt_worker *w = rt_worker_new(0);
	rc_ctx_t c = { 0 };
	rc_msg_t *m = parsed(w, req);
	rc_arg a = { .type = RC_STR, .s = { "b.example.org", 13 } };
	CHECK(core_rewritehost(m, &c, &a) == 1 &&
	          ruri_is(m, "sip:alice:pw@b.example.org:5070;transport=udp?h=1"),
	      "rewritehost keeps user, password, port, params and headers");
	a.s = (rc_str){ "[2001:db8::2]:6000", 18 };
	CHECK(core_rewritehostport(m, &c, &a) == 1 &&
	          ruri_is(m, "sip:alice:pw@[2001:db8::2]:6000;transport=udp?h=1"),
	      "rewritehostport with an IPv6 reference, applied to the rewritten URI");
	a.s = (rc_str){ "bob", 3 };
	CHECK(core_rewriteuser(m, &c, &a) == 1 &&
	          ruri_is(m, "sip:bob:pw@[2001:db8::2]:6000;transport=udp?h=1"),
	      "rewriteuser");
	a.s = (rc_str){ "carol", 5 };
	CHECK(core_rewriteuserpass(m, &c, &a) == 1 &&
	          ruri_is(m, "sip:carol@[2001:db8::2]:6000;transport=udp?h=1"),
	      "rewriteuserpass without a password drops it");
	a.s = (rc_str){ "", 0 };
	CHECK(core_rewriteport(m, &c, &a) == 1 && ruri_is(m, "sip:carol@[2001:db8::2];transport=udp?h=1"),
	      "rewriteport(\"\") removes the port");
	a.s = (rc_str){ "+49", 3 };
	CHECK(core_prefix(m, &c, &a) == 1 && ruri_is(m, "sip:+49carol@[2001:db8::2];transport=udp?h=1"),
	      "prefix");
	rc_arg k = { .type = RC_INT, .i = 3 };
	CHECK(core_strip(m, &c, &k) == 1 && ruri_is(m, "sip:carol@[2001:db8::2];transport=udp?h=1") &&
	          core_strip_tail(m, &c, &k) == 1 && ruri_is(m, "sip:ca@[2001:db8::2];transport=udp?h=1"),
	      "strip and strip_tail");
	k.i = 10;
	CHECK(core_strip(m, &c, &k) == 1 && ruri_is(m, "sip:[2001:db8::2];transport=udp?h=1"),
	      "strip longer than the user removes the user and its '@'");
	CHECK(core_revert_uri(m, &c, NULL) == 1 &&
	          ruri_is(m, "sip:alice:pw@example.com:5070;transport=udp?h=1"),
	      "revert_uri gives the received R-URI back");
	a.s = (rc_str){ "sip:x@y", 7 };
	CHECK(core_rewriteuri(m, &c, &a) == 1 && ruri_is(m, "sip:x@y"), "rewriteuri");

	rc_arg f = { .type = RC_INT, .i = 31 };
	CHECK(core_isflagset(m, &c, &f) < 0 && core_setflag(m, &c, &f) == 1 &&
	          core_isflagset(m, &c, &f) == 1 && core_resetflag(m, &c, &f) == 1 &&
	          core_isflagset(m, &c, &f) < 0,
	      "setflag / isflagset / resetflag on flag 31");
	f.i = 32;
	CHECK(core_setflag(m, &c, &f) < 0, "flag 32 is refused");
	CHECK(core_force_rport(m, &c, NULL) == 1 && (m->mflags & RT_MF_FORCE_RPORT), "force_rport");
	m = parsed(w, req);
	CHECK(m->mflags == 0 && m->flags == 0 && !m->new_ruri.s, "a new message starts clean");

	static const char tel[] = "INVITE tel:+1234 SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n";
	m = parsed(w, tel);
	a.s = (rc_str){ "h", 1 };
	CHECK(core_rewritehost(m, &c, &a) < 0, "rewritehost on a tel URI fails (no crash)");
	rt_worker_free(w);
}

/* ---- generations ---------------------------------------------------------------------- */

static int gen_freed;
static int init_ok(rc_gen_t *g)
{
	char *p = rt_gen_alloc(g, 100000); /* bigger than a chunk */
	char *q = rt_gen_alloc(g, 10);
	if (!p || !q || p[99999] || q[9])
		return -1;
	return rt_gen_on_free(g, count_free, &gen_freed);
}
static rc_arg exec_arg[1] = { { .type = RC_STR, .s = { "ls", 2 } } };
static int init_unsupported(rc_gen_t *g)
{
	return rc_fn_prepare(g, "core_exec", exec_arg, 1, "x.cfg:1:1");
}
static int init_unknown(rc_gen_t *g)
{
	return rc_fn_prepare(g, "no_such_function", NULL, 0, "x.cfg:2:1");
}

static void gen_tests(void)
{
	rc_script_def d = { .abi = RC_ABI_VERSION, .init = init_ok, .routes = test_routes };
	rt_gen *g1, *g2, *h;
	CHECK(rt_gen_load(&d, &g1) == 0 && g1->request == test_request_route &&
	          g1->reply == test_reply_route,
	      "a generation loads and finds its routes");
	unsigned s0 = rt_gen_seq();
	rt_gen_swap(g1);
	CHECK(rt_gen_seq() != s0, "swapping changes the sequence number");
	h = rt_gen_acquire();
	CHECK(h == g1, "acquire gives the current generation");
	CHECK(rt_gen_load(&d, &g2) == 0, "a second generation loads");
	rt_gen_swap(g2);
	CHECK(gen_freed == 0, "the old generation lives while a worker holds it");
	rt_gen_release(h);
	CHECK(gen_freed == 1, "... and is freed with the last reference");
	rt_gen_swap(NULL);
	CHECK(gen_freed == 2 && rt_gen_acquire() == NULL, "emptying the slot frees the current one");

	d.init = init_unsupported;
	CHECK(rt_gen_load(&d, &g1) < 0 && g1 == NULL, "a script calling exec() does not load");
	d.init = init_unknown;
	CHECK(rt_gen_load(&d, &g1) < 0, "a script calling an unknown function does not load");
	d.abi = RC_ABI_VERSION + 1;
	d.init = init_ok;
	CHECK(rt_gen_load(&d, &g1) < 0, "a script of another ABI does not load");

	CHECK(rt_fn_find("core_forward") && rt_fn_find("core_forward")->fn == core_forward &&
	          rt_fn_find("core_setflag")->prep != NULL && !rt_fn_find("nope"),
	      "rt_fn_find finds core functions by C symbol");
}

static void count_fn(const rt_fn *f, void *arg)
{
	(void)f;
	(*(int *)arg)++;
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	config_tests();
	cmd_tests();
	gen_tests();
	int nf = 0;
	CHECK(rt_fn_each(count_fn, &nf) == nf && nf > 50, "rt_fn_each visits every function");
	wire_tests();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
