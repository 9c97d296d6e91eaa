/* uas.c: `sipua uas`, the far end of an end-to-end test.
 *
 * Answers every request: INVITE with an optional 100 (--trying), an optional
 * 180 after --ring MS, then the final code after --delay MS; a 2xx to INVITE is
 * retransmitted (T1 doubling up to T2, 4 s or --t2) until its ACK arrives or
 * 64*T1 passes.
 * CANCEL of a pending INVITE gets 200 and the INVITE 487; ACK is absorbed; BYE
 * gets 200; anything else gets --code.  A retransmitted request gets the last
 * response again.  Each request received is written whole to --record FILE,
 * followed by a line "----", so a test can grep what a proxy added or removed.
 *
 * --count N: exit 0 once N transactions are done (a non-INVITE answered, an
 * INVITE answered with a non-2xx, or its 2xx ACKed; ACK and CANCEL do not
 * count), after --linger MS (default 200) to absorb late ACKs.  Without it,
 * run until --timeout (default 30000 ms) and exit 0.  Exit 1 on a malformed
 * message, an unACKed 2xx, or a --count not reached in time.
 *
 * For a proxy's tests, a far end that misbehaves: --no-answer records every
 * request and answers none (a dead branch), --lose-first N loses the first N
 * datagrams received (the sender must retransmit), --drop N% loses that share
 * of the datagrams both ways (fixed seed, --seed).  --header LINE (up to 4)
 * adds a header line to every final response >= 300 (a challenge ...). */
#include "ua.h"

#include <stdlib.h>
#include <string.h>

#define NTX 256
#define NEVER INT64_MAX

typedef struct {
	int used, invite, final_code, acked, done;
	ua_msg_t *req;
	struct sockaddr_in dst;     /* where responses go */
	char branch[128], totag[24];
	int64_t born, ring_at, final_at, rtx_at, rtx_gap, rtx_end;
	char *last;                 /* last response sent */
	size_t lastlen;
} stx_t;

typedef struct {
	ua_t ua;
	stx_t tx[NTX];
	char cmethod[16][32];
	int ccode[16], ncode, defcode, trying, via_reply, failed, mute;
	long count, timeout, ring, delay, linger, t1, t2, done;
	int64_t end;
	char contact[64];
	const char *hdr[4];         /* --header lines, for responses >= 300 */
	int nhdr;
} uas_t;

static int code_for(const uas_t *u, const ua_msg_t *m)
{
	int i;

	for (i = 0; i < u->ncode; i++)
		if (ua_is(m, u->cmethod[i]))
			return u->ccode[i];
	return u->defcode;
}

static int code_arg(uas_t *u, const char *s)
{
	const char *eq = strchr(s, '=');
	long c;

	if (ua_intarg(eq ? eq + 1 : s, 100, 699, &c) < 0)
		return -1;
	if (!eq) {
		u->defcode = (int)c;
		return 0;
	}
	if (u->ncode == 16 || eq == s || (size_t)(eq - s) >= sizeof u->cmethod[0])
		return -1;
	snprintf(u->cmethod[u->ncode], sizeof u->cmethod[0], "%.*s", (int)(eq - s), s);
	u->ccode[u->ncode++] = (int)c;
	return 0;
}

/* Top Via's received/rport, else its sent-by; numeric addresses only. */
static void via_dst(const ua_msg_t *m, struct sockaddr_in *dst)
{
	const ua_hdr_t *h = ua_hdr(m, "Via", 0);
	char host[64] = "", port[16] = "", rport[16], addr[96];
	struct sockaddr_in sa;
	size_t i = 0, k;

	while (i < h->vlen && h->val[i] != ' ')
		i++;
	while (i < h->vlen && h->val[i] == ' ')
		i++;
	k = strcspn(h->val + i, ":;, \r");
	snprintf(host, sizeof host, "%.*s", (int)k, h->val + i);
	if (h->val[i + k] == ':')
		snprintf(port, sizeof port, "%.*s", (int)strspn(h->val + i + k + 1, "0123456789"),
			 h->val + i + k + 1);
	ua_param(h->val, h->vlen, "received", host, sizeof host);
	if (ua_param(h->val, h->vlen, "rport", rport, sizeof rport) && rport[0])
		snprintf(port, sizeof port, "%s", rport);
	if (!port[0])
		snprintf(port, sizeof port, "5060");
	snprintf(addr, sizeof addr, "%s:%s", host, port);
	if (ua_addr(addr, &sa) == 0)
		*dst = sa;
}

static void respond(uas_t *u, stx_t *t, int code)
{
	char buf[UA_MAXMSG];
	size_t n = ua_response(buf, sizeof buf, t->req, code, t->totag,
			       t->invite ? u->contact : NULL, u->ua.ip);
	char *copy, *eol = n ? strstr(buf, "\r\n") : NULL;
	int i;

	for (i = 0; code >= 300 && eol && i < u->nhdr; i++) {
		/* after the status line, in the order given */
		size_t hl = strlen(u->hdr[i]), at = (size_t)(eol - buf) + 2;
		if (n + hl + 2 > sizeof buf)
			return;
		memmove(buf + at + hl + 2, buf + at, n - at);
		memcpy(buf + at, u->hdr[i], hl);
		memcpy(buf + at + hl, "\r\n", 2);
		n += hl + 2;
		eol = buf + at + hl;
	}

	if (!n || !(copy = malloc(n)))
		return;
	memcpy(copy, buf, n);
	free(t->last);
	t->last = copy;
	t->lastlen = n;
	if (code >= 200)
		t->final_code = code;
	ua_send(&u->ua, copy, n, &t->dst, NULL);
}

static void done(uas_t *u, stx_t *t)
{
	if (t->done)
		return;
	t->done = 1;
	if (++u->done == u->count)
		u->end = ua_now() + u->linger;
}

static stx_t *find(uas_t *u, const char *branch, int invite)
{
	int i;

	for (i = 0; i < NTX; i++)
		if (u->tx[i].used && u->tx[i].invite == invite && strcmp(u->tx[i].branch, branch) == 0)
			return &u->tx[i];
	return NULL;
}

static stx_t *find_acked(uas_t *u, const ua_msg_t *ack)
{
	const ua_hdr_t *a = ua_hdr(ack, "Call-ID", 0);
	int i;

	for (i = 0; i < NTX; i++) {
		stx_t *t = &u->tx[i];
		const ua_hdr_t *c;

		if (!t->used || !t->invite || t->req->cseq != ack->cseq)
			continue;
		c = ua_hdr(t->req, "Call-ID", 0);
		if (c->vlen == a->vlen && memcmp(c->val, a->val, a->vlen) == 0)
			return t;
	}
	return NULL;
}

/* A free slot, else the oldest finished one, else the oldest. */
static stx_t *slot(uas_t *u)
{
	stx_t *best = NULL;
	int i;

	for (i = 0; i < NTX; i++) {
		stx_t *t = &u->tx[i];

		if (!t->used)
			return t;
		if (!best || (t->done && !best->done) || (t->done == best->done && t->born < best->born))
			best = t;
	}
	free(best->req);
	free(best->last);
	memset(best, 0, sizeof *best);
	return best;
}

static void ack(uas_t *u, const ua_msg_t *m, const char *branch)
{
	stx_t *t = find(u, branch, 1);

	if (t && t->final_code >= 300) {
		t->acked = 1;
		return;
	}
	if (!t)
		t = find_acked(u, m);
	if (t && t->final_code / 100 == 2) {
		if (!t->acked)
			done(u, t);
		t->acked = 1;
		t->rtx_at = NEVER;
		return;
	}
	printf("--- ACK matches no answered INVITE\n");
}

static void cancel(uas_t *u, const ua_msg_t *m, const struct sockaddr_in *dst, const char *branch)
{
	stx_t *inv = find(u, branch, 1), c = { 0 };

	c.req = (ua_msg_t *)m;
	c.dst = *dst;
	respond(u, &c, inv ? 200 : 481);
	free(c.last);
	if (inv && !inv->final_code) {
		respond(u, inv, 487);
		done(u, inv);
	}
}

static void request(uas_t *u, const ua_msg_t *m, const struct sockaddr_in *src)
{
	char branch[128] = "";
	struct sockaddr_in dst = *src;
	stx_t *t;

	if (u->mute)
		return;   /* --no-answer: recorded by ua_recv, nothing else */
	ua_branch(m, branch, sizeof branch);
	if (u->via_reply)
		via_dst(m, &dst);
	if (ua_is(m, "ACK")) {
		ack(u, m, branch);
		return;
	}
	if (ua_is(m, "CANCEL")) {
		cancel(u, m, &dst, branch);
		return;
	}
	t = find(u, branch, ua_is(m, "INVITE"));
	if (t && t->req->mlen == m->mlen && memcmp(t->req->method, m->method, m->mlen) == 0) {
		if (t->last)
			ua_send(&u->ua, t->last, t->lastlen, &t->dst, "again");
		return;
	}
	t = slot(u);
	t->used = 1;
	t->req = ua_msg_copy(m);
	t->dst = dst;
	t->invite = ua_is(m, "INVITE");
	t->born = ua_now();
	t->ring_at = t->final_at = t->rtx_at = NEVER;
	snprintf(t->branch, sizeof t->branch, "%s", branch);
	if (!ua_tag(m, "To", t->totag, sizeof t->totag))
		ua_randhex(t->totag, 12);
	if (!t->req)
		return;
	if (!t->invite) {
		respond(u, t, ua_is(m, "BYE") ? 200 : code_for(u, m));
		done(u, t);
		return;
	}
	if (u->trying)
		respond(u, t, 100);
	if (u->ring >= 0)
		t->ring_at = t->born + u->ring;
	t->final_at = t->born + u->delay;
}

static int64_t timers(uas_t *u, int64_t now)
{
	int64_t next = NEVER;
	int i;

	for (i = 0; i < NTX; i++) {
		stx_t *t = &u->tx[i];

		if (!t->used || !t->invite)
			continue;
		if (t->ring_at <= now) {
			t->ring_at = NEVER;
			if (!t->final_code)
				respond(u, t, 180);
		}
		if (t->final_at <= now) {
			t->final_at = NEVER;
			if (!t->final_code) {
				respond(u, t, code_for(u, t->req));
				if (t->final_code / 100 == 2) {
					t->rtx_gap = u->t1;
					t->rtx_at = now + u->t1;
					t->rtx_end = now + 64 * u->t1;
				} else {
					done(u, t);
				}
			}
		}
		if (t->rtx_at <= now) {
			if (now >= t->rtx_end) {
				fprintf(stderr, "sipua uas: no ACK for the %d to INVITE %s\n",
					t->final_code, t->branch);
				u->failed = 1;
				t->rtx_at = NEVER;
				done(u, t);
			} else {
				ua_send(&u->ua, t->last, t->lastlen, &t->dst, "retransmission");
				t->rtx_gap = t->rtx_gap * 2 > u->t2 ? u->t2 : t->rtx_gap * 2;
				t->rtx_at = now + t->rtx_gap;
			}
		}
		next = t->ring_at < next ? t->ring_at : next;
		next = t->final_at < next ? t->final_at : next;
		next = t->rtx_at < next ? t->rtx_at : next;
	}
	return next;
}

/* "N%" -> N (0-100) */
static int pct_arg(const char *s, long *out)
{
	size_t l = strlen(s);
	char n[8];

	if (l < 2 || l > sizeof n || s[l - 1] != '%')
		return -1;
	memcpy(n, s, l - 1);
	n[l - 1] = 0;
	return ua_intarg(n, 0, 100, out);
}

static int options(int argc, char **argv, uas_t *u, const char **bind, const char **record)
{
	long pct = 0, seed = 1;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		int ok = 1;

		if (strcmp(a, "--trying") == 0) { u->trying = 1; continue; }
		if (strcmp(a, "--reply-to-via") == 0) { u->via_reply = 1; continue; }
		if (strcmp(a, "--no-answer") == 0) { u->mute = 1; continue; }
		if (strcmp(a, "--print-full") == 0) { u->ua.print_full = 1; continue; }
		if (strcmp(a, "--quiet") == 0) { u->ua.quiet = 1; continue; }
		if (strcmp(a, "--record-raw") == 0) { u->ua.record_raw = 1; continue; }
		if (strncmp(a, "--", 2) != 0 || !(v = ua_optval(argc, argv, &i)))
			ok = 0;
		else if (strcmp(a, "--bind") == 0) *bind = v;
		else if (strcmp(a, "--record") == 0) *record = v;
		else if (strcmp(a, "--code") == 0) ok = code_arg(u, v) == 0;
		else if (strcmp(a, "--header") == 0) ok = u->nhdr < 4 && (u->hdr[u->nhdr++] = v);
		else if (strcmp(a, "--count") == 0) ok = ua_intarg(v, 1, 1000000, &u->count) == 0;
		else if (strcmp(a, "--timeout") == 0) ok = ua_intarg(v, 1, 3600000, &u->timeout) == 0;
		else if (strcmp(a, "--ring") == 0) ok = ua_intarg(v, 0, 600000, &u->ring) == 0;
		else if (strcmp(a, "--delay") == 0) ok = ua_intarg(v, 0, 600000, &u->delay) == 0;
		else if (strcmp(a, "--linger") == 0) ok = ua_intarg(v, 0, 600000, &u->linger) == 0;
		else if (strcmp(a, "--t1") == 0) ok = ua_intarg(v, 1, 60000, &u->t1) == 0;
		else if (strcmp(a, "--t2") == 0) ok = ua_intarg(v, 1, 60000, &u->t2) == 0;
		else if (strcmp(a, "--lose-first") == 0) ok = ua_intarg(v, 0, 1000000, &u->ua.lose_in) == 0;
		else if (strcmp(a, "--drop") == 0) {
			ok = pct_arg(v, &pct) == 0;
			u->ua.drop_pct = (unsigned)pct;
		} else if (strcmp(a, "--seed") == 0) {
			ok = ua_intarg(v, 1, 2147483647, &seed) == 0;
			u->ua.drop_rng = (uint64_t)seed * 0x9e3779b97f4a7c15ULL;
		} else
			ok = 0;
		if (!ok) {
			fprintf(stderr, "sipua uas: bad option or value '%s'\n"
				"usage: sipua uas --bind IP:PORT [--code [METHOD=]CODE]... [--count N]\n"
				"  [--timeout MS] [--record FILE] [--record-raw] [--trying] [--ring MS]\n"
				"  [--delay MS] [--linger MS] [--t1 MS] [--t2 MS] [--reply-to-via] [--print-full] [--quiet]\n"
				"  [--no-answer] [--lose-first N] [--drop N%%] [--seed N] [--header LINE]...\n",
				argv[i]);
			return -1;
		}
	}
	if (!*bind) {
		fprintf(stderr, "sipua uas: --bind is required\n");
		return -1;
	}
	return 0;
}

int ua_uas_main(int argc, char **argv)
{
	static uas_t u;
	static char buf[UA_MAXMSG];
	const char *bind = NULL, *record = NULL;
	struct sockaddr_in from;
	int64_t deadline, next = NEVER;
	int i, rc;
	ua_msg_t m;

	u.ua.fd = -1;
	u.defcode = 200;
	u.timeout = 30000;
	u.ring = -1;
	u.linger = 200;
	u.t1 = 500;
	u.t2 = 4000;
	u.end = NEVER;
	if (options(argc, argv, &u, &bind, &record) < 0)
		return UA_USAGE;
	if (ua_open(&u.ua, bind) < 0 || (record && ua_record_open(&u.ua, record) < 0)) {
		ua_close(&u.ua);
		return UA_USAGE;
	}
	snprintf(u.contact, sizeof u.contact, "sip:uas@%s:%s", u.ua.ip, u.ua.port);
	deadline = ua_now() + u.timeout;
	for (;;) {
		int64_t stop = u.end < deadline ? u.end : deadline, wake = next < stop ? next : stop;
		int n = ua_recv(&u.ua, buf, sizeof buf, wake, &from, &m);

		if (n < 0) {
			u.failed = 1;
			break;
		}
		if (n > 0 && m.is_req)
			request(&u, &m, &from);
		next = timers(&u, ua_now());
		if (ua_now() >= stop)
			break;
	}
	rc = u.failed ? UA_FAIL : UA_OK;
	if (u.count && u.done < u.count) {
		fprintf(stderr, "sipua uas: %ld of %ld transactions done in %ld ms\n", u.done, u.count,
			u.timeout);
		rc = UA_FAIL;
	}
	for (i = 0; i < NTX; i++) {
		free(u.tx[i].req);
		free(u.tx[i].last);
	}
	ua_close(&u.ua);
	return rc;
}
