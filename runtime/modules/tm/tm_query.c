/* tm_query.c: tm and tmx functions that look at or tune a transaction
 * (kamailio-runtime.md 1.6.2).
 *
 *   t_check_status(re)  t_is_canceled()  t_is_expired()  t_branch_timeout()
 *   t_branch_replied()  t_any_timeout()  t_any_replied()  t_grep_status(code)
 *   t_is_set(route)  t_get_status_code()  t_drop_replies([mode])  t_save_lumps()
 *   t_set_fr(fr_inv[, fr])  t_reset_fr()  t_set_retr(t1, t2)  t_reset_retr()
 *   t_set_max_lifetime(inv, noninv)  t_reset_max_lifetime()
 *   t_set_auto_inv_100(0|1)  t_set_disable_6xx  t_set_disable_failover
 *   t_set_no_e2e_cancel_reason  t_disable_e2e_cancel_reason
 *   t_set_disable_internal_reply  t_clean()
 *   tmx: t_flush_flags() t_flush_xflags() t_is_failure_route()
 *   t_is_branch_route() t_is_reply_route() t_is_request_route()
 *   t_cancel_branches(all|others|this)  t_drop([code])
 * Setters called before the transaction exists apply to the one the
 * message creates; after, they change it (running branch timers too, as
 * Kamailio's change_fr does); 0 means "leave unchanged".
 */
#include "modules/tm/tm.h"

#include <stdio.h>
#include <string.h>

int tm_prep_pv1(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return mod_prep_pv(g, &argv[0], where);
}

int tm_prep_pv2(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return mod_prep_pv(g, &argv[0], where) < 0 || mod_prep_pv(g, &argv[1], where) < 0 ? -1 : 0;
}

/* t_check_status: a regex, or one pv whose value is compiled at each call. */
int tm_prep_re1(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argv[0].type == RC_STR && argv[0].s.len > 1 && argv[0].s.s[0] == '$') {
		int used = 0;
		rc_pv *pv = pv_parse(g, argv[0].s.s, argv[0].s.len, &used, where);
		if (pv && used == argv[0].s.len) {
			rc_pv **box = rt_gen_alloc(g, sizeof *box);
			if (!box)
				return -1;
			*box = pv;
			argv[0].i = 1; /* marks a pv in p */
			argv[0].p = box;
			return 0;
		}
	}
	argv[0].i = 0;
	return mod_prep_re(g, &argv[0], 0, where);
}

static tm_cell *cur(rc_msg_t *m)
{
	return tm_msg_cell(m);
}

/* The status t_check_status and $T_reply_code see in this route. */
static int status_here(rc_msg_t *m, rc_ctx_t *c, tm_cell *t)
{
	if (c->route_type & (RC_RT_TM_ONREPLY | RC_RT_CORE_ONREPLY))
		return m->sip.is_request ? 0 : m->sip.status;
	if (c->route_type & RC_RT_FAILURE)
		return m->tm_code;
	if ((c->route_type & RC_RT_BRANCH_FAILURE) && t && m->tm_branch >= 0 && m->tm_branch < t->nbr)
		return t->br[m->tm_branch]->last;
	return t ? atomic_load(&t->uas_status) : 0;
}

int tm_t_check_status(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = cur(m);
	if (!t && !(c->route_type & (RC_RT_TM_ONREPLY | RC_RT_CORE_ONREPLY)))
		return -1;
	const rc_re *re;
	if (argv[0].p && argv[0].i == 1) {
		rc_val v;
		if (pv_get(m, c, *(rc_pv **)argv[0].p, &v) < 0 || v.type == RC_NULL)
			return -1;
		rc_str s = rc_v_str(m, &v);
		re = pv_re_dyn(s.s, s.len, 0);
	} else {
		re = mod_arg_re(m, &argv[0], 0);
	}
	if (!re)
		return -1;
	char buf[16];
	int n = snprintf(buf, sizeof buf, "%d", status_here(m, c, t));
	return pv_re_exec(re, buf, n, 0, NULL, 0) > 0 ? 1 : -1;
}

int tm_t_is_canceled(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = cur(m);
	return t && (t->flags & TM_T_CANCELED) ? 1 : -1;
}

int tm_t_is_expired(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = cur(m);
	if (!t)
		return -1;
	return tm_now() > t->end_of_life ? 1 : -1;
}

/* The branch of this failure / branch-failure route. */
static const tm_branch *this_branch(rc_msg_t *m, tm_cell *t)
{
	int b = m->tm_branch;
	if (!t || b < 0 || b >= t->nbr)
		return NULL;
	return t->br[b];
}

int tm_t_branch_timeout(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const tm_branch *b = this_branch(m, cur(m));
	return b && (b->rb & TM_RB_TIMEOUT) ? 1 : -1;
}

int tm_t_branch_replied(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const tm_branch *b = this_branch(m, cur(m));
	return b && (b->rb & TM_RB_REPLIED) ? 1 : -1;
}

static int any(rc_msg_t *m, unsigned flag)
{
	tm_cell *t = cur(m);
	if (!t)
		return -1;
	for (int i = 0; i < t->nbr; i++)
		if (t->br[i]->rb & flag)
			return 1;
	return -1;
}

int tm_t_any_timeout(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return any(m, TM_RB_TIMEOUT);
}

int tm_t_any_replied(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return any(m, TM_RB_REPLIED);
}

int tm_t_grep_status(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = cur(m);
	int code;
	if (!t || mod_arg_int(m, c, &argv[0], &code) < 0)
		return -1;
	for (int i = 0; i < t->nbr; i++)
		if (t->br[i]->last == code && (t->br[i]->rpl || t->br[i]->rpl_faked || code < 200))
			return 1;
	return -1;
}

int tm_t_is_set(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str w = argv[0].s;
	tm_cell *t = m->tm_t;
	rc_route_fn fn;
	if (w.len == 13 && !strncmp(w.s, "failure_route", 13))
		fn = t ? t->on_failure : m->tm_on_failure;
	else if (w.len == 12 && !strncmp(w.s, "branch_route", 12))
		fn = t ? t->on_branch : m->tm_on_branch;
	else if (w.len == 13 && !strncmp(w.s, "onreply_route", 13))
		fn = t ? t->on_reply : m->tm_on_reply;
	else {
		rt_log(RT_L_ERR, "t_is_set: unknown target '%.*s'", w.len, w.s);
		return -1;
	}
	return fn ? 1 : -1;
}

int tm_t_get_status_code(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = cur(m);
	int st = t ? atomic_load(&t->uas_status) : 0;
	return st > 0 ? st : -1;
}

int tm_t_drop_replies(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = m->tm_t;
	if (t)
		t->drop_mode = 1;
	return 1;
}

int tm_t_drop_replies_1(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = m->tm_t;
	rc_str s = mod_arg_str(m, c, &argv[0]);
	if (!t)
		return 1;
	if (s.len > 0 && s.s[0] == 'n')
		t->drop_mode = 0;
	else if (s.len > 0 && s.s[0] == 'l')
		t->drop_mode = 2;
	else
		t->drop_mode = 1;
	return 1;
}

int tm_t_save_lumps(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = cur(m);
	if (!t)
		return -1;
	tm_lock(t);
	tm_save_lumps(t, m);
	tm_unlock(t);
	return 1;
}

int tm_t_clean(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	/* every transaction ends on its timers here: nothing is left to force */
	return 1;
}

/* ---- timers ------------------------------------------------------------------------------ */

static int arg_ms(rc_msg_t *m, rc_ctx_t *c, rc_arg *a, int *v)
{
	if (mod_arg_int(m, c, a, v) < 0 || *v < 0) {
		rt_log(RT_L_ERR, "tm: a timer value in milliseconds (>= 0) is expected");
		return -1;
	}
	return 0;
}

static void change_fr(tm_cell *t, int fr_inv, int fr)
{
	long long now = tm_now();
	tm_lock(t);
	if (fr_inv)
		t->fr_inv = fr_inv;
	if (fr)
		t->fr = fr;
	for (int i = 0; i < t->nbr; i++) {
		tm_branch *b = t->br[i];
		if (!b->fr_at)
			continue;
		if ((b->rb & TM_RB_FR_INV) && fr_inv)
			b->fr_at = now + fr_inv;
		else if (!(b->rb & TM_RB_FR_INV) && fr)
			b->fr_at = now + fr < t->end_of_life ? now + fr : t->end_of_life;
	}
	tm_timer_update(t);
	tm_unlock(t);
}

int tm_t_set_fr(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int fr_inv;
	if (arg_ms(m, c, &argv[0], &fr_inv) < 0)
		return -1;
	tm_cell *t = m->tm_t;
	if (t)
		change_fr(t, fr_inv, 0);
	else if (fr_inv)
		m->tm_fr_inv = fr_inv;
	return 1;
}

int tm_t_set_fr_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int fr_inv, fr;
	if (arg_ms(m, c, &argv[0], &fr_inv) < 0 || arg_ms(m, c, &argv[1], &fr) < 0)
		return -1;
	tm_cell *t = m->tm_t;
	if (t) {
		change_fr(t, fr_inv, fr);
	} else {
		if (fr_inv)
			m->tm_fr_inv = fr_inv;
		if (fr)
			m->tm_fr = fr;
	}
	return 1;
}

int tm_t_reset_fr(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = m->tm_t;
	if (t) {
		change_fr(t, t->conf->fr_inv, t->conf->fr);
	} else {
		m->tm_fr = m->tm_fr_inv = 0;
	}
	return 1;
}

int tm_t_set_retr(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int t1, t2;
	if (arg_ms(m, c, &argv[0], &t1) < 0 || arg_ms(m, c, &argv[1], &t2) < 0)
		return -1;
	tm_cell *t = m->tm_t;
	if (t) {
		tm_lock(t);
		if (t1)
			t->t1 = t1;
		if (t2)
			t->t2 = t2;
		tm_unlock(t);
	} else {
		if (t1)
			m->tm_t1 = t1;
		if (t2)
			m->tm_t2 = t2;
	}
	return 1;
}

int tm_t_reset_retr(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = m->tm_t;
	if (t) {
		tm_lock(t);
		t->t1 = t->conf->t1;
		t->t2 = t->conf->t2;
		tm_unlock(t);
	} else {
		m->tm_t1 = m->tm_t2 = 0;
	}
	return 1;
}

int tm_t_set_max_lifetime(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int inv, noninv;
	if (arg_ms(m, c, &argv[0], &inv) < 0 || arg_ms(m, c, &argv[1], &noninv) < 0)
		return -1;
	tm_cell *t = m->tm_t;
	if (t) {
		int v = t->is_invite ? inv : noninv;
		if (v) {
			tm_lock(t);
			t->end_of_life = t->created + v;
			tm_unlock(t);
		}
	} else {
		if (inv)
			m->tm_life_inv = inv;
		if (noninv)
			m->tm_life_noninv = noninv;
	}
	return 1;
}

int tm_t_reset_max_lifetime(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = m->tm_t;
	if (t) {
		tm_lock(t);
		t->end_of_life = t->created + (t->is_invite ? t->conf->max_inv : t->conf->max_noninv);
		tm_unlock(t);
	} else {
		m->tm_life_inv = m->tm_life_noninv = 0;
	}
	return 1;
}

/* A transaction flag on, or off: on the transaction, else for the one to come. */
static int tflag(rc_msg_t *m, rc_ctx_t *c, rc_arg *a, unsigned flag, int invert)
{
	int v;
	if (mod_arg_int(m, c, a, &v) < 0)
		return -1;
	int on = invert ? !v : !!v;
	tm_cell *t = m->tm_t;
	if (t) {
		tm_lock(t);
		if (on)
			t->flags |= flag;
		else
			t->flags &= ~flag;
		tm_unlock(t);
	} else if (on) {
		m->tm_tfl_set |= flag;
		m->tm_tfl_reset &= ~flag;
	} else {
		m->tm_tfl_reset |= flag;
		m->tm_tfl_set &= ~flag;
	}
	return 1;
}

int tm_t_set_auto_inv_100(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return tflag(m, c, &argv[0], TM_T_AUTO100, 0);
}

int tm_t_set_disable_6xx(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return tflag(m, c, &argv[0], TM_T_DISABLE_6XX, 0);
}

int tm_t_set_disable_failover(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return tflag(m, c, &argv[0], TM_T_DISABLE_FAILOVER, 0);
}

int tm_t_set_no_e2e_cancel_reason(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return tflag(m, c, &argv[0], TM_T_NO_E2E_REASON, 0);
}

int tm_t_disable_e2e_cancel_reason(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return tflag(m, c, &argv[0], TM_T_NO_E2E_REASON, 0);
}

int tm_t_set_disable_internal_reply(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return tflag(m, c, &argv[0], TM_T_NO_INT_REPLY, 0);
}

/* ---- tmx ---------------------------------------------------------------------------------- */

int tmx_t_flush_flags(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = cur(m);
	if (!t)
		return -1;
	tm_lock(t);
	t->msg_flags = m->flags;
	tm_unlock(t);
	return 1;
}

int tmx_t_flush_xflags(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	/* extended flags are not carried by transactions yet */
	return cur(m) ? 1 : -1;
}

int tmx_t_is_failure_route(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return (c->route_type & RC_RT_FAILURE) ? 1 : -1;
}

int tmx_t_is_branch_route(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return (c->route_type & RC_RT_BRANCH) ? 1 : -1;
}

int tmx_t_is_reply_route(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return (c->route_type & (RC_RT_TM_ONREPLY | RC_RT_CORE_ONREPLY)) ? 1 : -1;
}

int tmx_t_is_request_route(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return c->route_type == RC_RT_REQUEST ? 1 : -1;
}

typedef struct cb_mode {
	int which; /* 0 all, 1 others, 2 this */
} cb_mode;

int tmx_prep_cancel_branches(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tmx_prep_cancel_branches(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	rc_str s = argv[0].s;
	cb_mode *md = rt_gen_alloc(g, sizeof *md);
	if (!md)
		return -1;
	if (s.len == 3 && !strncasecmp(s.s, "all", 3))
		md->which = 0;
	else if (s.len == 6 && !strncasecmp(s.s, "others", 6))
		md->which = 1;
	else if (s.len == 4 && !strncasecmp(s.s, "this", 4))
		md->which = 2;
	else {
		rt_log(RT_L_ERR, "%s: t_cancel_branches: all, others or this is expected", where);
		return -1;
	}
	argv[0].p = md;
	return 0;
}

int tmx_t_cancel_branches(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const cb_mode *md = argv[0].p;
	tm_cell *t = m->tm_t;
	if (!t || !md || !t->is_invite || m->sip.is_request)
		return -1;
	int cur_b = m->tm_branch;
	tm_lock(t);
	unsigned skip = md->which == 1 ? 1u << cur_b : 0, only = md->which == 2 ? 1u << cur_b : ~0u;
	unsigned bm = 0;
	for (int i = 0; i < t->nbr; i++) {
		tm_branch *b = t->br[i];
		if ((skip & (1u << i)) || !(only & (1u << i)) || b->last >= 200 ||
		    (b->rb & TM_RB_CANCEL_SENT) || !b->buf)
			continue;
		b->rb |= TM_RB_CANCEL_SENT;
		bm |= 1u << i;
	}
	tm_cancel_branches(t, bm, TM_CB_PLAIN);
	tm_unlock(t);
	return 1;
}

int tmx_t_drop(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = cur(m);
	if (!t) {
		rt_log(RT_L_ERR, "t_drop: no transaction");
		return -1;
	}
	tm_lock(t);
	atomic_store(&t->uas_status, 500);
	tm_release(t);
	tm_unlock(t);
	return 0;
}

int tmx_t_drop_1(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int code;
	tm_cell *t = cur(m);
	if (!t) {
		rt_log(RT_L_ERR, "t_drop: no transaction");
		return -1;
	}
	if (mod_arg_int(m, c, &argv[0], &code) < 0)
		code = 500;
	tm_lock(t);
	atomic_store(&t->uas_status, code);
	tm_release(t);
	tm_unlock(t);
	return 0;
}
