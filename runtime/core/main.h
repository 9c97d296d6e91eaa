/* main.h: running a compiled script as a proxy.
 *
 * rt_run does everything between "a script is compiled" and "the process
 * exits": configuration (script, then command line), logging, sockets, the
 * generation, workers, and signals (SIGINT/SIGTERM stop, SIGHUP calls
 * rt_on_sighup, the hot-reload hook).  It returns when stopped.
 * rt_main is the main() of standalone binaries (`routec build`).
 */
#ifndef ROUTEC_MAIN_H
#define ROUTEC_MAIN_H

#include "core/config.h"
#include "core/gen.h"

/* The allocator's settings (one heap for all threads, free memory kept at
 * its top: main.c says why).  Before the first thread is started. */
void rt_heap_setup(void);
/* 0 after a clean stop, -1 when it could not start (logged). */
int rt_run(const rc_script_def *def, const rt_cmdline *cl);
/* Ask rt_run to stop (async-signal-safe; any thread). */
void rt_stop(void);
/* 1 while rt_run serves (sockets open, workers started). */
int rt_running(void);
/* Called by rt_run's thread on SIGHUP, if set (routec run: recompile and
 * rt_gen_swap).  Without it SIGHUP is logged and ignored: a standalone
 * binary has no compiler. */
extern void (*rt_on_sighup)(void);
/* Called by rt_run's thread, if set, with the first generation once it is
 * loaded and its modules started, just before it goes live (routec run
 * hands it the compiled code there: from then on the generation owns it). */
extern void (*rt_on_start)(rt_gen *g);
/* Called by rt_run's thread, if set, when it stops serving, before the
 * workers stop: no generation may go live after it returns. */
extern void (*rt_on_stop)(void);

/* Options like Kamailio's where they fit:
 *   -l ADDR  listen (repeatable; replaces the script's listen)
 *   -n N     children        -E  log to stderr      -d  more debug (repeatable)
 *   -D       stay in the foreground (always the case; accepted)
 *   -V       version          -h  help
 * Returns the process exit code. */
int rt_main(int argc, char **argv, const rc_script_def *def);

#endif
