/* main.c: start, serve, stop. */
#include "core/main.h"
#include "core/fn.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gen.h"
#include "core/log.h"
#include "core/sock.h"
#include "core/worker.h"

#ifndef ROUTEC_VERSION
#define ROUTEC_VERSION "0.1.0"
#endif

void (*rt_on_sighup)(void);
void (*rt_on_start)(rt_gen *g);
void (*rt_on_stop)(void);

static atomic_int stop_req, hup_req, running;
/* posted with each request: the main thread sleeps on it instead of waking
   every 50 ms to look at the flags (sem_post is async-signal-safe) */
static sem_t wake;

void rt_stop(void)
{
	atomic_store(&stop_req, 1);
	sem_post(&wake);
}

int rt_running(void)
{
	return atomic_load(&running);
}

static void on_signal(int sig)
{
	int e = errno;
	if (sig == SIGHUP)
		atomic_store(&hup_req, 1);
	else
		atomic_store(&stop_req, 1);
	sem_post(&wake);
	errno = e;
}

/* The heap: one arena for every thread, and what free() leaves at its top is
 * kept up to 64 MB (once the top passes that, glibc gives back all but 32
 * MB); tm's timer gives all of it back with malloc_trim after a minute
 * without transactions (tm_timer.c).  With glibc's defaults each worker had
 * an arena of its own whose top free() trimmed in the middle of the load, so
 * every round of calls regrew the heap a page at a time (about 1.3 page
 * faults per call over its first seconds, and a fault is dear on this VM),
 * and malloc_trim never trims a thread arena's top, so a burst's heap could
 * stay for good.  Measured (bench/registrar.cfg, a closed-loop burst, a
 * REGISTER phase, then 500 calls/s; routec alone, five to six runs each):
 * 164-265 µs per call, median ~200, with the defaults; 130-189, median
 * ~150, with this (a 128 MB threshold then; with 64, the same: docs/bench.md);
 * no faults in the round.  PSS at rest after the burst, for that minute: 70
 * MB with 128, 37 MB with 64 (Kamailio keeps its shared memory's high-water
 * mark for good).  Closed loop: 12.3-14.7k calls/s against 12.8-15.4k
 * (noise).
 * glibc fixes the number of arenas when a second thread first allocates, so
 * it must run before the process starts any thread: rt_run calls it before
 * its first, and a caller that starts one earlier (routec run's reload
 * thread, compiler/reload.c) calls it first. */
void rt_heap_setup(void)
{
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 32 << 20);
}

int rt_run(const rc_script_def *def, const rt_cmdline *cl)
{
	rt_conf c;
	rt_gen *g = NULL;
	int rc = -1;
	rt_conf_defaults(&c);
	if (rt_conf_apply(&c, def) < 0 || rt_conf_cmdline(&c, cl) < 0)
		return -1;
	rt_cfg = c;
	rt_heap_setup();
	rt_log_level = c.debug;
	rt_log_setup(c.log_stderr, c.log_facility, c.log_name);
	sem_init(&wake, 0, 0);
	atomic_store(&stop_req, 0);
	atomic_store(&hup_req, 0);

	/* sockets before the script: its preparations (force_send_socket,
	   forward() to a host) look at them */
	if (rt_socks_open(&rt_cfg, rt_reuseport) < 0)
		goto out;
	if (rt_gen_load(def, &g) < 0)
		goto close;
	if (rt_modules_start(g) < 0) {
		rt_gen_release(g);
		goto stop_mods;
	}
	if (rt_on_start)
		rt_on_start(g);
	rt_gen_swap(g);

	struct sigaction sa, old_int, old_term, old_hup, old_pipe;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);

	if (rt_workers_start(rt_cfg.children) < 0)
		goto restore;
	rt_log(RT_L_NOTICE, "routec %s serving %s", ROUTEC_VERSION,
	       def->source ? def->source : "a compiled script");
	atomic_store(&running, 1);
	while (!atomic_load(&stop_req)) {
		sem_wait(&wake); /* a signal or rt_stop (EINTR too: the flags say) */
		if (atomic_exchange(&hup_req, 0)) {
			if (rt_on_sighup)
				rt_on_sighup();
			else
				rt_log(RT_L_NOTICE, "SIGHUP ignored: this proxy was built by `routec build` and "
				       "has no compiler, so it cannot reload its script; restart it with a "
				       "new build, or serve the script with `routec run` to reload it live");
		}
	}
	atomic_store(&running, 0);
	if (rt_on_stop)
		rt_on_stop();
	rt_log(RT_L_NOTICE, "stopping");
	rt_workers_stop();
	rc = 0;
restore:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	rt_gen_swap(NULL);
stop_mods:
	rt_modules_stop();
close:
	rt_socks_close();
out:
	rt_log_close();
	return rc;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
	        "usage: %s [options]\n"
	        "  -l ADDR  listen on ADDR ([proto:]addr[:port][/advaddr[:advport]]); repeatable,\n"
	        "           replaces the script's listen parameters\n"
	        "  -n N     number of worker threads (children)\n"
	        "  -E       log to stderr\n"
	        "  -d       more debug output (repeat: -dd)\n"
	        "  -D       stay in the foreground (always the case)\n"
	        "  -V       print the version\n"
	        "  -h       this help\n",
	        prog);
}

int rt_main(int argc, char **argv, const rc_script_def *def)
{
	rt_cmdline cl;
	memset(&cl, 0, sizeof cl);
	int opt;
	while ((opt = getopt(argc, argv, "l:n:EdDVh")) != -1) {
		switch (opt) {
		case 'l':
			if (cl.nlisten == RT_MAX_SOCKS) {
				fprintf(stderr, "%s: too many -l\n", argv[0]);
				return 2;
			}
			cl.listen[cl.nlisten++] = optarg;
			break;
		case 'n': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 1024) {
				fprintf(stderr, "%s: -n: a number 1..1024 is expected\n", argv[0]);
				return 2;
			}
			cl.children = (int)n;
			break;
		}
		case 'E':
			cl.log_stderr = 1;
			break;
		case 'd':
			cl.debug_bump++;
			break;
		case 'D':
			break;
		case 'V':
			printf("routec %s (runtime; script %s)\n", ROUTEC_VERSION,
			       def && def->source ? def->source : "compiled in");
			return 0;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
		usage(stderr, argv[0]);
		return 2;
	}
	return rt_run(def, &cl) == 0 ? 0 : 1;
}
