/* lump.h: edits to a parsed message, applied in one pass.
 *
 * A proxy forwards the bytes it received, changed only where it must (a Via
 * added, a Route removed, the Request-URI rewritten, a header appended).  The
 * edits are collected as lumps, each naming a range of the original message
 * and the text that takes its place, and sip_lump_apply() writes the result
 * with one walk over the original buffer: untouched bytes are copied as they
 * are, in order, and nothing is reparsed.
 *
 * Positions are offsets in the original buffer (m->buf).  Offset k is the gap
 * before byte k.  A lump is one of
 *   insert before k  - text at gap k, ahead of everything else placed there
 *   insert after k   - text at gap k, behind everything else placed there
 *   delete [k, k+n)  - the bytes vanish
 *   replace [k, k+n) - the bytes are replaced by the text (n may be 0)
 * At one gap the output is: the "before" texts in the order they were added,
 * then the replacement of a range starting there, then the "after" texts in
 * order.  An insert strictly inside a deleted or replaced range, and two
 * deletes/replaces that share a byte or a start, are refused with
 * SIP_E_LUMP_OVERLAP: the edit is not recorded and the others stand.
 *
 * Storage is fixed: SIP_MAX_LUMPS lumps and a SIP_LUMP_ARENA-byte arena for
 * text the caller cannot keep alive (sip_lump_copy).  Text passed to the
 * insert and replace calls is referenced, not copied: it must live until
 * sip_lump_apply.  The first error is also kept in l->err, and apply returns
 * it, so a run of edits can be checked once at the end.
 */
#ifndef SIP_LUMP_H
#define SIP_LUMP_H

#include "msg.h"

#define SIP_MAX_LUMPS  64
#define SIP_LUMP_ARENA 1024

enum { SIP_LUMP_BEFORE, SIP_LUMP_EDIT, SIP_LUMP_AFTER };

typedef struct sip_lump {
	int off;           /* offset in the original buffer */
	int del;           /* original bytes dropped from off (0 for inserts) */
	const char *text;  /* bytes written at off */
	int len;
	int where;         /* SIP_LUMP_BEFORE, _EDIT, _AFTER */
} sip_lump;

typedef struct sip_lumps {
	const sip_msg *m;  /* the message the offsets refer to */
	int n;             /* lumps in v, sorted by (off, where), then call order */
	int err;           /* first error of any call, or 0 */
	int arena_used;
	sip_lump v[SIP_MAX_LUMPS];
	char arena[SIP_LUMP_ARENA];
} sip_lumps;

void sip_lumps_init(sip_lumps *l, const sip_msg *m);

/* Primitive edits: 0 or a negative SIP_E_* code. */
int sip_lump_insert_before(sip_lumps *l, int off, const char *s, int len);
int sip_lump_insert_after(sip_lumps *l, int off, const char *s, int len);
int sip_lump_delete(sip_lumps *l, int off, int len);
int sip_lump_replace(sip_lumps *l, int off, int len, const char *s, int len_s);

/* A copy of s in the arena (for text built on the stack), or NULL when full. */
const char *sip_lump_copy(sip_lumps *l, const char *s, int len);

/* Edits in message terms.  Header lines passed in are whole lines with their
 * CRLF ("Record-Route: <sip:p.example.com;lr>\r\n"). */
int sip_lump_add_via(sip_lumps *l, const char *line, int len);        /* above the top Via */
int sip_lump_del_via1(sip_lumps *l);                                  /* the top Via value */
int sip_lump_insert_hdr(sip_lumps *l, const char *line, int len);     /* above all headers */
int sip_lump_append_hdr(sip_lumps *l, const char *line, int len);     /* below all headers */
int sip_lump_del_hdr(sip_lumps *l, const sip_hdr *h);                 /* its whole lines */
int sip_lump_set_hdr_value(sip_lumps *l, const sip_hdr *h, const char *s, int len);
int sip_lump_set_ruri(sip_lumps *l, const char *s, int len);
/* The body, and every Content-Length to match (one is added if none). */
int sip_lump_set_body(sip_lumps *l, const char *s, int len);

/* Writes the edited message (from the first line to the end of the body;
 * leading CRLFs and bytes past Content-Length are left out) to out.  Returns
 * its length, SIP_E_NOSPACE if cap is too small, or l->err. */
int sip_lump_apply(const sip_msg *m, const sip_lumps *l, char *out, size_t cap);
/* The length sip_lump_apply would write, or l->err. */
int sip_lump_size(const sip_msg *m, const sip_lumps *l);

#endif
