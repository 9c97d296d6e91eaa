/* scenario.c: `sipua scenario FILE`, a dialog written as a few lines.
 *
 * One statement per line; blank lines and lines starting with '#' are skipped.
 *
 *   set KEY VALUE        template variable ${KEY} (VALUE: the rest of the line)
 *   send METHOD FILE     send a request built from template FILE (relative to the
 *                        scenario's folder); INVITE starts the dialog
 *   send ACK             ACK the 2xx of the last INVITE (new branch, to its Contact,
 *                        with the route set from its Record-Route)
 *   send CANCEL          cancel the last INVITE
 *   send METHOD          any other in-dialog request (BYE, INFO...), next CSeq
 *   expect CODE [METHOD] wait for that response; METHOD defaults to the last one
 *                        sent (ACK aside).  Other provisional responses are
 *                        skipped, another final response fails; responses to
 *                        other methods stay queued for later expects
 *   expect METHOD        wait for a request from the other side (e.g. its BYE)
 *   reply CODE           answer the request taken by the last `expect METHOD`
 *   wait MS              keep receiving, ACKing and retransmitting for MS
 *   drop N%              lose N% of the datagrams sent and received from here on
 *                        (fixed seed: --seed, default 1; every run loses the same)
 *   lose N               lose the next N datagrams received (a loss at a chosen
 *                        point: the other side must retransmit)
 *   resend               send the last request again, the same bytes (a
 *                        retransmission by hand: the other side must absorb it)
 *   timeout MS           how long each later expect waits (default --timeout, 5000)
 *   retransmit on|off    RFC 3261 timers A/E for requests sent later (default on)
 *
 * Variables managed for you: ${call_id} and ${from_tag} (one dialog per
 * scenario), ${branch} (new for each send), ${cseq} (next number; the INVITE's
 * for ACK and CANCEL), ${to_tag} (the dialog's, once a 2xx arrived),
 * ${local_ip} ${local_port} ${remote_ip} ${remote_port}.  The transaction layer
 * ACKs a non-2xx final to INVITE itself and answers retransmissions: a resent
 * 2xx gets the ACK again, a resent request the same reply.  A response whose
 * branch matches no request sent is ignored.
 *
 * The whole file is parsed before anything is sent: a syntax error exits 2
 * with FILE:LINE.  A failed statement prints FILE:LINE: error: ... and exits 1. */
#include "ua.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { S_SET, S_SEND, S_EXPECT, S_EXPECT_REQ, S_REPLY, S_WAIT, S_DROP, S_TIMEOUT, S_RETRANSMIT,
       S_LOSE, S_RESEND };

typedef struct {
	int kind, line;
	long n;
	char a[64];
	char *b;               /* set: value; send: template path or NULL */
} stmt_t;

#define NCT 16
#define NQ 64
#define NSRV 16

typedef struct {
	ua_msg_t *m;
	struct sockaddr_in src;
} qmsg_t;

typedef struct {
	ua_t ua;
	struct sockaddr_in to;
	ua_vars_t v;
	const char *file;
	int line, retransmit;
	long timeout, t1;
	unsigned long cseq;
	ua_ctxn_t ct[NCT];
	int ctnext;
	ua_ctxn_t *inv;        /* the last INVITE's transaction */
	ua_ctxn_t *last;       /* the last request's transaction (resend) */
	ua_msg_t *dlg;         /* the first 2xx to it: the dialog */
	char *ack;             /* the ACK sent for that 2xx */
	size_t acklen;
	qmsg_t q[NQ];
	int nq;
	qmsg_t req;            /* taken by `expect METHOD`, answered by `reply` */
	struct { char key[160]; char *resp; size_t len; struct sockaddr_in dst; } srv[NSRV];
	int nsrv;
	char last_method[64], local_tag[24];
} sc_t;

static int fail(const sc_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "FILE:LINE: error: ..." for the statement running; returns -1. */
static int fail(const sc_t *s, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: error: ", s->file, s->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* ---- parsing ----------------------------------------------------------- */

static char *path_near(const char *scen, const char *file)
{
	const char *slash = strrchr(scen, '/');
	size_t dl = slash && file[0] != '/' ? (size_t)(slash - scen + 1) : 0;
	char *p = malloc(dl + strlen(file) + 1);

	if (p) {
		memcpy(p, scen, dl);
		strcpy(p + dl, file);
	}
	return p;
}

static int parse_line(const char *file, int line, char *s, stmt_t *st)
{
	char *w[4] = { 0 }, *rest = NULL, *p = s;
	size_t len = strlen(s);
	int n = 0;

	while (n < 4) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (n == 2)
			rest = p;
		w[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = 0;
	}
	memset(st, 0, sizeof *st);
	st->line = line;
#define BAD(msg) do { fprintf(stderr, "%s:%d: error: %s\n", file, line, msg); return -1; } while (0)
	if (strcmp(w[0], "set") == 0) {
		if (!w[1] || !rest || strlen(w[1]) >= sizeof st->a)
			BAD("usage: set KEY VALUE");
		st->kind = S_SET;
		snprintf(st->a, sizeof st->a, "%s", w[1]);
		/* the value is the rest of the line, spaces included: undo the
		 * tokenizer's NULs between the words */
		for (p = rest; p < s + len; p++)
			if (!*p)
				*p = ' ';
		st->b = strdup(rest);
		p = st->b + strlen(st->b);
		while (p > st->b && isspace((unsigned char)p[-1]))
			*--p = 0;
		return 0;
	}
	if (n > 3 || (n == 3 && strcmp(w[0], "send") && strcmp(w[0], "expect")))
		BAD("too many words");
	if (strcmp(w[0], "send") == 0) {
		if (!w[1] || strlen(w[1]) >= 32)
			BAD("usage: send METHOD [TEMPLATE]");
		if (!w[2] && strcmp(w[1], "INVITE") == 0)
			BAD("send INVITE needs a template file");
		st->kind = S_SEND;
		snprintf(st->a, sizeof st->a, "%s", w[1]);
		if (w[2]) {
			st->b = path_near(file, w[2]);
			if (!st->b || access(st->b, R_OK) != 0) {
				fprintf(stderr, "%s:%d: error: cannot read template '%s'\n", file, line,
					st->b ? st->b : w[2]);
				return -1;
			}
		}
		return 0;
	}
	if (strcmp(w[0], "expect") == 0) {
		if (!w[1] || strlen(w[1]) >= 32 || (w[2] && strlen(w[2]) >= sizeof st->a))
			BAD("usage: expect CODE [METHOD] | expect METHOD");
		if (isdigit((unsigned char)w[1][0])) {
			st->kind = S_EXPECT;
			if (ua_intarg(w[1], 100, 699, &st->n) < 0)
				BAD("expect: the code must be 100-699");
			if (w[2])
				snprintf(st->a, sizeof st->a, "%s", w[2]);
		} else {
			if (w[2])
				BAD("usage: expect METHOD (a request) takes no second word");
			st->kind = S_EXPECT_REQ;
			snprintf(st->a, sizeof st->a, "%s", w[1]);
		}
		return 0;
	}
	if (strcmp(w[0], "reply") == 0 || strcmp(w[0], "wait") == 0 || strcmp(w[0], "timeout") == 0) {
		int reply = w[0][0] == 'r';

		st->kind = reply ? S_REPLY : w[0][0] == 'w' ? S_WAIT : S_TIMEOUT;
		if (!w[1] || ua_intarg(w[1], reply ? 100 : 0, reply ? 699 : 3600000, &st->n) < 0)
			BAD(reply ? "usage: reply CODE (100-699)" : "usage: wait|timeout MS");
		return 0;
	}
	if (strcmp(w[0], "drop") == 0) {
		size_t l = w[1] ? strlen(w[1]) : 0;

		st->kind = S_DROP;
		if (!l || w[1][l - 1] != '%')
			BAD("usage: drop N% (0-100)");
		w[1][l - 1] = 0;
		if (ua_intarg(w[1], 0, 100, &st->n) < 0)
			BAD("usage: drop N% (0-100)");
		return 0;
	}
	if (strcmp(w[0], "lose") == 0) {
		st->kind = S_LOSE;
		if (!w[1] || w[2] || ua_intarg(w[1], 0, 1000000, &st->n) < 0)
			BAD("usage: lose N (datagrams)");
		return 0;
	}
	if (strcmp(w[0], "resend") == 0) {
		st->kind = S_RESEND;
		if (w[1])
			BAD("usage: resend (no argument)");
		return 0;
	}
	if (strcmp(w[0], "retransmit") == 0) {
		st->kind = S_RETRANSMIT;
		if (!w[1] || (strcmp(w[1], "on") && strcmp(w[1], "off")))
			BAD("usage: retransmit on|off");
		st->n = strcmp(w[1], "on") == 0;
		return 0;
	}
	fprintf(stderr, "%s:%d: error: unknown statement '%s' (set send expect reply wait drop "
		"timeout retransmit lose resend)\n", file, line, w[0]);
	return -1;
#undef BAD
}

static stmt_t *parse_file(const char *file, int *count)
{
	size_t len, i = 0;
	char *text = ua_read_file(file, &len);
	stmt_t *st = NULL;
	int n = 0, line = 0, errors = 0;

	if (!text) {
		fprintf(stderr, "sipua scenario: cannot read %s\n", file);
		return NULL;
	}
	while (i < len) {
		char *s = text + i, *nl = memchr(s, '\n', len - i);
		char *q;

		line++;
		if (nl)
			*nl = 0;
		i = nl ? (size_t)(nl - text) + 1 : len;
		for (q = s; isspace((unsigned char)*q); q++)
			;
		if (!*q || *q == '#')
			continue;
		if (!(n % 32)) {
			stmt_t *g = realloc(st, sizeof *st * (size_t)(n + 32));

			if (!g)
				break;
			st = g;
		}
		if (parse_line(file, line, s, &st[n]) < 0)
			errors++;
		else
			n++;
	}
	free(text);
	if (errors || n == 0) {
		if (!errors)
			fprintf(stderr, "%s: error: no statements\n", file);
		while (n--)
			free(st[n].b);
		free(st);
		return NULL;
	}
	*count = n;
	return st;
}

/* ---- the transaction layer under the script ---------------------------- */

static void q_push(sc_t *s, const ua_msg_t *m, const struct sockaddr_in *src)
{
	ua_msg_t *c = ua_msg_copy(m);

	if (!c)
		return;
	if (s->nq == NQ) {
		fprintf(stderr, "sipua scenario: %d messages nobody expected; forgetting the oldest\n", NQ);
		free(s->q[0].m);
		memmove(s->q, s->q + 1, sizeof s->q[0] * (NQ - 1));
		s->nq--;
	}
	s->q[s->nq].m = c;
	s->q[s->nq++].src = *src;
}

static void q_take(sc_t *s, int i)
{
	memmove(s->q + i, s->q + i + 1, sizeof s->q[0] * (size_t)(s->nq - i - 1));
	s->nq--;
}

static void req_key(const ua_msg_t *m, char *key, size_t cap)
{
	char br[128] = "";

	ua_branch(m, br, sizeof br);
	snprintf(key, cap, "%.*s %s", (int)m->mlen, m->method, br);
}

static void input(sc_t *s, const ua_msg_t *m, const struct sockaddr_in *src)
{
	char key[160], k2[160];
	int i;

	if (!m->is_req) {
		for (i = 0; i < NCT; i++) {
			ua_ctxn_t *t = &s->ct[i];
			int fresh;

			if (!t->method[0] || !ua_ctxn_match(t, m))
				continue;
			fresh = ua_ctxn_response(&s->ua, t, m);
			if (t == s->inv && m->code / 100 == 2) {
				if (!s->dlg)
					s->dlg = ua_msg_copy(m);
				else if (!fresh && s->ack)
					ua_send(&s->ua, s->ack, s->acklen, &s->to, "ACK again");
			}
			if (!fresh)
				return;
			break;
		}
		if (i == NCT) {
			/* not ours (a late retransmission for an earlier user of this
			 * port, say): an expect must not take it */
			if (!s->ua.quiet)
				printf("--- response matches no request sent: ignored\n");
			return;
		}
		q_push(s, m, src);
		return;
	}
	req_key(m, key, sizeof key);
	for (i = 0; i < s->nsrv; i++)
		if (strcmp(s->srv[i].key, key) == 0) {
			ua_send(&s->ua, s->srv[i].resp, s->srv[i].len, &s->srv[i].dst, "again");
			return;
		}
	for (i = 0; i < s->nq; i++) {
		if (!s->q[i].m->is_req)
			continue;
		req_key(s->q[i].m, k2, sizeof k2);
		if (strcmp(k2, key) == 0)
			return;   /* a retransmission of one not taken yet */
	}
	if (s->req.m && (req_key(s->req.m, k2, sizeof k2), strcmp(k2, key) == 0))
		return;
	q_push(s, m, src);
}

/* One wait for input or a retransmission timer, bounded by deadline. */
static int poll_once(sc_t *s, int64_t deadline)
{
	static char buf[UA_MAXMSG];
	struct sockaddr_in from;
	int64_t wake = deadline, now;
	ua_msg_t m;
	int i, n;

	for (i = 0; i < NCT; i++)
		if (s->ct[i].method[0] && ua_ctxn_due(&s->ct[i]) < wake)
			wake = ua_ctxn_due(&s->ct[i]);
	n = ua_recv(&s->ua, buf, sizeof buf, wake, &from, &m);
	if (n < 0)
		return fail(s, "a malformed message arrived (see above)");
	if (n > 0)
		input(s, &m, &from);
	now = ua_now();
	for (i = 0; i < NCT; i++)
		if (s->ct[i].method[0])
			ua_ctxn_timer(&s->ua, &s->ct[i], now);
	return 0;
}

/* ---- statements -------------------------------------------------------- */

static ua_ctxn_t *new_ct(sc_t *s)
{
	int i;

	for (i = 0; i < NCT; i++) {
		ua_ctxn_t *t = &s->ct[(s->ctnext + i) % NCT];

		if (t != s->inv && (!t->method[0] || t->state >= CT_COMPLETED)) {
			s->ctnext = (int)(t - s->ct + 1) % NCT;
			ua_ctxn_free(t);
			return t;
		}
	}
	fail(s, "more than %d transactions pending", NCT);
	return NULL;
}

static int start(sc_t *s, const char *buf, size_t len)
{
	ua_ctxn_t *t = new_ct(s);
	ua_msg_t m;

	if (!t)
		return -1;
	if (ua_parse(&m, buf, len) == 0 && m.cseq > s->cseq && !ua_is(&m, "ACK") && !ua_is(&m, "CANCEL"))
		s->cseq = m.cseq;
	if (ua_ctxn_start(&s->ua, t, buf, len, &s->to, s->retransmit, (int)s->t1) < 0)
		return -1;
	s->last = t;
	if (t->invite) {
		s->inv = t;
		free(s->dlg);
		free(s->ack);
		s->dlg = NULL;
		s->ack = NULL;
	}
	return 0;
}

static int send_template(sc_t *s, const stmt_t *st)
{
	int own = strcmp(st->a, "ACK") == 0 || strcmp(st->a, "CANCEL") == 0;
	char num[24], branch[64], tag[64] = "", e[256] = "";
	size_t tlen, len;
	char *tmpl = ua_read_file(st->b, &tlen), *buf;
	ua_msg_t m;
	int rc = 0;

	if (!tmpl)
		return fail(s, "cannot read %s", st->b);
	snprintf(num, sizeof num, "%lu", own && s->inv && s->inv->req ? s->inv->req->cseq : s->cseq + 1);
	ua_new_branch(branch, sizeof branch);
	if (s->dlg)
		ua_tag(s->dlg, "To", tag, sizeof tag);
	ua_var_set(&s->v, "cseq", num);
	ua_var_set(&s->v, "branch", branch);
	ua_var_set(&s->v, "to_tag", tag);
	buf = ua_expand(tmpl, tlen, &s->v, &len, e, sizeof e);
	free(tmpl);
	if (!buf)
		return fail(s, "%s: %s", st->b, e);
	if (ua_parse(&m, buf, len) == 0 && !ua_is(&m, st->a)) {
		rc = fail(s, "send %s: template %s is a %.*s", st->a, st->b, (int)m.mlen, m.method);
	} else if (strcmp(st->a, "ACK") == 0) {
		rc = ua_send(&s->ua, buf, len, &s->to, NULL);
		if (s->dlg && !s->ack) {
			s->ack = buf;
			s->acklen = len;
			buf = NULL;
		}
	} else {
		rc = start(s, buf, len);
	}
	free(buf);
	return rc;
}

static int send_built(sc_t *s, const char *method)
{
	static char buf[UA_MAXMSG];
	size_t n;

	if (!s->inv || !s->inv->req)
		return fail(s, "send %s: no INVITE sent yet", method);
	if (strcmp(method, "CANCEL") == 0) {
		n = ua_cancel(buf, sizeof buf, s->inv->req);
		return n ? start(s, buf, n) : fail(s, "send CANCEL: message too long");
	}
	if (!s->dlg) {
		if (strcmp(method, "ACK") == 0 && s->inv->final_code >= 300)
			return fail(s, "send ACK: the INVITE got %d, whose ACK the transaction "
				    "sent itself", s->inv->final_code);
		return fail(s, "send %s: no 2xx to the INVITE yet, so no dialog", method);
	}
	if (strcmp(method, "ACK") == 0) {
		n = ua_indialog(buf, sizeof buf, "ACK", s->inv->req, s->dlg, s->inv->req->cseq, &s->ua);
		free(s->ack);
		s->ack = n ? malloc(n) : NULL;
		if (!s->ack)
			return fail(s, "send ACK: cannot build it");
		memcpy(s->ack, buf, n);
		s->acklen = n;
		return ua_send(&s->ua, s->ack, n, &s->to, NULL);
	}
	n = ua_indialog(buf, sizeof buf, method, s->inv->req, s->dlg, ++s->cseq, &s->ua);
	return n ? start(s, buf, n) : fail(s, "send %s: message too long", method);
}

static int expect_code(sc_t *s, const stmt_t *st)
{
	const char *method = st->a[0] ? st->a : s->last_method;
	int64_t deadline = ua_now() + s->timeout;
	int i;

	if (!method[0])
		return fail(s, "expect %ld: nothing sent yet, so name the method", st->n);
	for (;;) {
		for (i = 0; i < s->nq; i++) {
			ua_msg_t *m = s->q[i].m;

			if (m->is_req || !ua_is(m, method))
				continue;
			q_take(s, i--);
			if (m->code == st->n || m->code >= 200) {
				int ok = m->code == st->n;

				if (!ok)
					fail(s, "expect %ld %s: got %.*s", st->n, method, (int)m->flen,
					     m->first);
				free(m);
				return ok ? 0 : -1;
			}
			free(m);   /* another provisional response: skip it */
		}
		if (ua_now() >= deadline)
			return fail(s, "expect %ld %s: nothing within %ld ms", st->n, method, s->timeout);
		if (poll_once(s, deadline) < 0)
			return -1;
	}
}

static int expect_req(sc_t *s, const stmt_t *st)
{
	int64_t deadline = ua_now() + s->timeout;
	int i;

	for (;;) {
		for (i = 0; i < s->nq; i++)
			if (s->q[i].m->is_req && ua_is(s->q[i].m, st->a)) {
				free(s->req.m);
				s->req = s->q[i];
				q_take(s, i);
				return 0;
			}
		if (ua_now() >= deadline)
			return fail(s, "expect %s: no such request within %ld ms", st->a, s->timeout);
		if (poll_once(s, deadline) < 0)
			return -1;
	}
}

static int reply(sc_t *s, int code)
{
	static char buf[UA_MAXMSG];
	char contact[96], key[160];
	size_t n;
	int k;

	if (!s->req.m)
		return fail(s, "reply %d: no request taken by 'expect METHOD' yet", code);
	snprintf(contact, sizeof contact, "sip:sipua@%s:%s", s->ua.ip, s->ua.port);
	n = ua_response(buf, sizeof buf, s->req.m, code, s->local_tag, contact, s->ua.ip);
	if (!n)
		return fail(s, "reply %d: message too long", code);
	req_key(s->req.m, key, sizeof key);
	for (k = 0; k < s->nsrv && strcmp(s->srv[k].key, key) != 0; k++)
		;
	if (k == s->nsrv && s->nsrv == NSRV) {
		free(s->srv[0].resp);
		memmove(s->srv, s->srv + 1, sizeof s->srv[0] * (NSRV - 1));
		k = --s->nsrv;
	}
	if (k == s->nsrv)
		s->nsrv++;
	else
		free(s->srv[k].resp);
	snprintf(s->srv[k].key, sizeof s->srv[k].key, "%s", key);
	s->srv[k].resp = malloc(n);
	s->srv[k].len = s->srv[k].resp ? n : 0;
	if (s->srv[k].resp)
		memcpy(s->srv[k].resp, buf, n);
	s->srv[k].dst = s->req.src;
	return ua_send(&s->ua, buf, n, &s->req.src, NULL);
}

static int run(sc_t *s, const stmt_t *st)
{
	s->line = st->line;
	switch (st->kind) {
	case S_SET:
		return ua_var_set(&s->v, st->a, st->b);
	case S_SEND:
		if (strcmp(st->a, "ACK"))
			snprintf(s->last_method, sizeof s->last_method, "%s", st->a);
		return st->b ? send_template(s, st) : send_built(s, st->a);
	case S_EXPECT:
		return expect_code(s, st);
	case S_EXPECT_REQ:
		return expect_req(s, st);
	case S_REPLY:
		return reply(s, (int)st->n);
	case S_WAIT: {
		int64_t end = ua_now() + st->n;

		while (ua_now() < end)
			if (poll_once(s, end) < 0)
				return -1;
		return 0;
	}
	case S_DROP:
		s->ua.drop_pct = (unsigned)st->n;
		return 0;
	case S_TIMEOUT:
		s->timeout = st->n;
		return 0;
	case S_RETRANSMIT:
		s->retransmit = (int)st->n;
		return 0;
	case S_LOSE:
		s->ua.lose_in = st->n;
		return 0;
	case S_RESEND:
		if (!s->last || !s->last->req)
			return fail(s, "resend: no request sent yet");
		return ua_send(&s->ua, s->last->req->buf, s->last->req->len, &s->to, "resent");
	}
	return -1;
}

int ua_scenario_main(int argc, char **argv)
{
	static sc_t s;
	const char *to = NULL, *bind = NULL, *record = NULL;
	ua_vars_t pre = { 0 };
	long seed = 1;
	stmt_t *st = NULL;
	int i, n = 0, rc = UA_USAGE;

	s.ua.fd = -1;
	s.timeout = 5000;
	s.t1 = 500;
	s.retransmit = 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		int ok = 1;

		if (i == 1 && a[0] != '-') { s.file = a; continue; }
		if (strcmp(a, "--print-full") == 0) { s.ua.print_full = 1; continue; }
		if (strcmp(a, "--quiet") == 0) { s.ua.quiet = 1; continue; }
		if (strncmp(a, "--", 2) != 0 || !(v = ua_optval(argc, argv, &i)))
			ok = 0;
		else if (strcmp(a, "--to") == 0) to = v;
		else if (strcmp(a, "--bind") == 0) bind = v;
		else if (strcmp(a, "--record") == 0) record = v;
		else if (strcmp(a, "--set") == 0) ok = ua_var_arg(&pre, v) == 0;
		else if (strcmp(a, "--timeout") == 0) ok = ua_intarg(v, 1, 3600000, &s.timeout) == 0;
		else if (strcmp(a, "--t1") == 0) ok = ua_intarg(v, 1, 60000, &s.t1) == 0;
		else if (strcmp(a, "--t2") == 0) ok = ua_intarg(v, 1, 60000, &s.ua.t2) == 0;
		else if (strcmp(a, "--seed") == 0) ok = ua_intarg(v, 1, 2147483647, &seed) == 0;
		else ok = 0;
		if (!ok) {
			fprintf(stderr, "sipua scenario: bad option or value '%s'\n", argv[i]);
			goto out;
		}
	}
	if (!s.file || !to) {
		fprintf(stderr, "usage: sipua scenario FILE --to IP:PORT [--bind IP:PORT] [--set KEY=VALUE]...\n"
			"  [--timeout MS] [--t1 MS] [--t2 MS] [--seed N] [--print-full] [--quiet] [--record FILE]\n");
		goto out;
	}
	if (!(st = parse_file(s.file, &n)))
		goto out;
	if (ua_addr(to, &s.to) < 0 || ua_open(&s.ua, bind) < 0
	    || (record && ua_record_open(&s.ua, record) < 0)) {
		fprintf(stderr, "sipua scenario: cannot use --to %s%s%s\n", to, bind ? " --bind " : "",
			bind ? bind : "");
		goto out;
	}
	rc = UA_OK;
	s.ua.record_resp = 1;
	s.ua.drop_rng = (uint64_t)seed * 0x9e3779b97f4a7c15ULL;
	ua_randhex(s.local_tag, 12);
	ua_default_vars(&s.v, &s.ua, &s.to);
	for (i = 0; i < pre.n; i++)
		ua_var_set(&s.v, pre.key[i], pre.val[i]);
	for (i = 0; i < n && rc == UA_OK; i++)
		if (run(&s, &st[i]) < 0)
			rc = UA_FAIL;
	if (rc == UA_OK && !s.ua.quiet)
		printf("scenario %s: %d statements passed\n", s.file, n);
out:
	for (i = 0; i < n; i++)
		free(st[i].b);
	free(st);
	for (i = 0; i < NCT; i++)
		ua_ctxn_free(&s.ct[i]);
	for (i = 0; i < s.nq; i++)
		free(s.q[i].m);
	for (i = 0; i < s.nsrv; i++)
		free(s.srv[i].resp);
	free(s.req.m);
	free(s.dlg);
	free(s.ack);
	ua_vars_free(&s.v);
	ua_vars_free(&pre);
	ua_close(&s.ua);
	return rc;
}
