/* reload_test.c: hot reload in one process, driven through the cfg.* RPC
 * methods (rt_rpc_call, as a control transport would call them) while a
 * script compiled by rl_serve serves SIP on loopback.  What the test sees
 * on the wire is what it asserts: the header each generation adds, the
 * $var counter that must survive reloads, the $shv counter that
 * event_route[core:reload] bumps once per successful reload.  Then 1,000
 * reloads with the resident set measured before and after.
 *
 * Built and run by tests/reload/run.sh; env PORT (a free block of 10 ports),
 * RELOADS (default 1000), SAN=1 (sanitized build: RSS is not asserted).
 */
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/fn.h"
#include "core/gen.h"
#include "core/main.h"
#include "core/rpc.h"
#include "reload.h"
#include "reload_diff.h"

static int passed, failed;

static void check(int ok, const char *what, int line)
{
	if (ok) {
		passed++;
		printf("PASS %s\n", what);
	} else {
		failed++;
		printf("FAIL %s (reload_test.c:%d)\n", what, line);
	}
	fflush(stdout);
}
#define CHECK(cond, what) check((cond) != 0, what, __LINE__)

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- files --------------------------------------------------------------------------- */

static char dir[64], main_cfg[128], inc_cfg[128];
static int port, port2;

static void write_file(const char *path, const char *text)
{
	char tmp[160];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		perror(path);
		exit(2);
	}
}

/* The main script: listen on `lport`, include inc.cfg (which defines GEN),
 * answer OPTIONS with headers naming the generation, the $var counter and
 * the event counter. `extra` is appended (broken code, a changed param). */
static void write_main(int lport, const char *extra)
{
	char text[2048];
	snprintf(text, sizeof text,
	         "debug = 1\n"
	         "log_stderror = yes\n"
	         "children = 1\n"
	         "listen = udp:127.0.0.1:%d\n"
	         "loadmodule \"sl.so\"\n"
	         "loadmodule \"textops.so\"\n"
	         "loadmodule \"pv.so\"\n"
	         "include_file \"inc.cfg\"\n"
	         "request_route {\n"
	         "\t$var(n) = $var(n) + 1;\n"
	         "\t$var(gen) = GEN;\n"
	         "\tappend_to_reply(\"X-Gen: $var(gen)\\r\\nX-N: $var(n)\\r\\nX-Reloads: "
	         "$shv(reloads)\\r\\n\");\n"
	         "\tsl_send_reply(\"200\", \"OK\");\n"
	         "\texit;\n"
	         "}\n"
	         "event_route[core:reload] {\n"
	         "\t$shv(reloads) = $shv(reloads) + 1;\n"
	         "}\n"
	         "%s",
	         lport, extra ? extra : "");
	write_file(main_cfg, text);
}

static void write_inc(const char *gen)
{
	char text[128];
	snprintf(text, sizeof text, "#!define GEN \"%s\"\n", gen);
	write_file(inc_cfg, text);
}

/* ---- SIP --------------------------------------------------------------------------- */

static int uac;

/* Send OPTIONS to the proxy on p; the reply's header `name` into out ("" if
 * absent).  -1 when no reply comes within 2 s. */
static int ask(int p, const char *name, char *out, int cap)
{
	static int seq;
	char msg[512], buf[4096];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in me;
	socklen_t ml = sizeof me;
	getsockname(uac, (struct sockaddr *)&me, &ml);
	seq++;
	int n = snprintf(msg, sizeof msg,
	                 "OPTIONS sip:x@127.0.0.1:%d SIP/2.0\r\n"
	                 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-rl-%d\r\n"
	                 "Max-Forwards: 70\r\n"
	                 "From: <sip:t@127.0.0.1>;tag=rl%d\r\n"
	                 "To: <sip:x@127.0.0.1>\r\n"
	                 "Call-ID: rl-%d@test\r\n"
	                 "CSeq: 1 OPTIONS\r\n"
	                 "Content-Length: 0\r\n\r\n",
	                 p, ntohs(me.sin_port), seq, seq, seq);
	sendto(uac, msg, (size_t)n, 0, (struct sockaddr *)&a, sizeof a);
	out[0] = '\0';
	for (;;) {
		struct pollfd pf = { .fd = uac, .events = POLLIN };
		if (poll(&pf, 1, 2000) <= 0)
			return -1;
		int k = (int)recv(uac, buf, sizeof buf - 1, 0);
		if (k <= 0)
			return -1;
		buf[k] = '\0';
		char want[32];
		snprintf(want, sizeof want, "z9hG4bK-rl-%d", seq);
		if (!strstr(buf, want))
			continue; /* a late answer to an earlier question */
		char h[64];
		snprintf(h, sizeof h, "\r\n%s: ", name);
		const char *v = strstr(buf, h);
		if (v) {
			v += strlen(h);
			const char *e = strstr(v, "\r\n");
			int len = e ? (int)(e - v) : (int)strlen(v);
			snprintf(out, (size_t)cap, "%.*s", len, v);
		}
		return 0;
	}
}

static int ask_int(const char *name)
{
	char v[64];
	return ask(port, name, v, sizeof v) == 0 && v[0] ? atoi(v) : -1;
}

/* ---- RPC --------------------------------------------------------------------------- */

static char *rpc(const char *method, const char *param, int *is_error)
{
	rt_rpc_in in = { 0 };
	if (param) {
		in.n = 1;
		in.v[0].type = RPC_T_STR;
		in.v[0].s = (rc_str){ param, (int)strlen(param) };
	}
	return rt_rpc_call(method, &in, is_error);
}

/* The integer after "key": in a JSON text, or -1. */
static long json_int(const char *json, const char *key)
{
	char k[64];
	snprintf(k, sizeof k, "\"%s\":", key);
	const char *p = json ? strstr(json, k) : NULL;
	return p ? strtol(p + strlen(k), NULL, 10) : -1;
}

/* ---- the server -------------------------------------------------------------------- */

static rl_opts opts;
static int serve_rc = -1;

static void *serve(void *arg)
{
	(void)arg;
	serve_rc = rl_serve(&opts);
	return NULL;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* generations_alive of cfg.info once it is `want` (an idle worker trades its
 * reference within its 200 ms poll), or what it was after 3 s */
static long alive_settles(long want)
{
	long alive = -1;
	for (int i = 0; i < 60; i++) {
		int err;
		char *r = rpc("cfg.info", NULL, &err);
		alive = err ? -1 : json_int(r, "generations_alive");
		free(r);
		if (alive == want)
			break;
		sleep_ms(50);
	}
	return alive;
}

static void reload_storm(int count, int san)
{
	char *r;
	int err;
	/* warm up: allocators, caches and the $var tables reach their size */
	for (int i = 0; i < 50; i++) {
		write_inc(i % 2 ? "A" : "B");
		free(rpc("cfg.reload", NULL, &err));
	}
	CHECK(alive_settles(1) == 1, "warm-up: every replaced generation was freed");
	long before = rss_kb();
	double *ms = calloc((size_t)count, sizeof *ms);
	int fails = 0;
	for (int i = 0; i < count; i++) {
		write_inc(i % 2 ? "A" : "B");
		double t0 = now_ms();
		r = rpc("cfg.reload", NULL, &err);
		ms[i] = now_ms() - t0;
		fails += err;
		free(r);
		if (i % 100 == 99 && ask_int("X-N") < 0)
			fails++;
	}
	long alive = alive_settles(1);
	long after = rss_kb();
	qsort(ms, (size_t)count, sizeof *ms, cmp_double);
	printf("reloads: %d, RSS before %ld kB, after %ld kB (%+.1f%%), cfg.reload median %.1f ms, "
	       "p99 %.1f ms\n", count, before, after, 100.0 * (double)(after - before) / (double)before,
	       ms[count / 2], ms[count * 99 / 100]);
	free(ms);
	char what[128];
	snprintf(what, sizeof what, "%d reloads: every one succeeded and SIP was answered", count);
	CHECK(fails == 0, what);
	CHECK(alive == 1, "after the reloads only the serving generation is alive (the others freed)");
	if (!san)
		CHECK(after <= before + before / 20, "RSS grew less than 5% over the reloads");
}

/* ---- off the wire: parameters fixed at start, per-generation data ---------------- */

static int no_init(rc_gen_t *g)
{
	(void)g;
	return 0;
}

static const rc_route_def no_routes[] = { { 0, NULL, NULL } };
static const char *const tm_only[] = { "tm", NULL };
static const char *const no_mods[] = { NULL };
static const rc_param_def hs10[] = { { "tm", "hash_size", RC_INT, 10, NULL }, { NULL, NULL, 0, 0, NULL } };
static const rc_param_def hs20[] = { { "tm", "hash_size", RC_INT, 20, NULL }, { NULL, NULL, 0, 0, NULL } };
static const rc_param_def none[] = { { NULL, NULL, 0, 0, NULL } };

/* A generation of a hand-made script whose module asks for tm's hash_size as
 * fixed at start (as a module's gen_init would). */
static rt_gen *fixed_gen(const rc_script_def *d)
{
	rt_gen *g;
	if (rt_gen_load(d, &g) < 0)
		return NULL;
	rt_gen_param_fixed(g, "tm", "hash_size");
	return g;
}

static void fixed_params(void)
{
	static const rc_script_def d10 = { RC_ABI_VERSION, no_init, no_routes, hs10, tm_only, "hs10" };
	static const rc_script_def d20 = { RC_ABI_VERSION, no_init, no_routes, hs20, tm_only, "hs20" };
	static const rc_script_def dnone = { RC_ABI_VERSION, no_init, no_routes, none, tm_only, "none" };
	static const rc_script_def dnotm = { RC_ABI_VERSION, no_init, no_routes, hs20, no_mods, "notm" };
	rt_conf c;
	rt_conf_defaults(&c);
	rl_change ch[RL_MAX_CHANGES];
	rt_gen *g10 = fixed_gen(&d10), *g20 = fixed_gen(&d20), *gn = fixed_gen(&dnone),
	       *gx = fixed_gen(&dnotm);
	if (!g10 || !g20 || !gn || !gx) {
		CHECK(0, "hand-made generations load");
		return;
	}
	rl_baseline_add(g10); /* g10 started tm */
	int n = rl_diff(&c, &c, g20, ch, RL_MAX_CHANGES);
	CHECK(n == 1 && !strcmp(ch[0].what, "modparam(\"tm\", \"hash_size\")") &&
	          !strcmp(ch[0].was, "10") && !strcmp(ch[0].now, "20"),
	      "a fixed modparam changed: needs restart, named with both values");
	CHECK(rl_diff(&c, &c, g10, ch, RL_MAX_CHANGES) == 0, "the same value: nothing to restart");
	n = rl_diff(&c, &c, gn, ch, RL_MAX_CHANGES);
	CHECK(n == 1 && !strcmp(ch[0].now, "(not set)"), "a fixed modparam removed: needs restart");
	CHECK(rl_diff(&c, &c, gx, ch, RL_MAX_CHANGES) == 0,
	      "a script that no longer loads the module: nothing to restart (it keeps running)");
	rt_conf c2 = c;
	c2.children = c.children + 2;
	snprintf(c2.server_header, sizeof c2.server_header, "other");
	n = rl_diff(&c, &c2, g10, ch, RL_MAX_CHANGES);
	CHECK(n == 2 && !strcmp(ch[0].what, "children") && !strcmp(ch[1].what, "server_header"),
	      "global parameters: children and server_header need a restart");
	rl_baseline_free();

	int key = rt_gen_key();
	static int x;
	rt_gen_set_data(g10, key, &x);
	CHECK(key >= 0 && rt_gen_data(g10, key) == &x && rt_gen_data(g20, key) == NULL &&
	          rt_gen_data(NULL, key) == NULL,
	      "rt_gen_key: per-generation data of a module");
	rt_gen_release(g10);
	rt_gen_release(g20);
	rt_gen_release(gn);
	rt_gen_release(gx);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const char *pe = getenv("PORT"), *re = getenv("RELOADS"), *se = getenv("SAN");
	port = pe ? atoi(pe) : 50000 + (int)(getpid() % 900) * 5;
	port2 = port + 1;
	int reloads = re ? atoi(re) : 1000;
	int san = se && *se == '1';

	snprintf(dir, sizeof dir, "/tmp/routec-reload.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(main_cfg, sizeof main_cfg, "%s/main.cfg", dir);
	snprintf(inc_cfg, sizeof inc_cfg, "%s/inc.cfg", dir);
	write_main(port, NULL);
	write_inc("A");
	uac = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	bind(uac, (struct sockaddr *)&me, sizeof me);

	opts.file = main_cfg;
	opts.fmt = DIAG_FMT_GCC;
	opts.rt.log_stderr = 1;
	pthread_t th;
	pthread_create(&th, NULL, serve, NULL);
	for (int i = 0; i < 500 && !rt_running(); i++)
		sleep_ms(10);
	CHECK(rt_running(), "rl_serve compiles the script and serves within 5 s");
	if (!rt_running())
		goto done;

	char v[256];
	int err;
	char *r;
	CHECK(ask(port, "X-Gen", v, sizeof v) == 0 && !strcmp(v, "A"), "generation 1 answers X-Gen: A");

	/* cfg.info */
	r = rpc("cfg.info", NULL, &err);
	CHECK(!err && json_int(r, "generation") >= 1 && strstr(r, "\"trigger\":\"start\"") &&
	          strstr(r, main_cfg) && strstr(r, inc_cfg) && strstr(r, "\"compile_ms\":") &&
	          strstr(r, "\"built\":\""),
	      "cfg.info: generation, both files read, build time, compile time");
	long gen1 = json_int(r, "generation");
	free(r);

	/* a change in the included file, reloaded through cfg.reload */
	int n0 = ask_int("X-N");
	write_inc("B");
	r = rpc("cfg.reload", NULL, &err);
	CHECK(!err && json_int(r, "generation") > gen1 && json_int(r, "previous") == gen1 &&
	          strstr(r, "\"forced\":false"),
	      "cfg.reload answers the new and the previous generation");
	free(r);
	CHECK(ask(port, "X-Gen", v, sizeof v) == 0 && !strcmp(v, "B"),
	      "after cfg.reload the wire shows X-Gen: B (a change in an included file)");
	int n1 = ask_int("X-N");
	CHECK(n0 > 0 && n1 == n0 + 2, "$var(n) kept its value across the reload (one worker)");
	CHECK(ask_int("X-Reloads") == 1, "event_route[core:reload] ran once for one reload");

	/* a broken script: the running logic stays, the diagnostics come back */
	write_main(port, "route[BROKEN] {\n\tsl_send_reply(\"500\");\n\tno_such_function();\n}\n");
	write_inc("C");
	r = rpc("cfg.reload", NULL, &err);
	char where[160];
	snprintf(where, sizeof where, "%s:21:2: error: ", main_cfg);
	CHECK(err && json_int(r, "code") == -32000 && strstr(r, where) &&
	          strstr(r, "unknown function 'no_such_function'") && strstr(r, "^~~") &&
	          strstr(r, "2 errors"),
	      "a broken script: cfg.reload fails with routec check's diagnostics (file:line:col, caret)");
	free(r);
	CHECK(ask(port, "X-Gen", v, sizeof v) == 0 && !strcmp(v, "B"),
	      "a broken script: the wire still shows X-Gen: B");
	r = rpc("cfg.check", NULL, &err);
	CHECK(err && strstr(r, "unknown function 'no_such_function'"), "cfg.check reports the errors too");
	free(r);
	CHECK(ask_int("X-Reloads") == 1, "event_route[core:reload] did not run for a failed reload");

	/* cfg.check of a good script swaps nothing */
	write_main(port, NULL);
	r = rpc("cfg.check", NULL, &err);
	CHECK(!err && strstr(r, "\"status\":\"ok\"") && strstr(r, "\"needs_restart\":[]"),
	      "cfg.check of a good script: ok");
	free(r);
	CHECK(ask(port, "X-Gen", v, sizeof v) == 0 && !strcmp(v, "B"), "cfg.check changed nothing");

	/* a new listen: needs a restart, refused; forced, the rest applies */
	write_main(port2, NULL);
	write_inc("D");
	r = rpc("cfg.reload", NULL, &err);
	char lis[96];
	snprintf(lis, sizeof lis, "listen (running: udp:127.0.0.1:%d; new script: udp:127.0.0.1:%d)",
	         port, port2);
	CHECK(err && json_int(r, "code") == -32001 && strstr(r, "needs a restart") && strstr(r, lis),
	      "a changed listen: cfg.reload refuses it as needing a restart, naming listen");
	free(r);
	CHECK(ask(port, "X-Gen", v, sizeof v) == 0 && !strcmp(v, "B"),
	      "needs restart: the wire still shows X-Gen: B");
	r = rpc("cfg.reload", "force", &err);
	CHECK(!err && strstr(r, "\"forced\":true") && strstr(r, "\"parameter\":\"listen\""),
	      "cfg.reload force applies it and lists what keeps its running value");
	free(r);
	CHECK(ask(port, "X-Gen", v, sizeof v) == 0 && !strcmp(v, "D"),
	      "forced: X-Gen: D on the socket still open (the listen waits for a restart)");
	CHECK(ask(port2, "X-Gen", v, sizeof v) < 0, "forced: nothing listens on the new port");
	CHECK(ask_int("X-Reloads") == 2, "event_route[core:reload] ran once per successful reload");
	r = rpc("cfg.reload", "sideways", &err);
	CHECK(err && json_int(r, "code") == -32602, "cfg.reload with an unknown parameter: -32602");
	free(r);
	write_main(port, NULL);
	free(rpc("cfg.reload", NULL, &err));
	CHECK(!err && ask(port, "X-Gen", v, sizeof v) == 0 && !strcmp(v, "D"),
	      "back to the running listen: reloads without force again");

	/* SIGHUP, as `kill -HUP` would send it */
	write_inc("E");
	r = rpc("cfg.info", NULL, &err);
	long g = json_int(r, "generation");
	free(r);
	kill(getpid(), SIGHUP);
	long g2 = g;
	int by_hup = 0;
	for (int i = 0; i < 150 && g2 == g; i++) {
		sleep_ms(20);
		r = rpc("cfg.info", NULL, &err);
		g2 = json_int(r, "generation");
		by_hup = strstr(r, "\"trigger\":\"SIGHUP\"") != NULL;
		free(r);
	}
	CHECK(g2 > g && by_hup, "SIGHUP reloads; cfg.info names SIGHUP as the trigger");
	CHECK(ask(port, "X-Gen", v, sizeof v) == 0 && !strcmp(v, "E"), "after SIGHUP: X-Gen: E");

	int before_storm = ask_int("X-Reloads");
	reload_storm(reloads, san);
	CHECK(ask_int("X-Reloads") == before_storm + 50 + reloads,
	      "event_route[core:reload] ran exactly once for each of the reloads");

done:
	rt_stop();
	pthread_join(th, NULL);
	CHECK(serve_rc == 0, "rl_serve returns 0 after rt_stop");
	int e2;
	char *after = rpc("cfg.reload", NULL, &e2);
	CHECK(e2 && json_int(after, "code") == -32002, "after the stop cfg.reload answers not serving");
	free(after);
	fixed_params();
	close(uac);
	unlink(main_cfg);
	unlink(inc_cfg);
	rmdir(dir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
