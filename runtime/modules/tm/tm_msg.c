/* tm_msg.c: what tm writes: Via branch ids, To-tags, local replies, and the
 * CANCEL and ACK it builds from a branch's request.
 *
 * Formats are Kamailio's (kamailio-runtime.md 1.1):
 *   branch   z9hG4bK<hash, reverse hex>.<md5 of the request>.<branch, reverse hex>
 *            ("reverse hex": lowest nibble first, no leading zeros: 26 -> "a1")
 *   md5      over From-tag, To-tag (empty for INVITE, ACK, CANCEL), Call-ID,
 *            R-URI, CSeq number, top Via host, port and branch (char_msg_val)
 *   To-tag   md5("SER-TM/tags", first listen address, its port) "-" two
 *            CRC-16s of the top Via and Call-ID: one per transaction, for
 *            every local reply >= 180 to a request without a To-tag
 * A CANCEL or hop-by-hop ACK is derived from the request sent on the branch
 * (build_local_reparse): same first line but the method, our Via only,
 * From, To (the reply's for an ACK), Call-ID, Route, Max-Forwards, CSeq with
 * the new method, Content-Length: 0, then the Reason lines.
 */
#include "modules/tm/tm.h"

#include "core/rtmsg.h"
#include "core/scratch.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "sip/build.h"

static int rev_hex(unsigned v, char *out)
{
	static const char hex[] = "0123456789abcdef";
	int n = 0;
	do {
		out[n++] = hex[v & 15];
		v >>= 4;
	} while (v);
	return n;
}

int tm_branch_id(const tm_cell *t, int branch, char *out, int cap)
{
	if (cap < 7 + 8 + 1 + TM_MD5_LEN + 1 + 8 + 1)
		return -1;
	int n = 0;
	memcpy(out, "z9hG4bK", 7);
	n = 7;
	n += rev_hex(t->hash, out + n);
	out[n++] = '.';
	memcpy(out + n, t->md5, TM_MD5_LEN);
	n += TM_MD5_LEN;
	out[n++] = '.';
	n += rev_hex((unsigned)branch, out + n);
	out[n] = '\0';
	return n;
}

static int rev_hex_parse(const char *s, int len, unsigned *v)
{
	unsigned r = 0;
	if (len <= 0 || len > 8)
		return -1;
	for (int i = len - 1; i >= 0; i--) {
		int d;
		char c = s[i];
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		r = r << 4 | (unsigned)d;
	}
	*v = r;
	return 0;
}

int tm_branch_parse(const char *s, int len, unsigned *hash, const char **md5, unsigned *branch)
{
	if (len <= 7 || memcmp(s, "z9hG4bK", 7))
		return -1;
	const char *p = s + 7, *end = s + len;
	const char *d1 = memchr(p, '.', (size_t)(end - p));
	if (!d1 || rev_hex_parse(p, (int)(d1 - p), hash) < 0 || *hash >= TM_TABLE_SIZE)
		return -1;
	const char *m = d1 + 1;
	const char *d2 = memchr(m, '.', (size_t)(end - m));
	if (!d2 || d2 - m != TM_MD5_LEN)
		return -1;
	if (rev_hex_parse(d2 + 1, (int)(end - d2 - 1), branch) < 0 || *branch >= TM_MAX_BRANCHES)
		return -1;
	*md5 = m;
	return 0;
}

void tm_calc_md5(tm_cell *t, rc_msg_t *m)
{
	rc_str src[8];
	int n = 0;
	const sip_addr *from, *to;
	const sip_via *v;
	const sip_cseq *cs;
	sip_str cid = { "", 0 };
	rc_str empty = { "", 0 };
	src[n++] = sip_get_from(&m->sip, &from) == 0 && from->tag.s ? (rc_str){ from->tag.s, from->tag.len } : empty;
	if (m->sip.method_id == SIP_M_INVITE || m->sip.method_id == SIP_M_ACK ||
	    m->sip.method_id == SIP_M_CANCEL || sip_get_to(&m->sip, &to) < 0 || !to->tag.s)
		src[n++] = empty;
	else
		src[n++] = (rc_str){ to->tag.s, to->tag.len };
	sip_get_callid(&m->sip, &cid);
	src[n++] = (rc_str){ cid.s, cid.len };
	src[n++] = (rc_str){ m->sip.ruri.s, m->sip.ruri.len };
	if (sip_get_cseq(&m->sip, &cs) == 0) {
		/* the number as written */
		const char *p = sip_hdr_get(&m->sip, SIP_H_CSEQ)->body.s;
		int l = 0;
		while (p[l] >= '0' && p[l] <= '9')
			l++;
		src[n++] = (rc_str){ p, l };
	} else {
		src[n++] = empty;
	}
	if (sip_get_via(&m->sip, 0, &v) == 0) {
		src[n++] = (rc_str){ v->host.s, v->host.len };
		src[n++] = (rc_str){ v->port_s.s ? v->port_s.s : "", v->port_s.len };
		if (v->branch.s)
			src[n++] = (rc_str){ v->branch.s, v->branch.len };
	}
	pv_md5_hex(src, n, t->md5);
}

/* The constant half of tm's To-tag (rtmsg.h). */
static _Thread_local char tag_md5[32];
static _Thread_local const rt_sock *tag_sock;

static const char *tag_base(void)
{
	return rt_local_tag_md5("SER-TM/tags", tag_md5, &tag_sock);
}

void tm_addr_text(const void *sa, char out[48])
{
	const tm_addr *a = sa;
	out[0] = '\0';
	if (a->sa.sa_family == AF_INET6)
		inet_ntop(AF_INET6, &a->in6.sin6_addr, out, 48);
	else if (a->sa.sa_family == AF_INET)
		inet_ntop(AF_INET, &a->in.sin_addr, out, 48);
}

void tm_totag(tm_cell *t, sip_msg *req)
{
	if (t->totag_len)
		return;
	char *d = tm_cell_mem(t, TM_MD5_LEN + 10);
	if (!d)
		return;
	t->totag = d;
	memcpy(d, tag_base(), TM_MD5_LEN);
	d[TM_MD5_LEN] = '-';
	memset(d + TM_MD5_LEN + 1, '0', 8);
	const sip_via *v;
	if (sip_get_via(req, 0, &v) == 0) {
		sip_str ci = { NULL, 0 };
		rc_str a[3] = { { v->host.s, v->host.len }, { v->port_s.s, v->port_s.len },
		                { v->branch.s, v->branch.len } };
		pv_crc16_hex(a, v->branch.s ? 3 : 2, d + TM_MD5_LEN + 1);
		sip_get_callid(req, &ci);
		rc_str b[3] = { { v->port_s.s, v->port_s.len }, { v->host.s, v->host.len }, { ci.s, ci.len } };
		pv_crc16_hex(b, ci.s ? 3 : 2, d + TM_MD5_LEN + 5);
	}
	t->totag_len = TM_MD5_LEN + 9;
	d[t->totag_len] = '\0';
}

void tm_reply_init(sip_reply *r, const tm_cell *t, int code, rc_str reason, char ip[48])
{
	memset(r, 0, sizeof *r);
	r->status = code;
	r->reason = (sip_str){ reason.s, reason.len };
	tm_addr_text(&t->src, ip);
	r->src_ip = (sip_str){ ip, (int)strlen(ip) };
	r->src_port = t->src_port;
}

int tm_build_local_reply(tm_cell *t, sip_msg *req, int code, rc_str reason, rc_str hdrs,
                         char *out, int cap)
{
	sip_reply r;
	char ip[48];
	tm_reply_init(&r, t, code, reason, ip);
	const sip_addr *to;
	if (code >= 180 && sip_get_to(req, &to) == 0 && (!to->tag.s || to->tag.len == 0)) {
		tm_totag(t, req);
		if (t->totag)
			r.to_tag = (sip_str){ t->totag, t->totag_len };
	}
	rc_str server = rt_server_header();
	r.server = (sip_str){ server.s, server.len };
	r.headers = (sip_str){ hdrs.s, hdrs.len };
	return sip_build_reply(req, &r, out, (size_t)cap);
}

/* ---- CANCEL and ACK from a branch's request ------------------------------------------ */

void tm_put(tm_obuf *o, const char *s, int n)
{
	if (o->err || n < 0)
		return;
	if (n > o->cap - o->len) {
		o->err = 1;
		return;
	}
	memcpy(o->p + o->len, s, (size_t)n);
	o->len += n;
}

int tm_build_from_branch(tm_cell *t, int bi, const char *method, rc_str to_line, rc_str reason,
                         char *out, int cap)
{
	const tm_branch *b = t->br[bi];
	static _Thread_local void *inv_slot;
	sip_msg *inv = rt_scratch_zero(&inv_slot, sizeof *inv);
	if (!inv)
		return -1;
	if (!b->buf || sip_parse(inv, b->buf, (size_t)b->len) < 0 || !inv->is_request) {
		rt_log(RT_L_ERR, "tm: no request to build a %s from on branch %d", method, bi);
		return -1;
	}
	tm_obuf o = { out, cap, 0, 0 };
	int ml = (int)strlen(method);
	tm_put(&o, method, ml);
	tm_put(&o, " ", 1);
	/* the rest of the first line as sent */
	const char *rest = inv->ruri.s, *eol = inv->buf + inv->hdrs_start;
	tm_put(&o, rest, (int)(eol - rest));
	int first_via = 1;
	for (int i = 0; i < inv->nhdrs; i++) {
		const sip_hdr *h = &inv->hdrs[i];
		const char *line = inv->buf + h->start;
		int llen = h->end - h->start;
		switch (h->type) {
		case SIP_H_VIA:
			if (first_via)
				tm_put(&o, line, llen);
			first_via = 0;
			break;
		case SIP_H_TO:
			if (to_line.s)
				tm_put(&o, to_line.s, to_line.len);
			else
				tm_put(&o, line, llen);
			break;
		case SIP_H_FROM:
		case SIP_H_CALL_ID:
		case SIP_H_ROUTE:
		case SIP_H_MAX_FORWARDS:
			tm_put(&o, line, llen);
			break;
		case SIP_H_CSEQ: {
			int l = 0;
			while (l < h->body.len && h->body.s[l] >= '0' && h->body.s[l] <= '9')
				l++;
			tm_put(&o, h->name.s, h->name.len);
			tm_put(&o, ": ", 2);
			tm_put(&o, h->body.s, l);
			tm_put(&o, " ", 1);
			tm_put(&o, method, ml);
			tm_put(&o, "\r\n", 2);
			break;
		}
		case SIP_H_CONTENT_LENGTH:
			tm_put(&o, h->name.s, h->name.len);
			tm_put(&o, ": 0\r\n", 5);
			break;
		default:
			break;
		}
	}
	if (reason.s)
		tm_put(&o, reason.s, reason.len);
	tm_put(&o, "\r\n", 2);
	if (o.err) {
		rt_log(RT_L_ERR, "tm: the %s for branch %d does not fit %d bytes", method, bi, cap);
		return -1;
	}
	return o.len;
}

/* ---- texts ------------------------------------------------------------------------------- */

const char *tm_status_text(int code)
{
	return sip_reason_phrase(code); /* one table for every local reply */
}

/* Kamailio's err2reason_phrase, for the replies tm sends on its own errors. */
int tm_err2reason(int err, int *code, char *text, int cap)
{
	const char *e;
	int c;
	switch (err) {
	case TM_E_SEND: e = "Unfortunately error on sending to next hop occurred"; c = 477; break;
	case TM_E_BAD_ADDRESS: e = "Unresolvable destination"; c = 478; break;
	case TM_E_BAD_REQ: e = "Bad Request"; c = 400; break;
	case TM_E_BAD_TUPEL: e = "Transaction tuple incomplete"; c = 400; break;
	case TM_E_BAD_TO: e = "Bad To"; c = 400; break;
	case TM_E_EXEC: e = "Error in external logic"; c = 500; break;
	case TM_E_TOO_MANY_BRANCHES: e = "Forking capacity exceeded"; c = 500; break;
	case TM_E_CANCELED: e = "Transaction canceled"; c = 487; break;
	case TM_E_OUT_OF_MEM: e = "No error"; c = 500; break; /* as a release build says it */
	case TM_E_CFG:
	case TM_E_UNSPEC:
	default: e = "I'm terribly sorry, server error occurred"; c = 500; break;
	}
	*code = c;
	return snprintf(text, (size_t)cap, "%s (%d/TM)", e, err < 0 ? -err : err);
}
