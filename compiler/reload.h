/* reload.h: `routec run`: serve a script, and replace it while it serves.
 *
 * rl_serve compiles the script (front end, C, libtcc), serves it with rt_run
 * and, until the proxy stops, builds a new generation of it on SIGHUP, on
 * the cfg.reload RPC and, with --watch, when the script or a file it
 * includes changes.  Every reload runs on one thread of its own, never in a
 * worker: compile, check, load, compare with what is running, then one
 * rt_gen_swap.  A script with errors, or one that changes what only a
 * restart can change (listen sockets, children, modparams fixed at start),
 * leaves the running generation untouched and says why: in the log, and in
 * the RPC answer, in `routec check`'s format.  docs/reload.md has the rules.
 *
 * RPC methods (registered by rl_serve):
 *   cfg.reload [force]  build, check and swap; force: apply the script even
 *                       when it needs a restart (the running values of what
 *                       cannot change live stay until then)
 *   cfg.check           build and check, swap nothing
 *   cfg.info            the running generation: id, files, build time,
 *                       compile time, what triggered it
 */
#ifndef ROUTEC_RELOAD_H
#define ROUTEC_RELOAD_H

#include "core/config.h"
#include "diag.h"

typedef struct rl_opts {
	const char *file;                  /* the main script */
	const char *const *incdirs;        /* -I */
	int nincdirs;
	const char *const *defines;        /* -D NAME[=VALUE] */
	int ndefines;
	rt_cmdline rt;                     /* -l -n -E -d */
	int watch;                         /* --watch: reload when a file changes */
	int watch_ms;                      /* how often files are looked at; 0: 300 ms */
	int check_only;                    /* -c: compile, then exit */
	diag_format fmt;                   /* the first compile's diagnostics (stderr) */
} rl_opts;

/* Serve until stopped (SIGINT/SIGTERM, rt_stop).  Returns the exit status:
 * 0 clean stop, 1 errors in the script or the proxy could not start,
 * 2 the script cannot be read. */
int rl_serve(const rl_opts *o);

/* Ask for a reload without waiting for it (SIGHUP does this); `why` names
 * the trigger in the log.  Requests made while one is pending merge. */
void rl_request(const char *why);

#endif
