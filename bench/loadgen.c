/* loadgen.c: a UDP SIP load generator for `make bench` (the load engine and
 * main here; the command line, set-up and report in loadgen_cli.c).
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

#include "loadgen.h"

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

/* ---- main -------------------------------------------------------------- */

int main(int argc, char **argv)
{
	static lg_t g;
	struct sigaction sa;
	int64_t stop_at = 0, drain_until = 0, now;
	int stopping = 0;

	if (lg_options(&g, argc, argv) < 0)
		return 2;
	if (lg_setup(&g) < 0)
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
	lg_report(&g, now_ns());
	return g.responses ? 0 : 1;
}
