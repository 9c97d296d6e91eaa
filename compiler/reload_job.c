/* reload_job.c: one reload or one check, on the reload thread, and its
 * answer (the log, and the RPC result or error when an RPC asked).
 *
 * Order of a reload: compile (reload_build.c) -> load the generation
 * (module gen_init, the script's preparations) -> the new configuration
 * compared with the running one (reload_diff.c) -> modules it loads for the
 * first time started -> rt_gen_swap -> event_route[core:reload].  Any
 * failure before the swap leaves the running generation alone.  A check
 * stops after the comparison.
 */
#include "reload_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/fn.h"
#include "core/log.h"
#include "core/main.h"
#include "core/rtmsg.h"
#include "core/sock.h"
#include "reload_diff.h"

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
	if (!rl_st.ev && !(rl_st.ev = rt_worker_new(-1)))
		return;
	rc_msg_t *m = rl_st.ev->msg;
	rt_msg_reset(m);
	m->worker = rl_st.ev;
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

void rl_files_json(rt_rpc_out *o, char *const *files, int n)
{
	rpc_arr_open(o, "files");
	for (int i = 0; i < n; i++)
		rpc_str(o, NULL, files[i], -1);
	rpc_arr_close(o);
}

/* One job's state from the compile to the answer. */
typedef struct job_ctx {
	rl_job *j;
	const char *what;         /* "check" or "reload" */
	FILE *diags, *caught;     /* the checker's diagnostics; what loading logged */
	char *dbuf, *cbuf;
	size_t dlen, clen;
	rl_build *b;
	rt_gen *g;                /* loaded, not swapped in yet */
	rl_change ch[RL_MAX_CHANGES];
	int nch;
	char **files;
	int nfiles;
	unsigned prev;            /* the generation serving before */
	double t0;
} job_ctx;

/* Compile the script (the watch set follows the files it read), load it
 * into a generation and compare its global parameters: EXIT_CLEAN or not. */
static int prepare(job_ctx *x)
{
	/* stamps before the compile reads the files (watch_set) */
	int nbefore = rl_st.nwatch;
	rl_stamp *before = rl_stamps_copy(rl_st.watch, nbefore);
	for (int i = 0; i < nbefore; i++)
		rl_stamp_take(&before[i]);
	int rc = rl_build_script(rl_st.o, x->j->trigger, x->diags, DIAG_FMT_GCC, &x->b, &x->files,
	                         &x->nfiles);
	rl_watch_set(x->files, x->nfiles, before, nbefore);
	rl_stamps_free(before, nbefore);

	/* what loading logs (a regex that does not compile, a module refusing a
	   parameter, a bad global parameter) is part of the answer */
	rt_conf nc;
	rt_log_capture(cap_line, x->caught, RT_L_WARN);
	if (rc == EXIT_CLEAN) {
		if (rt_gen_load(x->b->unit.def, &x->g) < 0) {
			rc = EXIT_ERRORS;
			rl_build_delete(x->b);
		} else {
			rt_gen_set_code(x->g, rl_build_release, x->b); /* g owns b now */
		}
	}
	if (rc == EXIT_CLEAN) {
		rt_conf_defaults(&nc);
		if (rt_conf_apply(&nc, x->b->unit.def) < 0 || rt_conf_cmdline(&nc, &rl_st.o->rt) < 0)
			rc = EXIT_ERRORS;
		else
			x->nch = rl_diff(&rt_cfg, &nc, x->g, x->ch, RL_MAX_CHANGES);
	}
	rt_log_capture(NULL, NULL, 0);
	return rc;
}

/* The new script has errors: log them, answer them, nothing changes. */
static void refuse_errors(job_ctx *x, const char *dtext, const char *ctext)
{
	rl_job *j = x->j;
	char head[160];
	snprintf(head, sizeof head, "the new script has errors: %s",
	         j->kind == RL_CHECK ? "nothing was changed" : "the running generation keeps serving");
	rt_log(RT_L_ERR, "%s (%s) failed: the new script has errors; generation %u keeps serving",
	       x->what, j->trigger, x->prev);
	log_lines(RT_L_ERR, "  ", dtext); /* what loading logged was logged already */
	char *all = malloc(strlen(dtext) + strlen(ctext) + 1);
	if (!all)
		abort();
	strcpy(all, dtext);
	strcat(all, ctext);
	fail_text(j, RL_E_SCRIPT, head, all);
	free(all);
	if (j->kind == RL_RELOAD)
		atomic_fetch_add(&rl_reloads_failed, 1);
}

/* cfg.check's answer: the script compiles. */
static void answer_check(job_ctx *x, const char *dtext, const char *restart)
{
	rl_job *j = x->j;
	if (j->o) {
		rpc_obj_open(j->o, NULL);
		rpc_str(j->o, "status", "ok", -1);
		rl_files_json(j->o, x->b->files, x->b->nfiles);
		rpc_double(j->o, "compile_ms", x->b->compile_ms);
		changes_json(j->o, x->ch, x->nch);
		rpc_str(j->o, "diagnostics", dtext, -1);
		rpc_obj_close(j->o);
	}
	rt_log(RT_L_NOTICE, "check (%s): the script compiles%s%s", j->trigger,
	       x->nch ? "; it needs a restart: " : "", restart);
}

/* Start the new generation's modules, swap it in, answer, run
 * event_route[core:reload] on it. */
static void swap_in(job_ctx *x, const char *dtext, const char *restart)
{
	rl_job *j = x->j;
	rt_gen *g = x->g;
	rt_log_capture(cap_line, x->caught, RT_L_WARN);
	int started = rt_modules_start(g);
	rt_log_capture(NULL, NULL, 0);
	if (started < 0) {
		rt_log(RT_L_ERR, "reload (%s) failed: a module could not start; generation %u keeps "
		       "serving", j->trigger, x->prev);
		fail_text(j, RL_E_SCRIPT,
		          "a module the new script loads could not start: the running generation "
		          "keeps serving",
		          ms_text(x->caught, &x->cbuf));
		atomic_fetch_add(&rl_reloads_failed, 1);
		return;
	}
	rt_gen_hold(g); /* ours, for the event route; the swap takes the other */
	rt_gen_swap(g);
	x->g = NULL;
	double t1 = rl_now_ms();
	rl_baseline_add(g);
	atomic_fetch_add(&rl_reloads_ok, 1);
	if (x->nch)
		rt_log(RT_L_WARN, "reload (%s) forced: %s keep their running values until a restart",
		       j->trigger, restart);
	rt_log(RT_L_NOTICE, "reload (%s): generation %u serving (was %u): compiled in %.1f ms, "
	       "swapped in %.1f ms", j->trigger, g->id, x->prev, x->b->compile_ms, t1 - x->t0);
	log_lines(RT_L_WARN, "  ", dtext); /* warnings */
	if (j->o) {
		rpc_obj_open(j->o, NULL);
		rpc_int(j->o, "generation", g->id);
		rpc_int(j->o, "previous", x->prev);
		rpc_str(j->o, "trigger", j->trigger, -1);
		rl_files_json(j->o, x->b->files, x->b->nfiles);
		rpc_double(j->o, "compile_ms", x->b->compile_ms);
		rpc_double(j->o, "reload_ms", t1 - x->t0);
		rpc_bool(j->o, "forced", x->nch > 0);
		changes_json(j->o, x->ch, x->nch);
		rpc_str(j->o, "diagnostics", dtext, -1);
		rpc_obj_close(j->o);
	}
	run_reload_event(g);
	rt_gen_release(g);
}

void rl_do_job(rl_job *j)
{
	job_ctx x = { .j = j, .what = j->kind == RL_CHECK ? "check" : "reload" };
	x.diags = open_memstream(&x.dbuf, &x.dlen);
	x.caught = open_memstream(&x.cbuf, &x.clen);
	if (!x.diags || !x.caught)
		abort();

	pthread_mutex_lock(&rl_st.swap);
	if (rl_st.closed || !rt_running()) {
		rt_log(RT_L_NOTICE, "%s (%s) refused: the proxy is not serving", x.what, j->trigger);
		if (j->o)
			rpc_fail(j->o, RL_E_NOT_SERVING, "the proxy is not serving (starting or stopping)");
		goto out;
	}
	x.t0 = rl_now_ms();
	x.prev = current_id();
	int rc = prepare(&x);
	const char *dtext = ms_text(x.diags, &x.dbuf), *ctext = ms_text(x.caught, &x.cbuf);
	if (rc != EXIT_CLEAN) {
		refuse_errors(&x, dtext, ctext);
		goto out;
	}
	char restart[1024];
	changes_text(restart, sizeof restart, x.ch, x.nch);
	if (x.nch && !j->force && j->kind == RL_RELOAD) {
		rt_log(RT_L_WARN, "reload (%s) refused: the new script needs a restart: %s; generation %u "
		       "keeps serving (cfg.reload force applies the rest of it)",
		       j->trigger, restart, x.prev);
		if (j->o)
			rpc_fail(j->o, RL_E_RESTART,
			         "the new script needs a restart: %s. Nothing was changed: 'cfg.reload "
			         "force' applies the rest of the script and keeps the running values of "
			         "these until a restart",
			         restart);
		atomic_fetch_add(&rl_reloads_failed, 1);
		goto out;
	}
	if (j->kind == RL_CHECK)
		answer_check(&x, dtext, restart);
	else
		swap_in(&x, dtext, restart);
out:
	rt_gen_release(x.g); /* not swapped: freed with its build */
	pthread_mutex_unlock(&rl_st.swap);
	rl_files_free(x.files, x.nfiles);
	fclose(x.diags);
	fclose(x.caught);
	free(x.dbuf);
	free(x.cbuf);
}
