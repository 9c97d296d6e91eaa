/* sema_fn.c: lookups over the function, parameter and pseudo-variable tables.
 * Each .def file is included once here; the sorted indexes are built on the
 * first lookup. */
#include "sema_fn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the tables ---------------------------------------------------------- */

#define ARGS0()                   0, 0, { 0 }
#define ARGS1(a)                  1, 1, { a }
#define ARGS2(a, b)               2, 2, { a, b }
#define ARGS3(a, b, c)            3, 3, { a, b, c }
#define ARGS4(a, b, c, d)         4, 4, { a, b, c, d }
#define ARGS5(a, b, c, d, e)      5, 5, { a, b, c, d, e }
#define ARGS6(a, b, c, d, e, f)   6, 6, { a, b, c, d, e, f }
#define ARGSV(mn, mx, k)          mn, mx, { k, k, k, k, k, k }

static const sema_fn fns[] = {
#define RC_FN(mod, name, sym, rt, args) { #mod, #name, #sym, rt, args, 1 },
#include "exports.def"
#undef RC_FN
#define RC_SIG(mod, name, rt, args) { #mod, #name, NULL, rt, args, 0 },
#include "kamailio_sigs.def"
#undef RC_SIG
};

static const sema_param params[] = {
#define RC_PARAM(mod, name, kind, dflt) { #mod, #name, kind, dflt },
#include "modparams.def"
#undef RC_PARAM
};

static const sema_pv pvs[] = {
#define RC_PV(mod, name, fl) { #mod, #name, fl, ((fl) & PVF_RW) != 0, ((fl) & PVF_NAME) != 0 },
#define RC_TR(mod, cls)
#include "pvars.def"
#undef RC_PV
#undef RC_TR
};

static const struct {
	const char *module, *cls;
} trs[] = {
#define RC_PV(mod, name, fl)
#define RC_TR(mod, cls) { #mod, #cls },
#include "pvars.def"
#undef RC_PV
#undef RC_TR
};

/* Kamailio 5.6 modules that export nothing a script can name, so no row above
 * mentions them; loading them is still fine. */
static const char *const quiet_modules[] = {
	"cdp_avp", "cfg_rpc", "db_mongodb", "db_perlvdb", "kemix", "pua_rpc", "secsipid_proc", "stun",
	"systemdops",
};

#define NFNS    ((int)(sizeof fns / sizeof fns[0]))
#define NPARAMS ((int)(sizeof params / sizeof params[0]))
#define NPVS    ((int)(sizeof pvs / sizeof pvs[0]))
#define NTRS    ((int)(sizeof trs / sizeof trs[0]))

/* ---- indexes ------------------------------------------------------------- */

static short fn_idx[NFNS];     /* rows sorted by name, then table order */
static short fn_next[NFNS];    /* next row of the same name, or -1 */
static short param_idx[NPARAMS];
static short param_next[NPARAMS]; /* next row of the same module and name, or -1 */
static short pv_idx[NPVS];
static const char *mod_names[NFNS + NPARAMS + NPVS];
static int nmod_names;
static int ready;

static int cmp_fn(const void *a, const void *b)
{
	int x = *(const short *)a, y = *(const short *)b;
	int c = strcmp(fns[x].name, fns[y].name);
	return c ? c : x - y;
}

static int cmp_param_key(const char *mod, const char *name, const sema_param *p)
{
	int c = strcmp(mod, p->module);
	return c ? c : strcmp(name, p->name);
}

static int cmp_param(const void *a, const void *b)
{
	int x = *(const short *)a, y = *(const short *)b;
	int c = cmp_param_key(params[x].module, params[x].name, &params[y]);
	return c ? c : x - y;
}

static int cmp_pv(const void *a, const void *b)
{
	int x = *(const short *)a, y = *(const short *)b;
	int c = strcmp(pvs[x].name, pvs[y].name);
	return c ? c : x - y;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void add_module(const char *m)
{
	mod_names[nmod_names++] = m;
}

static void build(void)
{
	for (int i = 0; i < NFNS; i++)
		fn_idx[i] = (short)i;
	qsort(fn_idx, NFNS, sizeof fn_idx[0], cmp_fn);
	for (int i = 0; i < NFNS; i++) {
		int r = fn_idx[i];
		fn_next[r] = -1;
		if (i + 1 < NFNS && !strcmp(fns[r].name, fns[fn_idx[i + 1]].name))
			fn_next[r] = fn_idx[i + 1];
	}
	for (int i = 0; i < NPARAMS; i++)
		param_idx[i] = (short)i;
	qsort(param_idx, NPARAMS, sizeof param_idx[0], cmp_param);
	for (int i = 0; i < NPARAMS; i++) {
		int r = param_idx[i];
		param_next[r] = -1;
		if (i + 1 < NPARAMS &&
		    !cmp_param_key(params[r].module, params[r].name, &params[param_idx[i + 1]]))
			param_next[r] = param_idx[i + 1];
	}
	for (int i = 0; i < NPVS; i++)
		pv_idx[i] = (short)i;
	qsort(pv_idx, NPVS, sizeof pv_idx[0], cmp_pv);

	for (int i = 0; i < NFNS; i++)
		add_module(fns[i].module);
	for (int i = 0; i < NPARAMS; i++)
		add_module(params[i].module);
	for (int i = 0; i < NPVS; i++)
		add_module(pvs[i].module);
	qsort(mod_names, (size_t)nmod_names, sizeof mod_names[0], cmp_str);
	int n = 0;
	for (int i = 0; i < nmod_names; i++)
		if (!n || strcmp(mod_names[n - 1], mod_names[i]))
			mod_names[n++] = mod_names[i];
	nmod_names = n;
	ready = 1;
}

static void init(void)
{
	if (!ready)
		build();
}

/* ---- functions ----------------------------------------------------------- */

const sema_fn *sema_fn_first(const char *name)
{
	init();
	int lo = 0, hi = NFNS;
	while (lo < hi) { /* first index whose name is >= name */
		int mid = (lo + hi) / 2;
		if (strcmp(fns[fn_idx[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < NFNS && !strcmp(fns[fn_idx[lo]].name, name))
		return &fns[fn_idx[lo]];
	return NULL;
}

const sema_fn *sema_fn_next(const sema_fn *f)
{
	int n = fn_next[f - fns];
	return n < 0 ? NULL : &fns[n];
}

const sema_fn *sema_fn_find(const char *name, int nargs)
{
	for (const sema_fn *f = sema_fn_first(name); f; f = sema_fn_next(f))
		if (nargs >= f->min_args && nargs <= f->max_args)
			return f;
	return NULL;
}

static int raw_kind(const sema_fn *f, int i)
{
	if (i < 0 || i >= f->max_args || i >= SEMA_MAX_ARGS)
		return PK_ANY;
	return f->kinds[i];
}

int sema_fn_kind(const sema_fn *f, int i)
{
	int k = raw_kind(f, i);
	return (k & PK_DYN) ? PK_DYN : k;
}

int sema_fn_const_kind(const sema_fn *f, int i)
{
	int k = raw_kind(f, i) & PK_BASE_MASK;
	return k ? k : PK_DYN;
}

int sema_fn_dynamic(const sema_fn *f, int i)
{
	return (raw_kind(f, i) & PK_DYN) != 0;
}

int sema_rt_allows(unsigned mask, unsigned rt)
{
	if ((mask & rt) == rt)
		return 1;
	return rt == RT_EVENT && (mask & RT_EVENT) != 0;
}

int sema_fn_count(void)
{
	return NFNS;
}

const sema_fn *sema_fn_at(int i)
{
	return i >= 0 && i < NFNS ? &fns[i] : NULL;
}

/* ---- parameters and modules ---------------------------------------------- */

const sema_param *sema_param_find(const char *module, const char *name)
{
	init();
	int lo = 0, hi = NPARAMS;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (cmp_param_key(module, name, &params[param_idx[mid]]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < NPARAMS && !cmp_param_key(module, name, &params[param_idx[lo]]))
		return &params[param_idx[lo]];
	return NULL;
}

const sema_param *sema_param_next(const sema_param *p)
{
	int n = param_next[p - params];
	return n < 0 ? NULL : &params[n];
}

int sema_param_is_str(const sema_param *p)
{
	return p->kind == PARK_STR || p->kind == PARK_FUNC_STR;
}

int sema_param_any(const sema_param *p)
{
	const sema_param *q = sema_param_find(p->module, p->name);
	for (; q; q = sema_param_next(q))
		if (sema_param_is_str(q) != sema_param_is_str(p))
			return 1;
	return 0;
}

const sema_param *sema_param_at(int i)
{
	return i >= 0 && i < NPARAMS ? &params[i] : NULL;
}

int sema_module_known(const char *module)
{
	init();
	if (bsearch(&module, mod_names, (size_t)nmod_names, sizeof mod_names[0], cmp_str))
		return 1;
	for (size_t i = 0; i < sizeof quiet_modules / sizeof quiet_modules[0]; i++)
		if (!strcmp(quiet_modules[i], module))
			return 1;
	return 0;
}

/* ---- pseudo-variables and transformations -------------------------------- */

const sema_pv *sema_pv_find(const char *class_name)
{
	init();
	int lo = 0, hi = NPVS;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (strcmp(pvs[pv_idx[mid]].name, class_name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < NPVS && !strcmp(pvs[pv_idx[lo]].name, class_name))
		return &pvs[pv_idx[lo]];
	return NULL;
}

const sema_pv *sema_pv_next(const sema_pv *p)
{
	init();
	for (int i = 0; i + 1 < NPVS; i++)
		if (&pvs[pv_idx[i]] == p)
			return strcmp(pvs[pv_idx[i + 1]].name, p->name) ? NULL : &pvs[pv_idx[i + 1]];
	return NULL;
}

int sema_tr_known(const char *class_name)
{
	return sema_tr_module(class_name) != NULL;
}

const char *sema_tr_module(const char *class_name)
{
	for (int i = 0; i < NTRS; i++)
		if (!strcmp(trs[i].cls, class_name))
			return trs[i].module;
	return NULL;
}

/* ---- names for messages -------------------------------------------------- */

const char *sema_pk_name(int kind)
{
	if (kind == PK_DYN)
		return "any expression";
	switch (kind & PK_BASE_MASK) {
	case PK_STR: return "a constant string";
	case PK_FMT: return "a string with pseudo-variables";
	case PK_INT: return "an integer";
	case PK_INT_PV: return "an integer or a pseudo-variable";
	case PK_STR_PV: return "a string or a pseudo-variable";
	case PK_REGEX: return "a regular expression";
	case PK_ROUTE_REQ: return "a route name";
	case PK_ROUTE_FAIL: return "a failure_route name";
	case PK_ROUTE_ONREPLY: return "an onreply_route name";
	case PK_ROUTE_BRANCH: return "a branch_route name";
	case PK_ROUTE_BFAIL: return "an event_route[tm:branch-failure:NAME] name";
	case PK_PV_LVAL: return "a writable pseudo-variable";
	case PK_PV: return "a pseudo-variable";
	case PK_FLAG: return "a flag number or name";
	case PK_HOST: return "a host";
	case PK_PORT: return "a port number";
	case PK_SOCKET: return "a socket ([proto:]host[:port])";
	case PK_TABLE: return "a location table name";
	case PK_ANY: return "a value";
	}
	return "a value";
}

static const struct {
	unsigned bit;
	const char *name;
} rt_names[] = {
	{ RT_REQUEST, "request_route" },
	{ RT_FAILURE, "failure_route" },
	{ RT_TM_ONREPLY, "onreply_route" },
	{ RT_BRANCH, "branch_route" },
	{ RT_ONSEND, "onsend_route" },
	{ RT_ERROR, "error_route" },
	{ RT_LOCAL, "event_route[tm:local-request]" },
	{ RT_CORE_ONREPLY, "reply_route" },
	{ RT_BRANCH_FAILURE, "event_route[tm:branch-failure]" },
	{ RT_ONEVENT, "event_route" },
};

const char *sema_rt_name(unsigned bit)
{
	for (size_t i = 0; i < sizeof rt_names / sizeof rt_names[0]; i++)
		if (rt_names[i].bit == bit)
			return rt_names[i].name;
	if (bit == RT_EVENT)
		return "event_route";
	return "?";
}

const char *sema_rt_names(unsigned mask)
{
	static char buf[256];
	size_t len = 0;
	if (mask == RT_ANY)
		return "any route";
	buf[0] = 0;
	for (size_t i = 0; i < sizeof rt_names / sizeof rt_names[0]; i++) {
		if (!(mask & rt_names[i].bit))
			continue;
		int n = snprintf(buf + len, sizeof buf - len, "%s%s", len ? ", " : "", rt_names[i].name);
		if (n < 0 || (size_t)n >= sizeof buf - len)
			break;
		len += (size_t)n;
	}
	return len ? buf : "no route";
}
