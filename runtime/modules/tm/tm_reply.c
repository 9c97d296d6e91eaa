/* tm_reply.c: replies: local ones (t_reply), received ones, faked ones, and
 * sending upstream the one tm_relay.c chose (kamailio-runtime.md 1.6).
 *
 * A received reply matched to (T, branch), under T's lock:
 *   1. a reply to our CANCEL only stops the CANCEL's timers;
 *   2. final: the branch's timers stop; a negative final to an INVITE gets
 *      its hop-by-hop ACK now, before any route (every retransmission too);
 *      provisional on a branch we cancel: (re)send the CANCEL, done;
 *      provisional: an INVITE branch stops retransmitting, a non-INVITE one
 *      slows to T2;
 *   3. the branch's onreply_route[] (drop honoured for provisionals only);
 *   4. relay_reply: tm_should_relay (tm_relay.c) decides (a final already
 *      sent: only INVITE 2xx pass; >= 300: stored, the branch-failure route runs, and
 *      when every branch is final the best is picked, the failure route
 *      runs, and the picked reply goes up unless the route replied or added
 *      branches; 1xx (not 100) and 2xx go up at once, a 2xx cancels the
 *      branches still pending); a 401/407 going up carries the challenges
 *      of every branch (tm_challenges);
 *   5. an INVITE branch's FR becomes fr_inv on a 1xx (restart_fr_on_each_reply).
 * Faked replies (408 on timeout, 487 after a CANCEL, 503 on a send error)
 * take step 4 alone.  What goes upstream is kept for retransmissions; a
 * completed transaction goes on the wait timer at once, a negative final to
 * an INVITE is also retransmitted until the ACK (tm_timer.c).
 */
#include "modules/tm/tm.h"

#include <stdio.h>
#include <string.h>

#include "core/forward.h"
#include "core/scratch.h"
#include "core/worker.h"
#include "sip/build.h"

/* Per thread, allocated at its first use (core/scratch.h): the reply being
   built, its extra header lines, and the messages parsed to build it. */
#define TM_OBUF 65536
#define TM_HBUF 16384 /* the header lines of a reply of tm's own */
typedef struct reply_msgs {
	sip_msg rq, stored;
} reply_msgs;
static _Thread_local void *obuf_slot, *msgs_slot, *hbuf_slot;

static char *out_buf(void)
{
	return rt_scratch(&obuf_slot, TM_OBUF);
}

static reply_msgs *msgs(void)
{
	return rt_scratch_zero(&msgs_slot, sizeof(reply_msgs));
}

/* The cell's request, parsed (for building replies off the request route). */
static sip_msg *cell_request(tm_cell *t)
{
	reply_msgs *x = msgs();
	if (!x || sip_parse(&x->rq, t->req, (size_t)t->req_len) < 0)
		return NULL;
	return &x->rq;
}

int tm_store_reply(tm_cell *t, int bi, rc_msg_t *m)
{
	tm_branch *b = t->br[bi];
	if (!m) {
		b->rpl = NULL;
		b->rpl_faked = 1;
		return 0;
	}
	int n = sip_lump_size(&m->sip, &m->lumps);
	if (n < 0) {
		rt_log(RT_L_ERR, "tm: cannot store the %d reply of branch %d: %s", m->sip.status, bi,
		       sip_strerror(n));
		return -1;
	}
	char *d = tm_cell_mem(t, (size_t)n + 1);
	if (!d || sip_lump_apply(&m->sip, &m->lumps, d, (size_t)n + 1) != n)
		return -1;
	d[n] = '\0';
	b->rpl = d;
	b->rpl_len = n;
	b->rpl_faked = 0;
	return 0;
}

/* The reply upstream: what was received minus our Via, with its edits. */
static int build_relayed(rc_msg_t *m, char *out, int cap)
{
	sip_lumps l = m->lumps;
	sip_lump_del_via1(&l);
	return sip_lump_apply(&m->sip, &l, out, (size_t)cap);
}

static int build_stored(const tm_branch *b, char *out, int cap)
{
	reply_msgs *x = msgs();
	sip_lumps l;
	if (!x || sip_parse(&x->stored, b->rpl, (size_t)b->rpl_len) < 0)
		return -1;
	sip_lumps_init(&l, &x->stored);
	sip_lump_del_via1(&l);
	return sip_lump_apply(&x->stored, &l, out, (size_t)cap);
}

/* Keep what was sent upstream for retransmissions. */
static int keep_resp(tm_cell *t, const char *buf, int len)
{
	if (len > t->resp_cap) {
		/* room for the next, longer, reply: an INVITE's 100 Trying is
		   followed by a reply about the request's size; a final reply
		   is the last one kept (most non-INVITEs keep only it): no room */
		int fin = len > 8 && buf[8] >= '2';
		int cap = fin ? len : len < 512 ? len + 256 : len + 64;
		if (t->is_invite && !fin && cap < t->req_len + 128)
			cap = t->req_len + 128;
		char *d = tm_cell_mem(t, (size_t)cap);
		if (!d)
			return -1;
		t->resp = d;
		t->resp_cap = cap;
	}
	memcpy(t->resp, buf, (size_t)len);
	t->resp_len = len;
	return 0;
}

static void send_upstream(tm_cell *t, rc_msg_t *m, const char *buf, int len)
{
	if (t->flags & TM_T_UAC)
		return;
	if (tm_send(m && m->worker ? m : NULL, t->rcv, &t->rto, t->rtolen, buf, len) < 0)
		rt_log(RT_L_ERR, "tm: sending the reply upstream failed");
}

/* ---- local replies (t_reply) ------------------------------------------------------ */

/* "Contact: <u1>;q=0.5, <u2>\r\n": the destination set of a redirect. */
static int dset_contact(rc_msg_t *m, char *out, int cap)
{
	int n = 0, first = 1;
	if (!m->new_ruri.s && !m->nbranches)
		return 0;
	n += snprintf(out + n, (size_t)(cap - n), "Contact: ");
	if (m->new_ruri.s) {
		n += snprintf(out + n, (size_t)(cap - n), "<%.*s>", m->new_ruri.len, m->new_ruri.s);
		first = 0;
	}
	for (int i = 0; i < m->nbranches && n < cap; i++) {
		const rt_branch *b = &m->branches[i];
		n += snprintf(out + n, (size_t)(cap - n), "%s<%.*s>", first ? "" : ", ", b->uri.len, b->uri.s);
		first = 0;
		if (b->q >= 0 && n < cap) {
			char q[16];
			int ql = b->q >= 1000 ? snprintf(q, sizeof q, "1") : snprintf(q, sizeof q, "0.%03d", b->q);
			while (ql > 1 && q[ql - 1] == '0')
				ql--;
			if (q[ql - 1] == '.')
				ql--;
			n += snprintf(out + n, (size_t)(cap - n), ";q=%.*s", ql, q);
		}
	}
	if (n < cap)
		n += snprintf(out + n, (size_t)(cap - n), "\r\n");
	return n < cap ? n : 0;
}

static void reply_failed(tm_cell *t);

int tm_reply(tm_cell *t, rc_msg_t *rm, int code, rc_str reason)
{
	sip_msg *req = rm ? &rm->sip : cell_request(t);
	if (!req || code < 100 || code > 699) {
		rt_log(RT_L_ERR, "tm: cannot reply %d", code);
		return -1;
	}
	char hdrs[2048];
	rc_str h = t->reply_hdrs; /* off the request route: the cell's request's lines */
	if (rm) {
		h = rm->tx_reply_hdrs;
		if (code >= 300 && code < 400) {
			int n = h.len < (int)sizeof hdrs ? h.len : 0;
			if (n)
				memcpy(hdrs, h.s, (size_t)n);
			int c = dset_contact(rm, hdrs + n, (int)sizeof hdrs - n);
			if (c) {
				h.s = hdrs;
				h.len = n + c;
			}
		}
	}
	if (!reason.s)
		reason = (rc_str){ tm_status_text(code), (int)strlen(tm_status_text(code)) };
	tm_lock(t);
	int st = atomic_load(&t->uas_status);
	if (st >= 200) {
		rt_log(RT_L_INFO, "tm: can't generate %d reply when a final %d was sent out", code, st);
		goto error;
	}
	char *obuf = out_buf();
	int len = obuf ? tm_build_local_reply(t, req, code, reason, h, obuf, TM_OBUF) : -1;
	if (len < 0) {
		rt_log(RT_L_ERR, "tm: cannot build the %d reply: %s", code, sip_strerror(len));
		goto error;
	}
	int rc = tm_reply_buf(t, rm, code, obuf, len);
	tm_unlock(t);
	return rc;
error:
	reply_failed(t);
	tm_unlock(t);
	return -1;
}

/* A local reply that could not be sent ends the transaction as Kamailio's
 * _reply_light does on error: no timers, the INVITE's branches cancelled. */
static void reply_failed(tm_cell *t)
{
	tm_stop_branch_timers(t);
	if (t->is_invite)
		tm_cancel_branches(t, tm_pending_branches(t), 1);
	tm_put_on_wait(t);
}

int tm_reply_buf(tm_cell *t, rc_msg_t *rm, int code, const char *buf, int len)
{
	tm_lock(t);
	int st = atomic_load(&t->uas_status);
	if (st >= 200) {
		rt_log(RT_L_INFO, "tm: can't generate %d reply when a final %d was sent out", code, st);
		goto error;
	}
	if (keep_resp(t, buf, len) < 0)
		goto error;
	atomic_store(&t->uas_status, code);
	t->relayed = -2;
	tm_stat(TS_RPL_GENERATED);
	tm_stat(TS_RPL_SENT);
	if (code >= 200) {
		tm_stats_final(t, code);
		tm_stop_branch_timers(t);
		if (t->is_invite) {
			unsigned bm = tm_pending_branches(t);
			t->cancel_cause = code;
			tm_cancel_branches(t, bm, 1);
		}
		tm_start_final_retr(t);
		if (rm) {
			rm->tm_mflags |= TM_M_REPLIED;
			rm->replied = 1;
		}
	}
	send_upstream(t, rm, t->resp, t->resp_len);
	if (code >= 200)
		tm_put_on_wait(t);
	tm_unlock(t);
	return 1;
error:
	reply_failed(t);
	tm_unlock(t);
	return -1;
}

int tm_retransmit_reply(rc_msg_t *m, tm_cell *t)
{
	int rc = -1;
	tm_lock(t);
	if (t->resp && t->resp_len > 0) {
		send_upstream(t, m, t->resp, t->resp_len);
		rc = 1;
	}
	tm_unlock(t);
	return rc;
}

int tm_kill(tm_cell *t, int err)
{
	char text[160];
	int code;
	int n = tm_err2reason(err, &code, text, (int)sizeof text);
	return tm_reply(t, NULL, code, (rc_str){ text, n });
}

/* ---- what goes upstream ------------------------------------------------------------- */

/* The lines of a 401/407 that aggregates the branches' challenges into
 * *hdrs (a per-thread buffer): 1, or 0 to relay the picked reply as it is
 * (fewer than two challenges, aggregate_challenges off, too long). */
static int challenges(tm_cell *t, int bi, rc_msg_t *rpl, rc_str *hdrs)
{
	char *hb = rt_scratch(&hbuf_slot, TM_HBUF);
	int len;
	if (!hb || tm_challenges(t, bi, rpl, hb, TM_HBUF, &len) <= 0)
		return 0;
	*hdrs = (rc_str){ hb, len };
	return 1;
}

/* Relay what should_relay picked (cell locked).  rpl: the reply being
 * processed, NULL for a faked one. */
static int relay_reply(tm_cell *t, rc_msg_t *rpl, int bi, int code, int put_on_wait)
{
	int store, relay;
	int rs = tm_should_relay(t, code, bi, &store, &relay, rpl);
	tm_branch *b = t->br[bi];
	if (store && !tm_pickable(b) && tm_store_reply(t, bi, rpl) < 0) {
		rt_log(RT_L_ERR, "tm: reply processing error");
		tm_reply(t, NULL, 500, (rc_str){ "Reply processing error", 22 });
		return TM_RPS_ERROR;
	}
	if (store && rpl == NULL)
		b->rpl_faked = 1;
	if (relay >= 0) {
		const tm_branch *rb = t->br[relay];
		int faked = relay == bi ? rpl == NULL : rb->rpl_faked && !rb->rpl;
		int rcode = relay == bi ? code : rb->last, len;
		int local = faked;
		char *obuf = out_buf();
		/* a reply of tm's own carries the request route's append_to_reply
		   lines, as every reply built from the request */
		rc_str hdrs = t->reply_hdrs;
		if (!obuf)
			return TM_RPS_ERROR;
		if (faked && (t->flags & TM_T_CANCELED))
			rcode = 487;
		else if (!faked && rcode == 503 && t->conf->remap_503_500)
			local = 1; /* a final 503 goes up as a 500 (RFC 3261 16.7 step 6) */
		else if ((rcode == 401 || rcode == 407) && challenges(t, bi, rpl, &hdrs) > 0)
			local = 1; /* every branch's challenges in a reply of tm's own */
		if (local) {
			sip_msg *req = cell_request(t);
			const char *txt = tm_status_text(rcode);
			len = req ? tm_build_local_reply(t, req, rcode == 503 ? 500 : rcode,
			                                 (rc_str){ txt, (int)strlen(txt) }, hdrs, obuf,
			                                 TM_OBUF)
			          : -1;
			if (rcode == 503)
				rcode = 500;
		} else if (relay == bi) {
			len = build_relayed(rpl, obuf, TM_OBUF);
		} else {
			len = build_stored(rb, obuf, TM_OBUF);
		}
		if (len < 0) {
			rt_log(RT_L_ERR, "tm: cannot build the %d reply to relay", rcode);
			return TM_RPS_ERROR;
		}
		tm_stat(TS_RPL_SENT);
		tm_stat(local ? TS_RPL_GENERATED : TS_RPL_RELAYED);
		if (rs != TM_RPS_PUSHED_AFTER_COMPLETION) {
			if (keep_resp(t, obuf, len) < 0)
				return TM_RPS_ERROR;
			atomic_store(&t->uas_status, rcode);
			t->relayed = relay;
			if (rcode >= 200)
				tm_stats_final(t, rcode);
		}
		if (rs == TM_RPS_COMPLETED)
			tm_start_final_retr(t);
		send_upstream(t, rpl, obuf, len);
		if (put_on_wait && rs == TM_RPS_COMPLETED)
			tm_put_on_wait(t);
	}
	return rs;
}

/* Local transactions (t_replicate, tm_uac_request): nothing goes upstream;
 * the UAC callback gets the final reply. */
static int local_reply(tm_cell *t, rc_msg_t *rpl, int bi, int code)
{
	int store, relay;
	int rs = tm_should_relay(t, code, bi, &store, &relay, rpl);
	if (store && !tm_pickable(t->br[bi]))
		tm_store_reply(t, bi, rpl);
	if (relay >= 0 && rs != TM_RPS_PROVISIONAL) {
		const tm_branch *rb = t->br[relay];
		int rcode = relay == bi ? code : rb->last;
		if (rs != TM_RPS_PUSHED_AFTER_COMPLETION) {
			atomic_store(&t->uas_status, rcode);
			t->relayed = relay;
			if (rcode >= 200)
				tm_stats_final(t, rcode);
		}
		if (t->uac_cb && rcode >= 200) {
			const char *p = NULL;
			int l = 0;
			if (relay == bi && rpl) {
				p = rpl->sip.buf;
				l = rpl->sip.len;
			} else if (rb->rpl) {
				p = rb->rpl;
				l = rb->rpl_len;
			}
			t->uac_cb(t, rcode, p, l, t->uac_arg);
		}
	}
	return rs;
}

void tm_fake_reply(tm_cell *t, int bi, int code)
{
	tm_branch *b = t->br[bi];
	/* a branch with a provisional gets our CANCEL (fr_inv timeout) */
	int do_cancel = t->is_invite && b->last >= 100 && b->last < 200 &&
	                !(b->rb & TM_RB_CANCEL_SENT) && !(b->rb & TM_RB_BLIND);
	if (do_cancel)
		b->rb |= TM_RB_CANCEL_SENT;
	b->rb |= TM_RB_CANCELED;
	int rs;
	if (t->flags & (TM_T_LOCAL | TM_T_UAC))
		rs = local_reply(t, NULL, bi, code);
	else
		rs = relay_reply(t, NULL, bi, code, 0);
	if (rs == TM_RPS_COMPLETED) {
		tm_stop_branch_timers(t);
		if (t->is_invite)
			tm_cancel_branches(t, tm_pending_branches(t), 1);
	}
	if (do_cancel) {
		b->rb &= ~TM_RB_CANCEL_SENT; /* tm_cancel_branch_now marks it itself */
		tm_cancel_branch_now(t, bi, 0); /* Kamailio sends it without a Reason */
	}
	if (rs == TM_RPS_COMPLETED)
		tm_put_on_wait(t);
	tm_timer_update(t);
}

/* ---- received replies ----------------------------------------------------------------- */

static void ack_negative(tm_cell *t, int bi, rc_msg_t *m)
{
	const tm_branch *b = t->br[bi];
	const sip_hdr *to = sip_hdr_get(&m->sip, SIP_H_TO);
	if (!b->buf || !to) {
		rt_log(RT_L_ERR, "tm: cannot generate a hop-by-hop ACK: no To in the reply");
		return;
	}
	char ack[8192];
	rc_str line = { m->sip.buf + to->start, to->end - to->start };
	int n = tm_build_from_branch(t, bi, "ACK", line, (rc_str){ NULL, 0 }, ack, (int)sizeof ack);
	if (n > 0)
		tm_send(m, b->sock, &b->to, b->tolen, ack, n);
}

tm_cell *tm_msg_cell(rc_msg_t *m)
{
	if (m->tm_t || (m->tm_mflags & TM_M_LOOKED))
		return m->tm_t;
	m->tm_mflags |= TM_M_LOOKED;
	if (m->sip.is_request) {
		unsigned hash;
		int canceled;
		tm_cell *t = NULL;
		if (tm_msg_hash(m, &hash) < 0)
			return NULL;
		tm_bucket_lock(hash);
		int rc = tm_match_request_locked(m, hash, tm_conf_of(m->gen), &t, &canceled);
		if (rc == TM_LK_FOUND)
			tm_cell_ref(t);
		tm_bucket_unlock(hash);
		if (rc != TM_LK_FOUND)
			return NULL;
		m->tm_t = t;
		m->tm_mflags |= TM_M_FOUND;
		return t;
	}
	int br;
	tm_cell *t = tm_match_reply(m, &br);
	if (t) {
		m->tm_t = t;
		m->tm_branch = br;
		m->tm_mflags |= TM_M_FOUND;
	}
	return t;
}

/* Step 4 and 5 of a received reply (after its onreply_route): relayed or
 * stored, the branch's timers. */
static void go_on(tm_cell *t, rc_msg_t *m, int bi, int code, int last, long long now)
{
	tm_branch *b = t->br[bi];
	int rs;
	if (t->flags & (TM_T_LOCAL | TM_T_UAC)) {
		rs = local_reply(t, m, bi, code);
		if (rs == TM_RPS_COMPLETED) {
			tm_stop_branch_timers(t);
			if (t->is_invite)
				tm_cancel_branches(t, tm_pending_branches(t), 1);
			tm_put_on_wait(t);
		} else if (t->flags & TM_T_6XX) {
			/* cancel_uacs was asked by should_relay */
		}
	} else {
		rs = relay_reply(t, m, bi, code, 1);
		if (rs == TM_RPS_COMPLETED) {
			tm_stop_branch_timers(t);
			/* a 2xx completes an INVITE with branches still open */
			if (t->is_invite)
				tm_cancel_branches(t, tm_pending_branches(t), 1);
		}
	}
	b->rb |= TM_RB_REPLIED;
	if (rs == TM_RPS_ERROR)
		return;
	if (t->is_invite && code < 200 && b->last < 200 &&
	    (t->conf->restart_fr_on_each_reply || (last < code && (code >= 180 || last == 0)))) {
		long long at = now + t->fr_inv;
		b->fr_at = at < t->end_of_life ? at : t->end_of_life;
		b->rb |= TM_RB_FR_INV;
	}
}

int tm_reply_suspend_keep(tm_cell *t, rc_msg_t *m)
{
	if (t->srpl && !(m->tm_mflags & TM_M_FAKED))
		return 0; /* suspended again (a retransmission): the first one stays */
	int n = sip_lump_size(&m->sip, &m->lumps);
	char *d = n >= 0 ? tm_cell_mem(t, (size_t)n + 1) : NULL;
	if (!d || sip_lump_apply(&m->sip, &m->lumps, d, (size_t)n + 1) != n) {
		rt_log(RT_L_ERR, "tm: cannot keep the suspended %d reply of transaction %u:%u",
		       m->sip.status, t->hash, t->label);
		return -1;
	}
	d[n] = '\0';
	t->srpl = d;
	t->srpl_len = n;
	return 0;
}

void tm_reply_resume(tm_cell *t, rc_msg_t *m, int bi)
{
	go_on(t, m, bi, m->sip.status, t->br[bi]->last, tm_now());
	tm_timer_update(t);
}

int tm_reply_received(rc_msg_t *m)
{
	tm_cell *t = tm_msg_cell(m);
	if (!t)
		return 0;
	int bi = m->tm_branch;
	tm_stat(TS_RPL_RECEIVED);
	tm_set_cur_worker(m->worker);
	const sip_cseq *cs;
	int code = m->sip.status;
	tm_lock(t);
	tm_branch *b = t->br[bi];
	int last = b->last;
	long long now = tm_now();
	if (sip_get_cseq(&m->sip, &cs) == 0 && cs->method_id == SIP_M_CANCEL && t->is_invite) {
		/* a reply to our CANCEL */
		b->cretr_at = 0;
		if (code >= 200)
			b->cfr_at = 0;
		goto done;
	}
	if (code >= 200) {
		b->retr_at = b->fr_at = 0;
		if (t->is_invite && code >= 300)
			ack_negative(t, bi, m);
		else if (t->is_invite && (t->flags & TM_T_UAC))
			tm_uac_ack_2xx(t, bi, m); /* our own INVITE's 2xx */
	} else {
		if (b->rb & TM_RB_CANCELED) {
			/* we cancel this branch: its first 1xx gets the CANCEL */
			if (b->cbuf)
				tm_send(m, b->sock, &b->to, b->tolen, b->cbuf, b->clen);
			else if (!(b->rb & TM_RB_CANCEL_SENT))
				tm_cancel_branch_now(t, bi, -1);
			goto done;
		}
		if (t->is_invite) {
			b->retr_at = 0;
		} else if (b->buf) {
			b->rb |= TM_RB_T2;
			b->retr_at = now + t->t2;
		}
	}
	if (b->on_reply) {
		m->flags = t->msg_flags;
		m->bflags = b->bflags;
		if (code > last)
			b->last = code; /* functions in the route see this reply as the branch's */
		struct pv_avp *own = m->pv_avps;
		tm_avps_load(t, m);
		int fl = tm_run_route(t, b->on_reply, m, RC_RT_TM_ONREPLY);
		tm_avps_save(t, m);
		m->pv_avps = own;
		b->last = last;
		t->msg_flags = m->flags;
		b->bflags = m->bflags;
		if ((fl & RC_F_DROP) && code < 200)
			goto done;
	}
	if (m->tm_mflags & TM_M_SUSPENDED) {
		/* t_suspend() in the route: the reply waits for t_continue */
		tm_reply_suspend_keep(t, m);
		goto done;
	}
	if (t->flags & TM_T_SUSPENDED)
		goto done; /* as in Kamailio, any reply of a suspended transaction */
	go_on(t, m, bi, code, last, now);
done:
	tm_timer_update(t);
	tm_unlock(t);
	return 1;
}
