/* pv_var.c: the script's variables (kamailio-language.md 6.2).
 *
 *   $var(n) $vz(n)  per worker thread, kept across messages, int 0 until set;
 *                   `= $null` sets int 0
 *   $vn(n)          the same, but null until set and `= $null` makes it null
 *   $shv(n)         one value for the whole process, behind a mutex
 *   $avp(n)         per message: each assignment pushes a value ([0] is the
 *                   newest), `= $null` drops the newest, `$(avp(n)[*]) = $null`
 *                   drops all; names are case-insensitive, i:5 names an int
 *   $xavp(r=>f)     per message: a list of items, each a list of fields
 *
 * Names are turned into slots when a generation loads (a registry shared by
 * all threads, behind a lock; load time only).  A worker's values live in a
 * thread-local table indexed by slot, grown when a new slot is first set;
 * a string value keeps its buffer and only grows it, so a worker setting the
 * same variables message after message stops allocating.  Per-message
 * values ($avp, $xavp) live in the message arena and vanish with it.
 */
#include "pv/pv.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- $var / $vn ---------------------------------------------------------------- */

typedef struct var_name {
	char *name;
	int len, vn;
} var_name;

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static var_name *reg;
static int nreg, capreg;

typedef struct var_val {
	int type; /* RC_NULL: never set (var: reads as int 0) */
	int i;
	char *buf;
	int len, cap;
} var_val;

static _Thread_local var_val *tl_vars;
static _Thread_local int tl_nvars;

int pv_var_slot(const char *name, int len, int vn)
{
	int slot = -1;
	pthread_mutex_lock(&reg_lock);
	for (int i = 0; i < nreg; i++)
		if (reg[i].vn == vn && reg[i].len == len && !memcmp(reg[i].name, name, (size_t)len)) {
			slot = i;
			goto done;
		}
	if (nreg == capreg) {
		int cap = capreg ? capreg * 2 : 64;
		var_name *r = realloc(reg, (size_t)cap * sizeof *r);
		if (!r)
			goto done;
		reg = r;
		capreg = cap;
	}
	char *copy = malloc((size_t)len + 1);
	if (!copy)
		goto done;
	memcpy(copy, name, (size_t)len);
	copy[len] = '\0';
	reg[nreg].name = copy;
	reg[nreg].len = len;
	reg[nreg].vn = vn;
	slot = nreg++;
done:
	pthread_mutex_unlock(&reg_lock);
	if (slot < 0)
		rt_log(RT_L_ERR, "$var(%.*s): out of memory", len, name);
	return slot;
}

int pv_var_get(int slot, int vn, rc_val *out)
{
	const var_val *v = slot >= 0 && slot < tl_nvars ? &tl_vars[slot] : NULL;
	if (!v || v->type == RC_NULL)
		*out = vn ? pv_vnull() : pv_vint(0);
	else if (v->type == RC_INT)
		*out = pv_vint(v->i);
	else
		*out = pv_vstr(v->buf, v->len);
	return 0;
}

/* Room for slot in this thread's table. */
static var_val *var_at(int slot)
{
	if (slot < 0)
		return NULL;
	if (slot >= tl_nvars) {
		int n = tl_nvars ? tl_nvars : 16;
		while (n <= slot)
			n *= 2;
		var_val *t = realloc(tl_vars, (size_t)n * sizeof *t);
		if (!t)
			return NULL;
		memset(t + tl_nvars, 0, (size_t)(n - tl_nvars) * sizeof *t);
		tl_vars = t;
		tl_nvars = n;
	}
	return &tl_vars[slot];
}

/* Stores s in a value buffer that may already hold it (a substring of the
 * variable's own value assigned back to it). */
static int store_str(char **buf, int *cap, const char *s, int len)
{
	if (len + 1 <= *cap) {
		if (len)
			memmove(*buf, s, (size_t)len);
		(*buf)[len] = '\0';
		return 0;
	}
	int n = 64;
	while (n < len + 1)
		n *= 2;
	char *b = malloc((size_t)n);
	if (!b)
		return -1;
	if (len)
		memcpy(b, s, (size_t)len);
	b[len] = '\0';
	free(*buf);
	*buf = b;
	*cap = n;
	return 0;
}

int pv_var_set(int slot, int vn, const rc_val *v)
{
	var_val *x = var_at(slot);
	if (!x) {
		rt_log(RT_L_ERR, "$var: out of memory");
		return -1;
	}
	switch (v->type) {
	case RC_INT:
		x->type = RC_INT;
		x->i = v->i;
		return 0;
	case RC_STR:
		if (store_str(&x->buf, &x->cap, v->s.s, v->s.len) < 0) {
			rt_log(RT_L_ERR, "$var: out of memory");
			return -1;
		}
		x->type = RC_STR;
		x->len = v->s.len;
		return 0;
	default:
		if (vn) {
			x->type = RC_NULL;
		} else {
			x->type = RC_INT;
			x->i = 0;
		}
		return 0;
	}
}

/* ---- $shv ------------------------------------------------------------------------ */

typedef struct shv {
	struct shv *next;
	pthread_mutex_t lock;
	char *name;
	int len;
	int type, i;
	char *buf;
	int slen, cap;
} shv;

static shv *shvs;

void *pv_shv_find(const char *name, int len)
{
	shv *v;
	pthread_mutex_lock(&reg_lock);
	for (v = shvs; v; v = v->next)
		if (v->len == len && !memcmp(v->name, name, (size_t)len))
			goto done;
	v = calloc(1, sizeof *v);
	if (v && !(v->name = malloc((size_t)len + 1))) {
		free(v);
		v = NULL;
	}
	if (v) {
		memcpy(v->name, name, (size_t)len);
		v->name[len] = '\0';
		v->len = len;
		v->type = RC_INT;
		pthread_mutex_init(&v->lock, NULL);
		v->next = shvs;
		shvs = v;
	}
done:
	pthread_mutex_unlock(&reg_lock);
	if (!v)
		rt_log(RT_L_ERR, "$shv(%.*s): out of memory", len, name);
	return v;
}

int pv_shv_get(rc_msg_t *m, void *p, rc_val *out)
{
	shv *v = p;
	int rc = 0;
	pthread_mutex_lock(&v->lock);
	if (v->type == RC_STR) {
		char *d = pv_dup(m, v->buf, v->slen);
		if (d)
			*out = pv_vstr(d, v->slen);
		else
			rc = -1;
	} else {
		*out = pv_vint(v->i);
	}
	pthread_mutex_unlock(&v->lock);
	return rc;
}

int pv_shv_set(void *p, const rc_val *val)
{
	shv *v = p;
	int rc = 0;
	pthread_mutex_lock(&v->lock);
	if (val->type == RC_STR) {
		if (store_str(&v->buf, &v->cap, val->s.s, val->s.len) < 0) {
			rc = -1;
		} else {
			v->type = RC_STR;
			v->slen = val->s.len;
		}
	} else {
		v->type = RC_INT;
		v->i = val->type == RC_INT ? val->i : 0;
	}
	pthread_mutex_unlock(&v->lock);
	if (rc < 0)
		rt_log(RT_L_ERR, "$shv(%s): out of memory", v->name);
	return rc;
}

void pv_worker_done(void)
{
	for (int i = 0; i < tl_nvars; i++)
		free(tl_vars[i].buf);
	free(tl_vars);
	tl_vars = NULL;
	tl_nvars = 0;
	pv_re_thread_done();
}

/* ---- $avp -------------------------------------------------------------------------- */

struct pv_avp {
	struct pv_avp *next;
	rc_str name;
	int iname;
	rc_val v;
};

/* A value copied into the arena (strings only: ints are values). */
static int arena_val(rc_msg_t *m, const rc_val *v, rc_val *out)
{
	if (v->type != RC_STR) {
		*out = *v;
		return 0;
	}
	char *d = pv_dup(m, v->s.s, v->s.len);
	if (!d)
		return -1;
	*out = pv_vstr(d, v->s.len);
	return 0;
}

static int avp_is(const struct pv_avp *a, rc_str name, int iname)
{
	return a->iname == iname && pv_eqi(a->name.s, a->name.len, name.s, name.len);
}

int pv_avp_count(rc_msg_t *m, rc_str name, int iname)
{
	int n = 0;
	for (const struct pv_avp *a = m->pv_avps; a; a = a->next)
		n += avp_is(a, name, iname);
	return n;
}

int pv_avp_get(rc_msg_t *m, rc_str name, int iname, int ikind, int idx, rc_val *out)
{
	*out = pv_vnull();
	if (ikind == PV_IDX_ALL) {
		/* every value, newest first, joined with ", " */
		int total = 0, n = 0;
		for (const struct pv_avp *a = m->pv_avps; a; a = a->next)
			if (avp_is(a, name, iname)) {
				rc_str s = rc_v_str(m, &a->v);
				total += s.len + (n++ ? 2 : 0);
			}
		if (!n)
			return 0;
		char *d = rc_tmp(m, total + 1), *p = d;
		if (!d)
			return -1;
		n = 0;
		for (const struct pv_avp *a = m->pv_avps; a; a = a->next)
			if (avp_is(a, name, iname)) {
				rc_str s = rc_v_str(m, &a->v);
				if (n++) {
					memcpy(p, ", ", 2);
					p += 2;
				}
				memcpy(p, s.s, (size_t)s.len);
				p += s.len;
			}
		*p = '\0';
		*out = pv_vstr(d, total);
		return 0;
	}
	if (ikind == PV_IDX_INT && idx < 0)
		return 0; /* Kamailio 5.6: negative AVP indexes give null */
	int want = ikind == PV_IDX_INT ? idx : 0;
	for (const struct pv_avp *a = m->pv_avps; a; a = a->next)
		if (avp_is(a, name, iname) && want-- == 0) {
			*out = a->v;
			return 0;
		}
	return 0;
}

static void avp_each(const struct pv_avp *a, void (*cb)(rc_str, int, const rc_val *, void *), void *arg)
{
	if (!a)
		return;
	avp_each(a->next, cb, arg); /* the list is newest first: oldest first out */
	cb(a->name, a->iname, &a->v, arg);
}

void pv_avp_each(rc_msg_t *m, void (*cb)(rc_str name, int iname, const rc_val *v, void *arg),
                 void *arg)
{
	avp_each(m->pv_avps, cb, arg);
}

int pv_avp_set(rc_msg_t *m, rc_str name, int iname, int ikind, const rc_val *v)
{
	struct pv_avp **pp = &m->pv_avps;
	if (v->type == RC_NULL || ikind == PV_IDX_ALL) {
		/* drop the newest, or all with [*] */
		while (*pp) {
			if (avp_is(*pp, name, iname)) {
				*pp = (*pp)->next;
				if (ikind != PV_IDX_ALL)
					break;
			} else {
				pp = &(*pp)->next;
			}
		}
		if (v->type == RC_NULL)
			return 0;
	}
	struct pv_avp *a = pv_talloc(m, (int)sizeof *a);
	char *nm = pv_dup(m, name.s, name.len);
	if (!a || !nm || arena_val(m, v, &a->v) < 0)
		return -1;
	a->name.s = nm;
	a->name.len = name.len;
	a->iname = iname;
	a->next = m->pv_avps;
	m->pv_avps = a;
	return 0;
}

/* ---- $xavp ------------------------------------------------------------------------- */

typedef struct pv_xfield {
	struct pv_xfield *next;
	rc_str name;
	rc_val v;
} pv_xfield;

struct pv_xitem {
	struct pv_xitem *next;
	rc_str name;
	rc_val v;          /* a plain value ($xavp(r) = 5), RC_NULL for a list */
	pv_xfield *fields; /* newest first */
};

static int str_is(rc_str a, rc_str b)
{
	return a.len == b.len && !memcmp(a.s, b.s, (size_t)a.len);
}

static struct pv_xitem **item_at(rc_msg_t *m, rc_str root, int idx)
{
	if (idx < 0) {
		int n = 0;
		for (struct pv_xitem *i = m->pv_xavps; i; i = i->next)
			n += str_is(i->name, root);
		idx += n;
		if (idx < 0)
			return NULL;
	}
	for (struct pv_xitem **pp = &m->pv_xavps; *pp; pp = &(*pp)->next)
		if (str_is((*pp)->name, root) && idx-- == 0)
			return pp;
	return NULL;
}

static pv_xfield **field_at(struct pv_xitem *it, rc_str name, int idx)
{
	if (idx < 0) {
		int n = 0;
		for (pv_xfield *f = it->fields; f; f = f->next)
			n += str_is(f->name, name);
		idx += n;
		if (idx < 0)
			return NULL;
	}
	for (pv_xfield **pp = &it->fields; *pp; pp = &(*pp)->next)
		if (str_is((*pp)->name, name) && idx-- == 0)
			return pp;
	return NULL;
}

int pv_xavp_get(rc_msg_t *m, const pv_xname *xn, rc_val *out)
{
	*out = pv_vnull();
	struct pv_xitem **ip = item_at(m, xn->root, xn->rkind == PV_IDX_INT ? xn->ri : 0);
	if (!ip)
		return 0;
	if (!xn->field.s) {
		if ((*ip)->v.type != RC_NULL) {
			*out = (*ip)->v;
		} else {
			static const char tag[] = "<<xavp>>";
			*out = pv_vstr(tag, (int)sizeof tag - 1);
		}
		return 0;
	}
	pv_xfield **fp = field_at(*ip, xn->field, xn->fkind == PV_IDX_INT ? xn->fi : 0);
	if (fp)
		*out = (*fp)->v;
	return 0;
}

int pv_xavp_set(rc_msg_t *m, const pv_xname *xn, const rc_val *v)
{
	int ri = xn->rkind == PV_IDX_INT ? xn->ri : 0;
	if (v->type == RC_NULL) {
		if (!xn->field.s) {
			/* $xavp(r) = $null: every item; $xavp(r[i]) = $null: that one */
			if (xn->rkind == PV_IDX_INT) {
				struct pv_xitem **ip = item_at(m, xn->root, ri);
				if (ip)
					*ip = (*ip)->next;
				return 0;
			}
			for (struct pv_xitem **pp = &m->pv_xavps; *pp;)
				if (str_is((*pp)->name, xn->root))
					*pp = (*pp)->next;
				else
					pp = &(*pp)->next;
			return 0;
		}
		struct pv_xitem **ip = item_at(m, xn->root, ri);
		if (!ip)
			return 0;
		if (xn->fkind == PV_IDX_ALL) {
			for (pv_xfield **pp = &(*ip)->fields; *pp;)
				if (str_is((*pp)->name, xn->field))
					*pp = (*pp)->next;
				else
					pp = &(*pp)->next;
			return 0;
		}
		pv_xfield **fp = field_at(*ip, xn->field, xn->fkind == PV_IDX_INT ? xn->fi : 0);
		if (fp)
			*fp = (*fp)->next;
		return 0;
	}
	rc_val copy;
	if (arena_val(m, v, &copy) < 0)
		return -1;
	if (!xn->field.s || xn->rkind != PV_IDX_INT) {
		/* a new item at the front, holding the value or the one field */
		struct pv_xitem *it = pv_talloc(m, (int)sizeof *it);
		if (!it)
			return -1;
		memset(it, 0, sizeof *it);
		it->name = xn->root;
		it->v = pv_vnull();
		if (!xn->field.s) {
			it->v = copy;
		} else {
			pv_xfield *f = pv_talloc(m, (int)sizeof *f);
			if (!f)
				return -1;
			f->next = NULL;
			f->name = xn->field;
			f->v = copy;
			it->fields = f;
		}
		it->next = m->pv_xavps;
		m->pv_xavps = it;
		return 0;
	}
	struct pv_xitem **ip = item_at(m, xn->root, ri);
	if (!ip) {
		rt_log(RT_L_ERR, "$xavp(%.*s[%d]): no such item", xn->root.len, xn->root.s, ri);
		return -1;
	}
	if (xn->fkind == PV_IDX_INT) {
		pv_xfield **fp = field_at(*ip, xn->field, xn->fi);
		if (!fp) {
			rt_log(RT_L_ERR, "$xavp(%.*s=>%.*s[%d]): no such field", xn->root.len, xn->root.s,
			       xn->field.len, xn->field.s, xn->fi);
			return -1;
		}
		(*fp)->v = copy;
		return 0;
	}
	pv_xfield *f = pv_talloc(m, (int)sizeof *f);
	if (!f)
		return -1;
	f->name = xn->field;
	f->v = copy;
	f->next = (*ip)->fields;
	(*ip)->fields = f;
	return 0;
}
