/* reload.c: `routec run`: serving a script and replacing it live (reload.h).
 *
 * Threads.  rt_run's thread serves (workers, signals).  Every compile after
 * the first runs on the reload thread, started here: SIGHUP and --watch post
 * a request and return at once; cfg.reload and cfg.check queue a job and
 * wait for its answer.  One thread means reloads never overlap, libtcc (a
 * process-wide lock, global state) is driven from one thread only, and
 * event_route[core:reload] always runs on the same thread, with its own
 * $var values that persist from one reload to the next.
 *
 * Ownership.  A build (rl_build: the TCCState, the files read, when) belongs
 * to the generation loaded from it: rt_gen_set_code makes the generation
 * hand it back when its last reference goes, whoever drops that (a worker
 * trading its reference, a transaction ending, the swap).  The build is
 * then queued to the reload thread, which deletes the TCCState: tcc_delete
 * is not covered by libtcc's lock, and a worker must not spend its time
 * unmapping code.
 *
 * Order of a reload: compile (front end, checks, C, libtcc) -> load the
 * generation (module gen_init, the script's preparations) -> the new
 * configuration compared with the running one -> modules it loads for the
 * first time started -> rt_gen_swap -> event_route[core:reload].  Any
 * failure before the swap leaves the running generation alone.
 */
#include "reload.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cg.h"
#include "core/fn.h"
#include "core/gen.h"
#include "core/log.h"
#include "core/main.h"
#include "core/rpc.h"
#include "core/rtmsg.h"
#include "core/sock.h"
#include "core/worker.h"
#include "jit.h"
#include "parse.h"
#include "reload_diff.h"
#include "sema.h"

enum { EXIT_CLEAN = 0, EXIT_ERRORS = 1, EXIT_USAGE = 2 };

/* JSON-RPC error codes of the cfg.* methods (server errors, -32000..-32099) */
enum { RL_E_SCRIPT = -32000, RL_E_RESTART = -32001, RL_E_NOT_SERVING = -32002 };

/* the diagnostics in an RPC error's data: cut to fit a datagram transport */
#define RL_ANSWER_MAX 48000

typedef struct rl_build {
	jit_unit unit;
	char **files;              /* every file read, the main one first */
	int nfiles;
	struct timespec built;     /* CLOCK_REALTIME when the compile ended */
	double compile_ms;         /* front end, C generation, libtcc */
	char trigger[24];          /* "start", "SIGHUP", "cfg.reload", "watch" */
	struct rl_build *next;     /* in the queue of builds to delete */
} rl_build;

typedef struct rl_stamp {
	char *path;
	int ok;                    /* stat succeeded */
	struct timespec mtime;
	off_t size;
	ino_t ino;
	dev_t dev;
} rl_stamp;

enum { RL_RELOAD, RL_CHECK };

typedef struct rl_job {
	struct rl_job *next;
	int kind, force;
	const char *trigger;
	rt_rpc_out *o;             /* where the answer goes; NULL: the log only */
	int done;
} rl_job;

static struct {
	pthread_mutex_t lock;      /* guards the fields up to `swap` */
	pthread_cond_t cond;       /* jobs, requests, done jobs, dead builds */
	rl_job *jobs, **jobs_tail;
	char pending[24];          /* a request's trigger; "" when none */
	rl_build *dead;            /* builds whose generation is gone */
	int thread_up;             /* the reload thread takes dead builds */
	int quit;
	int active;                /* rl_serve runs: the cfg.* methods answer */
	pthread_t thread;

	pthread_mutex_t swap;      /* one reload at a time; rt_on_stop closes */
	int closed;

	/* the reload thread's own */
	const rl_opts *o;
	rl_stamp *watch;           /* files of the last compile, as they were read */
	int nwatch;
	rl_stamp *seen;            /* --watch: as they were at the last look */
	rt_worker *ev;             /* event_route[core:reload]'s message */
	rl_build *first;           /* the first build, until a generation owns it */
	int first_rc, first_done;  /* its exit status; set (under lock) when built */
	int first_owned;
} st = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
         .swap = PTHREAD_MUTEX_INITIALIZER };

static atomic_int builds_alive;
static atomic_uint reloads_ok, reloads_failed;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort(); /* the compiler's policy on OOM (ast_alloc) */
	return d;
}

static void files_free(char **v, int n)
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
		d[i] = xstrdup(v[i]);
	return d;
}

/* ---- builds ----------------------------------------------------------------------- */

static void build_delete(rl_build *b)
{
	jit_free(&b->unit);
	files_free(b->files, b->nfiles);
	free(b);
	atomic_fetch_sub(&builds_alive, 1);
}

/* The generation's code_free (any thread): to the reload thread if it runs. */
static void build_release(void *p)
{
	rl_build *b = p;
	pthread_mutex_lock(&st.lock);
	int queued = st.thread_up;
	if (queued) {
		b->next = st.dead;
		st.dead = b;
		pthread_cond_broadcast(&st.cond);
	}
	pthread_mutex_unlock(&st.lock);
	if (!queued)
		build_delete(b);
}

/* Front end, checks, C and libtcc.  Diagnostics go to `out` in `fmt`; the
 * files read to *files (even on errors: --watch looks at them).  Returns
 * EXIT_CLEAN with *bp set, EXIT_ERRORS, or EXIT_USAGE (cannot read). */
static int build(const rl_opts *o, const char *trigger, FILE *out, diag_format fmt,
                 rl_build **bp, char ***files, int *nfiles)
{
	double t0 = now_ms();
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
	b->compile_ms = now_ms() - t0;
	snprintf(b->trigger, sizeof b->trigger, "%s", trigger);
	atomic_fetch_add(&builds_alive, 1);
	*bp = b;
	return EXIT_CLEAN;
}

/* ---- --watch ---------------------------------------------------------------------- */

static void stamp_take(rl_stamp *s)
{
	struct stat sb;
	s->ok = stat(s->path, &sb) == 0;
	if (s->ok) {
		s->mtime = sb.st_mtim;
		s->size = sb.st_size;
		s->ino = sb.st_ino;
		s->dev = sb.st_dev;
	}
}

static int stamp_same(const rl_stamp *a, const rl_stamp *b)
{
	if (a->ok != b->ok)
		return 0;
	return !a->ok || (a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	                  a->size == b->size && a->ino == b->ino && a->dev == b->dev);
}

static void stamps_free(rl_stamp *v, int n)
{
	for (int i = 0; v && i < n; i++)
		free(v[i].path);
	free(v);
}

static rl_stamp *stamps_copy(const rl_stamp *v, int n)
{
	rl_stamp *c = calloc((size_t)n + 1, sizeof *c);
	if (!c)
		abort();
	for (int i = 0; i < n; i++) {
		c[i] = v[i];
		c[i].path = xstrdup(v[i].path);
	}
	return c;
}

/* The files a compile read become the watched set.  A file also in `before`
 * (stamped before the compile read it) keeps that stamp, so a change made
 * while compiling is still seen as a change; new files are stamped now. */
static void watch_set(char **files, int nfiles, const rl_stamp *before, int nbefore)
{
	rl_stamp *w = calloc((size_t)nfiles + 1, sizeof *w);
	if (!w)
		abort();
	for (int i = 0; i < nfiles; i++) {
		int j = 0;
		while (j < nbefore && strcmp(before[j].path, files[i]))
			j++;
		if (j < nbefore)
			w[i] = before[j];
		w[i].path = xstrdup(files[i]);
		if (j == nbefore)
			stamp_take(&w[i]);
	}
	stamps_free(st.watch, st.nwatch);
	stamps_free(st.seen, st.nwatch);
	st.watch = w;
	st.nwatch = nfiles;
	st.seen = stamps_copy(w, nfiles);
}

/* One look at the files: 1 when they changed since the last compile and
 * have stayed as they are since the previous look (an editor that writes
 * in several steps is done). */
static int watch_poll(void)
{
	int changed = 0, settled = 1;
	for (int i = 0; i < st.nwatch; i++) {
		rl_stamp now = st.seen[i];
		stamp_take(&now);
		if (!stamp_same(&now, &st.watch[i]))
			changed = 1;
		if (!stamp_same(&now, &st.seen[i]))
			settled = 0;
		st.seen[i] = now;
	}
	return changed && settled;
}

/* ---- event_route[core:reload] ---------------------------------------------------- */

/* A request to carry the event, as Kamailio builds one for its events that
 * have no message; its Via points at the discard port. */
static const char fake_req[] = "OPTIONS sip:reload@127.0.0.1 SIP/2.0\r\n"
                               "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-routec-reload\r\n"
                               "From: <sip:routec@127.0.0.1>;tag=reload\r\n"
                               "To: <sip:routec@127.0.0.1>\r\n"
                               "Call-ID: reload@routec\r\n"
                               "CSeq: 1 OPTIONS\r\n"
                               "Content-Length: 0\r\n"
                               "\r\n";

static void run_reload_event(rt_gen *g)
{
	rc_route_fn fn = rt_gen_route(g, 6, "core:reload");
	if (!fn)
		return;
	if (!st.ev && !(st.ev = rt_worker_new(-1)))
		return;
	rc_msg_t *m = st.ev->msg;
	rt_msg_reset(m);
	m->worker = st.ev;
	m->gen = g;
	m->id++;
	m->buf = fake_req;
	m->len = (int)sizeof fake_req - 1;
	m->rcv = rt_sock_count() > 0 ? rt_sock_at(0) : NULL;
	struct sockaddr_in *src = (struct sockaddr_in *)&m->src;
	memset(src, 0, sizeof *src);
	src->sin_family = AF_INET;
	src->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	m->srclen = sizeof *src;
	snprintf(m->src_ip, sizeof m->src_ip, "127.0.0.1");
	if (sip_parse(&m->sip, fake_req, sizeof fake_req - 1) < 0) {
		rt_log(RT_L_BUG, "event_route[core:reload]: the placeholder request does not parse");
		return;
	}
	sip_lumps_init(&m->lumps, &m->sip);
	rc_ctx_t c = { .route_type = RC_RT_EVENT, .while_max = rt_cfg.max_while_loops };
	m->ctx = &c;
	if (fn(m, &c) < 0)
		rt_log(RT_L_WARN, "error while running event_route[core:reload]");
}

/* ---- one reload -------------------------------------------------------------------- */

static void cap_line(void *arg, int level, const char *msg)
{
	fprintf(arg, "%s: %s\n", level <= RT_L_ERR ? "error" : "warning", msg);
}

/* The text of a memstream so far ("" when empty). */
static const char *ms_text(FILE *f, char **buf)
{
	fflush(f);
	return *buf ? *buf : "";
}

/* Log each line of text at level, prefixed. */
static void log_lines(int level, const char *prefix, const char *text)
{
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		int n = e ? (int)(e - p) : (int)strlen(p);
		if (n)
			rt_log(level, "%s%.*s", prefix, n, p);
		p += n + (e != NULL);
	}
}

/* The error: `head` as its message, the diagnostics as its data (cut at a
 * line end when very long). */
static void fail_text(rl_job *j, int code, const char *head, const char *text)
{
	if (!j->o)
		return;
	size_t tl = strlen(text);
	if (tl < RL_ANSWER_MAX) {
		rpc_fail_data(j->o, code, text, "%s", head);
		return;
	}
	size_t keep = RL_ANSWER_MAX;
	while (keep > 0 && text[keep - 1] != '\n')
		keep--;
	char *cut = malloc(keep + 64);
	if (!cut)
		abort();
	snprintf(cut, keep + 64, "%.*s... (cut: the log has every line)\n", (int)keep, text);
	rpc_fail_data(j->o, code, cut, "%s", head);
	free(cut);
}

static unsigned current_id(void)
{
	rt_gen *g = rt_gen_acquire();
	unsigned id = g ? g->id : 0;
	rt_gen_release(g);
	return id;
}

static void changes_json(rt_rpc_out *o, const rl_change *v, int n)
{
	rpc_arr_open(o, "needs_restart");
	for (int i = 0; i < n; i++) {
		rpc_obj_open(o, NULL);
		rpc_str(o, "parameter", v[i].what, -1);
		rpc_str(o, "running", v[i].was, -1);
		rpc_str(o, "new", v[i].now, -1);
		rpc_obj_close(o);
	}
	rpc_arr_close(o);
}

static void changes_text(char *buf, size_t cap, const rl_change *v, int n)
{
	size_t k = 0;
	buf[0] = '\0';
	for (int i = 0; i < n && k < cap; i++)
		k += (size_t)snprintf(buf + k, cap - k, "%s%s (running: %s; new script: %s)",
		                      i ? "; " : "", v[i].what, v[i].was, v[i].now);
}

static void files_json(rt_rpc_out *o, char *const *files, int n)
{
	rpc_arr_open(o, "files");
	for (int i = 0; i < n; i++)
		rpc_str(o, NULL, files[i], -1);
	rpc_arr_close(o);
}

static void do_job(rl_job *j)
{
	const char *what = j->kind == RL_CHECK ? "check" : "reload";
	char *dbuf = NULL, *cbuf = NULL;
	size_t dlen = 0, clen = 0;
	FILE *diags = open_memstream(&dbuf, &dlen), *caught = open_memstream(&cbuf, &clen);
	if (!diags || !caught)
		abort();
	rl_build *b = NULL;
	rt_gen *g = NULL;
	rl_change ch[RL_MAX_CHANGES];
	int nch = 0;
	char **files = NULL;
	int nfiles = 0;

	pthread_mutex_lock(&st.swap);
	if (st.closed || !rt_running()) {
		rt_log(RT_L_NOTICE, "%s (%s) refused: the proxy is not serving", what, j->trigger);
		if (j->o)
			rpc_fail(j->o, RL_E_NOT_SERVING, "the proxy is not serving (starting or stopping)");
		goto out;
	}
	double t0 = now_ms();
	unsigned prev = current_id();
	/* stamps before the compile reads the files (watch_set) */
	int nbefore = st.nwatch;
	rl_stamp *before = stamps_copy(st.watch, nbefore);
	for (int i = 0; i < nbefore; i++)
		stamp_take(&before[i]);
	int rc = build(st.o, j->trigger, diags, DIAG_FMT_GCC, &b, &files, &nfiles);
	watch_set(files, nfiles, before, nbefore);
	stamps_free(before, nbefore);

	/* what loading logs (a regex that does not compile, a module refusing a
	   parameter, a bad global parameter) is part of the answer */
	rt_conf nc;
	rt_log_capture(cap_line, caught, RT_L_WARN);
	if (rc == EXIT_CLEAN) {
		if (rt_gen_load(b->unit.def, &g) < 0) {
			rc = EXIT_ERRORS;
			build_delete(b);
		} else {
			rt_gen_set_code(g, build_release, b); /* g owns b now */
		}
	}
	if (rc == EXIT_CLEAN) {
		rt_conf_defaults(&nc);
		if (rt_conf_apply(&nc, b->unit.def) < 0 || rt_conf_cmdline(&nc, &st.o->rt) < 0)
			rc = EXIT_ERRORS;
		else
			nch = rl_diff(&rt_cfg, &nc, g, ch, RL_MAX_CHANGES);
	}
	rt_log_capture(NULL, NULL, 0);
	const char *dtext = ms_text(diags, &dbuf), *ctext = ms_text(caught, &cbuf);

	if (rc != EXIT_CLEAN) {
		char head[160];
		snprintf(head, sizeof head, "the new script has errors: %s",
		         j->kind == RL_CHECK ? "nothing was changed"
		                             : "the running generation keeps serving");
		rt_log(RT_L_ERR, "%s (%s) failed: the new script has errors; generation %u keeps serving",
		       what, j->trigger, prev);
		log_lines(RT_L_ERR, "  ", dtext); /* what loading logged was logged already */
		char *all = malloc(strlen(dtext) + strlen(ctext) + 1);
		if (!all)
			abort();
		strcpy(all, dtext);
		strcat(all, ctext);
		fail_text(j, RL_E_SCRIPT, head, all);
		free(all);
		if (j->kind == RL_RELOAD)
			atomic_fetch_add(&reloads_failed, 1);
		goto out;
	}
	char restart[1024];
	changes_text(restart, sizeof restart, ch, nch);
	if (nch && !j->force && j->kind == RL_RELOAD) {
		rt_log(RT_L_WARN, "reload (%s) refused: the new script needs a restart: %s; generation %u "
		       "keeps serving (cfg.reload force applies the rest of it)",
		       j->trigger, restart, prev);
		if (j->o)
			rpc_fail(j->o, RL_E_RESTART,
			         "the new script needs a restart: %s. Nothing was changed: 'cfg.reload "
			         "force' applies the rest of the script and keeps the running values of "
			         "these until a restart",
			         restart);
		atomic_fetch_add(&reloads_failed, 1);
		goto out;
	}
	if (j->kind == RL_CHECK) {
		if (j->o) {
			rpc_obj_open(j->o, NULL);
			rpc_str(j->o, "status", "ok", -1);
			files_json(j->o, b->files, b->nfiles);
			rpc_double(j->o, "compile_ms", b->compile_ms);
			changes_json(j->o, ch, nch);
			rpc_str(j->o, "diagnostics", dtext, -1);
			rpc_obj_close(j->o);
		}
		rt_log(RT_L_NOTICE, "check (%s): the script compiles%s%s", j->trigger,
		       nch ? "; it needs a restart: " : "", restart);
		goto out;
	}
	rt_log_capture(cap_line, caught, RT_L_WARN);
	int started = rt_modules_start(g);
	rt_log_capture(NULL, NULL, 0);
	if (started < 0) {
		rt_log(RT_L_ERR, "reload (%s) failed: a module could not start; generation %u keeps "
		       "serving", j->trigger, prev);
		fail_text(j, RL_E_SCRIPT,
		          "a module the new script loads could not start: the running generation "
		          "keeps serving",
		          ms_text(caught, &cbuf));
		atomic_fetch_add(&reloads_failed, 1);
		goto out;
	}
	rt_gen_hold(g); /* ours, for the event route; the swap takes the other */
	rt_gen_swap(g);
	double t1 = now_ms();
	rl_baseline_add(g);
	atomic_fetch_add(&reloads_ok, 1);
	if (nch)
		rt_log(RT_L_WARN, "reload (%s) forced: %s keep their running values until a restart",
		       j->trigger, restart);
	rt_log(RT_L_NOTICE, "reload (%s): generation %u serving (was %u): compiled in %.1f ms, "
	       "swapped in %.1f ms", j->trigger, g->id, prev, b->compile_ms, t1 - t0);
	log_lines(RT_L_WARN, "  ", dtext); /* warnings */
	if (j->o) {
		rpc_obj_open(j->o, NULL);
		rpc_int(j->o, "generation", g->id);
		rpc_int(j->o, "previous", prev);
		rpc_str(j->o, "trigger", j->trigger, -1);
		files_json(j->o, b->files, b->nfiles);
		rpc_double(j->o, "compile_ms", b->compile_ms);
		rpc_double(j->o, "reload_ms", t1 - t0);
		rpc_bool(j->o, "forced", nch > 0);
		changes_json(j->o, ch, nch);
		rpc_str(j->o, "diagnostics", dtext, -1);
		rpc_obj_close(j->o);
	}
	run_reload_event(g);
	rt_gen_release(g);
	g = NULL;
out:
	rt_gen_release(g); /* not swapped: freed with its build */
	pthread_mutex_unlock(&st.swap);
	files_free(files, nfiles);
	fclose(diags);
	fclose(caught);
	free(dbuf);
	free(cbuf);
}

/* ---- the reload thread ------------------------------------------------------------ */

/* A compile allocates megabytes in many pieces (libtcc, the front end) and
 * frees them; the allocator keeps the freed pages mapped, so without this
 * the resident set creeps up with every reload.  Cheap: workers do not
 * allocate on their path, so the arenas' locks are free. */
static void trim(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

static void *reload_main(void *arg)
{
	(void)arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are rt_run's */
	rt_proc_register("script reload (compiles with libtcc)");
	int poll_ms = st.o->watch_ms > 0 ? st.o->watch_ms : 300;
	/* the first compile too, so that every compiled script lives in this
	   thread's malloc arena: a reload then reuses the pages the one it
	   replaces freed, instead of adding an arena beside the main one */
	char **files = NULL;
	int nfiles = 0;
	int rc = build(st.o, "start", stderr, st.o->fmt, &st.first, &files, &nfiles);
	watch_set(files, nfiles, NULL, 0);
	files_free(files, nfiles);
	pthread_mutex_lock(&st.lock);
	st.first_rc = rc;
	st.first_done = 1;
	pthread_cond_broadcast(&st.cond);
	for (;;) {
		if (st.dead) {
			rl_build *d = st.dead;
			st.dead = NULL;
			pthread_mutex_unlock(&st.lock);
			while (d) {
				rl_build *n = d->next;
				build_delete(d);
				d = n;
			}
			trim();
			pthread_mutex_lock(&st.lock);
			continue;
		}
		if (st.jobs) {
			rl_job *j = st.jobs;
			st.jobs = j->next;
			if (!st.jobs)
				st.jobs_tail = &st.jobs;
			pthread_mutex_unlock(&st.lock);
			do_job(j);
			pthread_mutex_lock(&st.lock);
			j->done = 1; /* j is gone once its caller sees this */
			pthread_cond_broadcast(&st.cond);
			pthread_mutex_unlock(&st.lock);
			trim();
			pthread_mutex_lock(&st.lock);
			continue;
		}
		if (st.quit)
			break;
		if (st.pending[0] && rt_running()) {
			rl_job j = { .kind = RL_RELOAD };
			char why[sizeof st.pending];
			memcpy(why, st.pending, sizeof why);
			st.pending[0] = '\0';
			j.trigger = why;
			pthread_mutex_unlock(&st.lock);
			do_job(&j);
			trim();
			pthread_mutex_lock(&st.lock);
			continue;
		}
		if (st.o->watch || st.pending[0]) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += (long)poll_ms * 1000000L;
			ts.tv_sec += ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
			if (pthread_cond_timedwait(&st.cond, &st.lock, &ts) != 0 && st.o->watch &&
			    rt_running() && !st.pending[0]) {
				pthread_mutex_unlock(&st.lock);
				int changed = watch_poll();
				pthread_mutex_lock(&st.lock);
				if (changed && !st.pending[0])
					snprintf(st.pending, sizeof st.pending, "watch");
			}
		} else {
			pthread_cond_wait(&st.cond, &st.lock);
		}
	}
	st.thread_up = 0;
	pthread_mutex_unlock(&st.lock);
	rt_proc_unregister();
	rt_worker_free(st.ev);
	st.ev = NULL;
	pv_worker_done(); /* this thread's $var values */
	return NULL;
}

void rl_request(const char *why)
{
	pthread_mutex_lock(&st.lock);
	if (st.active && !st.pending[0])
		snprintf(st.pending, sizeof st.pending, "%s", why ? why : "request");
	pthread_cond_broadcast(&st.cond);
	pthread_mutex_unlock(&st.lock);
}

/* Queue a job and wait for it (an RPC thread). */
static int run_job(int kind, int force, const char *trigger, rt_rpc_out *o)
{
	rl_job j = { .kind = kind, .force = force, .trigger = trigger, .o = o };
	pthread_mutex_lock(&st.lock);
	if (!st.active || !st.thread_up) {
		pthread_mutex_unlock(&st.lock);
		rpc_fail(o, RL_E_NOT_SERVING, "the proxy is not serving a script it can reload");
		return -1;
	}
	if (pthread_equal(pthread_self(), st.thread)) { /* from event_route[core:reload] */
		pthread_mutex_unlock(&st.lock);
		rpc_fail(o, RL_E_NOT_SERVING, "a reload cannot be asked for while one runs");
		return -1;
	}
	*st.jobs_tail = &j;
	st.jobs_tail = &j.next;
	pthread_cond_broadcast(&st.cond);
	while (!j.done)
		pthread_cond_wait(&st.cond, &st.lock);
	pthread_mutex_unlock(&st.lock);
	return 0;
}

/* ---- RPC methods ------------------------------------------------------------------- */

static int rpc_reload(const rt_rpc_in *in, rt_rpc_out *o)
{
	int force = 0;
	if (in->n > 1) {
		rpc_fail(o, -32602, "cfg.reload takes one optional parameter: force");
		return -1;
	}
	if (in->n == 1) {
		rc_str s;
		char buf[32];
		long long v;
		if (in->v[0].type == RPC_T_BOOL || in->v[0].type == RPC_T_INT) {
			force = rpc_param_int(in, 0, &v) == 0 && v != 0;
		} else if (rpc_param_str(in, 0, &s, buf) == 0 && s.len == 5 && !memcmp(s.s, "force", 5)) {
			force = 1;
		} else {
			rpc_fail(o, -32602, "cfg.reload: the parameter is 'force' (or true/1)");
			return -1;
		}
	}
	return run_job(RL_RELOAD, force, "cfg.reload", o);
}

static int rpc_check(const rt_rpc_in *in, rt_rpc_out *o)
{
	if (in->n) {
		rpc_fail(o, -32602, "cfg.check takes no parameter");
		return -1;
	}
	return run_job(RL_CHECK, 0, "cfg.check", o);
}

static int rpc_info(const rt_rpc_in *in, rt_rpc_out *o)
{
	pthread_mutex_lock(&st.lock);
	int active = st.active;
	int watch = active && st.o->watch;
	pthread_mutex_unlock(&st.lock);
	rt_gen *g = active ? rt_gen_acquire() : NULL;
	const rl_build *b = g && g->code_free == build_release ? g->code : NULL;
	if (!b) {
		rt_gen_release(g);
		rpc_fail(o, RL_E_NOT_SERVING, "no script is being served");
		return -1;
	}
	char when[40];
	struct tm tm;
	gmtime_r(&b->built.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	rpc_obj_open(o, NULL);
	rpc_int(o, "generation", g->id);
	rpc_str(o, "source", b->files[0], -1);
	files_json(o, b->files, b->nfiles);
	rpc_str(o, "built", when, -1);
	rpc_int(o, "built_unix", (long long)b->built.tv_sec);
	rpc_double(o, "compile_ms", b->compile_ms);
	rpc_str(o, "trigger", b->trigger, -1);
	rpc_int(o, "reloads", atomic_load(&reloads_ok));
	rpc_int(o, "reloads_failed", atomic_load(&reloads_failed));
	rpc_int(o, "generations_alive", atomic_load(&builds_alive));
	rpc_bool(o, "watch", watch);
	rpc_obj_close(o);
	rt_gen_release(g);
	return 0;
}

/* ---- hooks of rt_run ---------------------------------------------------------------- */

static void on_sighup(void)
{
	rl_request("SIGHUP");
}

/* The first generation takes the first build; its modules are the baseline. */
static void on_start(rt_gen *g)
{
	rt_gen_set_code(g, build_release, st.first);
	st.first_owned = 1;
	rl_baseline_add(g);
}

static void on_stop(void)
{
	pthread_mutex_lock(&st.swap); /* waits for a reload in progress */
	st.closed = 1;
	pthread_mutex_unlock(&st.swap);
}

/* Stop the reload thread (it finishes the jobs queued). */
static void thread_stop(void)
{
	pthread_mutex_lock(&st.lock);
	st.active = 0;
	st.quit = 1;
	pthread_cond_broadcast(&st.cond);
	pthread_mutex_unlock(&st.lock);
	pthread_join(st.thread, NULL);
}

int rl_serve(const rl_opts *o)
{
	st.o = o;
	st.first = NULL;
	st.first_done = st.first_owned = 0;
	st.closed = st.quit = 0;
	st.pending[0] = '\0';
	st.jobs = NULL;
	st.jobs_tail = &st.jobs;
	st.thread_up = 1;
	if (pthread_create(&st.thread, NULL, reload_main, NULL) != 0) {
		st.thread_up = 0;
		fprintf(stderr, "routec: cannot start the reload thread\n");
		return EXIT_ERRORS;
	}
	pthread_mutex_lock(&st.lock);
	while (!st.first_done)
		pthread_cond_wait(&st.cond, &st.lock);
	int rc = st.first_rc;
	pthread_mutex_unlock(&st.lock);
	if (rc != EXIT_CLEAN || o->check_only) {
		thread_stop();
		if (st.first)
			build_delete(st.first);
		st.first = NULL;
		goto out;
	}
	rt_rpc_register("cfg.reload", rpc_reload,
	                "Compile the script again and serve it: [force] applies it even when a part "
	                "of it needs a restart.");
	rt_rpc_register("cfg.check", rpc_check, "Compile and check the script, serve nothing new.");
	rt_rpc_register("cfg.info", rpc_info,
	                "The script being served: generation, files, build time, compile time.");
	pthread_mutex_lock(&st.lock);
	st.active = 1;
	pthread_mutex_unlock(&st.lock);
	rt_on_sighup = on_sighup;
	rt_on_start = on_start;
	rt_on_stop = on_stop;

	rc = rt_run(st.first->unit.def, &o->rt) == 0 ? EXIT_CLEAN : EXIT_ERRORS;

	rt_on_sighup = NULL;
	rt_on_start = NULL;
	rt_on_stop = NULL;
	thread_stop();
	rt_gen_swap(NULL); /* rt_run did; a reload cannot have swapped since (on_stop) */
	if (!st.first_owned)
		build_delete(st.first); /* rt_run gave up before the first generation went live */
	st.first = NULL;
	pthread_mutex_lock(&st.lock);
	rl_build *d = st.dead;
	st.dead = NULL;
	pthread_mutex_unlock(&st.lock);
	while (d) {
		rl_build *n = d->next;
		build_delete(d);
		d = n;
	}
out:
	stamps_free(st.watch, st.nwatch);
	stamps_free(st.seen, st.nwatch);
	st.watch = st.seen = NULL;
	st.nwatch = 0;
	rl_baseline_free();
	return rc;
}
