/* sema_pv.h: the syntax of pseudo-variables ($ru, $hdr(X), $(avp(a)[*]{s.len})),
 * as Kamailio's pv_parse_spec reads it, and their checks. */
#ifndef ROUTEC_SEMA_PV_H
#define ROUTEC_SEMA_PV_H

#include <stddef.h>
#include "ast.h"
#include "diag.h"

#define PV_MAX_TR 8

typedef struct pv_tr {
	const char *cls;  /* "s", "uri" ... (points into the spec text; not NUL-terminated) */
	size_t cls_len;
	const char *sub;  /* "len", "substr" ... */
	size_t sub_len;
	int nparams;
} pv_tr;

typedef struct pv_spec {
	const char *name;   /* class name: "ru", "hdr", "avp" */
	size_t name_len;
	const char *inner;  /* inside the parentheses, or NULL */
	size_t inner_len;
	int has_index;      /* [n], [-1], [*], [+], [$pv] */
	int ntr;
	pv_tr tr[PV_MAX_TR];
	size_t len;         /* bytes of the spec in the text it was parsed from */
} pv_spec;

/* The modules a script loads ("core" is implied); while set, a class whose
 * module is not among them is an error, as in Kamailio.  n < 0: not checked. */
void pv_set_modules(const char *const *modules, int n);

/* Parse one spec starting at s[0] == '$'.  Returns 0, or -1 with *why set. */
int sema_pv_parse(const char *s, size_t n, pv_spec *out, const char **why);

/* Check a pseudo-variable token: known class, inner name where needed,
 * known transformations; `write` also requires a writable class with no
 * transformation.  Reports at `sp`. */
void sema_pv_check(diag_ctx *d, const char *text, size_t n, ast_span sp, int write);

/* Check every $spec inside a pv-format string ("from $fu to $tu"); `$$` is a
 * literal '$'.  Reports at `sp` (the string argument). */
void sema_pv_check_format(diag_ctx *d, const char *text, size_t n, ast_span sp);

#endif
