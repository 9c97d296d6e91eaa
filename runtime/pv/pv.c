/* pv.c: parsing pseudo-variable specs and reading/writing them.
 *
 * The grammar is Kamailio's (pvapi.c pv_parse_spec2; kamailio-language.md
 * 6.1):
 *     $name  |  $name(inner)  |  $(name[(inner)][[index]]{tr}...)
 * where a name is [A-Za-z0-9_.?]+ (so "$fU." names the unknown class "fU."
 * and is refused, as Kamailio refuses it), inner is balanced-parentheses
 * text read by the class, index is an integer, -n, '*' or a pseudo-variable,
 * and each {tr} a transformation (tr.c).  A class that takes an inner name
 * requires it, one that does not refuses it; only $hdr and $avp take an
 * index ($xavp has its own in the name).
 */
#include "pv/pv.h"

#include <string.h>

#define N_NAME 1  /* takes an inner name */
#define N_W 2     /* writable */
#define N_IDX 4   /* takes an index */

typedef struct pv_def {
	const char *name;
	int cls;
	int flags;
} pv_def;

static const pv_def defs[] = {
	{ "null", PVC_NULL, 0 }, { "rc", PVC_RC, 0 }, { "retcode", PVC_RC, 0 }, { "?", PVC_RC, 0 },
	{ "var", PVC_VAR, N_NAME | N_W }, { "vz", PVC_VAR, N_NAME | N_W }, { "vn", PVC_VN, N_NAME | N_W },
	{ "avp", PVC_AVP, N_NAME | N_W | N_IDX }, { "xavp", PVC_XAVP, N_NAME | N_W },
	{ "shv", PVC_SHV, N_NAME | N_W }, { "env", PVC_ENV, N_NAME }, { "time", PVC_TIME, N_NAME },
	{ "ru", PVC_RU, N_W }, { "ruri", PVC_RU, N_W }, { "rU", PVC_RU_USER, N_W },
	{ "rd", PVC_RU_HOST, N_W }, { "rp", PVC_RU_PORT, N_W }, { "rP", PVC_RU_PROTO, 0 },
	{ "rz", PVC_RU_SCHEME, 0 }, { "rUl", PVC_RU_USERLEN, 0 },
	{ "ou", PVC_OU, 0 }, { "ouri", PVC_OU, 0 }, { "oU", PVC_OU_USER, 0 }, { "od", PVC_OU_HOST, 0 },
	{ "op", PVC_OU_PORT, 0 }, { "oP", PVC_OU_PROTO, 0 },
	{ "du", PVC_DU, N_W }, { "duri", PVC_DU, N_W }, { "dd", PVC_DU_HOST, 0 },
	{ "dp", PVC_DU_PORT, 0 }, { "dP", PVC_DU_PROTO, 0 },
	{ "rm", PVC_RM, 0 }, { "rmid", PVC_RMID, 0 }, { "rs", PVC_RS, 0 }, { "rr", PVC_RR, 0 },
	{ "rv", PVC_RV, 0 }, { "ci", PVC_CI, 0 }, { "cs", PVC_CS, 0 }, { "csb", PVC_CSB, 0 },
	{ "ct", PVC_CT, 0 }, { "cT", PVC_CTYPE, 0 }, { "cl", PVC_CL, 0 }, { "ua", PVC_UA, 0 },
	{ "fu", PVC_FU, N_W }, { "from", PVC_FU, N_W }, { "fU", PVC_FU_USER, N_W },
	{ "fd", PVC_FU_HOST, N_W }, { "fn", PVC_FN, N_W }, { "ft", PVC_FT, 0 },
	{ "tu", PVC_TU, N_W }, { "to", PVC_TU, N_W }, { "tU", PVC_TU_USER, N_W },
	{ "td", PVC_TU_HOST, N_W }, { "tn", PVC_TN, N_W }, { "tt", PVC_TT, 0 },
	{ "si", PVC_SI, 0 }, { "sp", PVC_SP, 0 }, { "su", PVC_SU, 0 }, { "Ri", PVC_RI, 0 },
	{ "Rp", PVC_RP, 0 }, { "pr", PVC_PR, 0 }, { "proto", PVC_PR, 0 }, { "prid", PVC_PRID, 0 },
	{ "mb", PVC_MB, 0 }, { "ml", PVC_ML, 0 }, { "mt", PVC_MT, 0 }, { "mi", PVC_MI, 0 },
	{ "bf", PVC_BF, N_W }, { "bF", PVC_BFX, N_W }, { "mf", PVC_MF, N_W }, { "mF", PVC_MFX, N_W },
	{ "br", PVC_BR, N_W }, { "bR", PVC_BRALL, 0 }, { "rb", PVC_RB, 0 }, { "bs", PVC_BS, 0 },
	{ "Ts", PVC_TS_MSG, 0 }, { "TS", PVC_TS_NOW, 0 }, { "pp", PVC_PP, 0 }, { "fs", PVC_FS, N_W },
	{ "hdr", PVC_HDR, N_NAME | N_IDX }, { "hdrc", PVC_HDRC, N_NAME },
	{ "ai", PVC_AI, 0 }, { "re", PVC_RE, 0 }, { "rt", PVC_RT, 0 }, { "di", PVC_DI, 0 },
	{ "pu", PVC_PU, 0 }, { "pd", PVC_PD, 0 },
};

char *pv_gen_strdup(rc_gen_t *g, const char *s, int len)
{
	char *d = rt_gen_alloc(g, (size_t)len + 1);
	if (d && len > 0)
		memcpy(d, s, (size_t)len);
	return d;
}

static int name_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == '.' || c == '?';
}

static const pv_def *lookup(const char *s, int len)
{
	for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
		if ((int)strlen(defs[i].name) == len && memcmp(defs[i].name, s, (size_t)len) == 0)
			return &defs[i];
	return NULL;
}

static const pv_mod_class *const pv_mod_tables[] = { tm_pv_classes, registrar_pv_classes };

static const pv_mod_class *lookup_mod(const char *s, int len)
{
	for (size_t t = 0; t < sizeof pv_mod_tables / sizeof pv_mod_tables[0]; t++)
		for (const pv_mod_class *k = pv_mod_tables[t]; k->name; k++)
			if ((int)strlen(k->name) == len && memcmp(k->name, s, (size_t)len) == 0)
				return k;
	return NULL;
}

/* The end of balanced text starting at p (after the opening bracket): the
 * position of the closing one, or NULL. */
static const char *balanced(const char *p, const char *e, char open, char close)
{
	int depth = 0;
	for (; p < e; p++) {
		if (*p == close) {
			if (depth == 0)
				return p;
			depth--;
		} else if (*p == open) {
			depth++;
		}
	}
	return NULL;
}

static int parse_index(rc_gen_t *g, rc_pv *pv, const char *s, int len, const char *where)
{
	if (len == 1 && s[0] == '*') {
		pv->ikind = PV_IDX_ALL;
		return 0;
	}
	if (len > 0 && s[0] == '$') {
		int used;
		pv->ipv = pv_parse(g, s, len, &used, where);
		if (!pv->ipv || used != len)
			return -1;
		pv->ikind = PV_IDX_PV;
		return 0;
	}
	int i = 0, neg = 0, v = 0;
	if (i < len && s[i] == '-')
		neg = 1, i++;
	if (i == len)
		return -1;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > 100000000)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	pv->ikind = PV_IDX_INT;
	pv->idx = neg ? -v : v;
	return 0;
}

/* "name[i]" of an $xavp part: name and index kind. */
static int xavp_part(const char *s, int len, rc_str *name, int *kind, int *idx)
{
	const char *b = memchr(s, '[', (size_t)len);
	*kind = PV_IDX_NONE;
	*idx = 0;
	name->s = s;
	name->len = b ? (int)(b - s) : len;
	if (name->len <= 0)
		return -1;
	if (!b)
		return 0;
	const char *e = s + len;
	if (e[-1] != ']' || e - 1 == b + 1)
		return -1;
	const char *p = b + 1;
	if (p + 1 == e - 1 && *p == '*') {
		*kind = PV_IDX_ALL;
		return 0;
	}
	int neg = 0, v = 0;
	if (*p == '-')
		neg = 1, p++;
	if (p == e - 1)
		return -1;
	for (; p < e - 1; p++) {
		if (*p < '0' || *p > '9' || v > 100000000)
			return -1;
		v = v * 10 + (*p - '0');
	}
	*kind = PV_IDX_INT;
	*idx = neg ? -v : v;
	return 0;
}

/* The class's own reading of its inner name (pv_parse_*_name). */
static int parse_name(rc_gen_t *g, rc_pv *pv, const char *s, int len, const char *where)
{
	char *copy = pv_gen_strdup(g, s, len);
	if (!copy)
		return -1;
	pv->name.s = copy;
	pv->name.len = len;
	switch (pv->cls) {
	case PVC_HDR:
	case PVC_HDRC:
		if (s[0] == '$') {
			if (!(pv->dname = rc_fmt_prepare(g, s, len, where)))
				return -1;
			return 0;
		}
		for (int i = 0; i < len; i++) /* a header name is a token: no blanks, no ':' */
			if (s[i] == ' ' || s[i] == '\t' || s[i] == ':' || s[i] == '(' || s[i] == ')')
				return -1;
		pv->htype = sip_hdr_type_of(s, len);
		return 0;
	case PVC_VAR:
	case PVC_VN:
		pv->slot = pv_var_slot(s, len, pv->cls == PVC_VN);
		return pv->slot < 0 ? -1 : 0;
	case PVC_SHV:
		pv->obj = pv_shv_find(s, len);
		return pv->obj ? 0 : -1;
	case PVC_AVP:
		if (s[0] == '$') {
			if (!(pv->dname = rc_fmt_prepare(g, s, len, where)))
				return -1;
			return 0;
		}
		if (len > 2 && (s[0] == 'i' || s[0] == 'I') && s[1] == ':') {
			pv->slot = 1; /* an integer name: i:5 */
			pv->name.s += 2;
			pv->name.len -= 2;
			for (int i = 0; i < pv->name.len; i++)
				if (pv->name.s[i] < '0' || pv->name.s[i] > '9')
					return -1;
		} else if (len > 2 && (s[0] == 's' || s[0] == 'S') && s[1] == ':') {
			pv->name.s += 2;
			pv->name.len -= 2;
		}
		return pv->name.len > 0 ? 0 : -1;
	case PVC_XAVP: {
		const char *arrow = NULL;
		for (int i = 0; i + 1 < len; i++)
			if (copy[i] == '=' && copy[i + 1] == '>') {
				arrow = copy + i;
				break;
			}
		int rl = arrow ? (int)(arrow - copy) : len;
		if (xavp_part(copy, rl, &pv->xn.root, &pv->xn.rkind, &pv->xn.ri) < 0)
			return -1;
		if (arrow && xavp_part(arrow + 2, len - rl - 2, &pv->xn.field, &pv->xn.fkind, &pv->xn.fi) < 0)
			return -1;
		return 0;
	}
	case PVC_TIME: {
		static const char *const names[] = { "sec", "min", "hour", "mday", "mon", "year", "wday", "yday", "isdst" };
		for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
			if ((int)strlen(names[i]) == len && !memcmp(names[i], s, (size_t)len)) {
				pv->sub = i;
				return 0;
			}
		return -1;
	}
	case PVC_ENV:
	case PVC_MOD:
		return 0;
	default:
		return -1;
	}
}

rc_pv *pv_parse(rc_gen_t *g, const char *s, int len, int *used, const char *where)
{
	const char *p = s, *e = s + len;
	const char *w = where ? where : "?";
	if (len < 2 || *p != '$') {
		rt_log(RT_L_ERR, "%s: '%.*s' is not a pseudo-variable", w, len, s);
		return NULL;
	}
	p++;
	int wrapped = 0;
	if (*p == '(') {
		wrapped = 1;
		p++;
	}
	const char *n = p;
	while (p < e && name_char(*p))
		p++;
	int nlen = (int)(p - n);
	const pv_def *d = lookup(n, nlen);
	const pv_mod_class *mc = d ? NULL : lookup_mod(n, nlen);
	pv_def md;
	if (mc) { /* a module's class: described like a core one */
		md = (pv_def){ mc->name, PVC_MOD,
		               ((mc->flags & PV_MOD_NAME) ? N_NAME : 0) | (mc->set ? N_W : 0) |
		                   ((mc->flags & PV_MOD_IDX) ? N_IDX : 0) };
		d = &md;
	}
	if (!d) {
		rt_log(RT_L_ERR, "%s: unknown pseudo-variable '$%.*s' in '%.*s'", w, nlen, n, len, s);
		return NULL;
	}
	rc_pv *pv = rt_gen_alloc(g, sizeof *pv);
	if (!pv)
		return NULL;
	pv->cls = d->cls;
	pv->where = where;
	pv->htype = SIP_H_OTHER;
	int have_name = 0;
	if (p < e && *p == '(') {
		const char *ie = balanced(p + 1, e, '(', ')');
		if (!ie)
			goto bad;
		if (!(d->flags & N_NAME)) {
			rt_log(RT_L_ERR, "%s: '$%s' takes no inner name in '%.*s'", w, d->name, len, s);
			return NULL;
		}
		if (ie == p + 1 || parse_name(g, pv, p + 1, (int)(ie - p - 1), where) < 0) {
			rt_log(RT_L_ERR, "%s: bad inner name of '$%s' in '%.*s'", w, d->name, len, s);
			return NULL;
		}
		have_name = 1;
		p = ie + 1;
	}
	if ((d->flags & N_NAME) && !have_name) {
		rt_log(RT_L_ERR, "%s: '$%s' needs an inner name, as in $%s(x)", w, d->name, d->name);
		return NULL;
	}
	if (wrapped) {
		if (p < e && *p == '[') {
			const char *ie = balanced(p + 1, e, '[', ']');
			if (!ie)
				goto bad;
			if (!(d->flags & N_IDX)) {
				rt_log(RT_L_ERR, "%s: '$%s' takes no index in '%.*s'", w, d->name, len, s);
				return NULL;
			}
			if (parse_index(g, pv, p + 1, (int)(ie - p - 1), where) < 0) {
				rt_log(RT_L_ERR, "%s: bad index in '%.*s'", w, len, s);
				return NULL;
			}
			p = ie + 1;
		}
		if (p < e && *p == '{') {
			int k = pv_tr_parse(g, p, (int)(e - p), &pv->tr, &pv->ntr, where);
			if (k < 0)
				return NULL;
			p += k;
		}
		if (p >= e || *p != ')')
			goto bad;
		p++;
	}
	pv->text.s = pv_gen_strdup(g, s, (int)(p - s));
	pv->text.len = (int)(p - s);
	if (!pv->text.s)
		return NULL;
	if (mc) {
		pv->mod = mc;
		if (mc->prep && mc->prep(g, pv, where) < 0)
			return NULL;
	}
	*used = (int)(p - s);
	return pv;
bad:
	rt_log(RT_L_ERR, "%s: malformed pseudo-variable '%.*s'", w, len, s);
	return NULL;
}

rc_pv *rc_pv_prepare(rc_gen_t *g, const char *spec, int len, const char *where)
{
	int used = 0;
	if (len < 0)
		len = spec ? (int)strlen(spec) : 0;
	rc_pv *pv = pv_parse(g, spec, len, &used, where);
	if (pv && used != len) {
		rt_log(RT_L_ERR, "%s: unexpected text after the pseudo-variable in '%.*s'",
		       where ? where : "?", len, spec);
		return NULL;
	}
	return pv;
}

int pv_index(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, int *kind)
{
	*kind = pv->ikind;
	if (pv->ikind != PV_IDX_PV)
		return pv->idx;
	rc_val v;
	if (pv_get(m, c, pv->ipv, &v) < 0 || v.type == RC_NULL) {
		*kind = PV_IDX_NONE;
		return 0;
	}
	*kind = PV_IDX_INT;
	return rc_v_int(&v);
}

static int base_get(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out)
{
	int kind, idx;
	rc_str name;
	switch (pv->cls) {
	case PVC_NULL:
		*out = pv_vnull();
		return 0;
	case PVC_RC:
		*out = pv_vint(c ? c->rc : m->ctx ? m->ctx->rc : 0);
		return 0;
	case PVC_VAR:
	case PVC_VN:
		return pv_var_get(pv->slot, pv->cls == PVC_VN, out);
	case PVC_SHV:
		return pv_shv_get(m, pv->obj, out);
	case PVC_AVP:
		name = pv->name;
		if (pv->dname)
			name = pv_fmt_eval(m, c, pv->dname);
		idx = pv_index(m, c, pv, &kind);
		return pv_avp_get(m, name, pv->slot, kind, idx, out);
	case PVC_XAVP:
		return pv_xavp_get(m, &pv->xn, out);
	case PVC_MOD:
		return ((const pv_mod_class *)pv->mod)->get(m, c, pv, out);
	default:
		return pv_msg_get(m, c, pv, out);
	}
}

int pv_get(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out)
{
	*out = pv_vnull();
	if (!pv)
		return -1;
	if (base_get(m, c, pv, out) < 0) {
		*out = pv_vnull();
		return -1;
	}
	if (pv->ntr && pv_tr_apply(m, c, pv->tr, pv->ntr, out) < 0) {
		*out = pv_vnull();
		return -1;
	}
	return 0;
}

int rc_pv_get(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out)
{
	return pv_get(m, c, pv, out);
}

int rc_pv_defined(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv)
{
	rc_val v;
	if (pv_get(m, c, pv, &v) < 0)
		return 0;
	return v.type != RC_NULL;
}

static int refuse(const rc_pv *pv, const char *why)
{
	rt_log(RT_L_ERR, "%s: cannot assign to '%.*s': %s", pv->where ? pv->where : "?", pv->text.len,
	       pv->text.s, why);
	return -1;
}

int rc_pv_set(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, const rc_val *v)
{
	rc_val null = pv_vnull();
	if (!pv)
		return -1;
	if (!v)
		v = &null;
	if (pv->ntr)
		return refuse(pv, "it has transformations");
	int kind;
	rc_str name;
	switch (pv->cls) {
	case PVC_VAR:
	case PVC_VN:
		return pv_var_set(pv->slot, pv->cls == PVC_VN, v) < 0 ? -1 : 1;
	case PVC_SHV:
		return pv_shv_set(pv->obj, v) < 0 ? -1 : 1;
	case PVC_AVP:
		name = pv->name;
		if (pv->dname)
			name = pv_fmt_eval(m, c, pv->dname);
		pv_index(m, c, pv, &kind);
		return pv_avp_set(m, name, pv->slot, kind, v) < 0 ? -1 : 1;
	case PVC_XAVP:
		return pv_xavp_set(m, &pv->xn, v) < 0 ? -1 : 1;
	case PVC_MOD: {
		const pv_mod_class *mc = pv->mod;
		if (!mc->set)
			return refuse(pv, "it is read-only");
		return mc->set(m, c, pv, v) < 0 ? -1 : 1;
	}
	default: {
		int rc = pv_msg_set(m, c, pv, v);
		if (rc == -2)
			return refuse(pv, "it is read-only");
		return rc < 0 ? -1 : 1;
	}
	}
}
