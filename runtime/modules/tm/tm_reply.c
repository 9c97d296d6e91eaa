/* tm_reply.c: replies: local ones (t_reply), received ones, faked ones, and
 * the choice of what goes upstream (kamailio-runtime.md 1.6).
 *
 * A received reply matched to (T, branch), under T's lock:
 *   1. a reply to our CANCEL only stops the CANCEL's timers;
 *   2. final: the branch's timers stop; a negative final to an INVITE gets
 *      its hop-by-hop ACK now, before any route (every retransmission too);
 *      provisional on a branch we cancel: (re)send the CANCEL, done;
 *      provisional: an INVITE branch stops retransmitting, a non-INVITE one
 *      slows to T2;
 *   3. the branch's onreply_route[] (drop honoured for provisionals only);
 *   4. relay_reply: should_relay decides (a final already sent: only
 *      INVITE 2xx pass; >= 300: stored, the branch-failure route runs, and
 *      when every branch is final the best is picked, the failure route
 *      runs, and the picked reply goes up unless the route replied or added
 *      branches; 1xx (not 100) and 2xx go up at once, a 2xx cancels the
 *      branches still pending);
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
#include "core/worker.h"
#include "sip/build.h"

enum { RPS_ERROR, RPS_PUSHED_AFTER_COMPLETION, RPS_DISCARDED, RPS_STORE, RPS_COMPLETED,
       RPS_PROVISIONAL };

#define TM_OBUF 65536
static _Thread_local char obuf[TM_OBUF];
static _Thread_local sip_msg rq;

/* The cell's request, parsed (for building replies off the request route). */
static sip_msg *cell_request(tm_cell *t)
{
	if (sip_parse(&rq, t->req, (size_t)t->req_len) < 0)
		return NULL;
	return &rq;
}

int tm_reply_prio(int code, int faked, int faked_prio)
{
	int cls = code / 100, xx = code % 100, prio;
	static const int base[7] = { 32000, 11000, 0, 3000, 4000, 5000, 1000 };
	if (cls < 7) {
		prio = base[cls];
		if (cls == 4)
			prio += (xx == 1 || xx == 7 || xx == 15 || xx == 20 || xx == 84) ? xx : 100 + xx;
		else
			prio += xx;
	} else {
		prio = 10000 + code;
	}
	return faked ? prio + faked_prio : prio;
}

/* A branch's final reply can be picked: received and stored, or faked. */
static int pickable(const tm_branch *b)
{
	return (b->rpl || b->rpl_faked) && !(b->rb & TM_RB_DROPPED);
}

int tm_pick_branch(tm_cell *t, int inc_branch, int inc_code, int *code)
{
	int best_b = -1, best_s = 0, best_faked = 0;
	int fp = t->conf->faked_reply_prio;
	for (int i = 0; i < t->nbr; i++) {
		const tm_branch *b = t->br[i];
		if (i == inc_branch) {
			/* the reply being processed is not stored yet: as in Kamailio,
			   it never gets the faked_reply_prio penalty */
			if (tm_reply_prio(inc_code, 0, fp) < tm_reply_prio(best_s, best_faked, fp)) {
				best_b = i;
				best_s = inc_code;
				best_faked = 0;
			}
			continue;
		}
		if (!b->buf && b->last >= 200) /* a blind branch that ended */
			continue;
		if (b->last < 200 && !((t->flags & TM_T_CONTINUE) && i == t->blind))
			return -2;
		if (pickable(b) && tm_reply_prio(b->last, b->rpl_faked, fp) <
		                       tm_reply_prio(best_s, best_faked, fp)) {
			best_b = i;
			best_s = b->last;
			best_faked = b->rpl_faked;
		}
	}
	*code = best_s;
	return best_b;
}

/* Keep branch b's final reply: the received one with its edits (top Via
 * kept), or the mark of a faked one. */
static int store_reply(tm_cell *t, int bi, rc_msg_t *m)
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
	static _Thread_local sip_msg s;
	sip_lumps l;
	if (sip_parse(&s, b->rpl, (size_t)b->rpl_len) < 0)
		return -1;
	sip_lumps_init(&l, &s);
	sip_lump_del_via1(&l);
	return sip_lump_apply(&s, &l, out, (size_t)cap);
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

int tm_reply(tm_cell *t, rc_msg_t *rm, int code, rc_str reason)
{
	sip_msg *req = rm ? &rm->sip : cell_request(t);
	if (!req || code < 100 || code > 699) {
		rt_log(RT_L_ERR, "tm: cannot reply %d", code);
		return -1;
	}
	char hdrs[2048];
	rc_str h = { NULL, 0 };
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
	int len = tm_build_local_reply(t, req, code, reason, h, obuf, TM_OBUF);
	if (len < 0) {
		rt_log(RT_L_ERR, "tm: cannot build the %d reply: %s", code, sip_strerror(len));
		goto error;
	}
	if (keep_resp(t, obuf, len) < 0)
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
	tm_stop_branch_timers(t);
	if (t->is_invite)
		tm_cancel_branches(t, tm_pending_branches(t), 1);
	tm_put_on_wait(t);
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

/* Kamailio's t_should_relay_response: *store, *relay (branch or -1). */
static int should_relay(tm_cell *t, int code, int bi, int *store, int *relay, rc_msg_t *rpl)
{
	tm_branch *b = t->br[bi];
	int inv_through = code >= 200 && code < 300 && t->is_invite;
	*store = 0;
	*relay = -1;
	if (atomic_load(&t->uas_status) >= 200) {
		if (inv_through) {
			b->last = code;
			*relay = bi;
			return RPS_PUSHED_AFTER_COMPLETION;
		}
		return RPS_DISCARDED;
	}
	if (b->last >= 200 && !(inv_through && b->last < 300)) {
		if (b->last != code && b->last != 487 && !(b->last == 408 && code == 487))
			rt_log(RT_L_WARN, "tm: status rewrite by UAS: stored %d, received %d", b->last, code);
		return RPS_DISCARDED;
	}
	if (code >= 300) {
		b->last = code;
		if (b->on_bfail) {
			/* the branch-failure route sees this reply as the branch's */
			if (!pickable(b))
				store_reply(t, bi, rpl);
			tm_run_branch_failure(t, bi, code);
		}
		int picked_code;
		int picked = tm_pick_branch(t, bi, code, &picked_code);
		if (picked == -2) {
			*store = 1;
			if (code >= 600 && !(t->flags & (TM_T_6XX | TM_T_DISABLE_6XX))) {
				t->flags |= TM_T_6XX;
				t->cancel_cause = code;
				tm_cancel_branches(t, tm_pending_branches(t), 0);
			}
			return RPS_STORE;
		}
		if (picked < 0) {
			rt_log(RT_L_CRIT, "tm: no reply to pick for transaction %u:%u", t->hash, t->label);
			return RPS_DISCARDED;
		}
		int nbr_before = t->nbr;
		t->flags &= ~TM_T_6XX; /* the failure route may start new branches */
		int drop_mode = t->conf->failure_reply_mode, dropped = 0;
		if (t->br[picked]->on_failure) {
			/* the picked reply must be at hand in the failure route */
			if (!pickable(b) && store_reply(t, bi, rpl) < 0)
				return RPS_DISCARDED;
			t->drop_mode = drop_mode;
			tm_run_failure(t, picked, picked_code);
			drop_mode = t->drop_mode;
			if ((drop_mode == 3 && nbr_before < t->nbr) || (drop_mode != 0 && drop_mode != 3)) {
				int from = 0;
				if (drop_mode == 2) {
					for (from = nbr_before - 1; from >= 0; from--)
						if (t->br[from]->rb & TM_RB_FB)
							break;
					if (from < 0)
						from = 0;
				}
				for (int i = from; i < nbr_before; i++)
					t->br[i]->rb |= TM_RB_DROPPED;
				picked = -1;
				dropped = 1;
			}
		}
		if (atomic_load(&t->uas_status) >= 200)
			return RPS_COMPLETED; /* the route replied */
		if (nbr_before < t->nbr) {
			int nb = tm_pick_branch(t, dropped ? -1 : bi, code, &picked_code);
			if (nb < 0) {
				if (!dropped) {
					if (nb == -2) {
						*store = 1;
						return RPS_STORE;
					}
				} else {
					if (nb == -2)
						return RPS_DISCARDED;
					goto branches_failed;
				}
			} else {
				picked = nb;
			}
		} else if (dropped) {
			goto branches_failed;
		}
		*relay = picked;
		return RPS_COMPLETED;
	}
	if (code >= 100) {
		b->last = code;
		*relay = (code == 100 && !t->conf->relay_100) ? -1 : bi;
		if (code >= 200) {
			t->cancel_cause = code;
			return RPS_COMPLETED;
		}
		return RPS_PROVISIONAL;
	}
	return RPS_DISCARDED;
branches_failed:
	if (t->flags & (TM_T_LOCAL | TM_T_UAC)) {
		*relay = bi;
	} else if (tm_kill(t, t->failure_err ? t->failure_err : TM_E_UNSPEC) <= 0) {
		rt_log(RT_L_ERR, "tm: reply generation failed");
	}
	return RPS_COMPLETED;
}

/* Relay what should_relay picked (cell locked).  rpl: the reply being
 * processed, NULL for a faked one. */
static int relay_reply(tm_cell *t, rc_msg_t *rpl, int bi, int code, int put_on_wait)
{
	int store, relay;
	int rs = should_relay(t, code, bi, &store, &relay, rpl);
	tm_branch *b = t->br[bi];
	if (store && !pickable(b) && store_reply(t, bi, rpl) < 0) {
		rt_log(RT_L_ERR, "tm: reply processing error");
		tm_reply(t, NULL, 500, (rc_str){ "Reply processing error", 22 });
		return RPS_ERROR;
	}
	if (store && rpl == NULL)
		b->rpl_faked = 1;
	if (relay >= 0) {
		const tm_branch *rb = t->br[relay];
		int faked = relay == bi ? rpl == NULL : rb->rpl_faked && !rb->rpl;
		int rcode = relay == bi ? code : rb->last, len;
		int local = faked;
		if (faked) {
			if (t->flags & TM_T_CANCELED)
				rcode = 487;
		} else if (rcode == 503 && t->conf->remap_503_500) {
			local = 1; /* a final 503 goes up as a 500 (RFC 3261 16.7 step 6) */
		}
		if (local) {
			sip_msg *req = cell_request(t);
			const char *txt = tm_status_text(rcode);
			len = req ? tm_build_local_reply(t, req, rcode == 503 ? 500 : rcode,
			                                 (rc_str){ txt, (int)strlen(txt) }, (rc_str){ NULL, 0 },
			                                 obuf, TM_OBUF)
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
			return RPS_ERROR;
		}
		tm_stat(TS_RPL_SENT);
		tm_stat(local ? TS_RPL_GENERATED : TS_RPL_RELAYED);
		if (rs != RPS_PUSHED_AFTER_COMPLETION) {
			if (keep_resp(t, obuf, len) < 0)
				return RPS_ERROR;
			atomic_store(&t->uas_status, rcode);
			t->relayed = relay;
			if (rcode >= 200)
				tm_stats_final(t, rcode);
		}
		if (rs == RPS_COMPLETED)
			tm_start_final_retr(t);
		send_upstream(t, rpl, obuf, len);
		if (put_on_wait && rs == RPS_COMPLETED)
			tm_put_on_wait(t);
	}
	return rs;
}

/* Local transactions (t_replicate, tm_uac_request): nothing goes upstream;
 * the UAC callback gets the final reply. */
static int local_reply(tm_cell *t, rc_msg_t *rpl, int bi, int code)
{
	int store, relay;
	int rs = should_relay(t, code, bi, &store, &relay, rpl);
	if (store && !pickable(t->br[bi]))
		store_reply(t, bi, rpl);
	if (relay >= 0 && rs != RPS_PROVISIONAL) {
		const tm_branch *rb = t->br[relay];
		int rcode = relay == bi ? code : rb->last;
		if (rs != RPS_PUSHED_AFTER_COMPLETION) {
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
	if (rs == RPS_COMPLETED) {
		tm_stop_branch_timers(t);
		if (t->is_invite)
			tm_cancel_branches(t, tm_pending_branches(t), 1);
	}
	if (do_cancel) {
		b->rb &= ~TM_RB_CANCEL_SENT; /* tm_cancel_branch_now marks it itself */
		tm_cancel_branch_now(t, bi, 0); /* Kamailio sends it without a Reason */
	}
	if (rs == RPS_COMPLETED)
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
	if (t->flags & TM_T_SUSPENDED)
		goto done;
	int rs;
	if (t->flags & (TM_T_LOCAL | TM_T_UAC)) {
		rs = local_reply(t, m, bi, code);
		if (rs == RPS_COMPLETED) {
			tm_stop_branch_timers(t);
			if (t->is_invite)
				tm_cancel_branches(t, tm_pending_branches(t), 1);
			tm_put_on_wait(t);
		} else if (t->flags & TM_T_6XX) {
			/* cancel_uacs was asked by should_relay */
		}
	} else {
		rs = relay_reply(t, m, bi, code, 1);
		if (rs == RPS_COMPLETED) {
			tm_stop_branch_timers(t);
			/* a 2xx completes an INVITE with branches still open */
			if (t->is_invite)
				tm_cancel_branches(t, tm_pending_branches(t), 1);
		}
	}
	b->rb |= TM_RB_REPLIED;
	if (rs == RPS_ERROR)
		goto done;
	if (t->is_invite && code < 200 && b->last < 200 &&
	    (t->conf->restart_fr_on_each_reply || (last < code && (code >= 180 || last == 0)))) {
		long long at = now + t->fr_inv;
		b->fr_at = at < t->end_of_life ? at : t->end_of_life;
		b->rb |= TM_RB_FR_INV;
	}
done:
	tm_timer_update(t);
	tm_unlock(t);
	return 1;
}
