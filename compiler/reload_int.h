/* reload_int.h: what the reload_*.c files share: a build, a job, the file
 * stamps of --watch, and the one state of the reload machinery (rl_st).
 *
 *   reload.c        the reload thread and rl_serve (start, hooks, stop)
 *   reload_build.c  one compile: front end, checks, C, libtcc -> rl_build
 *   reload_watch.c  --watch: which files a compile read, and did they change
 *   reload_job.c    one reload or check: load, compare, swap, answer
 *   reload_rpc.c    the cfg.* RPC methods
 *
 * Not for use outside compiler/reload*.c: reload.h is the interface.
 */
#ifndef ROUTEC_RELOAD_INT_H
#define ROUTEC_RELOAD_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "core/gen.h"
#include "core/rpc.h"
#include "core/worker.h"
#include "jit.h"
#include "reload.h"

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

typedef struct rl_state {
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
} rl_state;

extern rl_state rl_st;
extern atomic_int rl_builds_alive;
extern atomic_uint rl_reloads_ok, rl_reloads_failed;

/* reload_build.c */
double rl_now_ms(void);
char *rl_xstrdup(const char *s);
void rl_files_free(char **v, int n);
/* Front end, checks, C and libtcc.  Diagnostics go to `out` in `fmt`; the
 * files read to *files (even on errors: --watch looks at them).  Returns
 * EXIT_CLEAN with *bp set, EXIT_ERRORS, or EXIT_USAGE (cannot read). */
int rl_build_script(const rl_opts *o, const char *trigger, FILE *out, diag_format fmt,
                    rl_build **bp, char ***files, int *nfiles);
void rl_build_delete(rl_build *b);
/* The generation's code_free (any thread): to the reload thread if it runs. */
void rl_build_release(void *p);

/* reload_watch.c (the reload thread only) */
void rl_stamp_take(rl_stamp *s);
void rl_stamps_free(rl_stamp *v, int n);
rl_stamp *rl_stamps_copy(const rl_stamp *v, int n);
void rl_watch_set(char **files, int nfiles, const rl_stamp *before, int nbefore);
int rl_watch_poll(void);

/* reload_job.c (the reload thread only) */
void rl_do_job(rl_job *j);
void rl_files_json(rt_rpc_out *o, char *const *files, int n);

/* reload_rpc.c */
void rl_rpc_register(void);

#endif
