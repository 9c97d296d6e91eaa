/* reload_build.c: one compile of the script, from its file to loadable code
 * (an rl_build: the TCCState, the files read, when, how long), and the end
 * of a build when the generation loaded from it is gone.
 *
 * A build belongs to the generation loaded from it: rt_gen_set_code makes
 * the generation hand it back (rl_build_release) when its last reference
 * goes, whoever drops that (a worker trading its reference, a transaction
 * ending, the swap).  The build is then queued to the reload thread, which
 * deletes the TCCState: tcc_delete is not covered by libtcc's lock, and a
 * worker must not spend its time unmapping code.
 */
#include "reload_int.h"

#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "core/fn.h"
#include "parse.h"
#include "sema.h"

double rl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

char *rl_xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort(); /* the compiler's policy on OOM (ast_alloc) */
	return d;
}

void rl_files_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char **files_dup(const char *const *v, int n)
{
	char **d = calloc((size_t)n + 1, sizeof *d);
	if (!d)
		abort();
	for (int i = 0; i < n; i++)
		d[i] = rl_xstrdup(v[i]);
	return d;
}

/* ---- builds ----------------------------------------------------------------------- */

void rl_build_delete(rl_build *b)
{
	jit_free(&b->unit);
	rl_files_free(b->files, b->nfiles);
	free(b);
	atomic_fetch_sub(&rl_builds_alive, 1);
}

/* Queued rather than deleted here: see the top of this file. */
void rl_build_release(void *p)
{
	rl_build *b = p;
	pthread_mutex_lock(&rl_st.lock);
	int queued = rl_st.thread_up;
	if (queued) {
		b->next = rl_st.dead;
		rl_st.dead = b;
		pthread_cond_broadcast(&rl_st.cond);
	}
	pthread_mutex_unlock(&rl_st.lock);
	if (!queued)
		rl_build_delete(b);
}

int rl_build_script(const rl_opts *o, const char *trigger, FILE *out, diag_format fmt,
                    rl_build **bp, char ***files, int *nfiles)
{
	double t0 = rl_now_ms();
	*bp = NULL;
	diag_ctx d;
	diag_init(&d);
	parse_opts po = { o->incdirs, o->nincdirs, o->defines, o->ndefines };
	ast_script s = { 0 };
	cg_out c = { 0 };
	jit_unit u = { 0 };
	parse_file(o->file, &po, &s, &d);
	int rc = s.root ? EXIT_CLEAN : EXIT_USAGE;
	if (s.root && !d.errors) {
		sema_opts so = { .require_runtime = 1 };
		sema_check(s.root, &d, &so);
	}
	if (s.root && !d.errors) {
		cg_opts co = { .include_header = 0 };
		cg_generate(s.root, &co, &d, &c);
		/* the tables list what Kamailio exports; the runtime says what it
		   implements: a gap is reported at the call, not as a link error */
		for (int i = 0; i < c.nuses; i++)
			if (!rt_fn_find(c.uses[i].csym))
				diag_report(&d, DIAG_ERROR, "runtime", c.uses[i].span,
				            "'%s' is not implemented by routec's runtime yet: the script can "
				            "be checked but not compiled",
				            c.uses[i].csym);
	}
	if (rc == EXIT_CLEAN && !d.errors && jit_compile(c.c, &d, &u) < 0 && !d.errors)
		diag_report(&d, DIAG_ERROR, "internal", (ast_span){ 0 }, "libtcc failed");
	if (rc == EXIT_CLEAN && d.errors)
		rc = EXIT_ERRORS;
	diag_print(&d, fmt, out); /* while the sources are alive: carets quote them */
	if (s.nfiles) {
		*files = files_dup(s.files, s.nfiles);
		*nfiles = s.nfiles;
	} else {
		*files = files_dup(&o->file, 1);
		*nfiles = 1;
	}
	parse_free(&s);
	diag_free(&d);
	cg_out_free(&c);
	if (rc != EXIT_CLEAN) {
		jit_free(&u);
		return rc;
	}
	rl_build *b = calloc(1, sizeof *b);
	if (!b)
		abort();
	b->unit = u;
	b->files = files_dup((const char *const *)*files, *nfiles);
	b->nfiles = *nfiles;
	clock_gettime(CLOCK_REALTIME, &b->built);
	b->compile_ms = rl_now_ms() - t0;
	snprintf(b->trigger, sizeof b->trigger, "%s", trigger);
	atomic_fetch_add(&rl_builds_alive, 1);
	*bp = b;
	return EXIT_CLEAN;
}
