/* gen.h: script generations.
 *
 * A generation is one loaded script: its rc_script_def, everything its init
 * prepared (argument fixups, pv specs, regexes: allocated from the
 * generation's arena, or released by its on-free hooks) and a reference
 * count.  One generation is current; a worker holds a reference while it
 * runs a message (in practice it keeps one across messages and trades it
 * when rt_gen_seq changes), so rt_gen_swap never waits for anyone: the old
 * generation is freed by whoever drops its last reference.
 *
 * rc_gen_t (opaque in routec.h) is this struct rc_gen.
 */
#ifndef ROUTEC_GEN_H
#define ROUTEC_GEN_H

#include <stdatomic.h>

#include "core/rt.h"

typedef struct rt_gen_chunk rt_gen_chunk;
typedef struct rt_gen_hook rt_gen_hook;

/* A modparam a module read with rt_gen_param_fixed (fn.h): it takes effect
 * only when the module starts, so a reload compares it. */
typedef struct rt_gen_fixed {
	struct rt_gen_fixed *next;
	const char *module, *name;  /* as the module asked (its own strings) */
} rt_gen_fixed;

struct rc_gen {
	const rc_script_def *def;
	atomic_int refs;
	unsigned id;              /* 1, 2, ... in load order */
	rc_route_fn request;      /* request_route, or NULL */
	rc_route_fn reply;        /* the core reply_route (onreply_route {}), or NULL */
	int sl_loaded;            /* loadmodule "sl": its ACK filter runs before the script */
	rc_route_fn sl_filtered_ack; /* event_route[sl:filtered-ack], or NULL */
	rt_gen_chunk *chunks;     /* the arena */
	rt_gen_hook *hooks;       /* on-free, newest first */
	unsigned char *used;      /* per param of def: asked for by rt_gen_param */
	int nparams;
	int loading;              /* init is running */
	rt_gen_fixed *fixed;      /* asked for with rt_gen_param_fixed, newest first */
	void *data[16];           /* modules' per-generation data (rt_gen_key) */
	/* the code itself (routec run: the libtcc state holding def and the
	   routes), freed last, after every on-free hook and the arena */
	void (*code_free)(void *);
	void *code;
};

typedef struct rc_gen rt_gen;

/* Load a script: check its ABI, find its routes, run its init.  On success
 * *out holds the only reference (0); -1 after logging why. */
int rt_gen_load(const rc_script_def *def, rt_gen **out);

/* The current generation with one more reference, or NULL. */
rt_gen *rt_gen_acquire(void);
void rt_gen_hold(rt_gen *g);
/* Drop a reference; the last one frees the generation (NULL: nothing). */
void rt_gen_release(rt_gen *g);
/* Make g current: the current slot takes over the caller's reference to g
 * and drops its reference to the previous one.  NULL empties the slot. */
void rt_gen_swap(rt_gen *g);
/* Changes at every swap: a worker compares it to know its reference is old. */
unsigned rt_gen_seq(void);

/* Hand the generation the code it runs (the JIT's TCCState and what the
 * loader knows about it): free_fn(code) runs when the generation is freed,
 * after everything else, since def and the routes live in that code.  Set
 * once, right after rt_gen_load; until then the caller owns the code. */
void rt_gen_set_code(rt_gen *g, void (*free_fn)(void *), void *code);

/* Per-generation data of a module without a side table (and so without a
 * cap on how many generations may be alive: a reload leaves the old one
 * alive as long as a transaction it armed is).  A module takes a key once
 * (start, or its first gen_init), stores its data for g in gen_init and
 * frees it with its own rt_gen_on_free hook; any thread reads it with
 * rt_gen_data(m->gen, key), no lock.  rt_gen_key: 0..15, -1 when taken. */
int rt_gen_key(void);
void rt_gen_set_data(rt_gen *g, int key, void *data);
void *rt_gen_data(const rt_gen *g, int key);

/* A route of the generation by kind and name, or NULL. */
rc_route_fn rt_gen_route(const rt_gen *g, int kind, const char *name);

#endif
