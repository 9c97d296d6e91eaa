/* tm_uac.c: requests tm sends as a UAC (t_uac_send, tm.t_uac_start, and
 * other modules through tm_uac_request).
 *
 * The request is built as Kamailio's build_uac_req writes it:
 *   METHOD ruri SIP/2.0
 *   Via: SIP/2.0/UDP <socket>;branch=z9hG4bK<hash>.<md5>.0
 *   To: <uri>[;tag=..]        From: <uri>;tag=<given or generated>
 *   CSeq: <given or 10> METHOD   Call-ID: <given or generated>
 *   Max-Forwards: 70 (unless given)   Content-Length   User-Agent
 *   the other given header lines, then the body.
 * From and To must be among the headers (as Kamailio requires).  The
 * transaction has no server side: replies are not relayed, the callback
 * (if any) gets the final one, a 2xx to an INVITE is ACKed by tm.  Before
 * it is sent, event_route[tm:local-request] runs on a parsed copy (route
 * type LOCAL); drop there cancels the sending.
 */
#include "modules/tm/tm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/forward.h"
#include "core/rpc.h"
#include "core/rtmsg.h"
#include "core/scratch.h"
#include "core/sock.h"

#define TM_UAC_BUF 65536
/* the request being built and the given headers parsed as a message of their
   own: one per thread, allocated at its first request (core/scratch.h) */
typedef struct uac_scratch {
	char ubuf[TM_UAC_BUF], hbuf[TM_UAC_BUF];
	sip_msg hm;
} uac_scratch;
static _Thread_local void *uac_slot;
static atomic_uint uac_seq;


static void puts_(tm_obuf *o, const char *s)
{
	tm_put(o, s, (int)strlen(s));
}

static void put_uri(tm_obuf *o, sip_str uri)
{
	int bracket = !(uri.len && uri.s[0] == '<');
	if (bracket)
		tm_put(o, "<", 1);
	tm_put(o, uri.s, uri.len);
	if (bracket)
		tm_put(o, ">", 1);
}

/* A tag or Call-ID of our own: random enough and unique in this process. */
static int gen_id(char *out, int cap, const char *suffix)
{
	static _Thread_local unsigned long long x;
	if (!x)
		x = (unsigned long long)time(NULL) << 20 ^ (unsigned long long)getpid() ^
		    (unsigned long long)(uintptr_t)&x;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return snprintf(out, (size_t)cap, "%08llx%04x%s", x & 0xffffffffull,
	                atomic_fetch_add(&uac_seq, 1) & 0xffff, suffix);
}

static rt_gen *uac_gen(rc_msg_t *m)
{
	if (m && m->gen) {
		rt_gen_hold(m->gen);
		return m->gen;
	}
	return rt_gen_acquire();
}

/* event_route[tm:local-request]: 1 send, 0 dropped. */
static int local_request_route(tm_cell *t, rc_msg_t *m)
{
	rc_route_fn fn = t->conf->local_request;
	if (!fn)
		return 1;
	rc_msg_t *r = tm_fake_request(t, 0, m ? m->worker : NULL);
	if (!r)
		return 1;
	rt_msg_reset(r);
	tm_branch *b = t->br[0];
	int send = 1;
	if (sip_parse(&r->sip, b->buf, (size_t)b->len) == 0) {
		r->buf = b->buf;
		r->len = b->len;
		r->gen = t->gen;
		r->rcv = b->sock;
		sip_lumps_init(&r->lumps, &r->sip);
		r->tm_t = t;
		r->tm_branch = 0;
		r->tm_mflags = TM_M_FAKED | TM_M_LOOKED;
		int fl = tm_run_route(t, fn, r, RC_RT_LOCAL);
		send = !(fl & RC_F_DROP);
	}
	tm_fake_done(r);
	return send;
}

int tm_uac_request(rc_msg_t *m, const char *method, rc_str ruri, rc_str nexthop, rc_str hdrs,
                   rc_str body, tm_uac_cb cb, void *arg)
{
	uac_scratch *u = rt_scratch_zero(&uac_slot, sizeof *u);
	if (!u)
		return -1;
	char *ubuf = u->ubuf, *hbuf = u->hbuf;
	sip_msg *hm = &u->hm; /* the given headers, parsed as a message of their own */
	tm_obuf h = { hbuf, TM_UAC_BUF, 0, 0 };
	puts_(&h, "OPTIONS sip:x SIP/2.0\r\n");
	tm_put(&h, hdrs.s, hdrs.len);
	if (hdrs.len && hdrs.s[hdrs.len - 1] != '\n')
		tm_put(&h, "\r\n", 2);
	tm_put(&h, "\r\n", 2);
	const sip_addr *from, *to;
	if (h.err || sip_parse(hm, hbuf, (size_t)h.len) < 0 || sip_get_from(hm, &from) < 0 ||
	    sip_get_to(hm, &to) < 0) {
		rt_log(RT_L_ERR, "tm: uac: the headers must hold a From and a To");
		return -1;
	}
	sip_uri pu;
	if (sip_uri_parse(ruri.s, ruri.len, &pu) < 0) {
		rt_log(RT_L_ERR, "tm: uac: invalid request URI '%.*s'", ruri.len, ruri.s);
		return -1;
	}
	/* where it goes: the next hop, else the R-URI */
	rc_str hop = nexthop.len ? nexthop : ruri;
	sip_uri hu;
	struct sockaddr_storage to_addr;
	socklen_t tolen;
	if (sip_uri_parse(hop.s, hop.len, &hu) < 0 ||
	    rt_resolve(hu.maddr.s && hu.maddr.len ? hu.maddr.s : hu.host.s,
	               hu.maddr.s && hu.maddr.len ? hu.maddr.len : hu.host.len, hu.port, &to_addr, &tolen) < 0) {
		rt_log(RT_L_ERR, "tm: uac: cannot resolve the next hop '%.*s'", hop.len, hop.s);
		return -1;
	}
	const rt_sock *s = rt_sock_for(to_addr.ss_family, NULL);
	if (!s) {
		rt_log(RT_L_ERR, "tm: uac: no socket to send from");
		return -1;
	}
	char callid[64], ftag[32];
	sip_str cid;
	if (sip_get_callid(hm, &cid) < 0) {
		cid.len = gen_id(callid, (int)sizeof callid, "@routec");
		cid.s = callid;
	}
	sip_str tag = from->tag;
	if (!tag.s || !tag.len) {
		tag.len = gen_id(ftag, (int)sizeof ftag, "");
		tag.s = ftag;
	}
	const sip_cseq *cs;
	unsigned cseq = sip_get_cseq(hm, &cs) == 0 ? cs->num : 10;
	char num[16];
	int nl = snprintf(num, sizeof num, "%u", cseq);
	rt_gen *g = uac_gen(m);
	const tm_conf *cf = tm_conf_of(g);
	tm_cell *t = tm_cell_new(4096);
	if (!t) {
		rt_gen_release(g);
		return -1;
	}
	t->gen = g;
	t->conf = cf;
	t->flags = TM_T_UAC | TM_T_LOCAL;
	t->method_id = sip_method_of(method, (int)strlen(method));
	t->method = (rc_str){ tm_cell_dup(t, method, (int)strlen(method)), (int)strlen(method) };
	t->is_invite = t->method_id == SIP_M_INVITE;
	t->hash = tm_hash(cid.s, cid.len, num, nl);
	t->callid = (rc_str){ tm_cell_dup(t, cid.s, cid.len), cid.len };
	t->cseq_num = (rc_str){ tm_cell_dup(t, num, nl), nl };
	long long now = tm_now();
	t->created = now;
	t->fr = cf->fr;
	t->fr_inv = cf->fr_inv;
	t->t1 = cf->t1;
	t->t2 = cf->t2;
	t->end_of_life = now + (t->is_invite ? cf->max_inv : cf->max_noninv);
	t->uac_cb = cb;
	t->uac_arg = arg;
	char rnd[16];
	gen_id(rnd, (int)sizeof rnd, "");
	rc_str parts[5] = { { cid.s, cid.len }, { tag.s, tag.len }, { num, nl }, { ruri.s, ruri.len },
	                    { rnd, (int)strlen(rnd) } };
	pv_md5_hex(parts, 5, t->md5);
	tm_bucket_lock(t->hash);
	tm_cell_insert_locked(t);
	tm_bucket_unlock(t->hash);
	tm_stat(TS_UAC);

	/* the request */
	char bid[96], host[RT_HOST_MAX + 2];
	int port;
	tm_branch_id(t, 0, bid, (int)sizeof bid);
	rt_sock_via_host(s, host, (int)sizeof host, &port);
	tm_obuf o = { ubuf, TM_UAC_BUF, 0, 0 };
	puts_(&o, method);
	tm_put(&o, " ", 1);
	tm_put(&o, ruri.s, ruri.len);
	puts_(&o, " SIP/2.0\r\nVia: SIP/2.0/UDP ");
	puts_(&o, host);
	char pb[16];
	tm_put(&o, pb, snprintf(pb, sizeof pb, ":%d", port));
	puts_(&o, ";branch=");
	puts_(&o, bid);
	puts_(&o, "\r\nTo: ");
	put_uri(&o, to->uri);
	if (to->tag.s && to->tag.len) {
		puts_(&o, ";tag=");
		tm_put(&o, to->tag.s, to->tag.len);
	}
	puts_(&o, "\r\nFrom: ");
	put_uri(&o, from->uri);
	puts_(&o, ";tag=");
	tm_put(&o, tag.s, tag.len);
	puts_(&o, "\r\nCSeq: ");
	tm_put(&o, num, nl);
	tm_put(&o, " ", 1);
	puts_(&o, method);
	puts_(&o, "\r\nCall-ID: ");
	tm_put(&o, cid.s, cid.len);
	puts_(&o, "\r\n");
	if (!sip_hdr_get(hm, SIP_H_MAX_FORWARDS))
		puts_(&o, "Max-Forwards: 70\r\n");
	char cl[32];
	tm_put(&o, cl, snprintf(cl, sizeof cl, "Content-Length: %d\r\n", body.len));
	rc_str ua = rt_user_agent_header();
	if (ua.s) {
		puts_(&o, "User-Agent: ");
		tm_put(&o, ua.s, ua.len);
		puts_(&o, "\r\n");
	}
	for (int i = 0; i < hm->nhdrs; i++) {
		const sip_hdr *x = &hm->hdrs[i];
		if (x->type == SIP_H_FROM || x->type == SIP_H_TO || x->type == SIP_H_CALL_ID ||
		    x->type == SIP_H_CSEQ || x->type == SIP_H_CONTENT_LENGTH || x->type == SIP_H_VIA)
			continue;
		tm_put(&o, hm->buf + x->start, x->end - x->start);
	}
	tm_put(&o, "\r\n", 2);
	tm_put(&o, body.s, body.len);
	tm_branch *b = NULL;
	if (o.err || !(b = tm_cell_mem(t, sizeof *b)))
		goto fail;
	memset(b, 0, sizeof *b);
	if (!(b->buf = tm_cell_dup(t, ubuf, o.len)))
		goto fail;
	b->len = o.len;
	tm_addr_set(&b->to, &to_addr, tolen);
	b->tolen = tolen;
	b->sock = s;
	b->uri = (rc_str){ tm_cell_dup(t, ruri.s, ruri.len), ruri.len };
	/* the request is the transaction's too ($T_req, the faked messages) */
	t->req = b->buf;
	t->req_len = b->len;
	tm_lock(t);
	t->br[0] = b;
	atomic_thread_fence(memory_order_release);
	t->nbr = 1;
	if (!local_request_route(t, m)) {
		rt_log(RT_L_DBG, "tm: uac: the %s was dropped in event_route[tm:local-request]", method);
		t->br[0]->last = 408;
		tm_put_on_wait(t);
		tm_unlock(t);
		tm_cell_unref(t);
		return -1;
	}
	if (tm_send(m && m->worker ? m : NULL, s, &b->to, tolen, b->buf, b->len) < 0) {
		b->last = 408;
		tm_put_on_wait(t);
		tm_unlock(t);
		tm_cell_unref(t);
		return -1;
	}
	b->retr_iv = 2 * t->t1;
	b->retr_at = now + t->t1;
	b->fr_at = now + t->fr < t->end_of_life ? now + t->fr : t->end_of_life;
	tm_timer_update(t);
	tm_unlock(t);
	tm_cell_unref(t);
	return 1;
fail:
	rt_log(RT_L_ERR, "tm: uac: the %s does not fit %d bytes", method, TM_UAC_BUF);
	tm_lock(t);
	tm_put_on_wait(t);
	tm_unlock(t);
	tm_cell_unref(t);
	return -1;
}

/* A 2xx to our own INVITE: the ACK goes to its Contact (or the next hop). */
/* The ACK of a 2xx is a transaction of its own (RFC 3261 13.2.2.4, 17.1.1.3):
 * its Via branch must differ from the INVITE's.  The branch keeps tm's
 * shape (hash, md5, branch index) with the last 4 characters of the md5
 * moved on, as Kamailio 6.1's local_ack_branch_mode 1 does (5.6 sends the
 * INVITE's branch): a retransmitted 2xx still finds the INVITE by its own
 * branch, and the ACK's is new.  Edits the ACK's first Via in place. */
static void ack_branch(char *ack, int len)
{
	char *end = ack + len, *v = memmem(ack, (size_t)len, "branch=z9hG4bK", 14);
	if (!v)
		return;
	v += 7;
	char *e = v;
	while (e < end && *e != ';' && *e != ',' && *e != '\r' && *e != ' ' && *e != '\t')
		e++;
	unsigned hash, br;
	const char *md5;
	if (tm_branch_parse(v, (int)(e - v), &hash, &md5, &br) < 0)
		return;
	char *c = (char *)md5 + TM_MD5_LEN - 4;
	for (int i = 0; i < 4; i++, c++) {
		if ((*c >= '0' && *c < '9') || (*c >= 'a' && *c < 'z') || (*c >= 'A' && *c < 'Z'))
			(*c)++;
		else if (*c == '9')
			*c = '0';
		else if (*c == 'z')
			*c = 'a';
	}
}

void tm_uac_ack_2xx(tm_cell *t, int bi, rc_msg_t *rpl);
void tm_uac_ack_2xx(tm_cell *t, int bi, rc_msg_t *rpl)
{
	const tm_branch *b = t->br[bi];
	const sip_hdr *to = sip_hdr_get(&rpl->sip, SIP_H_TO);
	const sip_addr_list *ct;
	if (!to)
		return;
	char ack[8192];
	rc_str line = { rpl->sip.buf + to->start, to->end - to->start };
	int n = tm_build_from_branch(t, bi, "ACK", line, (rc_str){ NULL, 0 }, ack, (int)sizeof ack);
	if (n <= 0)
		return;
	ack_branch(ack, n);
	tm_addr dst = b->to;
	socklen_t dl = b->tolen;
	if (sip_get_contacts(&rpl->sip, &ct) == 0 && ct->n > 0) {
		sip_uri cu;
		struct sockaddr_storage ss;
		socklen_t sl;
		if (sip_uri_parse(ct->v[0].uri.s, ct->v[0].uri.len, &cu) == 0 &&
		    rt_resolve(cu.host.s, cu.host.len, cu.port, &ss, &sl) == 0) {
			tm_addr_set(&dst, &ss, sl);
			dl = sl;
		}
	}
	tm_send(rpl->worker ? rpl : NULL, b->sock, &dst, dl, ack, n);
}

/* ---- t_uac_send(method, ruri, nexthop, socket, headers, body) ---------------------- */

int tm_prep_fmt6(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tm_prep_fmt6(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	for (int i = 0; i < argc; i++)
		if (mod_prep_fmt(g, &argv[i], where) < 0)
			return -1;
	return 0;
}

static rc_str dot_empty(rc_str s)
{
	if (s.len == 1 && s.s[0] == '.')
		s.len = 0;
	return s;
}

int tm_t_uac_send(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	char method[32];
	rc_str me = mod_arg_str(m, c, &argv[0]);
	if (me.len <= 0 || me.len >= (int)sizeof method) {
		rt_log(RT_L_ERR, "t_uac_send: bad method");
		return -1;
	}
	memcpy(method, me.s, (size_t)me.len);
	method[me.len] = '\0';
	rc_str ruri = mod_arg_str(m, c, &argv[1]);
	rc_str hop = dot_empty(mod_arg_str(m, c, &argv[2]));
	rc_str sock = dot_empty(mod_arg_str(m, c, &argv[3]));
	rc_str hdrs = mod_arg_str(m, c, &argv[4]);
	rc_str body = mod_arg_str(m, c, &argv[5]);
	if (sock.len)
		rt_log(RT_L_DBG, "t_uac_send: the socket is chosen by the destination's family");
	return tm_uac_request(m, method, ruri, hop, hdrs, body, NULL, NULL) > 0 ? 1 : -1;
}

/* tm.t_uac_start: method, ruri, nexthop, socket, headers[, body] */
static int rpc_uac_start(const rt_rpc_in *in, rt_rpc_out *o)
{
	rc_str p[6];
	char bufs[6][32];
	for (int i = 0; i < 6; i++) {
		p[i] = (rc_str){ "", 0 };
		if (i < 5 && rpc_param_str(in, i, &p[i], bufs[i]) < 0) {
			rpc_fail(o, 400, "method, ruri, nexthop, socket and headers are expected");
			return -1;
		}
		if (i == 5)
			rpc_param_str(in, i, &p[i], bufs[i]);
	}
	char method[32];
	if (p[0].len <= 0 || p[0].len >= (int)sizeof method) {
		rpc_fail(o, 400, "bad method");
		return -1;
	}
	memcpy(method, p[0].s, (size_t)p[0].len);
	method[p[0].len] = '\0';
	if (tm_uac_request(NULL, method, p[1], dot_empty(p[2]), p[4], p[5], NULL, NULL) < 0) {
		rpc_fail(o, 500, "UAC error");
		return -1;
	}
	rpc_null(o, NULL);
	return 0;
}

int tm_uac_rpc_init(void);
int tm_uac_rpc_init(void)
{
	return rt_rpc_register("tm.t_uac_start", rpc_uac_start,
	                       "Send a request as UAC: method, ruri, nexthop, socket, headers[, body].");
}
