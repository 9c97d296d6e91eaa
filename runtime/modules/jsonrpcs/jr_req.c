/* jr_req.c: one JSON-RPC 2.0 request in, its reply out.
 *
 * What Kamailio's jsonrpcs accepts is accepted the same way: "params" an
 * array or an object (its values in order, names ignored), strings and
 * numbers as parameters, "id" a string, a number or null, echoed as sent;
 * a request without "id" is still answered, the reply without "id".
 * Where Kamailio crashes, hangs or stays silent routec answers with a
 * JSON-RPC error and "id": null: unparsable JSON (-32700), a batch array,
 * a non-string method, a bad "jsonrpc" member (-32600), bad params (-32602).
 *
 * One method runs at a time, whichever transport asked: handlers need not
 * guard against each other (a reload from the FIFO and one from a socket).
 */
#include "modules/jsonrpcs/jr.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/rpc.h"
#include "core/rt.h"

static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;

/* Wrap a result or error object: {"jsonrpc":"2.0","result":..,"id":..} in
 * the configured layout.  id NULL: no "id" member. */
static char *finish(const char *member, const char *value, const char *id, size_t idlen,
                    size_t *outlen)
{
	json_buf b = { 0 };
	json_puts(&b, "{\"jsonrpc\":\"2.0\",\"");
	json_puts(&b, member);
	json_puts(&b, "\":");
	json_puts(&b, value);
	if (id) {
		json_puts(&b, ",\"id\":");
		json_put(&b, id, idlen);
	}
	json_puts(&b, "}");
	if (b.oom) {
		json_buf_free(&b);
		return NULL;
	}
	if (atomic_load(&jr_pretty)) {
		json_buf p = { 0 };
		json_rd r;
		json_rd_init(&r, b.s, b.len);
		if (json_reprint(&r, JSON_KAMAILIO, &p) == 0 && json_end(&r) == 0 && !p.oom) {
			json_buf_free(&b);
			b = p;
		} else {
			/* a handler wrote something that is not one JSON value: say so
			   once per reply, send what it wrote (compact) */
			rt_log(RT_L_ERR, "jsonrpcs: a method's answer is not valid JSON (%s)",
			       r.err ? r.err : "?");
			json_buf_free(&p);
		}
	}
	*outlen = b.len;
	return b.s;
}

static char *error_reply(int code, const char *msg, const char *data, const char *id,
                         size_t idlen, size_t *outlen)
{
	json_buf e = { 0 };
	char num[24];
	snprintf(num, sizeof num, "%d", code);
	json_puts(&e, "{\"code\":");
	json_puts(&e, num);
	json_puts(&e, ",\"message\":");
	json_put_str(&e, msg, strlen(msg));
	if (data) {
		json_puts(&e, ",\"data\":");
		json_put_str(&e, data, strlen(data));
	}
	json_puts(&e, "}");
	char *r = e.oom ? NULL : finish("error", e.s, id, idlen, outlen);
	json_buf_free(&e);
	return r;
}

char *jr_error_reply(int code, const char *msg, size_t *outlen)
{
	return error_reply(code, msg, NULL, "null", 4, outlen);
}

/* One parameter from its JSON text: 0, or -1 (not a scalar we take, or
 * out of room).  Strings are decoded into *scratch, which advances. */
static int param(rt_rpc_val *v, int type, const char *s, size_t n, char **scratch)
{
	memset(v, 0, sizeof *v);
	switch (type) {
	case JSON_NULL:
		v->type = RPC_T_NULL;
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		v->type = RPC_T_BOOL;
		v->i = type == JSON_TRUE;
		return 0;
	case JSON_STR: {
		int d = json_str_decode(s, n, *scratch);
		if (d < 0)
			return -1;
		v->type = RPC_T_STR;
		v->s.s = *scratch;
		v->s.len = d;
		*scratch += d + 1;
		return 0;
	}
	case JSON_NUM: {
		char tmp[64], *end, *z = n < sizeof tmp ? tmp : malloc(n + 1);
		if (!z)
			return -1;
		memcpy(z, s, n);
		z[n] = '\0';
		v->type = RPC_T_DOUBLE;
		if (!strpbrk(z, ".eE")) {
			errno = 0;
			long long x = strtoll(z, &end, 10);
			if (!errno && !*end) {
				v->type = RPC_T_INT;
				v->i = x;
			}
		}
		if (v->type == RPC_T_DOUBLE)
			v->d = strtod(z, NULL);
		if (z != tmp)
			free(z);
		return 0;
	}
	default: /* an object or an array: handed over as its text */
		v->type = RPC_T_JSON;
		v->s.s = s;
		v->s.len = (int)n;
		return 0;
	}
}

char *jr_handle(const char *req, size_t len, char *reply_name, size_t rn_cap, size_t *outlen)
{
	json_rd r;
	const char *k, *v, *id = NULL, *method = NULL, *params = NULL, *ver = NULL, *rn = NULL;
	size_t kn, vn, idlen = 0, mlen = 0, plen = 0, verlen = 0, rnlen = 0;
	int t, idt = 0, pt = 0, mt = 0, vert = 0, rnt = 0, more;

	if (reply_name && rn_cap)
		reply_name[0] = '\0';
	json_rd_init(&r, req, len);
	t = json_peek(&r);
	if (t != JSON_OBJ) {
		if (t != JSON_ERR && json_value(&r, NULL, NULL) != JSON_ERR && json_end(&r) == 0)
			return t == JSON_ARR ? error_reply(-32600, "Invalid Request",
			                                   "batch requests are not supported", "null", 4,
			                                   outlen)
			                     : error_reply(-32600, "Invalid Request",
			                                   "the request must be an object", "null", 4, outlen);
		goto parse_error;
	}
	json_enter(&r, JSON_OBJ);
	while ((more = json_next(&r)) > 0) {
		if (json_key(&r, &k, &kn) < 0 || (t = json_value(&r, &v, &vn)) == JSON_ERR)
			goto parse_error;
		if (json_key_is(k, kn, "jsonrpc"))
			ver = v, verlen = vn, vert = t;
		else if (json_key_is(k, kn, "method"))
			method = v, mlen = vn, mt = t;
		else if (json_key_is(k, kn, "params"))
			params = v, plen = vn, pt = t;
		else if (json_key_is(k, kn, "id"))
			id = v, idlen = vn, idt = t;
		else if (json_key_is(k, kn, "reply_name"))
			rn = v, rnlen = vn, rnt = t;
	}
	if (more < 0 || json_end(&r) < 0)
		goto parse_error;

	if (reply_name && rn && rnt == JSON_STR && rnlen <= rn_cap) {
		int d = json_str_decode(rn, rnlen, reply_name);
		if (d < 0 || memchr(reply_name, '\0', (size_t)d))
			reply_name[0] = '\0';
	}
	/* an id that is an object, an array or a boolean cannot be echoed */
	if (id && idt != JSON_STR && idt != JSON_NUM && idt != JSON_NULL)
		return error_reply(-32600, "Invalid Request", "\"id\" must be a string, a number or null",
		                   "null", 4, outlen);
	if (!ver || vert != JSON_STR || verlen != 5 || memcmp(ver, "\"2.0\"", 5))
		return error_reply(-32600, "Invalid Request", "\"jsonrpc\" must be \"2.0\"", id, idlen,
		                   outlen);
	char mname[128];
	int ml = mt == JSON_STR && mlen <= sizeof mname ? json_str_decode(method, mlen, mname) : -1;
	if (ml <= 0 || memchr(mname, '\0', (size_t)ml))
		return error_reply(-32600, "Invalid Request", "\"method\" must be a method's name", id,
		                   idlen, outlen);
	rt_rpc_in in;
	memset(&in, 0, sizeof in);
	char *scratch = NULL;
	if (params && pt != JSON_ARR && pt != JSON_OBJ && pt != JSON_NULL)
		return error_reply(-32602, "Invalid params", "\"params\" must be an array or an object",
		                   id, idlen, outlen);
	if (params && pt != JSON_NULL) {
		/* decoded strings are never longer than their text */
		if (!(scratch = malloc(plen + 1)))
			return NULL;
		char *sp = scratch;
		json_rd_init(&r, params, plen);
		json_enter(&r, pt);
		while ((more = json_next(&r)) > 0) {
			if (pt == JSON_OBJ)
				json_key(&r, NULL, NULL);
			t = json_value(&r, &v, &vn);
			if (in.n == RPC_MAX_PARAMS) {
				free(scratch);
				return error_reply(-32602, "Invalid params", "too many parameters", id, idlen,
				                   outlen);
			}
			if (t == JSON_ERR || param(&in.v[in.n++], t, v, vn, &sp) < 0) {
				free(scratch);
				goto parse_error; /* cannot happen: checked above */
			}
		}
	}
	int is_error;
	pthread_mutex_lock(&call_lock);
	char *res = rt_rpc_call(mname, &in, &is_error);
	pthread_mutex_unlock(&call_lock);
	free(scratch);
	if (!res)
		return NULL;
	char *out = finish(is_error ? "error" : "result", res, id, idlen, outlen);
	free(res);
	return out;

parse_error: {
	char where[96];
	snprintf(where, sizeof where, "%s at byte %zu", r.err ? r.err : "bad JSON", json_offset(&r));
	return error_reply(-32700, "Parse error", where, "null", 4, outlen);
}
}
