/* tm_mod.c: the tm and tmx modules: parameters, life cycle, tables.
 *
 * Parameters are read per generation (a reload may change fr_timer and the
 * rest; a transaction keeps the values of the script that created it).
 * Kamailio 5.6's names are read; the SER/OpenSER names of the seed
 * reference (T1_timer, T2_timer) are read too, as aliases of retr_timer1/2.
 * Parameters accepted without effect in this runtime are said so, once per
 * load, at NOTICE level (docs/tm.md lists them).  Timer values are
 * milliseconds, as in Kamailio 5.6 (the seed's seconds are SER's).
 *
 * start: the table, statistics, the tm.* RPC methods and the timer thread;
 * stop: the timer thread, then every transaction left.
 */
#include "modules/tm/tm.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/fn.h"
#include "pv/pv.h"

const tm_conf tm_conf_default = {
	.fr = 30000, .fr_inv = 120000, .wt = 5000, .t1 = 500, .t2 = 4000,
	.max_inv = 180000, .max_noninv = 32000,
	.noisy_ctimer = 1, .restart_fr_on_each_reply = 1, .auto_inv_100 = 1,
	.auto_inv_100_reason = { "trying -- your call is important to us", 38 },
	.ruri_matching = 1, .via1_matching = 1, .callid_matching = 0,
	.failure_reply_mode = 3, .faked_reply_prio = 0, .cancel_b_method = 1, .unmatched_cancel = 0,
	.relay_100 = 0, .remap_503_500 = 1, .disable_6xx = 0, .local_cancel_reason = 1,
	.e2e_cancel_reason = 1, .default_code = 500, .aggregate_auth = 1,
	.default_reason = { "Server Internal Error", 21 },
	.unix_tx_timeout = 500,
};

static atomic_int started;

/* ---- the conf of each generation ------------------------------------------------ */

/* Each generation's conf hangs off the generation (rt_gen_data): an old
 * generation lives as long as a transaction it armed (fr_inv_timer, 120 s by
 * default), so a side table would cap how often a script can be reloaded. */
static atomic_int conf_key = -1;

const tm_conf *tm_conf_of(const rt_gen *g)
{
	const tm_conf *c = g ? rt_gen_data(g, atomic_load_explicit(&conf_key, memory_order_acquire))
	                     : NULL;
	return c ? c : &tm_conf_default;
}

static const rc_param_def *param(rc_gen_t *g, const char *name)
{
	return rt_gen_param(g, "tm", name);
}

static int int_param(rc_gen_t *g, const char *name, int *out, int min)
{
	const rc_param_def *p = param(g, name);
	if (!p)
		return 0;
	int v;
	if (p->type == RC_INT)
		v = p->i;
	else if (!p->s || !pv_str2sint(p->s, (int)strlen(p->s), &v)) {
		rt_log(RT_L_ERR, "modparam(\"tm\", \"%s\"): an integer is expected", name);
		return -1;
	}
	if (v < min) {
		rt_log(RT_L_ERR, "modparam(\"tm\", \"%s\", %d): at least %d is expected", name, v, min);
		return -1;
	}
	*out = v;
	return 1;
}

static void str_param(rc_gen_t *g, const char *name, rc_str *out)
{
	const rc_param_def *p = param(g, name);
	if (p && p->type == RC_STR && p->s)
		*out = (rc_str){ p->s, (int)strlen(p->s) };
}

/* "$avp(i:24)", "$avp(fr)", "i:24", "s:fr", "fr" -> an $avp name. */
static void avp_param(rc_gen_t *g, const char *name, rc_str *out, int *iname)
{
	rc_str s = { NULL, 0 };
	str_param(g, name, &s);
	if (!s.s || !s.len)
		return;
	if (s.len > 6 && !strncmp(s.s, "$avp(", 5) && s.s[s.len - 1] == ')') {
		s.s += 5;
		s.len -= 6;
	}
	*iname = 0;
	if (s.len > 2 && (s.s[0] == 'i' || s.s[0] == 's') && s.s[1] == ':') {
		*iname = s.s[0] == 'i';
		s.s += 2;
		s.len -= 2;
	}
	*out = s;
}

/* Accepted, without effect here: said once per load. */
static void inert(rc_gen_t *g, const char *name, const char *why)
{
	if (param(g, name))
		rt_log(RT_L_NOTICE, "modparam(\"tm\", \"%s\") accepted: %s", name, why);
}

/* The integer parameters (timers in ms, switches): 0, or -1 on a bad value. */
static int int_params(rc_gen_t *g, tm_conf *c)
{
	return int_param(g, "fr_timer", &c->fr, 1) < 0 ||
	       int_param(g, "fr_inv_timer", &c->fr_inv, 1) < 0 ||
	       int_param(g, "wt_timer", &c->wt, 1) < 0 || int_param(g, "T1_timer", &c->t1, 1) < 0 ||
	       int_param(g, "retr_timer1", &c->t1, 1) < 0 || int_param(g, "T2_timer", &c->t2, 1) < 0 ||
	       int_param(g, "retr_timer2", &c->t2, 1) < 0 ||
	       int_param(g, "max_inv_lifetime", &c->max_inv, 1) < 0 ||
	       int_param(g, "max_noninv_lifetime", &c->max_noninv, 1) < 0 ||
	       int_param(g, "noisy_ctimer", &c->noisy_ctimer, 0) < 0 ||
	       int_param(g, "restart_fr_on_each_reply", &c->restart_fr_on_each_reply, 0) < 0 ||
	       int_param(g, "auto_inv_100", &c->auto_inv_100, 0) < 0 ||
	       int_param(g, "ruri_matching", &c->ruri_matching, 0) < 0 ||
	       int_param(g, "via1_matching", &c->via1_matching, 0) < 0 ||
	       int_param(g, "callid_matching", &c->callid_matching, 0) < 0 ||
	       int_param(g, "failure_reply_mode", &c->failure_reply_mode, 0) < 0 ||
	       int_param(g, "faked_reply_prio", &c->faked_reply_prio, -100000) < 0 ||
	       int_param(g, "cancel_b_method", &c->cancel_b_method, 0) < 0 ||
	       int_param(g, "unmatched_cancel", &c->unmatched_cancel, 0) < 0 ||
	       int_param(g, "relay_100", &c->relay_100, 0) < 0 ||
	       int_param(g, "remap_503_500", &c->remap_503_500, 0) < 0 ||
	       int_param(g, "disable_6xx_block", &c->disable_6xx, 0) < 0 ||
	       int_param(g, "local_cancel_reason", &c->local_cancel_reason, 0) < 0 ||
	       int_param(g, "e2e_cancel_reason", &c->e2e_cancel_reason, 0) < 0 ||
	       int_param(g, "aggregate_challenges", &c->aggregate_auth, 0) < 0 ||
	       int_param(g, "default_code", &c->default_code, 100) < 0 ||
	       int_param(g, "unix_tx_timeout", &c->unix_tx_timeout, 0) < 0 ? -1 : 0;
}

/* Parameters Kamailio has and routec accepts without an effect: each said once. */
static void inert_params(rc_gen_t *g)
{
	inert(g, "delete_timer", "a transaction is freed with its last reference, no retry timer");
	inert(g, "syn_branch", "branches are always z9hG4bK<hash>.<md5>.<n> (Kamailio 5.6 has no "
	      "synonym branches)");
	inert(g, "onreply_avp_mode", "$avp values of the transaction are those of the request route");
	inert(g, "reparse_invite", "CANCEL and ACK are always built from the request sent");
	inert(g, "pass_provisional_replies", "no effect in Kamailio 5.6 either");
	inert(g, "blst_503", "no destination blocklist");
	inert(g, "blst_methods_add", "no destination blocklist");
	inert(g, "blst_methods_lookup", "no destination blocklist");
	inert(g, "reparse_on_dns_failover", "no DNS failover (A/AAAA only)");
	inert(g, "local_ack_mode", "local UAC transactions ACK 2xx replies to the next hop");
	inert(g, "callid_cseq_matching", "replies are matched by the md5 of the branch");
	inert(g, "exec_time_check", "routes are not timed");
	inert(g, "reply_relay_mode", "always 1: a 2xx after the final reply is relayed, not stored");
}

static int tm_gen_init(rc_gen_t *g)
{
	tm_conf *c = rt_gen_alloc(g, sizeof *c);
	if (!c)
		return -1;
	*c = tm_conf_default;
	c->gen = g;
	c->gen_id = g->id;
	if (int_params(g, c) < 0)
		return -1;
	if (c->failure_reply_mode > 3 || c->cancel_b_method > 2 || c->unmatched_cancel > 2) {
		rt_log(RT_L_ERR, "modparam(\"tm\"): failure_reply_mode 0..3, cancel_b_method 0..2, "
		       "unmatched_cancel 0..2");
		return -1;
	}
	if (c->default_code > 699)
		c->default_code = 500;
	if (c->t2 < c->t1)
		c->t2 = c->t1;
	/* SER gave these in seconds; Kamailio 5.6 (and routec) take milliseconds */
	if (c->fr < 100 || c->fr_inv < 100 || c->wt < 100)
		rt_log(RT_L_WARN, "tm: fr_timer %d, fr_inv_timer %d, wt_timer %d: timers are in "
		       "milliseconds", c->fr, c->fr_inv, c->wt);
	str_param(g, "auto_inv_100_reason", &c->auto_inv_100_reason);
	str_param(g, "default_reason", &c->default_reason);
	avp_param(g, "fr_timer_avp", &c->fr_avp, &c->fr_avp_int);
	avp_param(g, "fr_inv_timer_avp", &c->fr_inv_avp, &c->fr_inv_avp_int);
	if (tm_tw_conf(g, c) < 0)
		return -1;
	str_param(g, "contacts_avp", &c->contacts_avp);
	str_param(g, "contact_flows_avp", &c->contact_flows_avp);
	if (c->contacts_avp.len == 0)
		c->contacts_avp = (rc_str){ NULL, 0 };
	if (c->contact_flows_avp.len == 0)
		c->contact_flows_avp = (rc_str){ NULL, 0 };
	if (c->contacts_avp.s && !c->contact_flows_avp.s) {
		rt_log(RT_L_ERR, "modparam(\"tm\"): contact_flows_avp param has not been defined");
		return -1;
	}
	inert_params(g);
	c->local_request = rt_gen_route(g, 6, "tm:local-request");
	rt_gen_param(g, "tmx", "precheck_trans");
	int key = atomic_load(&conf_key);
	if (key < 0) { /* first load: take a key (a racing loader's wins) */
		int mine = rt_gen_key(), expect = -1;
		key = atomic_compare_exchange_strong(&conf_key, &expect, mine) ? mine : expect;
	}
	if (key < 0) {
		rt_log(RT_L_ERR, "tm: no per-generation data key left");
		return -1;
	}
	rt_gen_set_data(g, key, c);
	return 0;
}

static int tm_start(void)
{
	if (tm_table_init() < 0 || tm_stats_init() < 0 || tm_rpc_init() < 0 || tm_uac_rpc_init() < 0 ||
	    tm_reply_rpc_init() < 0 ||
	    tm_timer_start() < 0)
		return -1;
	atomic_store(&started, 1);
	return 0;
}

static void tm_stop(void)
{
	atomic_store(&started, 0);
	tm_timer_stop();
	tm_table_destroy();
}

/* ---- the core's hooks ------------------------------------------------------------- */

int tm_reply_hook(rc_msg_t *m)
{
	if (!atomic_load_explicit(&started, memory_order_relaxed))
		return 0;
	return tm_reply_received(m);
}

const rt_module tm_module = { "tm", tm_gen_init, tm_start, tm_stop };

/* ---- the tables ---------------------------------------------------------------- */

const rt_fn tm_fns[] = {
	/* relaying (tm_funcs.c) */
	{ "tm_t_relay", tm_t_relay, NULL },
	{ "tm_t_relay_2", tm_t_relay_2, tm_prep_dest },
	{ "tm_t_relay_to_udp", tm_t_relay_to_udp, NULL },
	{ "tm_t_relay_to_udp_2", tm_t_relay_to_udp_2, tm_prep_dest },
	{ "tm_t_relay_to_tcp", tm_t_relay_to_tcp, tm_prep_unsupported },
	{ "tm_t_relay_to_tcp_2", tm_t_relay_to_tcp_2, tm_prep_unsupported },
	{ "tm_t_relay_to_tls", tm_t_relay_to_tls, tm_prep_unsupported },
	{ "tm_t_relay_to_tls_2", tm_t_relay_to_tls_2, tm_prep_unsupported },
	{ "tm_t_relay_to_sctp", tm_t_relay_to_sctp, tm_prep_unsupported },
	{ "tm_t_relay_to_sctp_2", tm_t_relay_to_sctp_2, tm_prep_unsupported },
	{ "tm_t_relay_to", tm_t_relay_to, NULL },
	{ "tm_t_relay_to_1", tm_t_relay_to_1, tm_prep_relay_to },
	{ "tm_t_relay_to_2", tm_t_relay_to_2, tm_prep_relay_to },
	{ "tm_t_forward_nonack", tm_t_forward_nonack, tm_prep_dest },
	{ "tm_t_forward_nonack_udp", tm_t_forward_nonack_udp, tm_prep_dest },
	{ "tm_t_forward_nonack_uri", tm_t_forward_nonack_uri, NULL },
	{ "tm_t_forward_nonack_tcp", tm_t_forward_nonack_tcp, tm_prep_unsupported },
	{ "tm_t_forward_nonack_tls", tm_t_forward_nonack_tls, tm_prep_unsupported },
	{ "tm_t_forward_nonack_sctp", tm_t_forward_nonack_sctp, tm_prep_unsupported },
	{ "tm_t_forward_nonack_to", tm_t_forward_nonack_to, tm_prep_pv2 },
	{ "tm_t_relay_to_avp", tm_t_relay_to_avp, tm_prep_pv2 },
	{ "tm_t_replicate", tm_t_replicate, NULL },
	{ "tm_t_replicate_1", tm_t_replicate_1, tm_prep_fmt1 },
	{ "tm_t_replicate_2", tm_t_replicate_2, tm_prep_dest },
	{ "tm_t_replicate_udp", tm_t_replicate_udp, tm_prep_dest },
	{ "tm_t_replicate_tcp", tm_t_replicate_tcp, tm_prep_unsupported },
	{ "tm_t_replicate_tls", tm_t_replicate_tls, tm_prep_unsupported },
	{ "tm_t_replicate_sctp", tm_t_replicate_sctp, tm_prep_unsupported },
	{ "tm_t_replicate_to", tm_t_replicate_to, tm_prep_pv2 },
	{ "tm_t_relay_cancel", tm_t_relay_cancel, NULL },
	{ "tm_t_newtran", tm_t_newtran, NULL },
	{ "tm_t_reply", tm_t_reply, tm_prep_reply },
	{ "tm_t_send_reply", tm_t_send_reply, tm_prep_reply },
	{ "tm_t_retransmit_reply", tm_t_retransmit_reply, NULL },
	{ "tm_t_release", tm_t_release, NULL },
	{ "tm_t_check_trans", tm_t_check_trans, NULL },
	{ "tm_t_lookup_request", tm_t_lookup_request, NULL },
	{ "tm_t_lookup_cancel", tm_t_lookup_cancel, NULL },
	{ "tm_t_lookup_cancel_1", tm_t_lookup_cancel_1, NULL },
	{ "tm_t_on_failure", tm_t_on_failure, tm_prep_on_failure },
	{ "tm_t_on_reply", tm_t_on_reply, tm_prep_on_reply },
	{ "tm_t_on_branch", tm_t_on_branch, tm_prep_on_branch },
	{ "tm_t_on_branch_failure", tm_t_on_branch_failure, tm_prep_on_bfail },
	/* state and timers (tm_query.c) */
	{ "tm_t_check_status", tm_t_check_status, tm_prep_re1 },
	{ "tm_t_is_canceled", tm_t_is_canceled, NULL },
	{ "tm_t_is_retr_async_reply", tm_t_is_retr_async_reply, NULL },
	{ "tm_t_is_expired", tm_t_is_expired, NULL },
	{ "tm_t_branch_timeout", tm_t_branch_timeout, NULL },
	{ "tm_t_branch_replied", tm_t_branch_replied, NULL },
	{ "tm_t_any_timeout", tm_t_any_timeout, NULL },
	{ "tm_t_any_replied", tm_t_any_replied, NULL },
	{ "tm_t_grep_status", tm_t_grep_status, tm_prep_pv1 },
	{ "tm_t_is_set", tm_t_is_set, NULL },
	{ "tm_t_get_status_code", tm_t_get_status_code, NULL },
	{ "tm_t_drop_replies", tm_t_drop_replies, NULL },
	{ "tm_t_drop_replies_1", tm_t_drop_replies_1, NULL },
	{ "tm_t_save_lumps", tm_t_save_lumps, NULL },
	{ "tm_t_clean", tm_t_clean, NULL },
	{ "tm_t_set_fr", tm_t_set_fr, tm_prep_pv1 },
	{ "tm_t_set_fr_2", tm_t_set_fr_2, tm_prep_pv2 },
	{ "tm_t_reset_fr", tm_t_reset_fr, NULL },
	{ "tm_t_set_retr", tm_t_set_retr, tm_prep_pv2 },
	{ "tm_t_reset_retr", tm_t_reset_retr, NULL },
	{ "tm_t_set_max_lifetime", tm_t_set_max_lifetime, tm_prep_pv2 },
	{ "tm_t_reset_max_lifetime", tm_t_reset_max_lifetime, NULL },
	{ "tm_t_set_auto_inv_100", tm_t_set_auto_inv_100, tm_prep_pv1 },
	{ "tm_t_set_disable_6xx", tm_t_set_disable_6xx, tm_prep_pv1 },
	{ "tm_t_set_disable_failover", tm_t_set_disable_failover, tm_prep_pv1 },
	{ "tm_t_set_no_e2e_cancel_reason", tm_t_set_no_e2e_cancel_reason, tm_prep_pv1 },
	{ "tm_t_disable_e2e_cancel_reason", tm_t_disable_e2e_cancel_reason, tm_prep_pv1 },
	{ "tm_t_set_disable_internal_reply", tm_t_set_disable_internal_reply, tm_prep_pv1 },
	{ "tm_t_use_uac_headers", tm_t_use_uac_headers, NULL },
	/* external applications, serial forking (tm_tw.c, tm_serial.c) */
	{ "tm_t_write_req", tm_t_write_req, tm_prep_tw },
	{ "tm_t_write_unix", tm_t_write_unix, tm_prep_tw },
	{ "tm_t_load_contacts", tm_t_load_contacts, NULL },
	{ "tm_t_load_contacts_1", tm_t_load_contacts_1, tm_prep_pv1 },
	{ "tm_t_next_contacts", tm_t_next_contacts, NULL },
	{ "tm_t_next_contact_flow", tm_t_next_contact_flow, NULL },
	/* UAC (tm_uac.c) */
	{ "tm_t_uac_send", tm_t_uac_send, tm_prep_fmt6 },
	{ 0 },
};

const rt_fn tmx_fns[] = {
	{ "tmx_t_flush_flags", tmx_t_flush_flags, NULL },
	{ "tmx_t_flush_xflags", tmx_t_flush_xflags, NULL },
	{ "tmx_t_is_failure_route", tmx_t_is_failure_route, NULL },
	{ "tmx_t_is_branch_route", tmx_t_is_branch_route, NULL },
	{ "tmx_t_is_reply_route", tmx_t_is_reply_route, NULL },
	{ "tmx_t_is_request_route", tmx_t_is_request_route, NULL },
	{ "tmx_t_cancel_branches", tmx_t_cancel_branches, tmx_prep_cancel_branches },
	{ "tmx_t_drop", tmx_t_drop, NULL },
	{ "tmx_t_drop_1", tmx_t_drop_1, tm_prep_pv1 },
	{ "tmx_t_suspend", tmx_t_suspend, NULL },
	{ "tmx_t_continue", tmx_t_continue, tmx_prep_continue },
	{ "tmx_t_cancel_callid", tmx_t_cancel_callid, tmx_prep_callid },
	{ "tmx_t_cancel_callid_4", tmx_t_cancel_callid_4, tmx_prep_callid },
	{ "tmx_t_reply_callid", tmx_t_reply_callid, tmx_prep_reply_callid },
	{ "tmx_t_precheck_trans", tmx_t_precheck_trans, NULL },
	{ "tmx_t_reuse_branch", tmx_t_reuse_branch, NULL },
	{ 0 },
};
