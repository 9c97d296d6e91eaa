/* tm_harness.h: what the tm wire tests (tm_wire_test.c, tm_tw_test.c)
 * share: the check macros, a caller (uac) and two callees (uas, uas2) on
 * UDP sockets of their own, bounded receives, SIP requests and replies
 * built from text, and a script written in C served by rt_run on a free
 * loopback port (its listen parameter is listen_text).  Header-only: each
 * test is one program, built by tests/unit/run.sh. */
#ifndef TM_HARNESS_H
#define TM_HARNESS_H

#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/fn.h"
#include "core/main.h"
#include "core/sock.h"
#include "udp_harness.h"

/* not every test uses every helper */
#pragma GCC diagnostic ignored "-Wunused-function"

static int passed, failed;

static void check(int ok, const char *what, const char *file, int line)
{
	const char *base = strrchr(file, '/');
	if (ok) {
		passed++;
		printf("PASS %s\n", what);
	} else {
		failed++;
		printf("FAIL %s (%s:%d)\n", what, base ? base + 1 : file, line);
	}
	fflush(stdout);
}
#define CHECK(cond, what) check((cond) != 0, what, __FILE__, __LINE__)

/* ---- sockets ------------------------------------------------------------------------ */

static int uac, uas, uas2;                 /* the caller and two callees */
static int uac_port, uas_port, uas2_port;
static int proxy_port;                     /* the proxy's socket, once it serves */
static char listen_text[64];               /* the script's listen parameter */

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

/* ---- messages ---------------------------------------------------------------------- */

/* A request from the caller (uac_port) to user@127.0.0.1:port. */
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
	char out[4096];
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
	send_to(fd, out);
}

/* ---- the proxy ----------------------------------------------------------------------- */

static struct {
	const rc_script_def *script;
	rt_cmdline cl;
	pthread_t th;
	int rc;
} tm_proxy;

static void *tm_run_thread(void *arg)
{
	(void)arg;
	tm_proxy.rc = rt_run(tm_proxy.script, &tm_proxy.cl);
	return NULL;
}

/* Bind the caller and the callees: before the script's init reads their ports. */
static void tm_sockets(void)
{
	uac = udp_bound(&uac_port);
	uas = udp_bound(&uas_port);
	uas2 = udp_bound(&uas2_port);
	snprintf(listen_text, sizeof listen_text, "udp:127.0.0.1:0");
}

/* Serve `script` on a thread, log to stderr; 1 once it serves (proxy_port
 * set), 0 when it did not within 5 s.  `what` names the check. */
static int tm_start(const rc_script_def *script, const char *what)
{
	tm_proxy.script = script;
	memset(&tm_proxy.cl, 0, sizeof tm_proxy.cl);
	tm_proxy.cl.log_stderr = 1;
	pthread_create(&tm_proxy.th, NULL, tm_run_thread, NULL);
	for (int i = 0; i < 500 && !rt_running(); i++)
		sleep_ms(10);
	CHECK(rt_running(), what);
	if (!rt_running())
		return 0;
	proxy_port = rt_sock_at(0)->port;
	return 1;
}

static void tm_stop(void)
{
	rt_stop();
	pthread_join(tm_proxy.th, NULL);
}

#endif
