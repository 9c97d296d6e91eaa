/* maxfwd.c: the Max-Forwards header (kamailio-runtime.md 4.2).
 *
 *   mf_process_maxfwd_header(max)  (also maxfwd_process, process_maxfwd)
 *       absent: add "Max-Forwards: max" above the other headers, return 2;
 *       0: return -1 (the script answers 483 Too Many Hops);
 *       else decrement it (a value above the max_limit modparam, default
 *       70, first becomes max_limit + 1) and return 1; malformed: -2.
 *       The new value is written over the old digits, right-aligned and
 *       padded with spaces as Kamailio does ("10" becomes " 9").
 *   is_maxfwd_lt(n)  (also maxfwd_at_least, mf_lowlimit)
 *       1 when the value is below n, -1 when not, -2 when there is no
 *       header, -3 when it is malformed.
 */
#include "modules/mod.h"

#include <stdio.h>
#include <string.h>

#define MF_MAX_LIMIT 70

typedef struct mf_arg {
	rc_pv *pv;
	int max_limit;
} mf_arg;

static int mf_prep(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 1)
		return -1;
	mf_arg *a = rt_gen_alloc(g, sizeof *a);
	if (!a)
		return -1;
	const rc_param_def *p = rt_gen_param(g, "maxfwd", "max_limit");
	a->max_limit = p && p->type == RC_INT ? p->i : MF_MAX_LIMIT;
	if (argv[0].type == RC_STR && argv[0].s.len > 1 && argv[0].s.s[0] == '$' &&
	    !(a->pv = rc_pv_prepare(g, argv[0].s.s, argv[0].s.len, where)))
		return -1;
	argv[0].p = a;
	return 0;
}

static int limit_arg(rc_msg_t *m, rc_ctx_t *c, const rc_arg *arg, int *out)
{
	const mf_arg *a = arg->p;
	rc_arg tmp = *arg;
	tmp.p = a ? a->pv : NULL;
	return mod_arg_int(m, c, &tmp, out);
}

/* The value in force: -1 absent, -2 malformed, else 0..255. */
static int current(rc_msg_t *m, const sip_hdr **h)
{
	*h = sip_hdr_get(&m->sip, SIP_H_MAX_FORWARDS);
	if (!*h)
		return -1;
	if (m->mf_value)
		return m->mf_value - 1;
	int v;
	if (sip_get_maxfwd(&m->sip, &v) < 0) {
		rt_log(RT_L_ERR, "maxfwd: unable to parse the max forwards number");
		return -2;
	}
	return v;
}

static int process(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int limit;
	const mf_arg *a = argv[0].p;
	int max_limit = a ? a->max_limit : MF_MAX_LIMIT;
	if (limit_arg(m, c, &argv[0], &limit) < 0 || limit < 0 || limit > 255) {
		rt_log(RT_L_ERR, "maxfwd: invalid param value");
		return -1;
	}
	const sip_hdr *h;
	int val = current(m, &h);
	if (val == -1) {
		char buf[32];
		int n = snprintf(buf, sizeof buf, "Max-Forwards: %d\r\n", limit);
		char *d = pv_dup(m, buf, n);
		if (!d || sip_lump_insert_hdr(&m->lumps, d, n) < 0)
			return -2;
		return 2;
	}
	if (val < 0)
		return -2;
	if (val == 0)
		return -1;
	if (val > max_limit)
		val = max_limit + 1;
	val--;
	/* the digits of the body, rewritten in place */
	int off = (int)(h->body.s - m->buf), len = h->body.len;
	if (!m->mf_value && !pv_lump_free(m, off, len)) {
		rt_log(RT_L_ERR, "maxfwd: the Max-Forwards header was already changed");
		return -2;
	}
	char *d = rc_tmp(m, len);
	if (!d)
		return -2;
	int x = val, i;
	for (i = len - 1; i >= 0; i--) {
		d[i] = (char)('0' + x % 10);
		x /= 10;
		if (x == 0) {
			i--;
			break;
		}
	}
	while (i >= 0)
		d[i--] = ' ';
	if (m->mf_value) {
		/* decremented again: replace the text of the lump already there */
		for (int k = 0; k < m->lumps.n; k++)
			if (m->lumps.v[k].off == off && m->lumps.v[k].where == SIP_LUMP_EDIT)
				m->lumps.v[k].text = d;
	} else if (sip_lump_replace(&m->lumps, off, len, d, len) < 0) {
		return -2;
	}
	m->mf_value = val + 1;
	return 1;
}

int maxfwd_process(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return process(m, c, argv);
}

int maxfwd_mf_process_maxfwd_header(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return process(m, c, argv);
}

int maxfwd_process_maxfwd(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return process(m, c, argv);
}

static int lower_than(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int limit;
	if (limit_arg(m, c, &argv[0], &limit) < 0 || limit < 0 || limit > 255) {
		rt_log(RT_L_ERR, "maxfwd: invalid param value");
		return -1;
	}
	const sip_hdr *h;
	int val = current(m, &h);
	if (val < 0)
		return val - 1;
	return val >= limit ? -1 : 1;
}

int maxfwd_is_maxfwd_lt(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return lower_than(m, c, argv);
}

int maxfwd_at_least(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return lower_than(m, c, argv);
}

int maxfwd_mf_lowlimit(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return lower_than(m, c, argv);
}

const rt_fn maxfwd_fns[] = {
	{ "maxfwd_process", maxfwd_process, mf_prep },
	{ "maxfwd_mf_process_maxfwd_header", maxfwd_mf_process_maxfwd_header, mf_prep },
	{ "maxfwd_process_maxfwd", maxfwd_process_maxfwd, mf_prep },
	{ "maxfwd_is_maxfwd_lt", maxfwd_is_maxfwd_lt, mf_prep },
	{ "maxfwd_at_least", maxfwd_at_least, mf_prep },
	{ "maxfwd_mf_lowlimit", maxfwd_mf_lowlimit, mf_prep },
	{ 0 },
};
