/* loadgen.c: a UDP SIP load generator for `make bench`.
 *
 *   loadgen --to IP:PORT [--closed N | --rate R] [--duration S | --count N]
 *           [--method OPTIONS|INVITE|REGISTER] [--wait MS] [--hold MS] [--ruri URI]
 *           [--users N] [--contact IP:PORT] [--expires S] [--bind IP:PORT] [--batch N]
 *
 * Closed loop keeps N transactions (OPTIONS, REGISTER) or calls (INVITE) in
 * flight and starts one as soon as another ends, so it measures what the
 * server sustains.  Open loop starts R per second whatever happens, so it
 * measures latency at a given load and shows overload as timeouts.  OPTIONS
 * and REGISTER are one transaction each; INVITE is a call: INVITE, 200, ACK,
 * (--hold MS), BYE, 200, with the ACK and BYE sent to the 200's Contact
 * through the proxy with its Record-Route as Route.
 *
 * --users N names N users, bench-0 .. bench-(N-1), taken in turn: REGISTER
 * binds user I to sip:bench-I@CONTACT (a refresh: one Call-ID per user, CSeq
 * counting up), INVITE and OPTIONS go to sip:bench-I@TARGET.  So a registrar
 * benchmark registers N users whose contact is a UAS (--count N), measures
 * REGISTER refreshes, then calls the users through the proxy's lookup.
 *
 * Responses are matched by the Via branch, which names the slot, its
 * generation and the phase (z9hG4bK-lg-SLOT-GEN-P), so a late response to a
 * finished transaction is counted, never mistaken.  Nothing is retransmitted:
 * a transaction without a final response after --wait MS counts as a timeout.
 * Sends and receives are batched (sendmmsg/recvmmsg).  Loopback only.
 *
 * Output: one "key: value" line per figure, always the same keys in the same
 * order, so shell can read it with sed or awk.  Exit 0 if any transaction
 * completed, 1 if none did, 2 on a usage error. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXBATCH 256
#define MSGCAP   2048
#define NS       1000000000LL

typedef struct {
	uint32_t gen, user;         /* user: bench-USER with --users */
	uint8_t busy, phase;        /* 'o' OPTIONS, 'r' REGISTER, 'i' INVITE, 'b' BYE, 'h' holding */
	int64_t t_sent;             /* ns, of the request now pending */
} slot_t;

typedef struct {                    /* what a call needs from its 200 */
	char to[192], uri[160], route[320];
} dlg_t;

typedef struct {
	uint32_t slot, gen;
	uint8_t phase;
	int64_t at;
} tmr_t;

typedef struct {                    /* FIFO of timers; deadlines arrive in order */
	tmr_t *e;
	size_t head, n, cap;
} fifo_t;

typedef struct {
	/* options */
	struct sockaddr_in to, local;
	long closed, rate, count, wait_ms, hold_ms, batch, users, expires;
	double duration;
	int invite, reg;
	char ruri[160], ip[INET_ADDRSTRLEN], target[32], contact[32];
	unsigned port;
	/* state */
	int fd;
	slot_t *slot;
	dlg_t *dlg;
	uint32_t *freel;
	uint32_t *ucseq;            /* --users with REGISTER: each user's last CSeq */
	long nslots, nfree, inflight, started, scheduled;
	fifo_t timeouts, holds;
	char out[MAXBATCH][MSGCAP];
	struct mmsghdr om[MAXBATCH];
	struct iovec oiov[MAXBATCH];
	int nout;
	uint32_t *lat;
	size_t nlat, caplat;
	int64_t t0, t_last;
	/* counters */
	long sent, transactions, responses, provisional, s2xx, sother, timeouts_n, late,
	     unmatched, not_sent, send_errors, calls, calls_failed;
} lg_t;

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = interrupted + 1;   /* a second one skips the drain */
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* ---- timers ------------------------------------------------------------ */

static int fifo_push(fifo_t *f, tmr_t t)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 4096, i;
		tmr_t *e = malloc(cap * sizeof *e);

		if (!e)
			return -1;
		for (i = 0; i < f->n; i++)
			e[i] = f->e[(f->head + i) % f->cap];
		free(f->e);
		f->e = e;
		f->head = 0;
		f->cap = cap;
	}
	f->e[(f->head + f->n++) % f->cap] = t;
	return 0;
}

static const tmr_t *fifo_peek(const fifo_t *f)
{
	return f->n ? &f->e[f->head] : NULL;
}

static void fifo_pop(fifo_t *f)
{
	f->head = (f->head + 1) % f->cap;
	f->n--;
}

/* ---- sending ----------------------------------------------------------- */

static void flush(lg_t *g)
{
	int done = 0, tries = 0;

	while (done < g->nout) {
		int k = sendmmsg(g->fd, g->om + done, (unsigned)(g->nout - done), 0);

		if (k > 0) {
			done += k;
			continue;
		}
		if (k < 0 && (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) && tries++ < 10) {
			struct pollfd p = { g->fd, POLLOUT, 0 };

			poll(&p, 1, 1);
			continue;
		}
		g->send_errors += g->nout - done;   /* those transactions will time out */
		break;
	}
	g->sent += done;
	g->nout = 0;
}

static char *out_slot(lg_t *g)
{
	if (g->nout == g->batch)
		flush(g);
	return g->out[g->nout];
}

static void out_commit(lg_t *g, int len)
{
	int i = g->nout++;

	if (len <= 0 || len >= MSGCAP) {   /* cannot happen with the sizes above */
		g->nout--;
		g->send_errors++;
		return;
	}
	g->oiov[i].iov_base = g->out[i];
	g->oiov[i].iov_len = (size_t)len;
	memset(&g->om[i], 0, sizeof g->om[i]);
	g->om[i].msg_hdr.msg_name = &g->to;
	g->om[i].msg_hdr.msg_namelen = sizeof g->to;
	g->om[i].msg_hdr.msg_iov = &g->oiov[i];
	g->om[i].msg_hdr.msg_iovlen = 1;
}

static const char sdp[] =
	"v=0\r\no=loadgen 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	"m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

/* REGISTER of user u (bench-u) opening slot s: a refresh of that user's
 * binding, so one Call-ID per user and the CSeq counting up, as a phone does. */
static void send_register(lg_t *g, uint32_t s)
{
	slot_t *sl = &g->slot[s];
	long u = (long)sl->user;
	char *b = out_slot(g);
	int n = snprintf(b, MSGCAP,
		"REGISTER %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK-lg-%x-%x-%c;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:bench-%ld@%s>;tag=lg%x.%x\r\n"
		"To: <sip:bench-%ld@%s>\r\n"
		"Call-ID: lg-reg-%ld-%d@%s\r\n"
		"CSeq: %u REGISTER\r\n"
		"Contact: <sip:bench-%ld@%s>\r\n"
		"Expires: %ld\r\n"
		"Content-Length: 0\r\n\r\n",
		g->ruri, g->ip, g->port, s, sl->gen, sl->phase, u, g->target, s, sl->gen, u, g->target,
		u, (int)getpid(), g->ip, ++g->ucseq[u], u, g->contact, g->expires);

	out_commit(g, n);
}

/* The Request-URI of slot s's initial request: --ruri, or its user's with --users. */
static void initial_uri(const lg_t *g, uint32_t s, char *uri, size_t cap)
{
	if (g->users && !g->reg)
		snprintf(uri, cap, "sip:bench-%lu@%s", (unsigned long)g->slot[s].user, g->target);
	else
		snprintf(uri, cap, "%s", g->ruri);
}

/* OPTIONS or INVITE opening slot s. */
static void send_initial(lg_t *g, uint32_t s)
{
	slot_t *sl = &g->slot[s];
	const char *m = g->invite ? "INVITE" : "OPTIONS";
	char *b = out_slot(g), uri[192];
	int n;

	initial_uri(g, s, uri, sizeof uri);
	n = snprintf(b, MSGCAP,
		"%s %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK-lg-%x-%x-%c;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:loadgen@%s:%u>;tag=lg%x.%x\r\n"
		"To: <%s>\r\n"
		"Call-ID: lg-%x-%x-%d@%s\r\n"
		"CSeq: 1 %s\r\n"
		"Contact: <sip:loadgen@%s:%u>\r\n"
		"%s"
		"Content-Length: %zu\r\n\r\n%s",
		m, uri, g->ip, g->port, s, sl->gen, sl->phase, g->ip, g->port, s, sl->gen,
		uri, s, sl->gen, (int)getpid(), g->ip, m, g->ip, g->port,
		g->invite ? "Content-Type: application/sdp\r\n" : "",
		g->invite ? sizeof sdp - 1 : 0, g->invite ? sdp : "");

	out_commit(g, n);
}

/* ACK (phase 'a', no response) or BYE (phase 'b') within the call of slot s. */
static void send_indialog(lg_t *g, uint32_t s, const char *method, char phase, int cseq)
{
	slot_t *sl = &g->slot[s];
	dlg_t *d = &g->dlg[s];
	char *b = out_slot(g), uri[192];
	int n;

	if (d->uri[0])
		snprintf(uri, sizeof uri, "%s", d->uri);
	else   /* ACK of a negative reply: the INVITE's Request-URI */
		initial_uri(g, s, uri, sizeof uri);
	n = snprintf(b, MSGCAP,
		"%s %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK-lg-%x-%x-%c;rport\r\n"
		"%s"
		"Max-Forwards: 70\r\n"
		"From: <sip:loadgen@%s:%u>;tag=lg%x.%x\r\n"
		"To: %s\r\n"
		"Call-ID: lg-%x-%x-%d@%s\r\n"
		"CSeq: %d %s\r\n"
		"Content-Length: 0\r\n\r\n",
		method, uri, g->ip, g->port, s, sl->gen, phase, d->route,
		g->ip, g->port, s, sl->gen, d->to, s, sl->gen, (int)getpid(), g->ip, cseq, method);

	out_commit(g, n);
}

/* ---- slots and transactions -------------------------------------------- */

static void arm_timeout(lg_t *g, uint32_t s, int64_t now)
{
	tmr_t t = { s, g->slot[s].gen, g->slot[s].phase, now + g->wait_ms * 1000000LL };

	g->slot[s].t_sent = now;
	fifo_push(&g->timeouts, t);
}

static int start(lg_t *g, int64_t now)
{
	uint32_t s;
	long u = g->users ? g->started % g->users : 0;

	if (!g->nfree)
		return -1;
	s = g->freel[--g->nfree];
	g->slot[s].gen++;
	g->slot[s].busy = 1;
	g->slot[s].phase = g->invite ? 'i' : g->reg ? 'r' : 'o';
	g->slot[s].user = (uint32_t)u;
	g->inflight++;
	g->started++;
	g->transactions++;
	if (g->reg)
		send_register(g, s);
	else
		send_initial(g, s);
	arm_timeout(g, s, now);
	return 0;
}

static void finish(lg_t *g, uint32_t s)
{
	g->slot[s].busy = 0;
	g->slot[s].phase = 0;
	g->freel[g->nfree++] = s;
	g->inflight--;
}

static void record_latency(lg_t *g, int64_t ns)
{
	if (g->nlat == g->caplat) {
		size_t cap = g->caplat ? g->caplat * 2 : 1 << 16;
		uint32_t *l = realloc(g->lat, cap * sizeof *l);

		if (!l)
			return;
		g->lat = l;
		g->caplat = cap;
	}
	g->lat[g->nlat++] = (uint32_t)(ns / 1000 > UINT32_MAX ? UINT32_MAX : ns / 1000);
}

static void bye(lg_t *g, uint32_t s, int64_t now)
{
	g->slot[s].phase = 'b';
	g->transactions++;
	send_indialog(g, s, "BYE", 'b', 2);
	arm_timeout(g, s, now);
}

/* ---- parsing responses ------------------------------------------------- */

/* The value of header name (or its compact form c) in m, NULL if absent. */
static const char *header(const char *m, size_t len, const char *name, char c, size_t *vlen)
{
	const char *p = memchr(m, '\n', len), *end = m + len;
	size_t nl = strlen(name);

	while (p && ++p < end && *p != '\r' && *p != '\n') {
		const char *e = memchr(p, '\n', (size_t)(end - p)), *v;
		size_t k = 0;

		if (!e)
			e = end;
		while (p + k < e && p[k] != ':' && p[k] != ' ' && p[k] != '\t')
			k++;
		if ((k == nl && strncasecmp(p, name, nl) == 0) || (k == 1 && (*p | 32) == c)) {
			v = p + k;
			while (v < e && (*v == ':' || *v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(e - v);
			while (*vlen && (v[*vlen - 1] == '\r' || v[*vlen - 1] == ' '))
				(*vlen)--;
			return v;
		}
		p = e;
	}
	return NULL;
}

/* Dialog state from a 2xx to INVITE: To, Contact URI, Record-Route reversed. */
static void learn_dialog(lg_t *g, uint32_t s, const char *m, size_t len)
{
	dlg_t *d = &g->dlg[s];
	const char *v, *p = m, *end = m + len;
	const char *rr[8];
	size_t vl, rl[8], n = 0, i, o = 0;

	d->to[0] = d->uri[0] = d->route[0] = 0;
	if ((v = header(m, len, "To", 't', &vl)))
		snprintf(d->to, sizeof d->to, "%.*s", (int)vl, v);
	if ((v = header(m, len, "Contact", 'm', &vl))) {
		const char *lt = memchr(v, '<', vl), *gt = lt ? memchr(lt, '>', vl - (size_t)(lt - v)) : NULL;

		if (lt && gt)
			snprintf(d->uri, sizeof d->uri, "%.*s", (int)(gt - lt - 1), lt + 1);
		else
			snprintf(d->uri, sizeof d->uri, "%.*s", (int)strcspn(v, ";\r\n"), v);
	}
	/* Each Record-Route header, one entry each (what proxies write). */
	while (n < 8 && p < end && (v = header(p, (size_t)(end - p), "Record-Route", 0, &vl))) {
		rr[n] = v;
		rl[n++] = vl;
		p = v + vl;
	}
	for (i = n; i-- > 0 && o < sizeof d->route;) {
		int k = snprintf(d->route + o, sizeof d->route - o, "Route: %.*s\r\n", (int)rl[i], rr[i]);

		if (k < 0 || (size_t)k >= sizeof d->route - o) {
			d->route[o] = 0;
			break;
		}
		o += (size_t)k;
	}
}

static void response(lg_t *g, const char *m, size_t len, int64_t now)
{
	const char *b;
	char *e;
	unsigned long s, gen;
	int code;
	char phase;
	slot_t *sl;

	if (len < 12 || memcmp(m, "SIP/2.0 ", 8) != 0
	    || !(b = memmem(m, len, "branch=z9hG4bK-lg-", 18))) {
		g->unmatched++;
		return;
	}
	code = atoi(m + 8);
	s = strtoul(b + 18, &e, 16);
	gen = *e == '-' ? strtoul(e + 1, &e, 16) : 0;
	phase = *e == '-' ? e[1] : 0;
	if (s >= (unsigned long)g->nslots || !phase) {
		g->unmatched++;
		return;
	}
	sl = &g->slot[s];
	if (!sl->busy || sl->gen != (uint32_t)gen || sl->phase != phase) {
		g->late++;
		return;
	}
	if (code < 200) {
		g->provisional++;
		return;
	}
	g->responses++;
	g->t_last = now;
	record_latency(g, now - sl->t_sent);
	if (code < 300)
		g->s2xx++;
	else
		g->sother++;
	if (phase == 'i' && code < 300) {
		learn_dialog(g, (uint32_t)s, m, len);
		send_indialog(g, (uint32_t)s, "ACK", 'a', 1);
		if (g->hold_ms > 0) {
			tmr_t t = { (uint32_t)s, sl->gen, 'h', now + g->hold_ms * 1000000LL };

			sl->phase = 'h';
			fifo_push(&g->holds, t);
		} else {
			bye(g, (uint32_t)s, now);
		}
		return;
	}
	if (phase == 'i') {
		/* ACK of a non-2xx: same branch, the response's To. */
		size_t vl = 0;
		const char *v = header(m, len, "To", 't', &vl);

		g->dlg[s].uri[0] = g->dlg[s].route[0] = 0;
		snprintf(g->dlg[s].to, sizeof g->dlg[s].to, "%.*s", (int)vl, v ? v : "");
		send_indialog(g, (uint32_t)s, "ACK", 'i', 1);
		g->calls_failed++;
	} else if (phase == 'b') {
		if (code < 300)
			g->calls++;
		else
			g->calls_failed++;
	}
	finish(g, (uint32_t)s);
}

static void receive(lg_t *g)
{
	static char buf[MAXBATCH][MSGCAP * 4];
	static struct mmsghdr mm[MAXBATCH];
	static struct iovec iov[MAXBATCH];
	int round, i;

	for (round = 0; round < 16; round++) {
		int n;
		int64_t now;

		for (i = 0; i < g->batch; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = sizeof buf[i];
			memset(&mm[i].msg_hdr, 0, sizeof mm[i].msg_hdr);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(g->fd, mm, (unsigned)g->batch, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		now = now_ns();
		for (i = 0; i < n; i++)
			response(g, buf[i], mm[i].msg_len, now);
		if (n < g->batch)
			return;
	}
}

static void timers(lg_t *g, int64_t now)
{
	const tmr_t *t;

	while ((t = fifo_peek(&g->timeouts)) && t->at <= now) {
		slot_t *sl = &g->slot[t->slot];

		if (sl->busy && sl->gen == t->gen && sl->phase == t->phase) {
			g->timeouts_n++;
			if (g->invite)
				g->calls_failed++;
			finish(g, t->slot);
		}
		fifo_pop(&g->timeouts);
	}
	while ((t = fifo_peek(&g->holds)) && t->at <= now) {
		slot_t *sl = &g->slot[t->slot];

		if (sl->busy && sl->gen == t->gen && sl->phase == 'h')
			bye(g, t->slot, now);
		fifo_pop(&g->holds);
	}
}

/* ---- report ------------------------------------------------------------ */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t pct(const lg_t *g, double p)
{
	size_t i;

	if (!g->nlat)
		return 0;
	i = (size_t)(p * (double)(g->nlat - 1) + 0.5);
	return g->lat[i];
}

static void report(lg_t *g, int64_t end)
{
	double el = (double)(end - g->t0) / NS, busy = (double)((g->t_last ? g->t_last : end) - g->t0) / NS;

	if (g->nlat)
		qsort(g->lat, g->nlat, sizeof *g->lat, cmp_u32);
	if (g->closed)
		printf("mode: closed %ld\n", g->closed);
	else
		printf("mode: open %ld/s\n", g->rate);
	printf("method: %s\n", g->invite ? "INVITE" : g->reg ? "REGISTER" : "OPTIONS");
	printf("target: %s:%u\n", inet_ntoa(g->to.sin_addr), ntohs(g->to.sin_port));
	printf("elapsed_s: %.3f\n", el);
	printf("sent: %ld\n", g->sent);
	printf("transactions: %ld\n", g->transactions);
	printf("responses: %ld\n", g->responses);
	printf("provisional: %ld\n", g->provisional);
	printf("status_2xx: %ld\n", g->s2xx);
	printf("status_other: %ld\n", g->sother);
	printf("timeouts: %ld\n", g->timeouts_n);
	printf("late: %ld\n", g->late);
	printf("unmatched: %ld\n", g->unmatched);
	printf("not_sent: %ld\n", g->not_sent);
	printf("send_errors: %ld\n", g->send_errors);
	printf("calls: %ld\n", g->calls);
	printf("calls_failed: %ld\n", g->calls_failed);
	printf("throughput: %.1f\n", busy > 0 ? (double)g->responses / busy : 0.0);
	printf("calls_per_s: %.1f\n", busy > 0 ? (double)g->calls / busy : 0.0);
	printf("latency_p50_us: %u\n", pct(g, 0.50));
	printf("latency_p90_us: %u\n", pct(g, 0.90));
	printf("latency_p99_us: %u\n", pct(g, 0.99));
	printf("latency_max_us: %u\n", g->nlat ? g->lat[g->nlat - 1] : 0);
}

/* ---- main -------------------------------------------------------------- */

static int addr(const char *s, struct sockaddr_in *sa)
{
	const char *c = strrchr(s, ':');
	char ip[INET_ADDRSTRLEN];
	long port;
	char *e;

	if (!c || (size_t)(c - s) >= sizeof ip)
		return -1;
	memcpy(ip, s, (size_t)(c - s));
	ip[c - s] = 0;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	port = strtol(c + 1, &e, 10);
	if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1 || *e || port < 0 || port > 65535)
		return -1;
	if ((ntohl(sa->sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "loadgen: %s: only loopback addresses (127.0.0.0/8) are allowed\n", s);
		return -1;
	}
	sa->sin_port = htons((uint16_t)port);
	return 0;
}

static int num(const char *s, long lo, long hi, long *out)
{
	char *e;
	long v;

	errno = 0;
	v = strtol(s, &e, 10);
	if (errno || e == s || *e || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static const char usage[] =
	"usage: loadgen --to IP:PORT [--closed N | --rate R] [--duration S | --count N]\n"
	"               [--method OPTIONS|INVITE|REGISTER] [--wait MS] [--hold MS] [--ruri URI]\n"
	"               [--users N] [--contact IP:PORT] [--expires S] [--bind IP:PORT] [--batch N]\n"
	"  --closed N    N transactions (calls with INVITE) in flight (default 16)\n"
	"  --rate R      open loop: start R per second\n"
	"  --duration S  seconds of load (default 5; decimals allowed)\n"
	"  --count N     start N transactions (calls), then stop\n"
	"  --wait MS     a transaction with no final response by then is a timeout (default 2000)\n"
	"  --hold MS     INVITE: time between ACK and BYE (default 0)\n"
	"  --ruri URI    Request-URI (default sip:bench@TARGET; REGISTER: sip:TARGET)\n"
	"  --users N     users bench-0 .. bench-(N-1) in turn: INVITE/OPTIONS to\n"
	"                sip:bench-I@TARGET, REGISTER binds sip:bench-I@CONTACT\n"
	"  --contact IP:PORT  REGISTER: where the users are (default: this loadgen)\n"
	"  --expires S   REGISTER: the Expires header (default 3600)\n"
	"  --batch N     datagrams per sendmmsg/recvmmsg (default 32, max 256)\n";

static int options(lg_t *g, int argc, char **argv)
{
	const char *to = NULL, *bind_to = "127.0.0.1:0", *contact = NULL;
	struct sockaddr_in ca;
	int i;

	g->closed = 16;
	g->duration = 5;
	g->wait_ms = 2000;
	g->batch = 32;
	g->expires = 3600;
	for (i = 1; i < argc; i += 2) {   /* every option takes a value */
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *e;
		int ok = v != NULL;

		if (strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			exit(0);
		}
		if (!ok)
			;
		else if (strcmp(a, "--to") == 0) to = v;
		else if (strcmp(a, "--bind") == 0) bind_to = v;
		else if (strcmp(a, "--closed") == 0) { ok = !num(v, 1, 1 << 18, &g->closed); g->rate = 0; }
		else if (strcmp(a, "--rate") == 0) { ok = !num(v, 1, 10000000, &g->rate); g->closed = 0; }
		else if (strcmp(a, "--count") == 0) { ok = !num(v, 1, 1L << 40, &g->count); g->duration = 0; }
		else if (strcmp(a, "--duration") == 0) {
			g->duration = strtod(v, &e);
			ok = *e == 0 && e != v && g->duration > 0 && g->duration <= 86400;
			g->count = 0;
		}
		else if (strcmp(a, "--wait") == 0) ok = !num(v, 1, 600000, &g->wait_ms);
		else if (strcmp(a, "--hold") == 0) ok = !num(v, 0, 600000, &g->hold_ms);
		else if (strcmp(a, "--batch") == 0) ok = !num(v, 1, MAXBATCH, &g->batch);
		else if (strcmp(a, "--ruri") == 0) ok = snprintf(g->ruri, sizeof g->ruri, "%s", v) < (int)sizeof g->ruri;
		else if (strcmp(a, "--users") == 0) ok = !num(v, 1, 1 << 20, &g->users);
		else if (strcmp(a, "--contact") == 0) contact = v;
		else if (strcmp(a, "--expires") == 0) ok = !num(v, 0, 1 << 30, &g->expires);
		else if (strcmp(a, "--method") == 0) {
			g->invite = strcasecmp(v, "INVITE") == 0;
			g->reg = strcasecmp(v, "REGISTER") == 0;
			ok = g->invite || g->reg || strcasecmp(v, "OPTIONS") == 0;
		} else ok = 0;
		if (!ok) {
			fprintf(stderr, "loadgen: bad option or value '%s'\n%s", a, usage);
			return -1;
		}
	}
	if (!to || addr(to, &g->to) < 0 || addr(bind_to, &g->local) < 0) {
		fprintf(stderr, "loadgen: --to IP:PORT is required (loopback)\n%s", usage);
		return -1;
	}
	if (contact && addr(contact, &ca) < 0) {
		fprintf(stderr, "loadgen: bad --contact '%s' (want a loopback IP:PORT)\n", contact);
		return -1;
	}
	if (g->users && g->ruri[0] && !g->reg) {
		fprintf(stderr, "loadgen: --users names the Request-URI; leave --ruri out\n");
		return -1;
	}
	snprintf(g->target, sizeof g->target, "%s:%u", inet_ntoa(g->to.sin_addr), ntohs(g->to.sin_port));
	if (contact)
		snprintf(g->contact, sizeof g->contact, "%s:%u", inet_ntoa(ca.sin_addr), ntohs(ca.sin_port));
	if (g->reg && !g->users)
		g->users = 1;
	if (!g->ruri[0])
		snprintf(g->ruri, sizeof g->ruri, g->reg ? "sip:%s" : "sip:bench@%s", g->target);
	return 0;
}

static int setup(lg_t *g)
{
	socklen_t sl = sizeof g->local;
	int buf = 8 << 20;
	long i;

	if (g->closed)
		g->nslots = g->closed;
	else
		g->nslots = (long)((double)g->rate * (double)(g->wait_ms + g->hold_ms) / 1000.0 * 1.25) + 64;
	if (g->nslots > (1L << 20))
		g->nslots = 1L << 20;
	g->slot = calloc((size_t)g->nslots, sizeof *g->slot);
	g->freel = malloc((size_t)g->nslots * sizeof *g->freel);
	g->dlg = g->invite ? calloc((size_t)g->nslots, sizeof *g->dlg) : NULL;
	g->ucseq = g->reg ? calloc((size_t)g->users, sizeof *g->ucseq) : NULL;
	if (!g->slot || !g->freel || (g->invite && !g->dlg) || (g->reg && !g->ucseq)) {
		fprintf(stderr, "loadgen: out of memory for %ld slots\n", g->nslots);
		return -1;
	}
	for (i = 0; i < g->nslots; i++)
		g->freel[i] = (uint32_t)(g->nslots - 1 - i);
	g->nfree = g->nslots;
	g->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (g->fd < 0 || bind(g->fd, (struct sockaddr *)&g->local, sizeof g->local) < 0
	    || getsockname(g->fd, (struct sockaddr *)&g->local, &sl) < 0) {
		perror("loadgen: socket");
		return -1;
	}
	setsockopt(g->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	setsockopt(g->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
	inet_ntop(AF_INET, &g->local.sin_addr, g->ip, sizeof g->ip);
	g->port = ntohs(g->local.sin_port);
	if (!g->contact[0])
		snprintf(g->contact, sizeof g->contact, "%s:%u", g->ip, g->port);
	return 0;
}

int main(int argc, char **argv)
{
	static lg_t g;
	struct sigaction sa;
	int64_t stop_at = 0, drain_until = 0, now;
	int stopping = 0;

	if (options(&g, argc, argv) < 0)
		return 2;
	if (setup(&g) < 0)
		return 2;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	g.t0 = now_ns();
	if (g.duration > 0)
		stop_at = g.t0 + (int64_t)(g.duration * NS);
	for (;;) {
		struct timespec ts;
		struct pollfd p;
		int64_t next;

		now = now_ns();
		if (!stopping && (interrupted || (stop_at && now >= stop_at)
				  || (g.count && g.started >= g.count))) {
			stopping = 1;
			drain_until = now + (g.wait_ms + g.hold_ms) * 1000000LL + 100000000LL;
		}
		if (stopping && (g.inflight == 0 || now >= drain_until || interrupted > 1))
			break;
		if (!stopping) {
			long want = g.closed ? g.closed - g.inflight
					     : (long)((double)(now - g.t0) * (double)g.rate / NS) + 1 - g.scheduled;

			if (g.count && want > g.count - g.started)
				want = g.count - g.started;
			if (want > 4 * g.batch)
				want = 4 * g.batch;   /* let responses in between */
			while (want-- > 0) {
				if (!g.closed)
					g.scheduled++;
				if (start(&g, now) < 0) {
					if (g.closed)
						break;
					g.not_sent++;
				}
			}
		}
		flush(&g);
		timers(&g, now);
		flush(&g);
		/* sleep until input, the next send, the next timer or the stop */
		next = now + 100000000LL;
		if (!stopping && !g.closed) {
			int64_t t = g.t0 + (int64_t)((double)g.scheduled * NS / (double)g.rate);

			next = t < next ? t : next;
		}
		if (fifo_peek(&g.timeouts) && fifo_peek(&g.timeouts)->at < next)
			next = fifo_peek(&g.timeouts)->at;
		if (fifo_peek(&g.holds) && fifo_peek(&g.holds)->at < next)
			next = fifo_peek(&g.holds)->at;
		if (stop_at && !stopping && stop_at < next)
			next = stop_at;
		if (g.closed && !stopping && g.inflight < g.closed && g.nfree)
			next = now;
		next -= now_ns();
		if (next < 0)
			next = 0;
		ts.tv_sec = (time_t)(next / NS);
		ts.tv_nsec = (long)(next % NS);
		p.fd = g.fd;
		p.events = POLLIN;
		p.revents = 0;
		if (ppoll(&p, 1, &ts, NULL) > 0)
			receive(&g);
	}
	flush(&g);
	report(&g, now_ns());
	return g.responses ? 0 : 1;
}
