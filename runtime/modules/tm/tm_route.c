/* tm_route.c: the routes tm runs for a transaction, and their messages.
 *
 * onreply_route[] runs on the reply the worker received; branch_route[]
 * on the request being relayed; failure_route[] and
 * event_route[tm:branch-failure:NAME] on a faked request: the cell's copy
 * of the request re-parsed, with the script's edits of the first relay,
 * $ru/$du as they were then, the transaction's flags and the branch's
 * flags (Kamailio's fake_req).  A failure route may run in a worker (a
 * reply completed the transaction) or on the timer thread (a timeout), so
 * the faked messages come from a small per-thread stack, allocated once per
 * thread and freed with it.
 *
 * Every route runs with the cell's generation as m->gen: after a reload, a
 * transaction keeps running the routes of the script that created it.
 *
 * t_continue of a reply t_suspend() suspended runs its route on that reply,
 * kept in cell memory, from the same stack (tm_fake_reply_msg).
 *
 * tmx's t_reuse_branch() lives here: it turns the faked request of a
 * branch-failure route back into the branch that failed.
 */
#include "modules/tm/tm.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/rtmsg.h"
#include "core/worker.h"
#include "pv/pv.h"

#define TM_FAKE_DEPTH 4

typedef struct fake_stack {
	rc_msg_t *m[TM_FAKE_DEPTH];
	int depth;
} fake_stack;

static pthread_key_t fake_key;
static pthread_once_t fake_once = PTHREAD_ONCE_INIT;
static _Thread_local fake_stack *fs;
static _Thread_local rt_worker *cur_w;

static void fake_free(void *p)
{
	fake_stack *s = p;
	for (int i = 0; i < TM_FAKE_DEPTH; i++)
		free(s->m[i]);
	free(s);
}

static void fake_key_init(void)
{
	pthread_key_create(&fake_key, fake_free);
}

rt_worker *tm_cur_worker(void)
{
	return cur_w;
}

void tm_set_cur_worker(rt_worker *w)
{
	cur_w = w;
}

/* The next message of this thread's stack, reset; NULL when the stack is
 * full or out of memory (logged).  The caller takes it (fs->depth++) once
 * it is good; tm_fake_done gives it back. */
static rc_msg_t *fake_push(void)
{
	if (!fs) {
		pthread_once(&fake_once, fake_key_init);
		if (!(fs = calloc(1, sizeof *fs)))
			return NULL;
		pthread_setspecific(fake_key, fs);
	}
	if (fs->depth == TM_FAKE_DEPTH) {
		rt_log(RT_L_ERR, "tm: too many faked messages nested");
		return NULL;
	}
	rc_msg_t *m = fs->m[fs->depth];
	if (!m && !(m = fs->m[fs->depth] = calloc(1, sizeof *m))) {
		rt_log(RT_L_ERR, "tm: out of memory for a faked message");
		return NULL;
	}
	rt_msg_reset(m);
	return m;
}

rc_msg_t *tm_fake_reply_msg(tm_cell *t, int bi, char *buf, int len, rt_worker *w)
{
	rc_msg_t *m = fake_push();
	if (!m)
		return NULL;
	if (sip_parse(&m->sip, buf, (size_t)len) < 0 || m->sip.is_request) {
		rt_log(RT_L_ERR, "tm: the suspended reply does not parse again");
		return NULL;
	}
	const tm_branch *b = t->br[bi];
	m->worker = w;
	m->gen = t->gen;
	m->id = t->label;
	m->buf = buf;
	m->len = len;
	memset(&m->src, 0, sizeof m->src);
	memcpy(&m->src, &b->to, sizeof b->to);
	m->srclen = b->tolen;
	tm_addr_text(&b->to, m->src_ip);
	m->src_port = ntohs(b->to.sa.sa_family == AF_INET6 ? b->to.in6.sin6_port : b->to.in.sin_port);
	m->rcv = b->sock;
	m->recv_us = tm_now() * 1000;
	sip_lumps_init(&m->lumps, &m->sip);
	m->flags = t->msg_flags;
	m->bflags = b->bflags;
	m->tm_t = t;
	m->tm_branch = bi;
	m->tm_mflags = TM_M_FAKED | TM_M_LOOKED;
	fs->depth++;
	return m;
}

rc_msg_t *tm_fake_request(tm_cell *t, int branch, rt_worker *w)
{
	rc_msg_t *m = fake_push();
	if (!m)
		return NULL;
	if (sip_parse(&m->sip, t->req, (size_t)t->req_len) < 0) {
		rt_log(RT_L_ERR, "tm: the stored request does not parse again");
		return NULL;
	}
	m->worker = w;
	m->gen = t->gen;
	m->id = t->label;
	m->buf = t->req;
	m->len = t->req_len;
	memset(&m->src, 0, sizeof m->src);
	memcpy(&m->src, &t->src, sizeof t->src);
	m->srclen = t->srclen;
	tm_addr_text(&t->src, m->src_ip);
	m->src_port = t->src_port;
	m->rcv = t->rcv;
	m->recv_us = t->created * 1000;
	sip_lumps_init(&m->lumps, &m->sip);
	for (int i = 0; i < t->nlumps && i < SIP_MAX_LUMPS; i++) {
		const tm_lump *l = &t->lumps[i];
		m->lumps.v[i] = (sip_lump){ .off = l->off, .del = l->del, .text = l->text, .len = l->len,
		                            .where = l->where };
		m->lumps.n = i + 1;
	}
	m->new_ruri = t->new_ruri;
	m->dst_uri = t->dst_uri;
	m->force_send = t->force_send;
	m->flags = t->msg_flags;
	m->bflags = branch >= 0 && branch < t->nbr ? t->br[branch]->bflags : 0;
	m->mflags = t->mflags;
	m->tx_reply_hdrs = t->reply_hdrs;
	m->tm_t = t;
	m->tm_branch = branch;
	m->tm_mflags = TM_M_FAKED | TM_M_LOOKED;
	/* the R-URI of the relay is used: only a new $ru forks again */
	m->tm_ruri_used = 1;
	m->tm_ruri_mark = m->new_ruri.s ? m->new_ruri.s : m->sip.ruri.s;
	fs->depth++;
	return m;
}

void tm_fake_done(rc_msg_t *m)
{
	(void)m;
	if (fs && fs->depth > 0)
		fs->depth--;
}

typedef struct avp_ctx {
	tm_cell *t;
	int n, cap;
	tm_avp *v;
} avp_ctx;

static void avp_count(rc_str name, int iname, const rc_val *v, void *arg)
{
	((avp_ctx *)arg)->cap++;
}

static void avp_copy(rc_str name, int iname, const rc_val *v, void *arg)
{
	avp_ctx *a = arg;
	if (a->n >= a->cap)
		return;
	tm_avp *d = &a->v[a->n];
	d->name = (rc_str){ tm_cell_dup(a->t, name.s, name.len), name.len };
	d->iname = iname;
	d->v = *v;
	if (v->type == RC_STR)
		d->v.s.s = tm_cell_dup(a->t, v->s.s, v->s.len);
	if (d->name.s && (v->type != RC_STR || d->v.s.s))
		a->n++;
}

void tm_avps_save(tm_cell *t, rc_msg_t *m)
{
	avp_ctx a = { t, 0, 0, NULL };
	tm_serial_save(t, m); /* t_load_contacts' $xavp travels the same way */
	pv_avp_each(m, avp_count, &a);
	if (!a.cap) {
		t->avps = NULL;
		t->navps = 0;
		return;
	}
	if (!(a.v = tm_cell_mem(t, sizeof *a.v * (size_t)a.cap)))
		return;
	pv_avp_each(m, avp_copy, &a);
	t->avps = a.v;
	t->navps = a.n;
}

void tm_avps_load(tm_cell *t, rc_msg_t *m)
{
	m->pv_avps = NULL;
	tm_serial_load(t, m);
	for (int i = 0; i < t->navps; i++)
		pv_avp_set(m, t->avps[i].name, t->avps[i].iname, PV_IDX_NONE, &t->avps[i].v);
}

int tm_run_route(tm_cell *t, rc_route_fn fn, rc_msg_t *m, int route_type)
{
	rc_ctx_t c = { .route_type = route_type, .while_max = rt_cfg.max_while_loops };
	rc_ctx_t *saved_ctx = m->ctx;
	struct rc_gen *saved_gen = m->gen;
	m->ctx = &c;
	m->gen = t->gen;
	if (fn(m, &c) < 0)
		rt_log(RT_L_DBG, "tm: the route ended with an error");
	m->ctx = saved_ctx;
	m->gen = saved_gen;
	return c.flags;
}

int tm_run_failure(tm_cell *t, int picked, int code)
{
	rc_route_fn fn = t->br[picked]->on_failure;
	if (!fn)
		return 0;
	rc_msg_t *m = tm_fake_request(t, picked, cur_w);
	if (!m)
		return 0;
	/* not again for the branches the route adds, unless it asks (t_on_failure) */
	t->on_failure = 0;
	t->flags &= ~TM_T_SUSPENDED;
	t->picked = picked;
	m->tm_code = code;
	t->flags |= TM_T_IN_FAILURE;
	tm_avps_load(t, m);
	tm_run_route(t, fn, m, RC_RT_FAILURE);
	tm_avps_save(t, m);
	t->flags &= ~TM_T_IN_FAILURE;
	t->msg_flags = m->flags;
	tm_fake_done(m);
	return 1;
}

void tm_run_branch_failure(tm_cell *t, int b, int code)
{
	rc_route_fn fn = t->br[b]->on_bfail;
	if (!fn)
		return;
	rc_msg_t *m = tm_fake_request(t, b, cur_w);
	if (!m)
		return;
	t->on_bfail = 0;
	int saved_picked = t->picked;
	t->picked = b;
	m->tm_code = code;
	tm_avps_load(t, m);
	tm_run_route(t, fn, m, RC_RT_BRANCH_FAILURE);
	tm_avps_save(t, m);
	t->picked = saved_picked;
	t->msg_flags = m->flags;
	tm_fake_done(m);
}

/* t_reuse_branch(), in event_route[tm:branch-failure:NAME]: the branch that
 * failed becomes the request's "main" branch again, so that a t_relay()
 * there sends a new branch to the same R-URI with the request as the route
 * left it (a header added, a flag set).  As Kamailio 5.6's tmx: the R-URI
 * (marked new) and the branch flags are the branch's; $du stays what the
 * faked request has (the first relay's).  Kamailio also copies the branch's
 * ruid, path and instance: routec's branches do not keep them, so the
 * request has none (a Path of the first relay is in its saved edits).
 * 1, or -1 outside a branch-failure route (logged). */
int tmx_t_reuse_branch(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = m->tm_t;
	if (!(c->route_type & RC_RT_BRANCH_FAILURE)) {
		rt_log(RT_L_ERR, "t_reuse_branch: unsupported route type %d (a branch-failure "
		       "event route only)", c->route_type);
		return -1;
	}
	int b = t ? t->picked : -1;
	if (!t || b < 0 || b >= t->nbr) {
		rt_log(RT_L_CRIT, "t_reuse_branch: no picked branch (%d) for a final response", b);
		return -1;
	}
	const tm_branch *br = t->br[b];
	char *d = pv_dup(m, br->uri.s, br->uri.len);
	if (!d)
		rt_log(RT_L_WARN, "t_reuse_branch: failed to rewrite the r-uri");
	else
		m->new_ruri = (rc_str){ d, br->uri.len };
	m->bflags = br->bflags;
	return 1;
}
