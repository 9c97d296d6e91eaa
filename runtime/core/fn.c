/* fn.c: the registry of script-callable functions: every module's table. */
#include "core/fn.h"

#include <string.h>

static const rt_fn *const tables[] = {
	core_fns, sl_fns, xlog_fns, maxfwd_fns, textops_fns, siputils_fns, rr_fns,
	corex_fns, kex_fns,
};
#define NTABLES (sizeof tables / sizeof tables[0])

/* A linear scan: only the JIT and generation loads look names up, a few
 * hundred times per load at most. */
const rt_fn *rt_fn_find(const char *csym)
{
	if (!csym)
		return NULL;
	for (size_t t = 0; t < NTABLES; t++)
		for (const rt_fn *f = tables[t]; f->csym; f++)
			if (!strcmp(f->csym, csym))
				return f;
	return NULL;
}

int rt_fn_each(void (*cb)(const rt_fn *f, void *arg), void *arg)
{
	int n = 0;
	for (size_t t = 0; t < NTABLES; t++)
		for (const rt_fn *f = tables[t]; f->csym; f++, n++)
			cb(f, arg);
	return n;
}
