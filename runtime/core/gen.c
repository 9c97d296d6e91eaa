/* gen.c: loading, holding and retiring script generations. */
#include "core/gen.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/fn.h"

#define RT_GEN_CHUNK 65536

struct rt_gen_chunk {
	rt_gen_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char mem[];
};

struct rt_gen_hook {
	rt_gen_hook *next;
	void (*fn)(void *);
	void *arg;
};

/* The current generation.  A mutex, not a bare atomic pointer: "load the
 * pointer, then increment its count" must not race with the swap that drops
 * the last reference in between.  Workers take it only when rt_gen_seq
 * moves, so it is off the per-message path. */
static pthread_mutex_t cur_lock = PTHREAD_MUTEX_INITIALIZER;
static rt_gen *cur;
static atomic_uint cur_seq;
static atomic_uint next_id;

void *rt_gen_alloc(rc_gen_t *g, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	rt_gen_chunk *c = g->chunks;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > RT_GEN_CHUNK / 2 ? n : RT_GEN_CHUNK;
		c = calloc(1, sizeof *c + cap);
		if (!c) {
			rt_log(RT_L_ERR, "out of memory preparing the script (%zu bytes)", n);
			return NULL;
		}
		c->cap = cap;
		/* a big block gets its own chunk behind the current one, so the
		   current one's free space is not wasted */
		if (g->chunks && cap != RT_GEN_CHUNK) {
			c->next = g->chunks->next;
			g->chunks->next = c;
		} else {
			c->next = g->chunks;
			g->chunks = c;
		}
	}
	void *p = c->mem + c->used;
	c->used += n;
	return p;
}

int rt_gen_on_free(rc_gen_t *g, void (*fn)(void *), void *arg)
{
	rt_gen_hook *h = rt_gen_alloc(g, sizeof *h);
	if (!h)
		return -1;
	h->fn = fn;
	h->arg = arg;
	h->next = g->hooks;
	g->hooks = h;
	return 0;
}

const rc_param_def *rt_gen_param(rc_gen_t *g, const char *module, const char *name)
{
	const rc_param_def *ps = g->def->params;
	const rc_param_def *found = NULL;
	for (int i = 0; ps && ps[i].name; i++)
		if (ps[i].module && !strcmp(ps[i].module, module) && !strcmp(ps[i].name, name)) {
			if (g->used)
				g->used[i] = 1;
			found = &ps[i]; /* the last one wins, as in Kamailio */
		}
	return found;
}

const rc_param_def *rt_gen_param_fixed(rc_gen_t *g, const char *module, const char *name)
{
	int seen = 0;
	for (const rt_gen_fixed *f = g->fixed; f && !seen; f = f->next)
		seen = !strcmp(f->module, module) && !strcmp(f->name, name);
	rt_gen_fixed *f = seen ? NULL : rt_gen_alloc(g, sizeof *f);
	if (f) {
		f->module = module;
		f->name = name;
		f->next = g->fixed;
		g->fixed = f;
	}
	return rt_gen_param(g, module, name);
}

static void gen_free(rt_gen *g)
{
	for (rt_gen_hook *h = g->hooks; h; h = h->next)
		h->fn(h->arg);
	/* hooks live in the chunks: run them all before freeing any */
	for (rt_gen_chunk *c = g->chunks, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	if (g->code_free)
		g->code_free(g->code);
	free(g);
}

int rt_gen_key(void)
{
	static atomic_int next_key;
	int k = atomic_fetch_add(&next_key, 1);
	return k < (int)(sizeof ((rt_gen *)0)->data / sizeof(void *)) ? k : -1;
}

void rt_gen_set_data(rt_gen *g, int key, void *data)
{
	if (key >= 0 && key < (int)(sizeof g->data / sizeof g->data[0]))
		g->data[key] = data;
}

void *rt_gen_data(const rt_gen *g, int key)
{
	return g && key >= 0 && key < (int)(sizeof g->data / sizeof g->data[0]) ? g->data[key] : NULL;
}

void rt_gen_set_code(rt_gen *g, void (*free_fn)(void *), void *code)
{
	g->code_free = free_fn;
	g->code = code;
}

int rc_fn_prepare(rc_gen_t *g, const char *csym, rc_arg *argv, int argc, const char *where)
{
	const rt_fn *f = rt_fn_find(csym);
	if (!f) {
		rt_log(RT_L_ERR, "%s: function %s is not provided by the runtime", where ? where : "?",
		       csym);
		return -1;
	}
	return f->prep ? f->prep(g, argv, argc, where ? where : "?") : 0;
}

rc_route_fn rt_gen_route(const rt_gen *g, int kind, const char *name)
{
	for (const rc_route_def *r = g->def->routes; r && r->fn; r++)
		if (r->kind == kind && r->name && !strcmp(r->name, name))
			return r->fn;
	return NULL;
}

int rt_gen_load(const rc_script_def *def, rt_gen **out)
{
	*out = NULL;
	if (!def || def->abi != RC_ABI_VERSION) {
		rt_log(RT_L_ERR, "script %s: ABI %d, the runtime speaks %d: rebuild it",
		       def && def->source ? def->source : "?", def ? def->abi : -1, RC_ABI_VERSION);
		return -1;
	}
	rt_gen *g = calloc(1, sizeof *g);
	if (!g) {
		rt_log(RT_L_ERR, "out of memory loading the script");
		return -1;
	}
	g->def = def;
	atomic_init(&g->refs, 1);
	g->id = atomic_fetch_add(&next_id, 1) + 1;
	while (def->params && def->params[g->nparams].name)
		g->nparams++;
	if (g->nparams && !(g->used = rt_gen_alloc(g, (size_t)g->nparams)))
		goto fail;
	g->request = rt_gen_route(g, 0, "0");
	g->reply = rt_gen_route(g, 1, "0");
	g->sl_filtered_ack = rt_gen_route(g, 6, "sl:filtered-ack");
	for (const char *const *mod = def->modules; mod && *mod; mod++)
		g->sl_loaded |= !strcmp(*mod, "sl");
	if (!g->request)
		rt_log(RT_L_WARN, "script %s has no request_route: every request is dropped",
		       def->source ? def->source : "?");
	g->loading = 1;
	for (const char *const *mod = def->modules; mod && *mod; mod++) {
		const rt_module *rm = rt_module_find(*mod);
		if (rm && rm->gen_init && rm->gen_init(g) < 0) {
			rt_log(RT_L_ERR, "script %s: module %s refused it", def->source ? def->source : "?",
			       rm->name);
			goto fail;
		}
	}
	if (def->init && def->init(g) < 0) {
		rt_log(RT_L_ERR, "script %s: preparing it failed", def->source ? def->source : "?");
		goto fail;
	}
	g->loading = 0;
	/* never silently: a modparam no module asked for had no effect */
	for (int i = 0; i < g->nparams; i++) {
		const rc_param_def *p = &def->params[i];
		if (!p->module || g->used[i])
			continue;
		int seen = 0;
		for (int j = 0; j < i && !seen; j++)
			seen = def->params[j].module && !strcmp(def->params[j].module, p->module) &&
			       !strcmp(def->params[j].name, p->name);
		if (!seen)
			rt_log(RT_L_WARN, "modparam(\"%s\", \"%s\") ignored: not supported by the runtime",
			       p->module, p->name);
	}
	*out = g;
	return 0;
fail:
	gen_free(g);
	return -1;
}

rt_gen *rt_gen_acquire(void)
{
	pthread_mutex_lock(&cur_lock);
	rt_gen *g = cur;
	if (g)
		atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&cur_lock);
	return g;
}

void rt_gen_hold(rt_gen *g)
{
	atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
}

void rt_gen_release(rt_gen *g)
{
	if (g && atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) == 1)
		gen_free(g);
}

void rt_gen_swap(rt_gen *g)
{
	pthread_mutex_lock(&cur_lock);
	rt_gen *old = cur;
	cur = g;
	atomic_fetch_add_explicit(&cur_seq, 1, memory_order_release);
	pthread_mutex_unlock(&cur_lock);
	rt_gen_release(old);
}

unsigned rt_gen_seq(void)
{
	return atomic_load_explicit(&cur_seq, memory_order_acquire);
}
