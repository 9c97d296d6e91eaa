/* mod.c: argument helpers and edit checks shared by the modules (mod.h). */
#include "modules/mod.h"

#include <string.h>

int mod_prep_fmt(rc_gen_t *g, rc_arg *a, const char *where)
{
	if (a->type == RC_NULL)
		return 0; /* an expression: its value arrives at each call */
	a->p = rc_fmt_prepare(g, a->s.s, a->s.len, where);
	return a->p ? 0 : -1;
}

int mod_prep_pv(rc_gen_t *g, rc_arg *a, const char *where)
{
	if (a->type != RC_STR || a->s.len < 2 || a->s.s[0] != '$')
		return 0;
	a->p = rc_pv_prepare(g, a->s.s, a->s.len, where);
	return a->p ? 0 : -1;
}

int mod_prep_re(rc_gen_t *g, rc_arg *a, int flags, const char *where)
{
	if (a->type == RC_NULL)
		return 0;
	a->p = rc_re_prepare(g, a->s.s, a->s.len, flags, where);
	return a->p ? 0 : -1;
}

rc_str mod_arg_str(rc_msg_t *m, rc_ctx_t *c, const rc_arg *a)
{
	rc_str empty = { "", 0 };
	if (a->p)
		return pv_fmt_eval(m, c, a->p);
	if (a->type == RC_NULL || !a->s.s)
		return empty;
	return a->s;
}

int mod_arg_int(rc_msg_t *m, rc_ctx_t *c, const rc_arg *a, int *out)
{
	rc_val v;
	if (a->p) {
		if (pv_get(m, c, a->p, &v) < 0 || v.type == RC_NULL)
			return -1;
	} else if (a->type == RC_INT) {
		*out = a->i;
		return 0;
	} else if (a->type == RC_STR) {
		v = pv_vstr(a->s.s, a->s.len);
	} else {
		return -1;
	}
	if (v.type == RC_INT) {
		*out = v.i;
		return 0;
	}
	/* a string must be a number (fixup_igp: "abc" is an error) */
	if (!pv_str2sint(v.s.s, v.s.len, out) || v.s.len == 0)
		return -1;
	return 0;
}

const rc_re *mod_arg_re(rc_msg_t *m, const rc_arg *a, int flags)
{
	if (a->p)
		return a->p;
	rc_val v = { a->type, a->i, a->s };
	rc_str s = rc_v_str(m, &v);
	return pv_re_dyn(s.s, s.len, flags);
}

int mod_insert_ok(const rc_msg_t *m, int off)
{
	for (int i = 0; i < m->lumps.n; i++) {
		const sip_lump *l = &m->lumps.v[i];
		if (l->where == SIP_LUMP_EDIT && off > l->off && off < l->off + l->del)
			return 0;
	}
	return 1;
}

int mod_hdr_name_is(const sip_hdr *h, int type, rc_str name)
{
	if (type != SIP_H_OTHER)
		return h->type == type;
	return h->type == SIP_H_OTHER && pv_eqi(h->name.s, h->name.len, name.s, name.len);
}
