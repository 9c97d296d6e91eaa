/* reload_rpc.c: the cfg.* JSON-RPC methods of `routec run` (reload.h lists
 * them, docs/reload.md has their results and errors).  cfg.reload and
 * cfg.check queue a job for the reload thread and wait for its answer, on
 * the RPC transport's thread; cfg.info reads the generation serving.
 */
#include "reload_int.h"

#include <string.h>
#include <time.h>

/* Queue a job and wait for it (an RPC thread). */
static int run_job(int kind, int force, const char *trigger, rt_rpc_out *o)
{
	rl_job j = { .kind = kind, .force = force, .trigger = trigger, .o = o };
	pthread_mutex_lock(&rl_st.lock);
	if (!rl_st.active || !rl_st.thread_up) {
		pthread_mutex_unlock(&rl_st.lock);
		rpc_fail(o, RL_E_NOT_SERVING, "the proxy is not serving a script it can reload");
		return -1;
	}
	if (pthread_equal(pthread_self(), rl_st.thread)) { /* from event_route[core:reload] */
		pthread_mutex_unlock(&rl_st.lock);
		rpc_fail(o, RL_E_NOT_SERVING, "a reload cannot be asked for while one runs");
		return -1;
	}
	*rl_st.jobs_tail = &j;
	rl_st.jobs_tail = &j.next;
	pthread_cond_broadcast(&rl_st.cond);
	while (!j.done)
		pthread_cond_wait(&rl_st.cond, &rl_st.lock);
	pthread_mutex_unlock(&rl_st.lock);
	return 0;
}

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
	pthread_mutex_lock(&rl_st.lock);
	int active = rl_st.active;
	int watch = active && rl_st.o->watch;
	pthread_mutex_unlock(&rl_st.lock);
	rt_gen *g = active ? rt_gen_acquire() : NULL;
	const rl_build *b = g && g->code_free == rl_build_release ? g->code : NULL;
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
	rl_files_json(o, b->files, b->nfiles);
	rpc_str(o, "built", when, -1);
	rpc_int(o, "built_unix", (long long)b->built.tv_sec);
	rpc_double(o, "compile_ms", b->compile_ms);
	rpc_str(o, "trigger", b->trigger, -1);
	rpc_int(o, "reloads", atomic_load(&rl_reloads_ok));
	rpc_int(o, "rl_reloads_failed", atomic_load(&rl_reloads_failed));
	rpc_int(o, "generations_alive", atomic_load(&rl_builds_alive));
	rpc_bool(o, "watch", watch);
	rpc_obj_close(o);
	rt_gen_release(g);
	return 0;
}

void rl_rpc_register(void)
{
	rt_rpc_register("cfg.reload", rpc_reload,
	                "Compile the script again and serve it: [force] applies it even when a part "
	                "of it needs a restart.");
	rt_rpc_register("cfg.check", rpc_check, "Compile and check the script, serve nothing new.");
	rt_rpc_register("cfg.info", rpc_info,
	                "The script being served: generation, files, build time, compile time.");
}
