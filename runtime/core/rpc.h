/* rpc.h: control methods (JSON-RPC 2.0) that modules register, and the
 * JSON writer they answer with.
 *
 * A module registers its methods once (at start):
 *
 *   static int tm_rpc_stats(const rt_rpc_in *in, rt_rpc_out *o)
 *   {
 *       rpc_obj_open(o, NULL);
 *       rpc_int(o, "current", n);
 *       rpc_obj_close(o);
 *       return 0;
 *   }
 *   rt_rpc_register("tm.stats", tm_rpc_stats, "Transaction statistics.");
 *
 * A handler writes exactly one value (the JSON-RPC "result") and returns 0,
 * or calls rpc_fail (the JSON-RPC "error") and returns -1.  Keys are given
 * inside objects and NULL elsewhere.  The transports (jsonrpcs module) parse
 * requests into rt_rpc_in and wrap the result.
 */
#ifndef ROUTEC_RPC_H
#define ROUTEC_RPC_H

#include <stddef.h>

#include "routec.h"

/* ---- parameters -------------------------------------------------------------- */

enum { RPC_T_NULL, RPC_T_INT, RPC_T_DOUBLE, RPC_T_STR, RPC_T_BOOL, RPC_T_JSON };
#define RPC_MAX_PARAMS 16

typedef struct rt_rpc_val {
	int type;
	long long i;   /* RPC_T_INT, RPC_T_BOOL */
	double d;      /* RPC_T_DOUBLE */
	rc_str s;      /* RPC_T_STR: the decoded string; RPC_T_JSON: an object or array as text */
} rt_rpc_val;

typedef struct rt_rpc_in {
	int n;
	rt_rpc_val v[RPC_MAX_PARAMS];
} rt_rpc_in;

/* Parameter i as text (a string, or a number printed into buf of 32
 * bytes) or as an integer (a number, or a string holding one): 0, or -1
 * when absent or of another kind. */
int rpc_param_str(const rt_rpc_in *in, int i, rc_str *out, char buf[32]);
int rpc_param_int(const rt_rpc_in *in, int i, long long *out);

/* ---- the answer -------------------------------------------------------------- */

typedef struct rt_rpc_out rt_rpc_out;

void rpc_obj_open(rt_rpc_out *o, const char *key);
void rpc_obj_close(rt_rpc_out *o);
void rpc_arr_open(rt_rpc_out *o, const char *key);
void rpc_arr_close(rt_rpc_out *o);
void rpc_int(rt_rpc_out *o, const char *key, long long v);
void rpc_double(rt_rpc_out *o, const char *key, double v);
void rpc_bool(rt_rpc_out *o, const char *key, int v);
void rpc_null(rt_rpc_out *o, const char *key);
/* len < 0: strlen.  Escaped as JSON needs. */
void rpc_str(rt_rpc_out *o, const char *key, const char *s, int len);
void rpc_strf(rt_rpc_out *o, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The JSON-RPC error of this call (code: -32602 invalid params, -32000..
 * -32099 server errors, or Kamailio's 500-style codes); the handler then
 * returns -1.  What it wrote before is discarded. */
void rpc_fail(rt_rpc_out *o, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same with the error's "data" member: a string (any length, several
 * lines allowed: diagnostics), which `routec ctl` prints as text. */
void rpc_fail_data(rt_rpc_out *o, int code, const char *data, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

typedef int (*rt_rpc_fn)(const rt_rpc_in *in, rt_rpc_out *o);

/* 0, or -1 when the name is taken by another function (logged). */
int rt_rpc_register(const char *method, rt_rpc_fn fn, const char *help);

/* ---- for transports and tests ------------------------------------------------ */

typedef struct rt_rpc_method {
	const char *name, *help;
	rt_rpc_fn fn;
} rt_rpc_method;
/* The registered methods in name order; NULL past the end. */
const rt_rpc_method *rt_rpc_at(int i);
const rt_rpc_method *rt_rpc_find(const char *name);

/* Register the core methods (core.*, system.*, stats.*, sl.stats) and the
 * core, sl and memory statistics; the control transports call it when they
 * start, tests may call it directly.  Idempotent. */
void rt_rpc_core_init(void);

/* ---- threads, for core.ps / core.psx ------------------------------------------ */

/* A thread says what it is ("udp receiver child=0 sock=127.0.0.1:5060"),
 * printf-style, when it starts and goes away with rt_proc_unregister before
 * it ends; core.psx lists them with their thread ids. */
void rt_proc_register(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rt_proc_unregister(void);

/* Run one method: the result's JSON text (malloc'd, *is_error 0), or the
 * error object's JSON text {"code":..,"message":..} (*is_error 1).
 * NULL only when out of memory. */
char *rt_rpc_call(const char *method, const rt_rpc_in *in, int *is_error);

#endif
