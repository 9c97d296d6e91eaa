/* txn.c: client transactions and the requests a UA builds itself.
 *
 * A client transaction (RFC 3261 section 17.1) retransmits its request on
 * timer A (INVITE: T1, doubling, stopped by any provisional response) or timer
 * E (others: T1 doubling up to T2, then T2; T2 from the first provisional on),
 * gives up after 64*T1 (timers B and F), and ACKs a non-2xx final response to
 * an INVITE itself, again on each retransmission of that response.  With
 * --t2 (ua->t2) every interval is capped at that value, timer A's too, as
 * Kamailio's tm does: over a lossy path a transaction then gets more tries
 * within 64*T1.
 *
 * CANCEL and the ACK of a non-2xx copy the INVITE's Request-URI, top Via,
 * From, Call-ID and Route (section 9.1, 17.1.1.3).  ACK of a 2xx, BYE and other
 * in-dialog requests go to the remote target (the 2xx's Contact) with the
 * route set (its Record-Route reversed), a new branch (section 12.2.1.1). */
#include "ua.h"

#include <stdlib.h>
#include <string.h>

#define T2 4000

static void put_hdr(ua_out_t *o, const ua_hdr_t *h)
{
	ua_put(o, "%.*s: %.*s\r\n", (int)h->nlen, h->name, (int)h->vlen, h->val);
}

int ua_ctxn_start(ua_t *ua, ua_ctxn_t *t, const char *buf, size_t len,
		  const struct sockaddr_in *to, int retransmit, int t1)
{
	ua_msg_t m;

	memset(t, 0, sizeof *t);
	if (ua_parse(&m, buf, len) == 0) {
		t->req = ua_msg_copy(&m);
		ua_branch(&m, t->branch, sizeof t->branch);
		snprintf(t->method, sizeof t->method, "%.*s", (int)m.mlen, m.method);
	} else {
		/* A deliberately broken request: send it, match any response. */
		fprintf(stderr, "sipua: warning: the request sent is malformed: %s\n", m.err);
		snprintf(t->method, sizeof t->method, "%.*s", (int)strcspn(buf, " \r\n"), buf);
	}
	t->to = *to;
	t->invite = strcmp(t->method, "INVITE") == 0;
	t->retransmit = retransmit;
	t->t1 = t1;
	t->t2 = ua->t2 ? (int)ua->t2 : T2;
	if (t->t2 < t1)
		t->t2 = t1;
	t->cap_a = ua->t2 != 0;
	t->start = ua_now();
	t->gap = t1;
	t->next = retransmit ? t->start + t1 : INT64_MAX;
	return ua_send(ua, buf, len, to, NULL);
}

void ua_ctxn_free(ua_ctxn_t *t)
{
	free(t->req);
	free(t->ack);
	memset(t, 0, sizeof *t);
}

int ua_ctxn_match(const ua_ctxn_t *t, const ua_msg_t *r)
{
	char br[128];

	if (r->is_req || !t->method[0] || !ua_is(r, t->method))
		return 0;
	if (!t->branch[0])
		return 1;
	return ua_branch(r, br, sizeof br) && strcmp(br, t->branch) == 0;
}

static size_t hop_by_hop(char *out, size_t cap, const char *method, const ua_msg_t *inv,
			 const ua_hdr_t *to)
{
	ua_out_t o = { out, 0, cap, 0 };
	int i;

	ua_put(&o, "%s %.*s SIP/2.0\r\n", method, (int)inv->rlen, inv->ruri);
	put_hdr(&o, ua_hdr(inv, "Via", 0));
	ua_put(&o, "Max-Forwards: 70\r\n");
	put_hdr(&o, ua_hdr(inv, "From", 0));
	put_hdr(&o, to ? to : ua_hdr(inv, "To", 0));
	put_hdr(&o, ua_hdr(inv, "Call-ID", 0));
	ua_put(&o, "CSeq: %lu %s\r\n", inv->cseq, method);
	for (i = 0; i < inv->nhdr; i++)
		if (ua_hdr_is(&inv->hdr[i], "Route"))
			put_hdr(&o, &inv->hdr[i]);
	ua_put(&o, "Content-Length: 0\r\n\r\n");
	return o.over ? 0 : o.n;
}

size_t ua_cancel(char *out, size_t cap, const ua_msg_t *invite)
{
	return hop_by_hop(out, cap, "CANCEL", invite, NULL);
}

/* Returns 1 for a response not seen before, 0 for a retransmission. */
int ua_ctxn_response(ua_t *ua, ua_ctxn_t *t, const ua_msg_t *r)
{
	char tag[64] = "";
	int i;

	ua_tag(r, "To", tag, sizeof tag);
	for (i = 0; i < t->nseen; i++)
		if (t->seen[i] == r->code && strcmp(t->seentag[i], tag) == 0) {
			if (t->ack && r->code >= 300)
				ua_send(ua, t->ack, t->acklen, &t->to, "ACK again");
			return 0;
		}
	if (t->nseen < 8) {
		t->seen[t->nseen] = r->code;
		snprintf(t->seentag[t->nseen++], sizeof t->seentag[0], "%s", tag);
	}
	if (r->code < 200) {
		if (t->state == CT_CALLING) {
			t->state = CT_PROCEEDING;
			if (t->invite)
				t->next = INT64_MAX;
			else
				t->gap = t->t2;
		}
		return 1;
	}
	if (t->state >= CT_COMPLETED)
		return 1;
	t->state = CT_COMPLETED;
	t->final_code = r->code;
	t->next = INT64_MAX;
	if (t->invite && r->code >= 300 && t->req) {
		char buf[UA_MAXMSG];
		size_t n = hop_by_hop(buf, sizeof buf, "ACK", t->req, ua_hdr(r, "To", 0));

		if (n && (t->ack = malloc(n))) {
			memcpy(t->ack, buf, n);
			t->acklen = n;
			ua_send(ua, t->ack, n, &t->to, "ACK of a non-2xx");
		}
	}
	return 1;
}

int64_t ua_ctxn_due(const ua_ctxn_t *t)
{
	return t->state < CT_COMPLETED ? t->next : INT64_MAX;
}

void ua_ctxn_timer(ua_t *ua, ua_ctxn_t *t, int64_t now)
{
	char note[32];

	if (now < ua_ctxn_due(t) || !t->req)
		return;
	if (now - t->start >= 64 * (int64_t)t->t1) {
		t->next = INT64_MAX;   /* timer B or F: the caller's own timeout reports it */
		return;
	}
	snprintf(note, sizeof note, "retransmission %d", ++t->nrtx);
	ua_send(ua, t->req->buf, t->req->len, &t->to, note);
	if (t->invite)
		t->gap = t->cap_a && t->gap * 2 > t->t2 ? t->t2 : t->gap * 2;
	else
		t->gap = t->state == CT_PROCEEDING || t->gap * 2 > t->t2 ? t->t2 : t->gap * 2;
	t->next = now + t->gap;
}

/* The URI of a Contact or Record-Route entry: inside <...>, else up to ';'. */
static void entry_uri(const char *s, size_t n, const char **u, size_t *ul)
{
	const char *lt = memchr(s, '<', n), *gt;

	if (lt && (gt = memchr(lt, '>', n - (size_t)(lt - s)))) {
		*u = lt + 1;
		*ul = (size_t)(gt - lt - 1);
		return;
	}
	*u = s;
	*ul = strcspn(s, ";,");
	if (*ul > n)
		*ul = n;
}

/* Splits the Record-Route headers of m into entries (commas outside <> and
 * quotes).  Returns how many, at most max. */
static int rr_entries(const ua_msg_t *m, const char **e, size_t *el, int max)
{
	int n = 0, i;

	for (i = 0; i < m->nhdr; i++) {
		const ua_hdr_t *h = &m->hdr[i];
		size_t a = 0, k;
		int angle = 0, quoted = 0;

		if (!ua_hdr_is(h, "Record-Route"))
			continue;
		for (k = 0; k <= h->vlen; k++) {
			char c = k < h->vlen ? h->val[k] : ',';

			if (quoted) { quoted = c != '"'; continue; }
			if (c == '"') quoted = 1;
			else if (c == '<') angle = 1;
			else if (c == '>') angle = 0;
			else if (c == ',' && !angle && n < max) {
				while (a < k && (h->val[a] == ' ' || h->val[a] == '\t'))
					a++;
				if (k > a) {
					e[n] = h->val + a;
					el[n++] = k - a;
				}
				a = k + 1;
			}
		}
	}
	return n;
}

size_t ua_indialog(char *out, size_t cap, const char *method, const ua_msg_t *invite,
		   const ua_msg_t *resp, unsigned long cseq, const ua_t *ua)
{
	const ua_hdr_t *contact = ua_hdr(resp, "Contact", 0);
	const char *uri = invite->ruri, *rr[32];
	size_t ul = invite->rlen, rl[32];
	char branch[64];
	ua_out_t o = { out, 0, cap, 0 };
	int n, i;

	if (contact)
		entry_uri(contact->val, contact->vlen, &uri, &ul);
	ua_new_branch(branch, sizeof branch);
	ua_put(&o, "%s %.*s SIP/2.0\r\n", method, (int)ul, uri);
	ua_put(&o, "Via: SIP/2.0/UDP %s:%s;branch=%s;rport\r\n", ua->ip, ua->port, branch);
	ua_put(&o, "Max-Forwards: 70\r\n");
	n = rr_entries(resp, rr, rl, 32);
	for (i = n - 1; i >= 0; i--)
		ua_put(&o, "Route: %.*s\r\n", (int)rl[i], rr[i]);
	put_hdr(&o, ua_hdr(invite, "From", 0));
	put_hdr(&o, ua_hdr(resp, "To", 0));
	put_hdr(&o, ua_hdr(invite, "Call-ID", 0));
	ua_put(&o, "CSeq: %lu %s\r\n", cseq, method);
	ua_put(&o, "Content-Length: 0\r\n\r\n");
	return o.over ? 0 : o.n;
}
