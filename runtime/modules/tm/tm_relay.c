/* tm_relay.c: the choice of the reply that goes upstream (Kamailio's
 * t_should_relay_response and t_pick_branch, kamailio-runtime.md 1.6), and
 * the challenges a 401/407 sent upstream carries.
 *
 * A final >= 300 is stored until every branch is final; then the best one
 * is picked by Kamailio's priority table (6xx, 2xx, 3xx, the 4xx that ask
 * for something the caller can give: 401, 407, 415, 420, 484, other 4xx,
 * 5xx), the failure route runs on it and may add branches, drop the stored
 * replies or reply itself.  1xx (not 100 unless relay_100) and 2xx go up
 * at once; after a final reply only an INVITE's 2xx still passes.
 *
 * Challenges (aggregate_challenges, on by default): when the reply going
 * upstream is a 401 or a 407 and more than one branch answered 401 or 407,
 * tm does not relay the picked one but sends a reply of its own with that
 * code, built from the request, that carries the WWW-Authenticate and
 * Proxy-Authenticate lines of every such reply, branch by branch in the
 * order each reply has them (after the request route's append_to_reply
 * lines): the caller answers every realm at once.  Both kinds go together
 * whatever the code; 401 wins over 407 in the pick.
 */
#include "modules/tm/tm.h"

#include <string.h>

#include "core/scratch.h"

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
		if (tm_pickable(b) && tm_reply_prio(b->last, b->rpl_faked, fp) <
		                       tm_reply_prio(best_s, best_faked, fp)) {
			best_b = i;
			best_s = b->last;
			best_faked = b->rpl_faked;
		}
	}
	*code = best_s;
	return best_b;
}

/* Every branch failed and nothing is left to relay: a transaction of our own
 * hands its last reply to its owner, a proxied one answers upstream with
 * what tm_kill makes of the failure. */
static int branches_failed(tm_cell *t, int bi, int *relay)
{
	if (t->flags & (TM_T_LOCAL | TM_T_UAC))
		*relay = bi;
	else if (tm_kill(t, t->failure_err ? t->failure_err : TM_E_UNSPEC) <= 0)
		rt_log(RT_L_ERR, "tm: reply generation failed");
	return TM_RPS_COMPLETED;
}

/* After the failure route: marks the replies failure_reply_mode (or
 * t_drop_replies) drops: 0 none; 1 all; 2 those of the previous leg of
 * serial forking (the branches since the last one a failure route added);
 * 3 all if the route started a new leg.  1 if it dropped any. */
static int drop_failed_replies(tm_cell *t, int nbr_before, int drop_mode)
{
	if (!((drop_mode == 3 && nbr_before < t->nbr) || (drop_mode != 0 && drop_mode != 3)))
		return 0;
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
	return 1;
}

/* tm_should_relay for a negative final reply (code >= 300) on branch bi. */
static int should_relay_negative(tm_cell *t, int code, int bi, int *store, int *relay,
                                 rc_msg_t *rpl)
{
	tm_branch *b = t->br[bi];
	b->last = code;
	if (b->on_bfail) {
		/* the branch-failure route sees this reply as the branch's */
		if (!tm_pickable(b))
			tm_store_reply(t, bi, rpl);
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
		return TM_RPS_STORE;
	}
	if (picked < 0) {
		rt_log(RT_L_CRIT, "tm: no reply to pick for transaction %u:%u", t->hash, t->label);
		return TM_RPS_DISCARDED;
	}
	int nbr_before = t->nbr;
	t->flags &= ~TM_T_6XX; /* the failure route may start new branches */
	int dropped = 0;
	if (t->br[picked]->on_failure) {
		/* the picked reply must be at hand in the failure route */
		if (!tm_pickable(b) && tm_store_reply(t, bi, rpl) < 0)
			return TM_RPS_DISCARDED;
		t->drop_mode = t->conf->failure_reply_mode;
		tm_run_failure(t, picked, picked_code);
		if ((dropped = drop_failed_replies(t, nbr_before, t->drop_mode)))
			picked = -1;
	}
	if (atomic_load(&t->uas_status) >= 200)
		return TM_RPS_COMPLETED; /* the route replied */
	if (nbr_before < t->nbr) {
		int nb = tm_pick_branch(t, dropped ? -1 : bi, code, &picked_code);
		if (nb >= 0) {
			picked = nb;
		} else if (!dropped) {
			if (nb == -2) {
				*store = 1;
				return TM_RPS_STORE;
			}
		} else {
			if (nb == -2)
				return TM_RPS_DISCARDED;
			return branches_failed(t, bi, relay);
		}
	} else if (dropped) {
		return branches_failed(t, bi, relay);
	}
	*relay = picked;
	return TM_RPS_COMPLETED;
}

int tm_should_relay(tm_cell *t, int code, int bi, int *store, int *relay, rc_msg_t *rpl)
{
	tm_branch *b = t->br[bi];
	int inv_through = code >= 200 && code < 300 && t->is_invite;
	*store = 0;
	*relay = -1;
	if (atomic_load(&t->uas_status) >= 200) {
		if (inv_through) {
			b->last = code;
			*relay = bi;
			return TM_RPS_PUSHED_AFTER_COMPLETION;
		}
		return TM_RPS_DISCARDED;
	}
	if (b->last >= 200 && !(inv_through && b->last < 300)) {
		if (b->last != code && b->last != 487 && !(b->last == 408 && code == 487))
			rt_log(RT_L_WARN, "tm: status rewrite by UAS: stored %d, received %d", b->last, code);
		return TM_RPS_DISCARDED;
	}
	if (code >= 300)
		return should_relay_negative(t, code, bi, store, relay, rpl);
	if (code >= 100) {
		b->last = code;
		*relay = (code == 100 && !t->conf->relay_100) ? -1 : bi;
		if (code >= 200) {
			t->cancel_cause = code;
			return TM_RPS_COMPLETED;
		}
		return TM_RPS_PROVISIONAL;
	}
	return TM_RPS_DISCARDED;
}


/* ---- challenges ------------------------------------------------------------------------ */

static int is_challenge(int code)
{
	return code == 401 || code == 407;
}

/* The challenge lines of one reply, appended to out (*n its length): 0, or
 * -1 when they do not fit. */
static int put_challenges(const sip_msg *r, char *out, int cap, int *n)
{
	for (int h = 0; h < r->nhdrs; h++) {
		const sip_hdr *x = &r->hdrs[h];
		if (x->type != SIP_H_WWW_AUTHENTICATE && x->type != SIP_H_PROXY_AUTHENTICATE)
			continue;
		int len = x->end - x->start;
		if (len > cap - *n)
			return -1;
		memcpy(out + *n, r->buf + x->start, (size_t)len);
		*n += len;
	}
	return 0;
}

int tm_challenges(tm_cell *t, int bi, rc_msg_t *rpl, char *out, int cap, int *len)
{
	static _Thread_local void *parse_slot;
	int count = 0, n = 0;
	*len = 0;
	if (!t->conf->aggregate_auth)
		return 0;
	/* the reply being processed (not stored yet, or stored for a failure
	   route) counts as itself; the others as stored, when not dropped */
	for (int i = 0; i < t->nbr; i++) {
		const tm_branch *b = t->br[i];
		if (i == bi ? rpl && is_challenge(rpl->sip.status)
		            : b->rpl && !(b->rb & TM_RB_DROPPED) && is_challenge(b->last))
			count++;
	}
	if (count < 2)
		return 0;
	if (t->reply_hdrs.len > cap)
		return -1;
	if (t->reply_hdrs.len > 0) {
		memcpy(out, t->reply_hdrs.s, (size_t)t->reply_hdrs.len);
		n = t->reply_hdrs.len;
	}
	sip_msg *x = rt_scratch_zero(&parse_slot, sizeof *x);
	if (!x)
		return -1;
	for (int i = 0; i < t->nbr; i++) {
		const tm_branch *b = t->br[i];
		const sip_msg *r;
		if (i == bi) {
			if (!rpl || !is_challenge(rpl->sip.status))
				continue;
			r = &rpl->sip;
		} else {
			if (!b->rpl || (b->rb & TM_RB_DROPPED) || !is_challenge(b->last))
				continue;
			if (sip_parse(x, b->rpl, (size_t)b->rpl_len) < 0) {
				rt_log(RT_L_ERR, "tm: the stored %d of branch %d does not parse again", b->last,
				       i);
				continue;
			}
			r = x;
		}
		if (put_challenges(r, out, cap, &n) < 0) {
			rt_log(RT_L_ERR, "tm: the challenges of transaction %u:%u pass %d bytes", t->hash,
			       t->label, cap);
			return -1;
		}
	}
	*len = n;
	return 1;
}
