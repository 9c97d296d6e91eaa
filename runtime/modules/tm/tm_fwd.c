/* tm_fwd.c: creating transactions and sending their branches
 * (kamailio-runtime.md 1.5).
 *
 * t_newtran copies the request into a new cell (one allocation sized for
 * the request and a couple of branches), then looks the request up and
 * inserts the cell under one bucket lock, so a retransmission racing its
 * original finds one transaction, never two.  A retransmission gets the
 * last reply again; an ACK for a negative reply releases the transaction.
 *
 * t_relay: a CANCEL goes to tm_cancel.c; an ACK with no transaction is
 * forwarded statelessly; an INVITE gets "100 trying -- your call is
 * important to us" first (auto_inv_100, flag 0x01); then tm_forward_nonack
 * makes one branch of the R-URI (unless it was used already: see
 * tm_ruri_is_new) and one per destination-set entry, runs branch_route[] for
 * each on the message with that branch's $ru/$du/$bf and Path (its edits
 * stay with that branch; drop drops it), builds each branch's bytes once
 * with our Via (branch z9hG4bK<hash>.<md5>.<n>) and, for a branch with a
 * Path, the Route header carrying it, and sends them, starting the branch's
 * retransmission (T1) and final-response (fr_timer) timers.  When nothing
 * could be sent, tm replies the error itself (478/477/500 "... (N/TM)")
 * unless told not to (0x02, t_set_disable_internal_reply).
 */
#include "modules/tm/tm.h"

#include <string.h>

#include "core/forward.h"
#include "core/rtmsg.h"
#include "core/scratch.h"
#include "core/sock.h"

#define TM_BBUF 65536
static _Thread_local void *bbuf_slot; /* TM_BBUF bytes: a branch being built (core/scratch.h) */

int tm_cancel_from_nonack(tm_cell *tc, rc_msg_t *m);

/* A span of m's buffer moved into the cell's copy of it. */
static rc_str rebase(const tm_cell *t, const rc_msg_t *m, sip_str s)
{
	if (!s.s || s.s < m->sip.buf || s.s > m->sip.buf + t->req_len)
		return (rc_str){ NULL, 0 };
	return (rc_str){ t->req + (s.s - m->sip.buf), s.len };
}

/* The timer an $avp holds (fr_timer_avp: seconds), 0 when unset. */
static int avp_timer(rc_msg_t *m, rc_str name, int iname)
{
	rc_val v;
	int n = 0;
	if (!name.s || pv_avp_get(m, name, iname, PV_IDX_NONE, 0, &v) < 0 || v.type == RC_NULL)
		return 0;
	if (v.type == RC_INT)
		n = v.i;
	else if (!pv_str2sint(v.s.s, v.s.len, &n))
		return 0;
	return n > 0 ? n * 1000 : 0;
}

/* A new cell's times and flags: its timers (the script's t_set_fr and
 * friends, the AVPs, the module's), its end of life, the flags tm and the
 * script ask for. */
static void cell_times(tm_cell *t, rc_msg_t *m, const tm_conf *cf)
{
	long long now = tm_now();
	t->created = now;
	t->fr = m->tm_fr ? m->tm_fr : avp_timer(m, cf->fr_avp, cf->fr_avp_int);
	if (!t->fr)
		t->fr = cf->fr;
	t->fr_inv = m->tm_fr_inv ? m->tm_fr_inv : avp_timer(m, cf->fr_inv_avp, cf->fr_inv_avp_int);
	if (t->fr_inv && !m->tm_fr_inv)
		t->flags |= TM_T_NOISY_CTIMER; /* as Kamailio does for an fr_inv_timer_avp */
	if (!t->fr_inv)
		t->fr_inv = cf->fr_inv;
	t->t1 = m->tm_t1 ? m->tm_t1 : cf->t1;
	t->t2 = m->tm_t2 ? m->tm_t2 : cf->t2;
	if (t->is_invite) {
		t->end_of_life = now + (m->tm_life_inv ? m->tm_life_inv : cf->max_inv);
		if (cf->auto_inv_100)
			t->flags |= TM_T_AUTO100;
		if (cf->disable_6xx)
			t->flags |= TM_T_DISABLE_6XX;
		if (!cf->e2e_cancel_reason)
			t->flags |= TM_T_NO_E2E_REASON;
		t->flags |= m->tm_tfl_set;
		t->flags &= ~m->tm_tfl_reset;
	} else {
		t->end_of_life = now + (m->tm_life_noninv ? m->tm_life_noninv : cf->max_noninv);
		t->flags |= m->tm_tfl_set & ~TM_T_AUTO100;
		t->flags &= ~m->tm_tfl_reset;
	}
}

/* A cell for request m (not in the table yet), or NULL. */
static tm_cell *cell_for(rc_msg_t *m, const tm_conf *cf, unsigned hash)
{
	const sip_via *v;
	const sip_addr *from, *to;
	sip_str cid;
	if (sip_get_via(&m->sip, 0, &v) < 0 || sip_get_from(&m->sip, &from) < 0 ||
	    sip_get_to(&m->sip, &to) < 0 || sip_get_callid(&m->sip, &cid) < 0)
		return NULL;
	int len = m->sip.len;
	/* the request, one branch of about its size (our Via, Record-Route),
	   the branch's struct and URIs, the reply kept for retransmissions (an
	   INVITE's, after its 100 Trying, about the request's size; a final
	   reply alone is kept at its size): measured on calls, with a little
	   room; a serial fork or a longer reply takes a small chunk more
	   (tm_cell_mem) */
	int inv = m->sip.method_id == SIP_M_INVITE;
	tm_cell *t = tm_cell_new((size_t)(inv ? 3 * len + 680 : 2 * len + 720));
	if (!t)
		return NULL;
	t->hash = hash;
	t->req = tm_cell_dup(t, m->sip.buf, len);
	t->req_len = len;
	t->gen = m->gen;
	if (t->gen)
		rt_gen_hold(t->gen);
	t->conf = cf;
	t->method_id = m->sip.method_id;
	t->method = rebase(t, m, m->sip.method);
	t->is_invite = m->sip.method_id == SIP_M_INVITE;
	t->callid = rebase(t, m, cid);
	const sip_hdr *ch = sip_hdr_get(&m->sip, SIP_H_CSEQ);
	int nl = 0;
	while (nl < ch->body.len && ch->body.s[nl] >= '0' && ch->body.s[nl] <= '9')
		nl++;
	t->cseq_num = rebase(t, m, (sip_str){ ch->body.s, nl });
	t->from_tag = rebase(t, m, from->tag);
	t->to_tag = rebase(t, m, to->tag);
	t->from_body = rebase(t, m, sip_hdr_get(&m->sip, SIP_H_FROM)->body);
	t->to_body = rebase(t, m, sip_hdr_get(&m->sip, SIP_H_TO)->body);
	t->to_uri = rebase(t, m, to->uri);
	t->ruri = rebase(t, m, m->sip.ruri);
	t->via_value = rebase(t, m, v->value);
	t->via_branch = rebase(t, m, v->branch);
	t->via_host = rebase(t, m, v->host);
	t->via_transport = rebase(t, m, v->transport);
	t->via_port = v->port;
	tm_addr_set(&t->src, &m->src, m->srclen);
	t->srclen = m->srclen < sizeof t->src ? m->srclen : (socklen_t)sizeof t->src;
	t->src_port = m->src_port;
	t->rcv = m->rcv;
	t->mflags = m->mflags;
	t->msg_flags = m->flags;
	t->bflags0 = m->bflags;
	t->new_ruri = m->new_ruri.s ? (rc_str){ tm_cell_dup(t, m->new_ruri.s, m->new_ruri.len), m->new_ruri.len }
	                            : (rc_str){ NULL, 0 };
	t->dst_uri = m->dst_uri.s ? (rc_str){ tm_cell_dup(t, m->dst_uri.s, m->dst_uri.len), m->dst_uri.len }
	                          : (rc_str){ NULL, 0 };
	t->force_send = m->force_send;
	struct sockaddr_storage rto;
	if (rt_reply_dest(m, &rto, &t->rtolen) < 0) {
		tm_cell_unref(t);
		return NULL;
	}
	tm_addr_set(&t->rto, &rto, t->rtolen);
	tm_calc_md5(t, m);
	cell_times(t, m, cf);
	t->on_failure = m->tm_on_failure;
	t->on_reply = m->tm_on_reply;
	t->on_branch = m->tm_on_branch;
	t->on_bfail = m->tm_on_bfail;
	return t;
}

int tm_newtran(rc_msg_t *m)
{
	if (m->tm_t) {
		/* created before in this run of the script: flags may have changed */
		tm_lock(m->tm_t);
		m->tm_t->msg_flags = m->flags;
		tm_unlock(m->tm_t);
		return TM_E_SCRIPT;
	}
	if (!m->sip.is_request || !m->gen)
		return TM_E_BUG;
	unsigned hash;
	if (tm_msg_hash(m, &hash) < 0) {
		rt_log(RT_L_ERR, "tm: the request has no usable Call-ID or CSeq");
		return TM_E_BAD_TUPEL;
	}
	const tm_conf *cf = tm_conf_of(m->gen);
	int is_ack = m->sip.method_id == SIP_M_ACK;
	tm_cell *nt = NULL;
	if (!is_ack) {
		/* built before taking the bucket: the lock is held for the lookup only */
		if (!(nt = cell_for(m, cf, hash))) {
			const sip_via *v;
			return sip_get_via(&m->sip, 0, &v) < 0 ? TM_E_BAD_VIA : TM_E_OUT_OF_MEM;
		}
	}
	tm_cell *t;
	int canceled;
	tm_bucket_lock(hash);
	int rc = tm_match_request_locked(m, hash, cf, &t, &canceled);
	if (rc == TM_LK_FOUND) {
		tm_cell_ref(t);
		tm_bucket_unlock(hash);
		if (nt)
			tm_cell_unref(nt);
		m->tm_t = t;
		m->tm_mflags |= TM_M_FOUND | TM_M_LOOKED;
		if (is_ack) {
			tm_lock(t);
			tm_release(t);
			tm_unlock(t);
			m->tm_mflags |= TM_M_RELEASED;
		} else {
			tm_retransmit_reply(m, t);
		}
		return TM_NEWTRAN_RETR;
	}
	if (!nt) { /* an ACK for no transaction (or a 2xx's ACK): no state for it */
		tm_bucket_unlock(hash);
		m->tm_mflags |= TM_M_LOOKED;
		return 1;
	}
	tm_cell_insert_locked(nt);
	if (canceled)
		nt->flags |= TM_T_CANCELED;
	tm_bucket_unlock(hash);
	m->tm_t = nt; /* the creator's reference */
	m->tm_mflags |= TM_M_CREATED | TM_M_LOOKED;
	tm_stat(TS_UAS);
	return 1;
}

void tm_save_lumps(tm_cell *t, rc_msg_t *m)
{
	if (t->lumps_saved)
		return;
	t->lumps_saved = 1;
	const sip_lumps *l = &m->lumps;
	if (l->n > 0 && (t->lumps = tm_cell_mem(t, sizeof *t->lumps * (size_t)l->n))) {
		for (int i = 0; i < l->n; i++) {
			const sip_lump *s = &l->v[i];
			tm_lump *d = &t->lumps[t->nlumps];
			*d = (tm_lump){ s->off, s->del, s->len, s->where, NULL };
			if (s->len > 0 && !(d->text = tm_cell_dup(t, s->text, s->len)))
				break;
			t->nlumps++;
		}
	}
	/* $ru and $du as they are now: the failure route starts from them */
	t->new_ruri = m->new_ruri.s ? (rc_str){ tm_cell_dup(t, m->new_ruri.s, m->new_ruri.len), m->new_ruri.len }
	                            : (rc_str){ NULL, 0 };
	t->dst_uri = m->dst_uri.s ? (rc_str){ tm_cell_dup(t, m->dst_uri.s, m->dst_uri.len), m->dst_uri.len }
	                          : (rc_str){ NULL, 0 };
	/* and the Path with them (Kamailio's faked request has the clone's
	   path_vec): tm_serial_load gives it back to a failure route */
	t->reg_path = m->reg_path.len > 0 ? (rc_str){ tm_cell_dup(t, m->reg_path.s, m->reg_path.len),
	                                              m->reg_path.len }
	                                  : (rc_str){ NULL, 0 };
	t->force_send = m->force_send;
	t->bflags0 = m->bflags;
	t->mflags = m->mflags;
	if (m->tx_reply_hdrs.len > 0)
		t->reply_hdrs = (rc_str){ tm_cell_dup(t, m->tx_reply_hdrs.s, m->tx_reply_hdrs.len),
		                          m->tx_reply_hdrs.len };
}

/* The R-URI may be forked to: not used by an earlier relay (or, in a failure
 * route, set anew there: Kamailio's ruri_mark_new), and not moved into the
 * destination set by append_branch() without arguments, which keeps its
 * very text (Kamailio marks it consumed then). */
int tm_ruri_is_new(rc_msg_t *m)
{
	rc_str u = rt_msg_ruri(m);
	if (m->tm_ruri_used && m->tm_ruri_mark == u.s)
		return 0;
	for (int i = 0; i < m->nbranches; i++)
		if (m->branches[i].uri.s == u.s && m->branches[i].uri.len == u.len)
			return 0;
	return 1;
}

static void ruri_mark_used(rc_msg_t *m)
{
	m->tm_ruri_used = 1;
	m->tm_ruri_mark = rt_msg_ruri(m).s;
}

/* The message's state a branch route may change, to put back after it. */
typedef struct msg_state {
	rc_str new_ruri, dst_uri, path, instance;
	const rt_sock *force_send;
	unsigned bflags;
	int branch;
	unsigned mflags;
} msg_state;

/* One branch: its route, its destination, its bytes.  The message takes the
 * branch's R-URI, $du, Path and flags while its route runs and its bytes are
 * built (a Path becomes its Route header, rt_build_request), as Kamailio's
 * prepare_new_uac swaps them into the request.  The index, or a negative
 * error (TM_E_CFG when the branch route dropped it). */
static int add_branch(tm_cell *t, rc_msg_t *m, const rt_branch *br, const tm_dest *d,
                      rc_route_fn broute)
{
	rc_str uri = br->uri, dst_uri = br->dst_uri;
	if (t->nbr >= TM_MAX_BRANCHES) {
		rt_log(RT_L_ERR, "tm: maximum number of branches exceeded");
		return TM_E_TOO_MANY_BRANCHES;
	}
	int idx = t->nbr, rc = 0;
	msg_state ms = { m->new_ruri, m->dst_uri, m->reg_path, m->reg_instance, m->force_send,
	                 m->bflags, m->tm_branch, m->tm_mflags };
	sip_lumps saved; /* ~2.5 KB: add_branch does not recurse */
	/* the branch's R-URI: none when it is the request's own */
	if (uri.s == m->sip.ruri.s && uri.len == m->sip.ruri.len)
		m->new_ruri = (rc_str){ NULL, 0 };
	else
		m->new_ruri = uri;
	m->dst_uri = dst_uri.s && dst_uri.len ? dst_uri : (rc_str){ NULL, 0 };
	m->reg_path = br->path.s && br->path.len ? br->path : (rc_str){ NULL, 0 };
	m->reg_instance = br->instance;
	m->bflags = br->flags;
	if (broute) {
		saved = m->lumps; /* its edits are the branch's alone */
		m->tm_branch = idx;
		int fl = tm_run_route(t, broute, m, RC_RT_BRANCH);
		if (fl & RC_F_DROP) {
			rt_log(RT_L_DBG, "tm: branch %d dropped in branch_route", idx);
			rc = TM_E_CFG;
			goto out;
		}
	}
	struct sockaddr_storage to;
	socklen_t tolen;
	if (d && d->set) {
		to = d->to;
		tolen = d->tolen;
	} else if (rt_uri_dest(m, 0, &to, &tolen) < 0) {
		rc = TM_E_BAD_ADDRESS;
		goto out;
	}
	const rt_sock *s = rt_sock_for(to.ss_family, m->force_send ? m->force_send : m->rcv);
	if (!s) {
		rt_log(RT_L_ERR, "tm: no socket to send to that address family");
		rc = TM_E_NO_SOCKET;
		goto out;
	}
	char bid[96];
	tm_branch_id(t, idx, bid, (int)sizeof bid);
	char *bbuf = rt_scratch(&bbuf_slot, TM_BBUF);
	int n = bbuf ? rt_build_request(m, &m->lumps, s, &to, bid, bbuf, TM_BBUF) : -1;
	tm_branch *b = tm_cell_mem(t, sizeof *b);
	if (n < 0 || !b) {
		rc = n < 0 && bbuf ? TM_E_BAD_REQ : TM_E_OUT_OF_MEM;
		goto out;
	}
	memset(b, 0, sizeof *b);
	if (!(b->buf = tm_cell_dup(t, bbuf, n))) {
		rc = TM_E_OUT_OF_MEM;
		goto out;
	}
	b->len = n;
	tm_addr_set(&b->to, &to, tolen);
	b->tolen = tolen;
	b->sock = s;
	rc_str u = rt_msg_ruri(m);
	b->uri = (rc_str){ tm_cell_dup(t, u.s, u.len), u.len };
	if (m->dst_uri.s)
		b->dst_uri = (rc_str){ tm_cell_dup(t, m->dst_uri.s, m->dst_uri.len), m->dst_uri.len };
	if (m->reg_instance.len > 0)
		b->instance = (rc_str){ tm_cell_dup(t, m->reg_instance.s, m->reg_instance.len),
		                        m->reg_instance.len };
	b->bflags = m->bflags;
	b->on_reply = t->on_reply;
	b->on_failure = t->on_failure;
	b->on_bfail = t->on_bfail;
	t->br[idx] = b;
	atomic_thread_fence(memory_order_release); /* reply matching reads nbr unlocked */
	t->nbr = idx + 1;
	rc = idx;
out:
	if (broute)
		m->lumps = saved;
	m->new_ruri = ms.new_ruri;
	m->dst_uri = ms.dst_uri;
	m->reg_path = ms.path;
	m->reg_instance = ms.instance;
	m->force_send = ms.force_send;
	m->bflags = ms.bflags;
	m->tm_branch = ms.branch;
	return rc;
}

static int send_branch(tm_cell *t, int i, rc_msg_t *m)
{
	tm_branch *b = t->br[i];
	if (tm_send(m->worker ? m : NULL, b->sock, &b->to, b->tolen, b->buf, b->len) < 0) {
		/* "faked" final without a reply: never picked (Kamailio's 408 here) */
		b->last = 408;
		rt_log(RT_L_WARN, "tm: sending request on branch %d failed", i);
		return -1;
	}
	long long now = tm_now(), fr = now + t->fr;
	b->retr_iv = 2 * t->t1; /* the interval after the first retransmission */
	b->retr_at = now + t->t1;
	b->fr_at = fr < t->end_of_life ? fr : t->end_of_life;
	return 0;
}

int tm_forward_nonack(tm_cell *t, rc_msg_t *m, rc_ctx_t *c, const tm_dest *d)
{
	int lowest = TM_E_UNSPEC, added = 0, tried = 0, sent = 0;
	unsigned bm = 0;
	if (m->sip.method_id == SIP_M_CANCEL && tm_cancel_from_nonack(t, m)) {
		m->tm_mflags |= TM_M_FWDED;
		return 1;
	}
	tm_lock(t);
	if (t->flags & TM_T_CANCELED)
		goto canceled;
	int first = t->nbr;
	rc_route_fn broute = t->on_branch;
	if (broute) {
		t->on_branch_delayed = broute;
		t->on_branch = 0;
		m->tm_on_branch = 0;
	}
	if (first == 0 && !(m->tm_mflags & TM_M_FAKED))
		tm_save_lumps(t, m);
	if (!(m->tm_mflags & TM_M_FAKED))
		tm_avps_save(t, m); /* set before t_relay: the transaction's from now on */
	/* the R-URI first when it is new (i == -1), then the destination set */
	rt_branch ruri = { .uri = rt_msg_ruri(m), .dst_uri = m->dst_uri, .path = m->reg_path,
	                   .q = rt_ruri_q(m), .flags = m->bflags, .instance = m->reg_instance };
	for (int i = tm_ruri_is_new(m) ? -1 : 0; i < m->nbranches; i++) {
		const rt_branch *rb = i < 0 ? &ruri : &m->branches[i];
		tried++;
		int r = add_branch(t, m, rb, d, broute);
		if (t->flags & TM_T_CANCELED)
			goto canceled;
		if (r >= 0) {
			bm |= 1u << r;
			added++;
		} else if (r < lowest) {
			lowest = r;
		}
	}
	m->nbranches = 0; /* consumed (Kamailio's clear_branches: the R-URI's q too) */
	rt_set_ruri_q(m, -1);
	ruri_mark_used(m);
	t->msg_flags = m->flags;
	if (!added) {
		tm_unlock(t);
		if (!tried) {
			rt_log(RT_L_ERR, "tm: no branches for forwarding");
			return m->tm_err = TM_E_CFG;
		}
		if (lowest != TM_E_CFG)
			rt_log(RT_L_ERR, "tm: failure to add branches");
		return m->tm_err = lowest;
	}
	t->br[first]->rb |= TM_RB_FB;
	for (int i = first; i < t->nbr; i++)
		if ((bm & (1u << i)) && send_branch(t, i, m) == 0)
			sent++;
	tm_timer_update(t);
	tm_unlock(t);
	if (!sent) {
		m->tm_err = TM_E_SEND;
		return -1;
	}
	m->tm_mflags |= TM_M_FWDED;
	m->forwarded = 1;
	m->tm_err = 0;
	return 1;
canceled:
	rt_log(RT_L_DBG, "tm: no forwarding on a canceled transaction");
	m->nbranches = 0;
	t->msg_flags = m->flags;
	tm_unlock(t);
	m->tm_err = TM_E_CANCELED;
	return -1;
}

/* Stateless forwarding of an ACK that has no transaction. */
static int forward_ack(rc_msg_t *m, const tm_dest *d)
{
	if (d && d->set)
		return rt_forward_request(m, &d->to, d->tolen) > 0 ? 1 : -1;
	struct sockaddr_storage to;
	socklen_t tolen;
	if (rt_uri_dest(m, 0, &to, &tolen) < 0)
		return TM_E_BAD_ADDRESS;
	return rt_forward_request(m, &to, tolen) > 0 ? 1 : -1;
}

int tm_relay(rc_msg_t *m, rc_ctx_t *c, const tm_dest *d, int replicate)
{
	if (c->route_type & (RC_RT_FAILURE | RC_RT_BRANCH_FAILURE)) {
		tm_cell *t = m->tm_t;
		if (!t) {
			rt_log(RT_L_CRIT, "tm: t_relay in a failure route without a transaction");
			return -1;
		}
		int r = tm_forward_nonack(t, m, c, d);
		if (r <= 0) {
			if (r != TM_E_CFG)
				rt_log(RT_L_ERR, "tm: t_forward_nonack failed");
			t->failure_err = m->tm_err; /* for the reply if nothing else goes out */
			return -1;
		}
		return 1;
	}
	if (!(c->route_type & RC_RT_REQUEST) && c->route_type != RC_RT_EVENT) {
		rt_log(RT_L_CRIT, "tm: t_relay: unsupported route type %d", c->route_type);
		return 0;
	}
	int ret;
	tm_cell *t;
	if (m->sip.method_id == SIP_M_CANCEL) {
		ret = tm_forward_cancel(m, d);
		t = m->tm_t;
		if (!t)
			return ret;
		goto handle_ret;
	}
	int nt = tm_newtran(m);
	if (nt != TM_E_SCRIPT) {
		if (nt < 0) {
			m->sl_err = m->tm_err = nt;
			return nt;
		}
		if (nt == TM_NEWTRAN_RETR)
			return 1;
	} else if (m->sip.method_id == SIP_M_ACK) {
		tm_lock(m->tm_t);
		tm_release(m->tm_t);
		tm_unlock(m->tm_t);
		return 1;
	}
	if (m->sip.method_id == SIP_M_ACK)
		return forward_ack(m, d);
	t = m->tm_t;
	if (replicate)
		t->flags |= TM_T_LOCAL;
	if (m->sip.method_id == SIP_M_INVITE && (t->flags & TM_T_AUTO100) &&
	    atomic_load(&t->uas_status) < 100) {
		const tm_conf *cf = t->conf;
		tm_reply(t, m, 100, cf->auto_inv_100_reason);
	}
	ret = tm_forward_nonack(t, m, c, d);
handle_ret:
	if (ret <= 0) {
		int err = m->tm_err ? m->tm_err : ret < 0 ? ret : TM_E_UNSPEC;
		m->sl_err = err;
		if (!replicate) {
			if (t->flags & TM_T_NO_INT_REPLY) {
				/* no reply: the transaction lives on, the script decides */
				return -4;
			}
			if (tm_kill(t, err) <= 0) {
				tm_lock(t);
				tm_release(t);
				tm_unlock(t);
			}
		} else {
			tm_lock(t);
			tm_release(t);
			tm_unlock(t);
		}
	}
	return ret;
}

void tm_msg_done(rc_msg_t *m)
{
	tm_cell *t = m->tm_t;
	if (m->tm_precheck)
		tm_precheck_done(m);
	if (!t || (m->tm_mflags & TM_M_FAKED))
		return;
	if (m->sip.is_request && (m->tm_mflags & TM_M_CREATED) &&
	    !(m->tm_mflags & (TM_M_REPLIED | TM_M_FWDED | TM_M_RELEASED)) &&
	    atomic_load(&t->uas_status) < 200 && !(t->flags & TM_T_SUSPENDED) && t->nbr == 0) {
		/* created and left alone by the script: Kamailio's "script writer
		   didn't release transaction" */
		rt_log(RT_L_WARN, "tm: script writer didn't release transaction");
		tm_lock(t);
		tm_release(t);
		tm_unlock(t);
	}
	m->tm_t = NULL;
	tm_cell_unref(t);
}
