/* reload_diff.h: what a new script changes that only a restart applies.
 *
 * Global parameters are read once, when the process starts (rt_cfg: the
 * sockets, the workers, logging, header texts, loop limits), and workers
 * read them without locks, so a reload cannot change any of them.  Module
 * parameters fixed at start are those a module reads with
 * rt_gen_param_fixed (core/fn.h); they are compared with the values of the
 * generation that started the module (the baseline), not with the previous
 * generation, which may not even have loaded that module.
 */
#ifndef ROUTEC_RELOAD_DIFF_H
#define ROUTEC_RELOAD_DIFF_H

#include "core/config.h"
#include "core/gen.h"

typedef struct rl_change {
	char what[96];   /* "listen", "children", "modparam(\"usrloc\", \"hash_size\")" */
	char was[320];   /* the running value */
	char now[320];   /* the new script's */
} rl_change;

#define RL_MAX_CHANGES 32

/* Fill v with what the new generation g, whose configuration is c, changes
 * against the running configuration and the baseline; returns how many
 * (at most max). */
int rl_diff(const rt_conf *running, const rt_conf *c, const rt_gen *g, rl_change *v, int max);

/* Record the fixed parameters of the modules g loads that have no baseline
 * yet (g is live and started them). */
void rl_baseline_add(const rt_gen *g);
void rl_baseline_free(void);

#endif
