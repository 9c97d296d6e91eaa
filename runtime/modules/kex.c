/* kex.c: the cheap functions of Kamailio 5.6's kex module.
 *
 *   setsflag(n) resetsflag(n) issflagset(n)
 *       script flags 0..31 (m->kex_sflags: Kamailio keeps them per process
 *       and zeroes them when a top route starts, so per message here).
 *   setbflag(n[, branch]) resetbflag(n[, branch]) isbflagset(n[, branch])
 *       branch flags 0..31 of branch 0, the R-URI ($bf, m->bflags), or of
 *       appended branch i (m->branches[i - 1], as Kamailio's dset counts).
 *       -1 for a flag out of range, a negative or absent branch, or a
 *       flag not set.
 *   setdsturi(uri)   $du = uri ("" unsets it); 1.
 *   resetdsturi()    unsets $du; 1.
 *   isdsturiset()    1 when $du is set, else -1.
 *   pv_printf($pv, format)  avp_printf($pv, format)
 *       $pv = the format printed, as a string; 1, or -1 when setting fails.
 *   is_myself(uri)
 *       1 when a sip:/sips: URI's host (with its port and ;transport when
 *       given), or any other text taken as a host, is this proxy (a listen
 *       address, an advertised address or an alias), else -1.
 *
 * Not here (routec reports them when a script uses them): setdebug and
 * resetdebug, which set a log level for one worker only; routec's log level
 * (core/log.c) is one for the whole process.
 */
#include "modules/mod.h"

#include <string.h>

#define MAX_FLAG 31

/* ---- preparations --------------------------------------------------------------- */

/* PK_INT_PV: a "$pv", or a constant that is a number (fixup_igp refuses
 * anything else at load). */
static int prep_int(rc_gen_t *g, rc_arg *a, const char *where)
{
	int v;
	if (a->type == RC_STR && a->s.s && a->s.len > 1 && a->s.s[0] == '$')
		return mod_prep_pv(g, a, where);
	if (a->type == RC_STR && (!a->s.s || !pv_str2sint(a->s.s, a->s.len, &v))) {
		rt_log(RT_L_ERR, "%s: '%.*s' is neither an integer nor a pseudo-variable", where,
		       a->s.s ? a->s.len : 0, a->s.s ? a->s.s : "");
		return -1;
	}
	return 0;
}

static int prep_int_all(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	for (int i = 0; i < argc; i++)
		if (prep_int(g, &argv[i], where) < 0)
			return -1;
	return 0;
}

static int prep_fmt1(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return argc >= 1 ? mod_prep_fmt(g, &argv[0], where) : -1;
}

static int prep_printf(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 2 || argv[0].type != RC_STR || !argv[0].s.s ||
	    !(argv[0].p = rc_pv_prepare(g, argv[0].s.s, argv[0].s.len, where)))
		return -1;
	return mod_prep_fmt(g, &argv[1], where);
}

/* ---- script flags ------------------------------------------------------------------ */

/* The flag number 0..31, or -1 (logged when there is no value). */
static int flag_arg(rc_msg_t *m, rc_ctx_t *c, const rc_arg *a)
{
	int f;
	if (mod_arg_int(m, c, a, &f) < 0) {
		rt_log(RT_L_ERR, "kex: no flag value");
		return -1;
	}
	return f >= 0 && f <= MAX_FLAG ? f : -1;
}

int kex_setsflag(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int f = flag_arg(m, c, &argv[0]);
	if (f < 0)
		return -1;
	m->kex_sflags |= 1u << f;
	return 1;
}

int kex_resetsflag(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int f = flag_arg(m, c, &argv[0]);
	if (f < 0)
		return -1;
	m->kex_sflags &= ~(1u << f);
	return 1;
}

int kex_issflagset(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int f = flag_arg(m, c, &argv[0]);
	if (f < 0)
		return -1;
	return m->kex_sflags & (1u << f) ? 1 : -1;
}

/* ---- branch flags ------------------------------------------------------------------ */

/* The flags of branch idx (get_bflags_ptr): 0 the R-URI, i the i-th
 * appended branch; NULL when there is none. */
static unsigned *bflags_of(rc_msg_t *m, int idx)
{
	if (idx == 0)
		return &m->bflags;
	if (idx > 0 && idx - 1 < m->nbranches)
		return &m->branches[idx - 1].flags;
	return NULL;
}

enum { B_SET, B_RESET, B_IS };

static int bflag_op(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv, int with_idx, int op)
{
	int f = flag_arg(m, c, &argv[0]), idx = 0;
	if (f < 0)
		return -1;
	if (with_idx) {
		if (mod_arg_int(m, c, &argv[1], &idx) < 0) {
			rt_log(RT_L_ERR, "kex: no idx value");
			return -1;
		}
		if (idx < 0)
			return -1;
	}
	unsigned *flags = bflags_of(m, idx);
	if (!flags)
		return -1;
	switch (op) {
	case B_SET: *flags |= 1u << f; return 1;
	case B_RESET: *flags &= ~(1u << f); return 1;
	default: return *flags & (1u << f) ? 1 : -1;
	}
}

int kex_setbflag(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return bflag_op(m, c, argv, 0, B_SET);
}

int kex_setbflag_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return bflag_op(m, c, argv, 1, B_SET);
}

int kex_resetbflag(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return bflag_op(m, c, argv, 0, B_RESET);
}

int kex_resetbflag_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return bflag_op(m, c, argv, 1, B_RESET);
}

int kex_isbflagset(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return bflag_op(m, c, argv, 0, B_IS);
}

int kex_isbflagset_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return bflag_op(m, c, argv, 1, B_IS);
}

/* ---- $du ---------------------------------------------------------------------------- */

int kex_setdsturi(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str u = mod_arg_str(m, c, &argv[0]);
	if (u.len <= 0) { /* set_dst_uri with "" resets it */
		m->dst_uri = (rc_str){ NULL, 0 };
		return 1;
	}
	char *d = pv_dup(m, u.s, u.len);
	if (!d)
		return -1;
	m->dst_uri = (rc_str){ d, u.len };
	return 1;
}

int kex_resetdsturi(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	m->dst_uri = (rc_str){ NULL, 0 };
	return 1;
}

int kex_isdsturiset(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return m->dst_uri.s && m->dst_uri.len > 0 ? 1 : -1;
}

/* ---- pv_printf ---------------------------------------------------------------------- */

static int pv_printf(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str s = mod_arg_str(m, c, &argv[1]);
	rc_val v = pv_vstr(s.s, s.len);
	if (!argv[0].p || rc_pv_set(m, c, argv[0].p, &v) < 0) {
		rt_log(RT_L_ERR, "pv_printf: setting PV failed");
		return -1;
	}
	return 1;
}

int kex_pv_printf(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return pv_printf(m, c, argv);
}

int kex_avp_printf(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return pv_printf(m, c, argv);
}

/* ---- is_myself ---------------------------------------------------------------------- */

int kex_is_myself(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str s = mod_arg_str(m, c, &argv[0]);
	if (s.len > 4 && (!strncmp(s.s, "sip:", 4) || !strncmp(s.s, "sips:", 5))) {
		sip_uri u;
		if (sip_uri_parse(s.s, s.len, &u) < 0) {
			rt_log(RT_L_ERR, "is_myself: failed to parse uri [%.*s]", s.len, s.s);
			return -1;
		}
		int proto = 0;
		if (u.transport.s) {
			static const char *const names[] = { "udp", "tcp", "tls", "sctp", "ws", "wss" };
			proto = -1; /* an unknown transport: Kamailio's PROTO_OTHER, never ours */
			for (int i = 0; i < 6; i++)
				if (pv_eqi(u.transport.s, u.transport.len, names[i], (int)strlen(names[i])))
					proto = i + 1;
		}
		return rt_myself(u.host.s, u.host.len, u.port_s.s ? u.port : 0, proto) ? 1 : -1;
	}
	return s.len > 0 && rt_myself(s.s, s.len, 0, 0) ? 1 : -1;
}

const rt_fn kex_fns[] = {
	{ "kex_setsflag", kex_setsflag, prep_int_all },
	{ "kex_resetsflag", kex_resetsflag, prep_int_all },
	{ "kex_issflagset", kex_issflagset, prep_int_all },
	{ "kex_setbflag", kex_setbflag, prep_int_all },
	{ "kex_setbflag_2", kex_setbflag_2, prep_int_all },
	{ "kex_resetbflag", kex_resetbflag, prep_int_all },
	{ "kex_resetbflag_2", kex_resetbflag_2, prep_int_all },
	{ "kex_isbflagset", kex_isbflagset, prep_int_all },
	{ "kex_isbflagset_2", kex_isbflagset_2, prep_int_all },
	{ "kex_setdsturi", kex_setdsturi, prep_fmt1 },
	{ "kex_resetdsturi", kex_resetdsturi, NULL },
	{ "kex_isdsturiset", kex_isdsturiset, NULL },
	{ "kex_pv_printf", kex_pv_printf, prep_printf },
	{ "kex_avp_printf", kex_avp_printf, prep_printf },
	{ "kex_is_myself", kex_is_myself, prep_fmt1 },
	{ 0 },
};
