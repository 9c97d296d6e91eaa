/* reload.c: `routec run`: the reload thread and rl_serve, which starts it,
 * hooks it to rt_run (SIGHUP, start, stop) and stops it (reload.h).
 *
 * Threads.  rt_run's thread serves (workers, signals).  Every compile, the
 * first included, runs on the reload thread, started here: SIGHUP and
 * --watch post a request and return at once; cfg.reload and cfg.check
 * (reload_rpc.c) queue a job and wait for its answer.  One thread means
 * reloads never overlap, libtcc (a process-wide lock, global state) is
 * driven from one thread only, and event_route[core:reload] always runs on
 * the same thread, with its own $var values that persist from one reload to
 * the next.  The same thread deletes the builds of generations that are
 * gone (reload_build.c says why).
 *
 * The parts: reload_build.c (a compile), reload_watch.c (--watch),
 * reload_job.c (one reload or check), reload_rpc.c (cfg.*); reload_int.h
 * is what they share.
 */
#include "reload_int.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/main.h"
#include "reload_diff.h"

rl_state rl_st = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
                   .swap = PTHREAD_MUTEX_INITIALIZER };

atomic_int rl_builds_alive;
atomic_uint rl_reloads_ok, rl_reloads_failed;

/* ---- the reload thread ------------------------------------------------------------ */

/* Delete a chain of builds whose generations are gone. */
static void delete_all(rl_build *d)
{
	while (d) {
		rl_build *n = d->next;
		rl_build_delete(d);
		d = n;
	}
}

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

/* The compile at start, and the files it read become the watched ones. */
static int first_build(void)
{
	char **files = NULL;
	int nfiles = 0;
	int rc = rl_build_script(rl_st.o, "start", stderr, rl_st.o->fmt, &rl_st.first, &files, &nfiles);
	rl_watch_set(files, nfiles, NULL, 0);
	rl_files_free(files, nfiles);
	return rc;
}

/* Nothing to do (rl_st.lock held): wait for a request, or with a watch (or a
 * reload waiting for the proxy to run) look at the files every poll_ms. */
static void idle_wait(int poll_ms)
{
	if (!rl_st.o->watch && !rl_st.pending[0]) {
		pthread_cond_wait(&rl_st.cond, &rl_st.lock);
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)poll_ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	if (pthread_cond_timedwait(&rl_st.cond, &rl_st.lock, &ts) != 0 && rl_st.o->watch &&
	    rt_running() && !rl_st.pending[0]) {
		pthread_mutex_unlock(&rl_st.lock);
		int changed = rl_watch_poll();
		pthread_mutex_lock(&rl_st.lock);
		if (changed && !rl_st.pending[0])
			snprintf(rl_st.pending, sizeof rl_st.pending, "watch");
	}
}

static void *reload_main(void *arg)
{
	(void)arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are rt_run's */
	rt_proc_register("script reload (compiles with libtcc)");
	int poll_ms = rl_st.o->watch_ms > 0 ? rl_st.o->watch_ms : 300;
	/* the first compile too, so that every compiled script lives in this
	   thread's malloc arena: a reload then reuses the pages the one it
	   replaces freed, instead of adding an arena beside the main one */
	int rc = first_build();
	pthread_mutex_lock(&rl_st.lock);
	rl_st.first_rc = rc;
	rl_st.first_done = 1;
	pthread_cond_broadcast(&rl_st.cond);
	for (;;) {
		if (rl_st.dead) {
			rl_build *d = rl_st.dead;
			rl_st.dead = NULL;
			pthread_mutex_unlock(&rl_st.lock);
			delete_all(d);
			trim();
			pthread_mutex_lock(&rl_st.lock);
			continue;
		}
		if (rl_st.jobs) {
			rl_job *j = rl_st.jobs;
			rl_st.jobs = j->next;
			if (!rl_st.jobs)
				rl_st.jobs_tail = &rl_st.jobs;
			pthread_mutex_unlock(&rl_st.lock);
			rl_do_job(j);
			pthread_mutex_lock(&rl_st.lock);
			j->done = 1; /* j is gone once its caller sees this */
			pthread_cond_broadcast(&rl_st.cond);
			pthread_mutex_unlock(&rl_st.lock);
			trim();
			pthread_mutex_lock(&rl_st.lock);
			continue;
		}
		if (rl_st.quit)
			break;
		if (rl_st.pending[0] && rt_running()) {
			rl_job j = { .kind = RL_RELOAD };
			char why[sizeof rl_st.pending];
			memcpy(why, rl_st.pending, sizeof why);
			rl_st.pending[0] = '\0';
			j.trigger = why;
			pthread_mutex_unlock(&rl_st.lock);
			rl_do_job(&j);
			trim();
			pthread_mutex_lock(&rl_st.lock);
			continue;
		}
		idle_wait(poll_ms);
	}
	rl_st.thread_up = 0;
	pthread_mutex_unlock(&rl_st.lock);
	rt_proc_unregister();
	rt_worker_free(rl_st.ev);
	rl_st.ev = NULL;
	pv_worker_done(); /* this thread's $var values */
	return NULL;
}

void rl_request(const char *why)
{
	pthread_mutex_lock(&rl_st.lock);
	if (rl_st.active && !rl_st.pending[0])
		snprintf(rl_st.pending, sizeof rl_st.pending, "%s", why ? why : "request");
	pthread_cond_broadcast(&rl_st.cond);
	pthread_mutex_unlock(&rl_st.lock);
}


/* ---- hooks of rt_run ---------------------------------------------------------------- */

static void on_sighup(void)
{
	rl_request("SIGHUP");
}

/* The first generation takes the first build; its modules are the baseline. */
static void on_start(rt_gen *g)
{
	rt_gen_set_code(g, rl_build_release, rl_st.first);
	rl_st.first_owned = 1;
	rl_baseline_add(g);
}

static void on_stop(void)
{
	pthread_mutex_lock(&rl_st.swap); /* waits for a reload in progress */
	rl_st.closed = 1;
	pthread_mutex_unlock(&rl_st.swap);
}

/* Stop the reload thread (it finishes the jobs queued). */
static void thread_stop(void)
{
	pthread_mutex_lock(&rl_st.lock);
	rl_st.active = 0;
	rl_st.quit = 1;
	pthread_cond_broadcast(&rl_st.cond);
	pthread_mutex_unlock(&rl_st.lock);
	pthread_join(rl_st.thread, NULL);
}

int rl_serve(const rl_opts *o)
{
	rl_st.o = o;
	rl_st.first = NULL;
	rl_st.first_done = rl_st.first_owned = 0;
	rl_st.closed = rl_st.quit = 0;
	rl_st.pending[0] = '\0';
	rl_st.jobs = NULL;
	rl_st.jobs_tail = &rl_st.jobs;
	rl_st.thread_up = 1;
	rt_heap_setup(); /* before the first thread: its compiles share the heap */
	if (pthread_create(&rl_st.thread, NULL, reload_main, NULL) != 0) {
		rl_st.thread_up = 0;
		fprintf(stderr, "routec: cannot start the reload thread\n");
		return EXIT_ERRORS;
	}
	pthread_mutex_lock(&rl_st.lock);
	while (!rl_st.first_done)
		pthread_cond_wait(&rl_st.cond, &rl_st.lock);
	int rc = rl_st.first_rc;
	pthread_mutex_unlock(&rl_st.lock);
	if (rc != EXIT_CLEAN || o->check_only) {
		thread_stop();
		if (rl_st.first)
			rl_build_delete(rl_st.first);
		rl_st.first = NULL;
		goto out;
	}
	rl_rpc_register();
	pthread_mutex_lock(&rl_st.lock);
	rl_st.active = 1;
	pthread_mutex_unlock(&rl_st.lock);
	rt_on_sighup = on_sighup;
	rt_on_start = on_start;
	rt_on_stop = on_stop;

	rc = rt_run(rl_st.first->unit.def, &o->rt) == 0 ? EXIT_CLEAN : EXIT_ERRORS;

	rt_on_sighup = NULL;
	rt_on_start = NULL;
	rt_on_stop = NULL;
	thread_stop();
	rt_gen_swap(NULL); /* rt_run did; a reload cannot have swapped since (on_stop) */
	if (!rl_st.first_owned)
		rl_build_delete(rl_st.first); /* rt_run gave up before the first generation went live */
	rl_st.first = NULL;
	pthread_mutex_lock(&rl_st.lock);
	rl_build *d = rl_st.dead;
	rl_st.dead = NULL;
	pthread_mutex_unlock(&rl_st.lock);
	delete_all(d);
out:
	rl_stamps_free(rl_st.watch, rl_st.nwatch);
	rl_stamps_free(rl_st.seen, rl_st.nwatch);
	rl_st.watch = rl_st.seen = NULL;
	rl_st.nwatch = 0;
	rl_baseline_free();
	return rc;
}
