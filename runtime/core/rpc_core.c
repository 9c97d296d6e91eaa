/* rpc_core.c: the control methods of the core and the statistics behind
 * them, with the result shapes of Kamailio 5.6.3 (kamailio-runtime.md 6.3):
 *
 *   core.uptime core.version core.info core.ps core.psx
 *   system.listMethods system.methodHelp
 *   stats.get_statistics stats.fetch stats.fetchn
 *   stats.reset_statistics stats.clear_statistics   sl.stats
 *
 * Statistics registered here: group core (the workers' counters, summed on
 * each read), group sl (counted by modules/sl.c), group shmem (what the C
 * library's allocator and the kernel say about our memory: routec's threads
 * share one heap, which plays the part of Kamailio's shared memory).
 */
#include "core/rpc.h"

#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/rt.h"
#include "core/stats.h"
#include "core/worker.h"
#if defined(__SANITIZE_ADDRESS__)
/* the sanitizer runtime's (its allocator_interface.h is clang's only) */
size_t __sanitizer_get_current_allocated_bytes(void);
size_t __sanitizer_get_heap_size(void);
size_t __sanitizer_get_free_bytes(void);
#endif

#ifndef ROUTEC_VERSION
#define ROUTEC_VERSION "0.1.0"
#endif
#if defined(__x86_64__)
#define RC_ARCH "x86_64"
#elif defined(__aarch64__)
#define RC_ARCH "aarch64"
#else
#define RC_ARCH "unknown"
#endif

static time_t started;

/* ---- threads (core.ps, core.psx) ------------------------------------------------ */

#define MAX_PROCS 256
static struct {
	pid_t tid;
	char dsc[112];
} procs[MAX_PROCS];
static int nprocs;
static pthread_mutex_t procs_lock = PTHREAD_MUTEX_INITIALIZER;

/* The main thread (tid == pid) is always IDX 0, as Kamailio's main
 * process is, whoever registered first. */
static void proc_set(pid_t tid, const char *dsc)
{
	pthread_mutex_lock(&procs_lock);
	int i = 0;
	while (i < nprocs && procs[i].tid != tid)
		i++;
	if (i == nprocs && nprocs < MAX_PROCS) {
		nprocs++;
		if (tid == getpid()) {
			memmove(&procs[1], &procs[0], (size_t)i * sizeof procs[0]);
			i = 0;
		}
	}
	if (i < nprocs) {
		procs[i].tid = tid;
		snprintf(procs[i].dsc, sizeof procs[i].dsc, "%s", dsc);
	}
	pthread_mutex_unlock(&procs_lock);
}

void rt_proc_register(const char *fmt, ...)
{
	char dsc[112];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dsc, sizeof dsc, fmt, ap);
	va_end(ap);
	proc_set(gettid(), dsc);
}

void rt_proc_unregister(void)
{
	pid_t tid = gettid();
	pthread_mutex_lock(&procs_lock);
	for (int i = 0; i < nprocs; i++)
		if (procs[i].tid == tid) {
			memmove(&procs[i], &procs[i + 1], (size_t)(nprocs - i - 1) * sizeof procs[0]);
			nprocs--;
			break;
		}
	pthread_mutex_unlock(&procs_lock);
}

/* core.psx: [{"IDX":0,"PID":..,"DSC":".."}, ...]; PID is the thread id
 * (the main thread's is the process id), which /proc and kill -0 know. */
static int m_psx(const rt_rpc_in *in, rt_rpc_out *o)
{
	rpc_arr_open(o, NULL);
	pthread_mutex_lock(&procs_lock);
	for (int i = 0; i < nprocs; i++) {
		rpc_obj_open(o, NULL);
		rpc_int(o, "IDX", i);
		rpc_int(o, "PID", procs[i].tid);
		rpc_str(o, "DSC", procs[i].dsc, -1);
		rpc_obj_close(o);
	}
	pthread_mutex_unlock(&procs_lock);
	rpc_arr_close(o);
	return 0;
}

/* core.ps: [pid, "desc", pid, "desc", ...] */
static int m_ps(const rt_rpc_in *in, rt_rpc_out *o)
{
	rpc_arr_open(o, NULL);
	pthread_mutex_lock(&procs_lock);
	for (int i = 0; i < nprocs; i++) {
		rpc_int(o, NULL, procs[i].tid);
		rpc_str(o, NULL, procs[i].dsc, -1);
	}
	pthread_mutex_unlock(&procs_lock);
	rpc_arr_close(o);
	return 0;
}

/* ---- core.* and system.* ---------------------------------------------------------- */

/* ctime without its newline: "Mon Nov 23 06:51:36 2026" */
static void put_time(rt_rpc_out *o, const char *key, time_t t)
{
	char b[64];
	if (!ctime_r(&t, b))
		b[0] = '\0';
	size_t n = strlen(b);
	if (n && b[n - 1] == '\n')
		b[--n] = '\0';
	rpc_str(o, key, b, (int)n);
}

static int m_uptime(const rt_rpc_in *in, rt_rpc_out *o)
{
	time_t now = time(NULL);
	rpc_obj_open(o, NULL);
	put_time(o, "now", now);
	put_time(o, "up_since", started);
	rpc_int(o, "uptime", (long long)(now - started));
	rpc_obj_close(o);
	return 0;
}

static int m_version(const rt_rpc_in *in, rt_rpc_out *o)
{
	rpc_str(o, NULL, "routec " ROUTEC_VERSION " (" RC_ARCH "/linux)", -1);
	return 0;
}

static int m_info(const rt_rpc_in *in, rt_rpc_out *o)
{
	rpc_obj_open(o, NULL);
	rpc_str(o, "version", "routec " ROUTEC_VERSION, -1);
	rpc_str(o, "id", "unknown", -1);
#if defined(__clang__)
	rpc_str(o, "compiler", "clang " __clang_version__, -1);
#elif defined(__GNUC__)
	rpc_str(o, "compiler", "gcc " __VERSION__, -1);
#else
	rpc_str(o, "compiler", "unknown", -1);
#endif
	rpc_str(o, "compiled", "", -1);
	rpc_str(o, "flags",
	        "USE_UDP, RECVMMSG, SENDMMSG, THREADS, PCRE2_JIT"
#if defined(__SANITIZE_ADDRESS__)
	        ", ASAN"
#endif
	        , -1);
	rpc_obj_close(o);
	return 0;
}

static int m_list_methods(const rt_rpc_in *in, rt_rpc_out *o)
{
	const rt_rpc_method *m;
	rpc_arr_open(o, NULL);
	for (int i = 0; (m = rt_rpc_at(i)); i++)
		rpc_str(o, NULL, m->name, -1);
	rpc_arr_close(o);
	return 0;
}

static int m_method_help(const rt_rpc_in *in, rt_rpc_out *o)
{
	rc_str name;
	char buf[32], z[128];
	if (rpc_param_str(in, 0, &name, buf) < 0 || name.len <= 0 || name.len >= (int)sizeof z) {
		rpc_fail(o, 400, "Please provide the name of a method");
		return -1;
	}
	memcpy(z, name.s, (size_t)name.len);
	z[name.len] = '\0';
	const rt_rpc_method *m = rt_rpc_find(z);
	if (!m) {
		rpc_fail(o, 500, "command not found");
		return -1;
	}
	rpc_str(o, NULL, m->help, -1);
	return 0;
}

/* ---- stats.* ------------------------------------------------------------------------ */

typedef struct st_item {
	const char *group, *name;
	long long v;
} st_item;

typedef struct st_sel {
	const char *which; /* "all", "group:", "group:name" or a name */
	st_item *v;
	int n, cap, oom;
} st_sel;

/* Kamailio's selection (kex core_stats.c): "all", "group:" (a group), a
 * statistic's name (in any group); routec also takes "group:name". */
static int st_match(const char *which, const rt_stat *s)
{
	if (!strcmp(which, "all"))
		return 1;
	const char *colon = strchr(which, ':');
	if (!colon)
		return !strcmp(s->name, which);
	size_t gl = (size_t)(colon - which);
	if (strlen(s->group) != gl || strncmp(s->group, which, gl))
		return 0;
	return !colon[1] || !strcmp(s->name, colon + 1);
}

static int st_push(st_sel *sel, const char *group, const char *name, long long v)
{
	if (sel->n == sel->cap) {
		int cap = sel->cap ? sel->cap * 2 : 64;
		st_item *nv = realloc(sel->v, (size_t)cap * sizeof *nv);
		if (!nv) {
			sel->oom = 1;
			return -1;
		}
		sel->v = nv;
		sel->cap = cap;
	}
	sel->v[sel->n++] = (st_item){ group, name, v };
	return 0;
}

static int st_collect(const rt_stat *s, long long v, void *arg)
{
	st_sel *sel = arg;
	return st_match(sel->which, s) && st_push(sel, s->group, s->name, v) < 0;
}

static int st_cmp(const void *a, const void *b)
{
	const st_item *x = a, *y = b;
	int c = strcmp(x->group, y->group);
	return c ? c : strcmp(x->name, y->name);
}

/* The statistics each parameter selects, sorted per parameter (as
 * Kamailio answers): 0, or -1 after rpc_fail. */
static int st_select(const rt_rpc_in *in, rt_rpc_out *o, st_sel *all, const char *none_msg)
{
	memset(all, 0, sizeof *all);
	if (in->n == 0) {
		rpc_fail(o, 400, "%s", none_msg);
		return -1;
	}
	for (int i = 0; i < in->n; i++) {
		rc_str w;
		char buf[32], z[256];
		if (rpc_param_str(in, i, &w, buf) < 0) {
			free(all->v);
			rpc_fail(o, -32602, "Invalid params: parameter %d must be a string", i + 1);
			return -1;
		}
		if (w.len <= 0 || w.len >= (int)sizeof z || memchr(w.s, '\0', (size_t)w.len))
			continue; /* selects nothing */
		memcpy(z, w.s, (size_t)w.len);
		z[w.len] = '\0';
		st_sel one = { .which = z };
		rt_stat_each(st_collect, &one);
		if (one.n)
			qsort(one.v, (size_t)one.n, sizeof one.v[0], st_cmp);
		for (int k = 0; k < one.n && !all->oom; k++)
			st_push(all, one.v[k].group, one.v[k].name, one.v[k].v);
		int oom = one.oom || all->oom;
		free(one.v);
		if (oom) {
			free(all->v);
			rpc_fail(o, -32603, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* ["group:name = value", ...] */
static int m_get_statistics(const rt_rpc_in *in, rt_rpc_out *o)
{
	st_sel sel;
	if (st_select(in, o, &sel, "Please provide which stats to retrieve") < 0)
		return -1;
	rpc_arr_open(o, NULL);
	for (int i = 0; i < sel.n; i++)
		rpc_strf(o, NULL, "%s:%s = %lld", sel.v[i].group, sel.v[i].name, sel.v[i].v);
	rpc_arr_close(o);
	free(sel.v);
	return 0;
}

/* {"group.name": "value", ...}; stats.fetchn: numbers */
static int fetch(const rt_rpc_in *in, rt_rpc_out *o, int numeric)
{
	st_sel sel;
	char key[256];
	if (st_select(in, o, &sel, "Please provide which stats to retrieve") < 0)
		return -1;
	rpc_obj_open(o, NULL);
	for (int i = 0; i < sel.n; i++) {
		snprintf(key, sizeof key, "%s.%s", sel.v[i].group, sel.v[i].name);
		if (numeric)
			rpc_int(o, key, sel.v[i].v);
		else
			rpc_strf(o, key, "%lld", sel.v[i].v);
	}
	rpc_obj_close(o);
	free(sel.v);
	return 0;
}

static int m_fetch(const rt_rpc_in *in, rt_rpc_out *o)
{
	return fetch(in, o, 0);
}

static int m_fetchn(const rt_rpc_in *in, rt_rpc_out *o)
{
	return fetch(in, o, 1);
}

/* Reset what the parameters select (counters only: gauges and Kamailio's
 * non-resettable groups such as sl stay).  stats.reset_statistics answers
 * {} as Kamailio does; stats.clear_statistics lists the statistics it
 * zeroed with their values before (Kamailio's answers only the last one). */
static int reset(const rt_rpc_in *in, rt_rpc_out *o, int list)
{
	st_sel sel;
	char which[256];
	if (st_select(in, o, &sel, "Please provide stats name") < 0)
		return -1;
	if (list)
		rpc_arr_open(o, NULL);
	else
		rpc_obj_open(o, NULL);
	for (int i = 0; i < sel.n; i++) {
		snprintf(which, sizeof which, "%s:%s", sel.v[i].group, sel.v[i].name);
		if (rt_stat_reset(which) > 0 && list)
			rpc_strf(o, NULL, "%s = %lld", which, sel.v[i].v);
	}
	if (list)
		rpc_arr_close(o);
	else
		rpc_obj_close(o);
	free(sel.v);
	return 0;
}

static int m_reset_statistics(const rt_rpc_in *in, rt_rpc_out *o)
{
	return reset(in, o, 0);
}

static int m_clear_statistics(const rt_rpc_in *in, rt_rpc_out *o)
{
	return reset(in, o, 1);
}

/* sl.stats: Kamailio's struct (no 1xx key, as there) */
static int m_sl_stats(const rt_rpc_in *in, rt_rpc_out *o)
{
	static const char *const keys[] = { "200", "202", "2xx", "300", "301", "302", "3xx",
		                            "400", "401", "403", "404", "407", "408", "483",
		                            "4xx", "500", "5xx", "6xx", "xxx" };
	char name[32];
	rpc_obj_open(o, NULL);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		snprintf(name, sizeof name, "%s_replies", keys[i]);
		rpc_int(o, keys[i], rt_stat_get(rt_stat_find("sl", name)));
	}
	rpc_obj_close(o);
	return 0;
}

/* ---- statistics: core and shmem ----------------------------------------------------- */

/* arg: the byte offset of a uint64_t in rt_stats_snap */
static long long core_read(void *arg)
{
	rt_stats_snap s;
	uint64_t v;
	rt_stats_sum(&s);
	memcpy(&v, (const char *)&s + (uintptr_t)arg, sizeof v);
	return (long long)v;
}

static void core_stat(const char *name, size_t off)
{
	rt_stat_counter_fn("core", name, core_read, (void *)(uintptr_t)off);
}

static void core_stats_init(void)
{
	/* Kamailio's method names; the reply slots as worker.h numbers them */
	static const char *const req[RT_STAT_METHODS] = {
		[SIP_M_INVITE] = "rcv_requests_invite", [SIP_M_ACK] = "rcv_requests_ack",
		[SIP_M_BYE] = "rcv_requests_bye", [SIP_M_CANCEL] = "rcv_requests_cancel",
		[SIP_M_REGISTER] = "rcv_requests_register", [SIP_M_OPTIONS] = "rcv_requests_options",
		[SIP_M_INFO] = "rcv_requests_info", [SIP_M_UPDATE] = "rcv_requests_update",
		[SIP_M_PRACK] = "rcv_requests_prack", [SIP_M_SUBSCRIBE] = "rcv_requests_subscribe",
		[SIP_M_NOTIFY] = "rcv_requests_notify", [SIP_M_MESSAGE] = "rcv_requests_message",
		[SIP_M_REFER] = "rcv_requests_refer", [SIP_M_PUBLISH] = "rcv_requests_publish",
	};
	static const char *const slot[RT_STAT_RPL_SLOTS] = { "",        "_bye",   "_cancel",
		                                             "_invite", "_message", "_prack",
		                                             "_refer",  "_reg",   "_update" };
	static const char *const code[RT_STAT_RPL_CODES] = {
		"rcv_replies_18x", "rcv_replies_401", "rcv_replies_404",
		"rcv_replies_407", "rcv_replies_480", "rcv_replies_486",
	};
	static char rpl[6][RT_STAT_RPL_SLOTS][32]; /* names live as long as the registry */
	const size_t u = sizeof(uint64_t);
#define CORE(f) core_stat(#f, offsetof(rt_stats_snap, f))
	CORE(rcv_requests);
	CORE(rcv_replies);
	CORE(fwd_requests);
	CORE(fwd_replies);
	CORE(drop_requests);
	CORE(drop_replies);
	CORE(err_requests);
	CORE(err_replies);
#undef CORE
	for (int m = 0; m < RT_STAT_METHODS; m++)
		if (req[m])
			core_stat(req[m], offsetof(rt_stats_snap, rcv_requests_m) + (size_t)m * u);
	for (int c = 0; c < 6; c++)
		for (int k = 0; k < RT_STAT_RPL_SLOTS; k++) {
			snprintf(rpl[c][k], sizeof rpl[c][k], "rcv_replies_%dxx%s", c + 1, slot[k]);
			core_stat(rpl[c][k], offsetof(rt_stats_snap, rcv_replies_c) +
			                         ((size_t)c * RT_STAT_RPL_SLOTS + (size_t)k) * u);
		}
	for (int k = 0; k < RT_STAT_RPL_CODES; k++)
		core_stat(code[k], offsetof(rt_stats_snap, rcv_replies_code) + (size_t)k * u);
}

enum { MEM_TOTAL, MEM_USED, MEM_FREE, MEM_FRAGMENTS, MEM_RSS, MEM_MAX_RSS };

static long long rss_bytes(void)
{
	long long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%lld %lld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * sysconf(_SC_PAGESIZE);
}

/* The allocator's view (mallinfo2: every arena; the threads' arenas too)
 * and the kernel's (resident set now and at its peak).  Under
 * AddressSanitizer malloc is the sanitizer's: ask it instead. */
static long long mem_read(void *arg)
{
	int which = (int)(uintptr_t)arg;
	if (which == MEM_RSS)
		return rss_bytes();
	if (which == MEM_MAX_RSS) {
		struct rusage ru;
		return getrusage(RUSAGE_SELF, &ru) == 0 ? (long long)ru.ru_maxrss * 1024 : 0;
	}
#if defined(__SANITIZE_ADDRESS__)
	switch (which) {
	case MEM_TOTAL: return (long long)__sanitizer_get_heap_size();
	case MEM_USED: return (long long)__sanitizer_get_current_allocated_bytes();
	case MEM_FREE: return (long long)__sanitizer_get_free_bytes();
	default: return 0;
	}
#endif
	struct mallinfo2 mi = mallinfo2();
	switch (which) {
	case MEM_TOTAL: return (long long)(mi.arena + mi.hblkhd);
	case MEM_USED: return (long long)(mi.uordblks + mi.hblkhd);
	case MEM_FREE: return (long long)mi.fordblks;
	default: return (long long)mi.ordblks;
	}
}

static void mem_stats_init(void)
{
	static const char *const names[] = { "total_size", "used_size", "free_size",
		                             "fragments",  "rss_size",  "max_rss_size" };
	for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
		rt_stat_fn("shmem", names[i], mem_read, (void *)(uintptr_t)i);
}

/* ---- registration --------------------------------------------------------------------- */

void rt_rpc_core_init(void)
{
	if (!started)
		started = time(NULL);
	proc_set(getpid(), "main process - attendant");
	rt_rpc_register("core.uptime", m_uptime, "Returns uptime of SIP server.");
	rt_rpc_register("core.version", m_version, "Returns the version string of the server.");
	rt_rpc_register("core.info", m_info, "Verbose info, including version number, compiler and "
	                                     "compile flags.");
	rt_rpc_register("core.ps", m_ps, "Returns the description of running threads.");
	rt_rpc_register("core.psx", m_psx, "Returns the detailed description of running threads.");
	rt_rpc_register("system.listMethods", m_list_methods, "Lists all RPC methods supported by "
	                                                      "the server.");
	rt_rpc_register("system.methodHelp", m_method_help, "Print the help string for a given "
	                                                    "method.");
	rt_rpc_register("stats.get_statistics", m_get_statistics,
	                "Print statistics: all, group: or a name (\"group:name = value\").");
	rt_rpc_register("stats.fetch", m_fetch, "Print statistics as an object of strings.");
	rt_rpc_register("stats.fetchn", m_fetchn, "Print statistics as an object of numbers.");
	rt_rpc_register("stats.reset_statistics", m_reset_statistics, "Reset statistics.");
	rt_rpc_register("stats.clear_statistics", m_clear_statistics,
	                "Reset statistics, listing their values before.");
	rt_rpc_register("sl.stats", m_sl_stats, "Stateless reply statistics.");
	core_stats_init();
	mem_stats_init();
	sl_stats_init();
}
