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
extern const rt_fn tm_fns[];
extern const rt_fn tmx_fns[];
extern const rt_fn registrar_fns[];

/* A module's life cycle, for modules that hold state beyond one message
 * (tables, timers, listeners).  Every hook may be NULL.
 *   gen_init  a generation that loads the module is being loaded: read its
 *             modparams (rt_gen_param) and prepare per-generation data;
 *             -1 (logged) refuses the generation.
 *   start     once per process, before the first generation that loads the
 *             module goes live (threads, tables, databases): 0 or -1.
 *   stop      at shutdown, after the workers stopped, for started modules.
 * A parameter that only takes effect when the module starts (it sizes a
 * table, names a socket, sets a thread count) is read in gen_init with
 * rt_gen_param_fixed instead of rt_gen_param: a reload whose script changes
 * it is then refused as "needs restart" naming it (and applied without that
 * change only when forced, so the module keeps using the value it started
 * with: read it in gen_init, use it in start).  By default every parameter
 * may change at a reload (docs/reload.md). */
typedef struct rt_module {
	const char *name; /* as in loadmodule, without ".so" */
	int (*gen_init)(rc_gen_t *g);
	int (*start)(void);
	void (*stop)(void);
} rt_module;

/* rt_gen_param for a parameter fixed at start (above): same answer, and the
 * generation remembers that the module asked, so a reload can compare. */
const rc_param_def *rt_gen_param_fixed(rc_gen_t *g, const char *module, const char *name);

/* One per stateful module; rt_mods lists them. */
extern const rt_module tm_module, usrloc_module, registrar_module, jsonrpcs_module;
/* The module named (with or without ".so" / a path), or NULL. */
const rt_module *rt_module_find(const char *name);
/* Start the modules generation g loads that are not started yet: 0 or -1. */
int rt_modules_start(rc_gen_t *g);
/* Stop every started module, last started first. */
void rt_modules_stop(void);

/* The row of a C symbol, or NULL. */
const rt_fn *rt_fn_find(const char *csym);
/* Calls cb for every row of every table; returns how many. */
int rt_fn_each(void (*cb)(const rt_fn *f, void *arg), void *arg);

/* Memory that lives as long as the generation being loaded (bump allocator,
 * zeroed, 16-byte aligned); NULL when out of memory (logged).  gen.h has the
 * rest of the generation API. */
void *rt_gen_alloc(rc_gen_t *g, size_t n);

#endif
