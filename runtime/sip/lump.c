/* lump.c: recording edits to a message and writing the result in one pass.
 *
 * Lumps are kept sorted as they are added (insertion into a small array;
 * scripts add a handful per message), so apply is a single forward walk
 * with no sorting and no scratch memory.  Overlap is checked when a lump is
 * added, where the caller can still see which edit was refused; apply
 * checks the order again so that a damaged list cannot make it copy
 * backwards.
 */
#include "lump.h"

#include <string.h>

#include "scan.h"

void sip_lumps_init(sip_lumps *l, const sip_msg *m)
{
	l->m = m;
	l->n = 0;
	l->err = 0;
	l->arena_used = 0;
}

static int fail(sip_lumps *l, int rc)
{
	if (!l->err)
		l->err = rc;
	return rc;
}

static int overlaps(const sip_lumps *l, int off, int del, int where)
{
	for (int i = 0; i < l->n; i++) {
		const sip_lump *o = &l->v[i];
		if (where == SIP_LUMP_EDIT) {
			if (o->where == SIP_LUMP_EDIT) {
				if (o->off == off || (off < o->off + o->del && o->off < off + del))
					return 1;
			} else if (o->off > off && o->off < off + del) {
				return 1;
			}
		} else if (o->where == SIP_LUMP_EDIT && off > o->off && off < o->off + o->del) {
			return 1;
		}
	}
	return 0;
}

static int add(sip_lumps *l, int off, int del, const char *s, int len, int where)
{
	const sip_msg *m = l->m;
	if (!m || len < 0 || del < 0 || (len > 0 && !s))
		return fail(l, SIP_E_ARG);
	if (off < m->start || off > m->len || del > m->len - off)
		return fail(l, SIP_E_LUMP_RANGE);
	if (l->n == SIP_MAX_LUMPS)
		return fail(l, SIP_E_LUMP_FULL);
	if (overlaps(l, off, del, where))
		return fail(l, SIP_E_LUMP_OVERLAP);
	int i = l->n;
	while (i > 0 && (l->v[i - 1].off > off || (l->v[i - 1].off == off && l->v[i - 1].where > where)))
		i--;
	memmove(&l->v[i + 1], &l->v[i], (size_t)(l->n - i) * sizeof l->v[0]);
	l->v[i] = (sip_lump){ .off = off, .del = del, .text = s, .len = len, .where = where };
	l->n++;
	return 0;
}

int sip_lump_insert_before(sip_lumps *l, int off, const char *s, int len)
{
	return add(l, off, 0, s, len, SIP_LUMP_BEFORE);
}

int sip_lump_insert_after(sip_lumps *l, int off, const char *s, int len)
{
	return add(l, off, 0, s, len, SIP_LUMP_AFTER);
}

int sip_lump_delete(sip_lumps *l, int off, int len)
{
	return add(l, off, len, NULL, 0, SIP_LUMP_EDIT);
}

int sip_lump_replace(sip_lumps *l, int off, int len, const char *s, int len_s)
{
	return add(l, off, len, s, len_s, SIP_LUMP_EDIT);
}

const char *sip_lump_copy(sip_lumps *l, const char *s, int len)
{
	if (len < 0 || len > SIP_LUMP_ARENA - l->arena_used) {
		fail(l, SIP_E_LUMP_FULL);
		return NULL;
	}
	char *d = l->arena + l->arena_used;
	if (len)
		memcpy(d, s, (size_t)len);
	l->arena_used += len;
	return d;
}

/* ---- edits in message terms ----------------------------------------------------- */

int sip_lump_add_via(sip_lumps *l, const char *line, int len)
{
	const sip_hdr *h = sip_hdr_get(l->m, SIP_H_VIA);
	return sip_lump_insert_before(l, h ? h->start : l->m->hdrs_start, line, len);
}

int sip_lump_del_via1(sip_lumps *l)
{
	const sip_msg *m = l->m;
	sip_list_it it;
	sip_str first, second;
	int hdr;
	sip_list_begin(m, SIP_H_VIA, &it);
	if (sip_list_next(m, &it, &first, &hdr) <= 0)
		return fail(l, SIP_E_ABSENT);
	if (it.hdr != hdr) /* the header holds one value: it goes */
		return sip_lump_del_hdr(l, &m->hdrs[hdr]);
	if (sip_list_next(m, &it, &second, NULL) <= 0)
		return fail(l, SIP_E_VIA);
	/* "Via: a, b" -> "Via: b": from the first value to the second */
	return sip_lump_delete(l, (int)(first.s - m->buf), (int)(second.s - first.s));
}

int sip_lump_insert_hdr(sip_lumps *l, const char *line, int len)
{
	return sip_lump_insert_before(l, l->m->hdrs_start, line, len);
}

int sip_lump_append_hdr(sip_lumps *l, const char *line, int len)
{
	return sip_lump_insert_before(l, l->m->hdrs_end, line, len);
}

int sip_lump_del_hdr(sip_lumps *l, const sip_hdr *h)
{
	if (!h)
		return fail(l, SIP_E_ARG);
	return sip_lump_delete(l, h->start, h->end - h->start);
}

int sip_lump_set_hdr_value(sip_lumps *l, const sip_hdr *h, const char *s, int len)
{
	if (!h)
		return fail(l, SIP_E_ARG);
	return sip_lump_replace(l, (int)(h->body.s - l->m->buf), h->body.len, s, len);
}

int sip_lump_set_ruri(sip_lumps *l, const char *s, int len)
{
	const sip_msg *m = l->m;
	if (!m->is_request)
		return fail(l, SIP_E_ARG);
	return sip_lump_replace(l, (int)(m->ruri.s - m->buf), m->ruri.len, s, len);
}

int sip_lump_set_body(sip_lumps *l, const char *s, int len)
{
	const sip_msg *m = l->m;
	char num[16];
	int n = 0, rc;
	if (len < 0 || len > SIP_MAX_MSG_LEN)
		return fail(l, SIP_E_ARG);
	for (int v = len; n == 0 || v > 0; v /= 10)
		num[sizeof num - 1 - n++] = (char)('0' + v % 10);
	const char *digits = sip_lump_copy(l, num + sizeof num - n, n);
	if (!digits)
		return SIP_E_LUMP_FULL;
	if ((rc = sip_lump_replace(l, m->body_off, m->body.len, s, len)) < 0)
		return rc;
	const sip_hdr *h = sip_hdr_get(m, SIP_H_CONTENT_LENGTH);
	if (!h) {
		static const char pre[] = "Content-Length: ";
		const char *line = sip_lump_copy(l, pre, (int)sizeof pre - 1);
		if (!line || !sip_lump_copy(l, digits, n) || !sip_lump_copy(l, "\r\n", 2))
			return SIP_E_LUMP_FULL;
		return sip_lump_append_hdr(l, line, (int)sizeof pre - 1 + n + 2);
	}
	for (; h; h = sip_hdr_next(m, h))
		if ((rc = sip_lump_set_hdr_value(l, h, digits, n)) < 0)
			return rc;
	return 0;
}

/* ---- apply ------------------------------------------------------------------------- */

/* Appends n bytes at *o, or only counts them when out is NULL. */
static int put(char *out, size_t cap, size_t *o, const char *src, int n)
{
	if (out) {
		if ((size_t)n > cap - *o)
			return SIP_E_NOSPACE;
		if (n)
			memcpy(out + *o, src, (size_t)n);
	}
	*o += (size_t)n;
	return 0;
}

/* One walk over the original; out == NULL only counts. */
static int walk(const sip_msg *m, const sip_lumps *l, char *out, size_t cap)
{
	if (l->err)
		return l->err;
	if (l->m != m)
		return SIP_E_ARG;
	size_t o = 0;
	int pos = m->start, gap = -1;
	for (int i = 0; i < l->n; i++) {
		const sip_lump *lp = &l->v[i];
		if (lp->off >= pos) {
			if (put(out, cap, &o, m->buf + pos, lp->off - pos) < 0)
				return SIP_E_NOSPACE;
			pos = lp->off;
		} else if (lp->off != gap || lp->where != SIP_LUMP_AFTER) {
			/* only an "after" insert at the start of the edit just
			   written may stand behind the copy position */
			return SIP_E_LUMP_OVERLAP;
		}
		if (put(out, cap, &o, lp->text, lp->len) < 0)
			return SIP_E_NOSPACE;
		gap = lp->off;
		pos += lp->del; /* 0 for inserts */
	}
	if (put(out, cap, &o, m->buf + pos, m->len - pos) < 0)
		return SIP_E_NOSPACE;
	if (o > (size_t)SIP_MAX_MSG_LEN)
		return SIP_E_TOO_LONG;
	return (int)o;
}

int sip_lump_apply(const sip_msg *m, const sip_lumps *l, char *out, size_t cap)
{
	if (!out)
		return SIP_E_ARG;
	return walk(m, l, out, cap);
}

int sip_lump_size(const sip_msg *m, const sip_lumps *l)
{
	return walk(m, l, NULL, 0);
}
