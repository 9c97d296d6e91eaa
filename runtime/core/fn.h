/* fn.h: the registry of script-callable C functions.
 *
 * Every function a compiled script may call (exports.def names its C symbol)
 * is found here by that symbol: the JIT hands each one to tcc, and a
 * generation's init runs each call site's preparation (Kamailio's fixup)
 * through rc_fn_prepare.  Each module exports one table, terminated by an
 * all-zero row:
 *
 *   const rt_fn sl_fns[] = {
 *       { "sl_send_reply", sl_send_reply, sl_send_reply_prep },
 *       { 0 },
 *   };
 *
 * A prep function checks and pre-parses the constant arguments of one call
 * site (argv[i].p is its to fill, allocated with rt_gen_alloc so it goes
 * with the generation); it returns 0, or -1 after logging why with `where`
 * ("file:line:col") in the message.  NULL prep: nothing to prepare.
 */
#ifndef ROUTEC_FN_H
#define ROUTEC_FN_H

#include <stddef.h>

#include "routec.h"

typedef int (*rt_prep_fn)(rc_gen_t *g, rc_arg *argv, int argc, const char *where);

typedef struct rt_fn {
	const char *csym; /* C symbol, as in exports.def ("sl_send_reply") */
	rc_fn fn;
	rt_prep_fn prep;  /* NULL: nothing to prepare */
} rt_fn;

/* The tables, one per module (core/ defines core_fns, modules/ the rest). */
extern const rt_fn core_fns[];
extern const rt_fn sl_fns[];
extern const rt_fn xlog_fns[];
extern const rt_fn maxfwd_fns[];
extern const rt_fn textops_fns[];
extern const rt_fn siputils_fns[];
extern const rt_fn rr_fns[];
extern const rt_fn corex_fns[];
extern const rt_fn kex_fns[];

/* The row of a C symbol, or NULL. */
const rt_fn *rt_fn_find(const char *csym);
/* Calls cb for every row of every table; returns how many. */
int rt_fn_each(void (*cb)(const rt_fn *f, void *arg), void *arg);

/* Memory that lives as long as the generation being loaded (bump allocator,
 * zeroed, 16-byte aligned); NULL when out of memory (logged).  gen.h has the
 * rest of the generation API. */
void *rt_gen_alloc(rc_gen_t *g, size_t n);

#endif
