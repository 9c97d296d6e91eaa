/* fn.c: the registry of script-callable functions: every module's table. */
#include "core/fn.h"

#include <pthread.h>
#include <string.h>

#include "core/gen.h"
#include "core/rt.h"

static const rt_fn *const tables[] = {
	core_fns, sl_fns, xlog_fns, maxfwd_fns, textops_fns, siputils_fns, rr_fns,
	corex_fns, kex_fns, tm_fns, tmx_fns, registrar_fns,
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

/* ---- module life cycles ------------------------------------------------------ */

static const rt_module *const modules[] = {
	&tm_module, &usrloc_module, &registrar_module, &jsonrpcs_module,
};
#define NMODULES (sizeof modules / sizeof modules[0])
static const rt_module *started[NMODULES];
static int nstarted;
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;

const rt_module *rt_module_find(const char *name)
{
	const char *slash = strrchr(name, '/');
	if (slash)
		name = slash + 1;
	size_t n = strlen(name);
	if (n > 3 && !strcmp(name + n - 3, ".so"))
		n -= 3;
	for (size_t i = 0; i < NMODULES; i++)
		if (strlen(modules[i]->name) == n && !strncmp(modules[i]->name, name, n))
			return modules[i];
	return NULL;
}

/* Start m unless it runs already: 0 or -1 (logged).  start_lock held. */
static int start_one(const rt_module *m)
{
	for (int i = 0; i < nstarted; i++)
		if (started[i] == m)
			return 0;
	if (m->start && m->start() < 0) {
		rt_log(RT_L_ERR, "module %s could not start", m->name);
		return -1;
	}
	started[nstarted++] = m;
	return 0;
}

int rt_modules_start(rc_gen_t *g)
{
	int rc = 0;
	pthread_mutex_lock(&start_lock);
	for (const char *const *mod = g->def->modules; mod && *mod && rc == 0; mod++) {
		const rt_module *m = rt_module_find(*mod);
		if (m)
			rc = start_one(m);
	}
	/* the control interface serves every script, with its defaults when
	   the script does not load jsonrpcs (docs/control.md) */
	if (rc == 0)
		rc = start_one(&jsonrpcs_module);
	pthread_mutex_unlock(&start_lock);
	return rc;
}

void rt_modules_stop(void)
{
	pthread_mutex_lock(&start_lock);
	while (nstarted > 0) {
		const rt_module *m = started[--nstarted];
		if (m->stop)
			m->stop();
	}
	pthread_mutex_unlock(&start_lock);
}
