/* pv_harness.h: what the pv_*_test.c and mod_*_test.c programs share: the
 * check macros, a generation to prepare specs in, messages built from
 * text (as the worker builds them), a listening socket on a free loopback
 * port, module calls made the way generated code makes them, and the
 * edited message with its lumps applied.  Header-only: each test is one
 * program, built by tests/unit/run.sh. */
#ifndef PV_HARNESS_H
#define PV_HARNESS_H

#include <arpa/inet.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/fn.h"
#include "core/gen.h"
#include "core/rtmsg.h"
#include "core/sock.h"
#include "pv/pv.h"

/* not every test uses every helper (udp_harness.h's included) */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "udp_harness.h"

static int passed, failed;

static void check(int ok, const char *what, const char *file, int line)
{
	if (ok) {
		passed++;
		printf("PASS %s\n", what);
	} else {
		failed++;
		printf("FAIL %s (%s:%d)\n", what, file, line);
	}
	fflush(stdout);
}
#define CHECK(cond, what) check((cond) != 0, what, __FILE__, __LINE__)

static void check_str(const char *got, int glen, const char *want, const char *what, const char *file, int line)
{
	int ok = got && glen == (int)strlen(want) && !memcmp(got, want, (size_t)glen);
	check(ok, what, file, line);
	if (!ok)
		printf("    got  [%.*s] (%d)\n    want [%s] (%d)\n", got ? glen : 6, got ? got : "(null)", glen, want,
		       (int)strlen(want));
}
static void check_rcstr(rc_str got, const char *want, const char *what, const char *file, int line)
{
	check_str(got.s, got.len, want, what, file, line);
}
#define CHECK_STR(str, want, what) check_rcstr((str), want, what, __FILE__, __LINE__)
static void check_cstr(const char *got, const char *want, const char *what, const char *file, int line)
{
	check_str(got, got ? (int)strlen(got) : 0, want, what, file, line);
}
#define CHECK_CSTR(str, want, what) check_cstr((str), want, what, __FILE__, __LINE__)

static void check_int(long got, long want, const char *what, const char *file, int line)
{
	check(got == want, what, file, line);
	if (got != want)
		printf("    got  %ld\n    want %ld\n", got, want);
}
#define CHECK_INT(got, want, what) check_int((long)(got), (long)(want), what, __FILE__, __LINE__)

static int summary(void);

/* ---- a generation ------------------------------------------------------------------ */

static int no_init(rc_gen_t *g)
{
	(void)g;
	return 0;
}

static rt_gen *gens[16]; /* released by summary() */
static int ngens;

static rt_gen *gen_with(const rc_param_def *params)
{
	static rc_script_def def[8];
	static int n;
	static const rc_route_def none[] = { { 0, 0, 0 } };
	static const rc_param_def noparams[] = { { 0, 0, 0, 0, 0 } };
	rc_script_def *d = &def[n++ % 8];
	d->abi = RC_ABI_VERSION;
	d->init = no_init;
	d->routes = none;
	d->params = params ? params : noparams;
	d->source = "test.cfg";
	rt_gen *g = NULL;
	if (ngens == 16 || rt_gen_load(d, &g) < 0) {
		printf("cannot load a generation\n");
		exit(1);
	}
	gens[ngens++] = g;
	return g;
}

static int summary(void)
{
	while (ngens > 0)
		rt_gen_release(gens[--ngens]);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

static rt_gen *the_gen;

static rc_gen_t *G(void)
{
	if (!the_gen)
		the_gen = gen_with(NULL);
	return the_gen;
}

static rc_pv *PV(const char *spec)
{
	return rc_pv_prepare(G(), spec, (int)strlen(spec), "test.cfg:1:1");
}

/* ---- a listening socket ------------------------------------------------------------ */

static int test_port;

/* Listen on udp:127.0.0.1:<free port>, with aliases (rt_myself). */
static void listen_loopback(const char *alias1, const char *alias2)
{
	int fd = udp_bound(&test_port);
	close(fd);
	rt_conf_defaults(&rt_cfg);
	char text[64];
	snprintf(text, sizeof text, "udp:127.0.0.1:%d", test_port);
	if (rt_listen_parse(text, &rt_cfg.listen[0]) < 0)
		exit(1);
	rt_cfg.nlisten = 1;
	if (alias1 && rt_alias_parse(alias1, &rt_cfg.alias[rt_cfg.nalias]) == 0)
		rt_cfg.nalias++;
	if (alias2 && rt_alias_parse(alias2, &rt_cfg.alias[rt_cfg.nalias]) == 0)
		rt_cfg.nalias++;
	if (rt_socks_open(&rt_cfg, 0) < 0) {
		printf("cannot open the test socket\n");
		exit(1);
	}
}

/* One datagram within ms milliseconds into buf (NUL-terminated): its length, or -1. */
/* ---- messages -------------------------------------------------------------------- */

/* A message as the worker makes one: text with "\n" turned into CRLF,
 * parsed, from 127.0.0.1:src_port, received on the first socket. */
static rc_msg_t *msg_from(const char *text, int src_port)
{
	rc_msg_t *m = calloc(1, sizeof *m);
	char *buf = malloc(2 * strlen(text) + 1);
	int n = 0;
	for (const char *p = text; *p; p++) {
		if (*p == '\n' && (p == text || p[-1] != '\r'))
			buf[n++] = '\r';
		buf[n++] = *p;
	}
	buf[n] = '\0';
	rt_msg_reset(m);
	m->buf = buf;
	m->len = n;
	m->rcv = rt_sock_at(0);
	m->id = 7;
	struct sockaddr_in *a = (struct sockaddr_in *)&m->src;
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)src_port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	m->srclen = sizeof *a;
	snprintf(m->src_ip, sizeof m->src_ip, "127.0.0.1");
	m->src_port = src_port;
	int rc = sip_parse(&m->sip, buf, (size_t)n);
	if (rc < 0) {
		printf("test message does not parse: %s\n%s\n", sip_strerror(rc), text);
		exit(1);
	}
	sip_lumps_init(&m->lumps, &m->sip);
	return m;
}

static rc_msg_t *msg(const char *text)
{
	return msg_from(text, 5070);
}

static void msg_free(rc_msg_t *m)
{
	free((char *)m->buf);
	free(m);
}

/* The message with its edits applied, CRLF shown as "\n" (static buffer). */
static const char *applied(rc_msg_t *m)
{
	static char out[65536], shown[65536];
	int n = sip_lump_apply(&m->sip, &m->lumps, out, sizeof out);
	if (n < 0)
		return sip_strerror(n);
	int k = 0;
	for (int i = 0; i < n; i++)
		if (!(out[i] == '\r' && i + 1 < n && out[i + 1] == '\n'))
			shown[k++] = out[i];
	shown[k] = '\0';
	return shown;
}

/* The same CRLF-to-"\n" view of any text. */
static const char *lf(const char *s, int len)
{
	static char shown[65536];
	int k = 0;
	for (int i = 0; i < len && k < (int)sizeof shown - 1; i++)
		if (!(s[i] == '\r' && i + 1 < len && s[i + 1] == '\n'))
			shown[k++] = s[i];
	shown[k] = '\0';
	return shown;
}

/* ---- values ------------------------------------------------------------------------ */

static rc_val get(rc_msg_t *m, const char *spec)
{
	rc_val v;
	rc_pv *pv = PV(spec);
	if (!pv || rc_pv_get(m, m->ctx, pv, &v) < 0)
		v.type = RC_NULL;
	return v;
}

/* A value as text: "<null>", "i:5" for an int, the string for a string. */
static const char *show(rc_val v)
{
	static char buf[4][4096];
	static int k;
	char *b = buf[k++ % 4];
	if (v.type == RC_NULL)
		snprintf(b, 4096, "<null>");
	else if (v.type == RC_INT)
		snprintf(b, 4096, "i:%d", v.i);
	else
		snprintf(b, 4096, "%.*s", v.s.len, v.s.s ? v.s.s : "");
	return b;
}

#define CHECK_PV(m, spec, want) CHECK_CSTR(show(get(m, spec)), want, spec " is " want)

static rc_val S(const char *s)
{
	return pv_vstr(s, (int)strlen(s));
}

static rc_val I(int i)
{
	return pv_vint(i);
}

static int set(rc_msg_t *m, const char *spec, rc_val v)
{
	rc_pv *pv = PV(spec);
	return pv ? rc_pv_set(m, m->ctx, pv, &v) : -99;
}

/* ---- module calls ------------------------------------------------------------------ */

static rc_arg AS(const char *s)
{
	rc_arg a = { RC_STR, 0, { s, (int)strlen(s) }, NULL };
	return a;
}

static rc_arg AI(int i)
{
	static char text[16][16];
	static int k;
	char *t = text[k++ % 16];
	snprintf(t, 16, "%d", i);
	rc_arg a = { RC_INT, i, { t, (int)strlen(t) }, NULL };
	return a;
}

/* A call site: its arguments prepared once (rc_fn_prepare), as the init of
 * a generated script does; -1000 when preparing fails. */
typedef struct site {
	const rt_fn *f;
	rc_arg argv[6];
	int ok;
} site;

static site *prep_in(rc_gen_t *g, const char *csym, int argc, const rc_arg *args)
{
	site *s = calloc(1, sizeof *s);
	s->f = rt_fn_find(csym);
	for (int i = 0; i < argc; i++)
		s->argv[i] = args[i];
	s->ok = s->f && rc_fn_prepare(g, csym, s->argv, argc, "test.cfg:10:5") == 0;
	return s;
}

static site *prep(const char *csym, int argc, const rc_arg *args)
{
	return prep_in(G(), csym, argc, args);
}

static int run(rc_msg_t *m, site *s)
{
	static rc_ctx_t ctx;
	if (!s->ok)
		return -1000;
	int rc = s->f->fn(m, m->ctx ? m->ctx : &ctx, s->argv);
	return rc;
}

/* prepare and call once */
static int call(rc_msg_t *m, const char *csym, int argc, const rc_arg *args)
{
	site *s = prep(csym, argc, args);
	int rc = run(m, s);
	free(s);
	return rc;
}

#define ARGS(...) ((const rc_arg[]){ __VA_ARGS__ })

#endif
