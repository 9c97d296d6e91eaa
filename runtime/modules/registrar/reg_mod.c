/* reg_mod.c: the registrar module's tables (functions, pseudo-variables,
 * life cycle), its parameters per generation, its statistics, and the
 * preparation of its call sites.
 *
 * The location tables a script names (save("location")) are created in
 * usrloc when the script is loaded, like Kamailio's register_udomain in
 * the fixups; a call site keeps its table and its generation's parameters
 * (reg_site) in its first argument.
 */
#include "modules/registrar/reg.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gen.h"
#include "core/stats.h"

/* ---- parameters, per generation ---------------------------------------------------- */

/* The parameters of each generation hang off the generation itself
 * (rt_gen_data): an old generation stays alive as long as a transaction it
 * armed, so a side table would cap how often a script can be reloaded. */
static atomic_int cfg_key = -1;

const reg_cfg *reg_cfg_of(rc_gen_t *g)
{
	return rt_gen_data(g, atomic_load_explicit(&cfg_key, memory_order_acquire));
}

static int param_int(rc_gen_t *g, const char *name, int *out)
{
	const rc_param_def *p = rt_gen_param(g, "registrar", name);
	if (!p)
		return 0;
	if (p->type != RC_INT) {
		rt_log(RT_L_ERR, "modparam(\"registrar\", \"%s\"): an integer is expected", name);
		return -1;
	}
	*out = p->i;
	return 0;
}

static rc_str param_str(rc_gen_t *g, const char *name)
{
	const rc_param_def *p = rt_gen_param(g, "registrar", name);
	if (!p || p->type != RC_STR || !p->s)
		return (rc_str){ NULL, 0 };
	return (rc_str){ pv_gen_strdup(g, p->s, (int)strlen(p->s)), (int)strlen(p->s) };
}

/* $xavp(<root>=>field), prepared in the generation. */
static rc_pv *xavp_field(rc_gen_t *g, rc_str root, const char *field)
{
	if (root.len <= 0)
		return NULL;
	char spec[160];
	int n = snprintf(spec, sizeof spec, "$xavp(%.*s=>%s)", root.len, root.s, field);
	char *keep = pv_gen_strdup(g, spec, n);
	return keep ? rc_pv_prepare(g, keep, n, "modparam registrar xavp_cfg") : NULL;
}

static rt_stat *st_accepted, *st_rejected;

void reg_count(int accepted)
{
	rt_stat_inc(accepted ? st_accepted : st_rejected);
}

static int reg_gen_init(rc_gen_t *g)
{
	int has_usrloc = 0;
	for (const char *const *mod = g->def->modules; mod && *mod; mod++)
		has_usrloc |= rt_module_find(*mod) == &usrloc_module;
	if (!has_usrloc) {
		rt_log(RT_L_ERR, "registrar: the script must load usrloc too (loadmodule \"usrloc.so\")");
		return -1;
	}
	reg_cfg *c = rt_gen_alloc(g, sizeof *c);
	if (!c)
		return -1;
	/* Kamailio 5.6's defaults */
	*c = (reg_cfg){ .default_expires = 3600, .min_expires = 60, .default_q = UL_Q_UNSPECIFIED,
	                .append_branches = 1, .path_mode = 2, .contact_max_size = 512,
	                .sock_flag = -1, .received_param = { "received", 8 } };
	int outbound = 0;
	if (param_int(g, "default_expires", &c->default_expires) < 0 ||
	    param_int(g, "default_expires_range", &c->default_expires_range) < 0 ||
	    param_int(g, "expires_range", &c->expires_range) < 0 ||
	    param_int(g, "min_expires", &c->min_expires) < 0 ||
	    param_int(g, "max_expires", &c->max_expires) < 0 ||
	    param_int(g, "min_expires_mode", &c->min_expires_mode) < 0 ||
	    param_int(g, "default_q", &c->default_q) < 0 ||
	    param_int(g, "append_branches", &c->append_branches) < 0 ||
	    param_int(g, "case_sensitive", &c->case_sensitive) < 0 ||
	    param_int(g, "max_contacts", &c->max_contacts) < 0 ||
	    param_int(g, "retry_after", &c->retry_after) < 0 ||
	    param_int(g, "method_filtering", &c->method_filtering) < 0 ||
	    param_int(g, "use_path", &c->use_path) < 0 || param_int(g, "path_mode", &c->path_mode) < 0 ||
	    param_int(g, "path_use_received", &c->path_use_received) < 0 ||
	    param_int(g, "path_check_local", &c->path_check_local) < 0 ||
	    param_int(g, "contact_max_size", &c->contact_max_size) < 0 ||
	    param_int(g, "use_expired_contacts", &c->use_expired_contacts) < 0 ||
	    param_int(g, "sock_flag", &c->sock_flag) < 0 || param_int(g, "outbound_mode", &outbound) < 0)
		return -1;
	if (outbound != 0) {
		rt_log(RT_L_ERR, "modparam(\"registrar\", \"outbound_mode\", %d): SIP outbound (RFC 5626) "
		                 "is not supported: 0 only", outbound);
		return -1;
	}
	if (c->default_q != UL_Q_UNSPECIFIED && (c->default_q < 0 || c->default_q > 1000)) {
		rt_log(RT_L_ERR, "modparam(\"registrar\", \"default_q\", %d): -1 or 0..1000", c->default_q);
		return -1;
	}
	const rc_param_def *rp = rt_gen_param(g, "registrar", "received_param");
	if (rp && rp->type == RC_STR)
		c->received_param = param_str(g, "received_param");
	c->realm_prefix = param_str(g, "realm_prefix");
	c->sock_hdr_name = param_str(g, "sock_hdr_name");
	rc_str avp = param_str(g, "received_avp");
	if (avp.len > 0 && !(c->received_avp = rc_pv_prepare(g, avp.s, avp.len, "modparam registrar received_avp")))
		return -1;
	rc_str xcfg = param_str(g, "xavp_cfg");
	c->x_expires = xavp_field(g, xcfg, "expires");
	c->x_q = xavp_field(g, xcfg, "q");
	c->x_max_contacts = xavp_field(g, xcfg, "max_contacts");
	c->x_socket = xavp_field(g, xcfg, "socket");
	c->x_match_callid = xavp_field(g, xcfg, "match_callid");
	c->x_match_received = xavp_field(g, xcfg, "match_received");
	c->x_match_contact = xavp_field(g, xcfg, "match_contact");
	/* Kamailio resets sock_flag without a place to read the socket from */
	if (c->sock_flag != -1 && c->sock_hdr_name.len == 0 && xcfg.len == 0) {
		rt_log(RT_L_INFO, "registrar: sock_flag set but no sock_hdr_name or xavp_cfg: ignored");
		c->sock_flag = -1;
	}
	int key = atomic_load(&cfg_key);
	if (key < 0) { /* first load: take a key (a racing loader's wins) */
		int mine = rt_gen_key(), expect = -1;
		key = atomic_compare_exchange_strong(&cfg_key, &expect, mine) ? mine : expect;
	}
	if (key < 0) {
		rt_log(RT_L_ERR, "registrar: no per-generation data key left");
		return -1;
	}
	rt_gen_set_data(g, key, c); /* c lives in g's arena: freed with it */
	/* statistics: Kamailio's, the parameters as gauges */
	st_accepted = rt_stat_new("registrar", "accepted_regs", 0);
	st_rejected = rt_stat_new("registrar", "rejected_regs", 0);
	rt_stat_set(rt_stat_new("registrar", "default_expire", RT_STAT_NO_RESET), c->default_expires);
	rt_stat_set(rt_stat_new("registrar", "default_expires_range", RT_STAT_NO_RESET),
	            c->default_expires_range);
	rt_stat_set(rt_stat_new("registrar", "expires_range", RT_STAT_NO_RESET), c->expires_range);
	rt_stat_set(rt_stat_new("registrar", "max_contacts", RT_STAT_NO_RESET), c->max_contacts);
	rt_stat_set(rt_stat_new("registrar", "max_expires", RT_STAT_NO_RESET), c->max_expires);
	return 0;
}

static int reg_start(void)
{
	ul_set_expired_hook(reg_expired);
	return 0;
}

static void reg_stop(void)
{
	ul_set_expired_hook(NULL);
}

const rt_module registrar_module = { "registrar", reg_gen_init, reg_start, reg_stop };

/* ---- preparations ----------------------------------------------------------------- */

/* The table argument: a reg_site in argv[0].p. */
static int prep_table(rc_gen_t *g, rc_arg *a, const char *where)
{
	const reg_cfg *cfg = reg_cfg_of(g);
	if (!cfg) {
		rt_log(RT_L_ERR, "%s: registrar is not loaded by this script", where);
		return -1;
	}
	if (a->type != RC_STR || a->s.len <= 0) {
		rt_log(RT_L_ERR, "%s: the location table must be a constant name", where);
		return -1;
	}
	reg_site *s = rt_gen_alloc(g, sizeof *s);
	if (!s || !(s->d = ul_domain_get(a->s.s, a->s.len)))
		return -1;
	s->cfg = cfg;
	a->p = s;
	return 0;
}

static int prep_save(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (prep_table(g, &argv[0], where) < 0)
		return -1;
	reg_site *s = argv[0].p;
	if (argc > 1) {
		/* Kamailio's strno2int: decimal or 0x hex */
		long v = -1;
		if (argv[1].type == RC_INT) {
			v = argv[1].i;
		} else if (argv[1].type == RC_STR && argv[1].s.len > 0 && argv[1].s.len < 16) {
			char t[16], *end;
			memcpy(t, argv[1].s.s, (size_t)argv[1].s.len);
			t[argv[1].s.len] = '\0';
			v = strtol(t, &end, t[0] == '0' && (t[1] == 'x' || t[1] == 'X') ? 16 : 10);
			if (*end)
				v = -1;
		}
		if (v < 0 || v > REG_SAVE_ALL) {
			rt_log(RT_L_ERR, "%s: save(): bad flags <%.*s>", where, argv[1].s.len,
			       argv[1].s.s ? argv[1].s.s : "");
			return -1;
		}
		s->flags = (int)v;
	}
	if (argc > 2 && mod_prep_fmt(g, &argv[2], where) < 0)
		return -1;
	return 0;
}

/* table, then formats */
static int prep_table_fmt(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (prep_table(g, &argv[0], where) < 0)
		return -1;
	for (int i = 1; i < argc; i++)
		if (mod_prep_fmt(g, &argv[i], where) < 0)
			return -1;
	return 0;
}

/* registered(table, uri, match_flags, action_flags): ints may be pvs */
static int prep_registered(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (prep_table(g, &argv[0], where) < 0 || (argc > 1 && mod_prep_fmt(g, &argv[1], where) < 0))
		return -1;
	for (int i = 2; i < argc; i++)
		if (mod_prep_pv(g, &argv[i], where) < 0)
			return -1;
	return 0;
}

static int prep_fetch(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (prep_table(g, &argv[0], where) < 0 || mod_prep_fmt(g, &argv[1], where) < 0)
		return -1;
	if (argv[2].type != RC_STR || argv[2].s.len <= 0) {
		rt_log(RT_L_ERR, "%s: reg_fetch_contacts(): the profile must be a constant name", where);
		return -1;
	}
	return 0;
}

static int prep_fmt(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return argc > 0 ? mod_prep_fmt(g, &argv[0], where) : 0;
}

/* ---- add_sock_hdr ------------------------------------------------------------------ */

/* add_sock_hdr(name): "name: udp:IP:PORT" at the end of the headers, the
 * socket the request came in on (for a registrar behind this proxy,
 * sock_hdr_name). */
int registrar_add_sock_hdr(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str name = mod_arg_str(m, c, &argv[0]);
	if (name.len <= 0 || !m->rcv) {
		rt_log(RT_L_ERR, "registrar: add_sock_hdr(): invalid header name parameter");
		return -1;
	}
	char sock[96];
	int sl = ul_sock_text(m->rcv, sock, sizeof sock);
	int len = name.len + 2 + sl + 2;
	char *d = rc_tmp(m, len);
	if (!d)
		return -1;
	memcpy(d, name.s, (size_t)name.len);
	memcpy(d + name.len, ": ", 2);
	memcpy(d + name.len + 2, sock, (size_t)sl);
	memcpy(d + name.len + 2 + sl, "\r\n", 2);
	if (sip_lump_append_hdr(&m->lumps, d, len) < 0) {
		rt_log(RT_L_ERR, "registrar: add_sock_hdr(): cannot add the header");
		return -1;
	}
	return 1;
}

/* ---- tables ----------------------------------------------------------------------- */

const rt_fn registrar_fns[] = {
	{ "registrar_save", registrar_save, prep_save },
	{ "registrar_save_2", registrar_save_2, prep_save },
	{ "registrar_save_3", registrar_save_3, prep_save },
	{ "registrar_lookup", registrar_lookup, prep_table_fmt },
	{ "registrar_lookup_2", registrar_lookup_2, prep_table_fmt },
	{ "registrar_lookup_to_dset", registrar_lookup_to_dset, prep_table_fmt },
	{ "registrar_lookup_to_dset_2", registrar_lookup_to_dset_2, prep_table_fmt },
	{ "registrar_lookup_branches", registrar_lookup_branches, prep_table_fmt },
	{ "registrar_registered", registrar_registered, prep_registered },
	{ "registrar_registered_2", registrar_registered_2, prep_registered },
	{ "registrar_registered_3", registrar_registered_3, prep_registered },
	{ "registrar_registered_4", registrar_registered_4, prep_registered },
	{ "registrar_unregister", registrar_unregister, prep_table_fmt },
	{ "registrar_unregister_3", registrar_unregister_3, prep_table_fmt },
	{ "registrar_reg_fetch_contacts", registrar_reg_fetch_contacts, prep_fetch },
	{ "registrar_reg_free_contacts", registrar_reg_free_contacts, NULL },
	{ "registrar_add_sock_hdr", registrar_add_sock_hdr, prep_fmt },
	{ "registrar_reg_send_reply", registrar_reg_send_reply, NULL },
	{ 0 },
};

/* $ulc(profile=>attr) */
const pv_mod_class registrar_pv_classes[] = {
	{ "ulc", PV_MOD_NAME | PV_MOD_IDX, reg_pv_ulc_prep, reg_pv_ulc_get, reg_pv_ulc_set },
	{ 0 },
};
