/* rpc.c: the method registry and the JSON writer of rpc.h. */
#include "core/rpc.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rt.h"

/* ---- registry ----------------------------------------------------------------- */

/* Entries are allocated one by one and never move or go away, so a pointer
 * from rt_rpc_find stays valid while modules register more (tm starting
 * while the control thread serves, a reload starting a new module). */
#define RPC_MAX_METHODS 256
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static rt_rpc_method *methods[RPC_MAX_METHODS];
static int nmethods;

int rt_rpc_register(const char *method, rt_rpc_fn fn, const char *help)
{
	int rc = 0;
	pthread_mutex_lock(&lock);
	int i = 0;
	while (i < nmethods && strcmp(methods[i]->name, method) < 0)
		i++;
	if (i < nmethods && !strcmp(methods[i]->name, method)) {
		if (methods[i]->fn != fn) {
			rt_log(RT_L_ERR, "rpc: method %s registered twice", method);
			rc = -1;
		}
	} else if (nmethods == RPC_MAX_METHODS) {
		rt_log(RT_L_ERR, "rpc: too many methods, %s not registered", method);
		rc = -1;
	} else {
		rt_rpc_method *m = malloc(sizeof *m);
		if (!m) {
			rt_log(RT_L_ERR, "rpc: out of memory registering %s", method);
			rc = -1;
		} else {
			*m = (rt_rpc_method){ method, help ? help : "", fn };
			memmove(&methods[i + 1], &methods[i], (size_t)(nmethods - i) * sizeof methods[0]);
			methods[i] = m;
			nmethods++;
		}
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

const rt_rpc_method *rt_rpc_at(int i)
{
	pthread_mutex_lock(&lock);
	const rt_rpc_method *m = i >= 0 && i < nmethods ? methods[i] : NULL;
	pthread_mutex_unlock(&lock);
	return m;
}

const rt_rpc_method *rt_rpc_find(const char *name)
{
	const rt_rpc_method *m = NULL;
	pthread_mutex_lock(&lock);
	int lo = 0, hi = nmethods - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2, c = strcmp(methods[mid]->name, name);
		if (!c) {
			m = methods[mid];
			break;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	pthread_mutex_unlock(&lock);
	return m;
}

/* ---- parameters --------------------------------------------------------------- */

int rpc_param_str(const rt_rpc_in *in, int i, rc_str *out, char buf[32])
{
	if (!in || i < 0 || i >= in->n)
		return -1;
	const rt_rpc_val *v = &in->v[i];
	switch (v->type) {
	case RPC_T_STR:
		*out = v->s;
		return 0;
	case RPC_T_INT:
		out->len = snprintf(buf, 32, "%lld", v->i);
		out->s = buf;
		return 0;
	case RPC_T_DOUBLE:
		out->len = snprintf(buf, 32, "%g", v->d);
		out->s = buf;
		return 0;
	default:
		return -1;
	}
}

int rpc_param_int(const rt_rpc_in *in, int i, long long *out)
{
	if (!in || i < 0 || i >= in->n)
		return -1;
	const rt_rpc_val *v = &in->v[i];
	if (v->type == RPC_T_INT || v->type == RPC_T_BOOL) {
		*out = v->i;
		return 0;
	}
	if (v->type == RPC_T_DOUBLE && v->d == floor(v->d) && fabs(v->d) < 9e18) {
		*out = (long long)v->d;
		return 0;
	}
	if (v->type == RPC_T_STR && v->s.len > 0 && v->s.len < 24) {
		char tmp[24], *end;
		memcpy(tmp, v->s.s, (size_t)v->s.len);
		tmp[v->s.len] = '\0';
		long long x = strtoll(tmp, &end, 10);
		if (*end)
			return -1;
		*out = x;
		return 0;
	}
	return -1;
}

/* ---- writer ------------------------------------------------------------------- */

#define RPC_DEPTH 32
struct rt_rpc_out {
	char *buf;
	size_t len, cap;
	int oom;
	int depth;
	int count[RPC_DEPTH]; /* values written at each level: a comma before the next */
	int failed;
	char *err; /* error object text */
};

static void put(rt_rpc_out *o, const char *s, size_t n)
{
	if (o->oom || o->failed)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 256;
		while (cap < o->len + n + 1)
			cap *= 2;
		char *b = realloc(o->buf, cap);
		if (!b) {
			o->oom = 1;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void put_json_str(rt_rpc_out *o, const char *s, size_t n)
{
	put(o, "\"", 1);
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(o, s + start, i - start);
		char esc[8];
		switch (c) {
		case '"': put(o, "\\\"", 2); break;
		case '\\': put(o, "\\\\", 2); break;
		case '\n': put(o, "\\n", 2); break;
		case '\r': put(o, "\\r", 2); break;
		case '\t': put(o, "\\t", 2); break;
		default:
			snprintf(esc, sizeof esc, "\\u%04x", c);
			put(o, esc, 6);
		}
		start = i + 1;
	}
	put(o, s + start, n - start);
	put(o, "\"", 1);
}

/* the comma and the key before a value */
static void lead(rt_rpc_out *o, const char *key)
{
	if (o->count[o->depth]++)
		put(o, ",", 1);
	if (key && o->depth > 0) {
		put_json_str(o, key, strlen(key));
		put(o, ":", 1);
	}
}

void rpc_obj_open(rt_rpc_out *o, const char *key)
{
	lead(o, key);
	put(o, "{", 1);
	if (o->depth + 1 < RPC_DEPTH)
		o->count[++o->depth] = 0;
}

void rpc_obj_close(rt_rpc_out *o)
{
	put(o, "}", 1);
	if (o->depth > 0)
		o->depth--;
}

void rpc_arr_open(rt_rpc_out *o, const char *key)
{
	lead(o, key);
	put(o, "[", 1);
	if (o->depth + 1 < RPC_DEPTH)
		o->count[++o->depth] = 0;
}

void rpc_arr_close(rt_rpc_out *o)
{
	put(o, "]", 1);
	if (o->depth > 0)
		o->depth--;
}

void rpc_int(rt_rpc_out *o, const char *key, long long v)
{
	char b[32];
	lead(o, key);
	put(o, b, (size_t)snprintf(b, sizeof b, "%lld", v));
}

/* As Kamailio prints numbers (its JSON writer is cJSON's): integral values
 * as integers, others with six decimals ("Q":0.700000), very small or large
 * ones in exponent form. */
void rpc_double(rt_rpc_out *o, const char *key, double v)
{
	char b[80];
	lead(o, key);
	if (!isfinite(v))
		put(o, "null", 4);
	else if (v == floor(v) && fabs(v) < 1.0e60)
		put(o, b, (size_t)snprintf(b, sizeof b, "%.0f", v));
	else if (fabs(v) < 1.0e-6 || fabs(v) > 1.0e9)
		put(o, b, (size_t)snprintf(b, sizeof b, "%e", v));
	else
		put(o, b, (size_t)snprintf(b, sizeof b, "%f", v));
}

void rpc_bool(rt_rpc_out *o, const char *key, int v)
{
	lead(o, key);
	put(o, v ? "true" : "false", v ? 4 : 5);
}

void rpc_null(rt_rpc_out *o, const char *key)
{
	lead(o, key);
	put(o, "null", 4);
}

void rpc_str(rt_rpc_out *o, const char *key, const char *s, int len)
{
	lead(o, key);
	if (!s)
		put(o, "null", 4);
	else
		put_json_str(o, s, len < 0 ? strlen(s) : (size_t)len);
}

void rpc_strf(rt_rpc_out *o, const char *key, const char *fmt, ...)
{
	char b[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	rpc_str(o, key, b, n < 0 ? 0 : n >= (int)sizeof b ? (int)sizeof b - 1 : n);
}

/* The message may be long (a reload's diagnostics): no limit but memory. */
static void fail_v(rt_rpc_out *o, int code, const char *data, const char *fmt, va_list ap)
{
	if (o->failed)
		return;
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	/* the error object is built with the same writer, then kept aside */
	rt_rpc_out e = { 0 };
	rpc_obj_open(&e, NULL);
	rpc_int(&e, "code", code);
	rpc_str(&e, "message", msg ? msg : "(out of memory)", -1);
	free(msg);
	if (data)
		rpc_str(&e, "data", data, -1);
	rpc_obj_close(&e);
	o->failed = 1;
	o->err = e.buf;
	if (e.oom) { /* rt_rpc_call answers "out of memory" instead */
		free(e.buf);
		o->err = NULL;
		o->oom = 1;
	}
}

void rpc_fail(rt_rpc_out *o, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(o, code, NULL, fmt, ap);
	va_end(ap);
}

void rpc_fail_data(rt_rpc_out *o, int code, const char *data, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(o, code, data, fmt, ap);
	va_end(ap);
}

char *rt_rpc_call(const char *method, const rt_rpc_in *in, int *is_error)
{
	static const rt_rpc_in none;
	rt_rpc_out o = { 0 };
	const rt_rpc_method *m = method ? rt_rpc_find(method) : NULL;
	if (!m) {
		rpc_fail(&o, -32601, "Method not found");
	} else if (m->fn(in ? in : &none, &o) < 0 && !o.failed) {
		rpc_fail(&o, -32000, "%s failed", method);
	} else if (!o.failed && o.count[0] == 0) {
		rpc_null(&o, NULL); /* a handler that wrote nothing: null result */
	}
	if (o.failed || o.oom) {
		free(o.buf);
		*is_error = 1;
		return o.oom && !o.err ? strdup("{\"code\":-32603,\"message\":\"out of memory\"}") : o.err;
	}
	*is_error = 0;
	return o.buf;
}
