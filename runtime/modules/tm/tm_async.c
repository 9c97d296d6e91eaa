/* tm_async.c: t_suspend() and t_continue(tindex, tlabel, route) (tmx),
 * as Kamailio 5.6 has them (kamailio-runtime.md 1.6.2).
 *
 * t_suspend creates the transaction if needed, sends the INVITE's 100
 * Trying, keeps the script's edits, and adds a blind branch: nothing is
 * sent on it, but its fr_timer runs, so a transaction nobody continues ends
 * with a faked 408 through the failure route it was given.  $T(id_index)
 * and $T(id_label) name it for t_continue, which runs route[name] as a
 * failure route on the faked request (t_relay, append_branch, t_reply
 * allowed there); when that leaves no branch open and no final reply sent,
 * tm replies "500 I'm terribly sorry, server error occurred (1/TM)".
 *
 * In an onreply_route, t_suspend suspends the reply (Kamailio 5.6): it is
 * kept in the cell with the route's edits and goes nowhere; any reply of
 * the transaction is then left where its onreply_route leaves it (as in
 * Kamailio), and t_is_retr_async_reply() is true there, so a script drops
 * the retransmissions of the reply it suspended.  t_continue runs its route
 * on the kept reply as an onreply route, then the reply goes on as a
 * received one does (relayed, or stored for the pick) unless the route
 * suspended it again.
 */
#include "modules/tm/tm.h"

#include <stdio.h>
#include <string.h>

/* t_suspend() on a reply, in its onreply_route (or t_continue's route). */
static int suspend_reply(rc_msg_t *m)
{
	tm_cell *t = m->tm_t;
	if (!t || m->tm_branch < 0 || m->tm_branch >= t->nbr) {
		rt_log(RT_L_ERR, "t_suspend: the reply has no transaction");
		return -1;
	}
	if (t->flags & TM_T_CANCELED) {
		m->tm_err = TM_E_CANCELED;
		return 1;
	}
	if (atomic_load(&t->uas_status) >= 200)
		return -3;
	tm_lock(t);
	t->flags |= TM_T_SUSPENDED;
	t->flags &= ~TM_T_CONTINUE;
	t->susp_rpl = m->tm_branch + 1;
	tm_unlock(t);
	m->tm_mflags |= TM_M_SUSPENDED; /* kept by tm_reply_received after the route */
	return 1;
}

int tmx_t_suspend(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	if (!m->sip.is_request)
		return suspend_reply(m);
	tm_cell *t = tm_msg_cell(m);
	if (!t) {
		int r = tm_newtran(m);
		if (r < 0 && r != TM_E_SCRIPT) {
			rt_log(RT_L_ERR, "t_suspend: cannot create the transaction");
			return -1;
		}
		if (r == 0)
			return 0; /* a retransmission: absorbed */
		t = m->tm_t;
	}
	if (t->flags & TM_T_CANCELED) {
		m->tm_err = TM_E_CANCELED;
		return 1;
	}
	if (atomic_load(&t->uas_status) >= 200)
		return -3;
	if (m->sip.method_id == SIP_M_INVITE && (t->flags & TM_T_AUTO100) &&
	    atomic_load(&t->uas_status) < 100)
		tm_reply(t, m, 100, t->conf->auto_inv_100_reason);
	tm_lock(t);
	if (tm_add_blind_branch(t, m, "t_suspend") < 0) {
		tm_unlock(t);
		return -1;
	}
	t->flags |= TM_T_SUSPENDED;
	t->flags &= ~TM_T_CONTINUE;
	/* the R-URI is new again in the continue route if it is new now */
	t->suspend_ruri_new = !m->tm_ruri_used;
	tm_timer_update(t);
	tm_unlock(t);
	m->tm_mflags |= TM_M_FWDED; /* not "left alone": t_continue goes on with it */
	return 1;
}

int tmx_prep_continue(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tmx_prep_continue(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (mod_prep_pv(g, &argv[0], where) < 0 || mod_prep_pv(g, &argv[1], where) < 0 ||
	    mod_prep_fmt(g, &argv[2], where) < 0)
		return -1;
	return 0;
}

/* t_continue of a suspended reply (cell locked): route[name] runs on it as
 * an onreply route, then it goes on as a received reply unless the route
 * suspended it again. */
static void continue_reply(tm_cell *t, rc_route_fn fn, const char *name, rt_worker *w)
{
	int bi = t->susp_rpl - 1;
	char *rpl = t->srpl;
	int len = t->srpl_len;
	t->susp_rpl = 0;
	t->srpl = NULL; /* the cell memory stays: the message below reads it */
	t->flags &= ~TM_T_SUSPENDED;
	if (!rpl) {
		rt_log(RT_L_WARN, "t_continue: no reply kept for branch %d", bi);
		return;
	}
	rc_msg_t *fm = tm_fake_reply_msg(t, bi, rpl, len, w);
	if (!fm)
		return;
	t->flags |= TM_T_CONTINUE;
	if (fn) {
		tm_branch *b = t->br[bi];
		fm->bflags = b->bflags;
		tm_avps_load(t, fm);
		tm_run_route(t, fn, fm, RC_RT_TM_ONREPLY);
		tm_avps_save(t, fm);
		t->msg_flags = fm->flags;
		b->bflags = fm->bflags;
	} else {
		rt_log(RT_L_ERR, "t_continue: route %s not found", name);
	}
	t->flags &= ~TM_T_CONTINUE;
	if (fm->tm_mflags & TM_M_SUSPENDED)
		tm_reply_suspend_keep(t, fm); /* suspended again in the route */
	else if (!(t->flags & TM_T_SUSPENDED))
		tm_reply_resume(t, fm, bi);
	tm_fake_done(fm);
}

/* t_is_retr_async_reply(): in an onreply_route, 1 while the reply's
 * transaction is suspended (the reply is a retransmission of the one
 * t_suspend() kept, or another of the same transaction), else -1. */
int tm_t_is_retr_async_reply(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = tm_msg_cell(m);
	if (!t) {
		rt_log(RT_L_ERR, "t_is_retr_async_reply: cannot check a message for which no "
		       "transaction has been established");
		return -1;
	}
	return (t->flags & TM_T_SUSPENDED) ? 1 : -1;
}

int tmx_t_continue(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int idx, label;
	if (mod_arg_int(m, c, &argv[0], &idx) < 0 || mod_arg_int(m, c, &argv[1], &label) < 0) {
		rt_log(RT_L_ERR, "t_continue: the index and the label must be numbers");
		return -1;
	}
	rc_str rn = mod_arg_str(m, c, &argv[2]);
	tm_cell *t = tm_cell_by_ident((unsigned)idx, (unsigned)label);
	if (!t) {
		rt_log(RT_L_WARN, "t_continue: active transaction not found");
		return -1;
	}
	char name[128];
	snprintf(name, sizeof name, "%.*s", rn.len, rn.s);
	rc_route_fn fn = rt_gen_route(t->gen, 0, name);
	int ret = 1;
	tm_lock(t);
	if (!(t->flags & TM_T_SUSPENDED)) {
		rt_log(RT_L_WARN, "t_continue: transaction is not suspended [%d:%d]", idx, label);
		ret = -2;
		goto out;
	}
	if (t->flags & TM_T_CANCELED) {
		t->flags &= ~TM_T_SUSPENDED;
		t->susp_rpl = 0;
		goto out;
	}
	if (t->susp_rpl) {
		continue_reply(t, fn, name, m->worker);
		goto out;
	}
	t->flags |= TM_T_CONTINUE;
	t->flags &= ~TM_T_SUSPENDED;
	int bi = t->blind;
	if (bi >= 0) {
		tm_branch *b = t->br[bi];
		b->fr_at = b->retr_at = 0;
		if (b->last != 0) { /* timed out already */
			t->flags &= ~TM_T_CONTINUE;
			goto out;
		}
		/* final, never picked: the blind branch is done */
		b->last = 500;
		b->rpl_faked = 1;
	}
	if (!fn) {
		rt_log(RT_L_ERR, "t_continue: route %s not found", name);
	} else {
		rc_msg_t *fm = tm_fake_request(t, bi, tm_cur_worker());
		if (fm) {
			if (t->suspend_ruri_new)
				fm->tm_ruri_used = 0;
			tm_avps_load(t, fm);
			tm_run_route(t, fn, fm, RC_RT_FAILURE);
			tm_avps_save(t, fm);
			t->msg_flags = fm->flags;
			tm_fake_done(fm);
		}
	}
	t->flags &= ~TM_T_CONTINUE;
	if (atomic_load(&t->uas_status) < 200 && !(t->flags & TM_T_SUSPENDED)) {
		int open = 0;
		for (int i = 0; i < t->nbr; i++)
			open |= t->br[i]->last < 200;
		if (!open)
			tm_kill(t, TM_E_UNSPEC);
	}
	tm_timer_update(t);
out:
	tm_unlock(t);
	tm_cell_unref(t);
	return ret;
}

int tm_add_blind_branch(tm_cell *t, rc_msg_t *m, const char *who)
{
	if (t->nbr >= TM_MAX_BRANCHES) {
		rt_log(RT_L_ERR, "%s: maximum number of branches exceeded", who);
		return -1;
	}
	if (t->nbr == 0 && !(m->tm_mflags & TM_M_FAKED))
		tm_save_lumps(t, m);
	t->msg_flags = m->flags;
	tm_branch *b = tm_cell_mem(t, sizeof *b);
	if (!b)
		return -1;
	memset(b, 0, sizeof *b);
	b->rb = TM_RB_BLIND;
	b->on_failure = t->on_failure;
	b->on_reply = t->on_reply;
	b->on_bfail = t->on_bfail;
	long long fr = tm_now() + t->fr;
	b->fr_at = fr < t->end_of_life ? fr : t->end_of_life;
	int idx = t->nbr;
	t->br[idx] = b;
	atomic_thread_fence(memory_order_release); /* reply matching reads nbr unlocked */
	t->nbr = idx + 1;
	t->blind = idx;
	return idx;
}
