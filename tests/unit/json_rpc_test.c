/* json_rpc_test.c: the strict JSON reader and its layouts (core/json.c), a
 * request's way through jsonrpcs (jr_handle) to the methods (core/rpc.c),
 * and the statistics kinds behind them (core/stats.c). */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/rpc.h"
#include "core/stats.h"
#include "modules/jsonrpcs/jr.h"

static int passed, failed;

static void check(int ok, const char *what, int line)
{
	if (ok) {
		passed++;
		printf("PASS %s\n", what);
	} else {
		failed++;
		printf("FAIL %s (line %d)\n", what, line);
	}
}
#define CHECK(cond, what) check((cond) != 0, what, __LINE__)

static void check_str(const char *got, const char *want, const char *what, int line)
{
	int ok = got && !strcmp(got, want);
	check(ok, what, line);
	if (!ok)
		printf("  got:  [%s]\n  want: [%s]\n", got ? got : "(null)", want);
}
#define CHECK_STR(got, want, what) check_str((got), (want), (what), __LINE__)

/* 1 when s is one whole valid JSON document */
static int valid(const char *s)
{
	json_rd r;
	json_rd_init(&r, s, strlen(s));
	return json_value(&r, NULL, NULL) != JSON_ERR && json_end(&r) == 0;
}

static void reader(void)
{
	static const char *const good[] = {
		"{}", "[]", "0", "-0", "1.5e-3", "-12.25E+2", "true", "false", "null", "\"\"",
		"\"\\u00e9\\ud83d\\ude00\\n\\/\"", " { \"a\" : [ 1 , { } , [ ] ] } \r\n",
		"\"caf\xc3\xa9 \xf0\x9f\x98\x80\"",
	};
	static const char *const bad[] = {
		"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{,}", "[,1]", "01", "1.", ".5", "1e", "+1",
		"-", "tru", "nul", "'a'", "{a:1}", "{\"a\" 1}", "\"\\x\"", "\"\\u12\"", "\"a\tb\"",
		"\"\\ud800\"", "\"\\udc00x\"", "\"\xff\"", "\"\xc0\x80\"", "\"\xed\xa0\x80\"",
		"\"\xf4\x90\x80\x80\"", "[1] [2]", "/* c */ 1", "[1 2]", "\"abc", "NaN", "[\x00]",
	};
	char what[96];
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(what, sizeof what, "valid JSON accepted: %.40s", good[i]);
		CHECK(valid(good[i]), what);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(what, sizeof what, "invalid JSON refused: %.40s", bad[i]);
		CHECK(!valid(bad[i]), what);
	}
	CHECK(!valid("\"a\0b\""), "a NUL is a control character");
	char deep[300];
	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	deep[128] = '\0';
	CHECK(valid(deep), "64 levels of nesting accepted");
	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	deep[130] = '\0';
	CHECK(!valid(deep), "65 levels refused (JSON_MAX_DEPTH)");

	char out[64];
	const char *s = "\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\ud83d\\ude00\"";
	int n = json_str_decode(s, strlen(s), out);
	CHECK(n == 16 && !memcmp(out, "a\"\\/\b\f\n\r\tA\xc3\xa9\xf0\x9f\x98\x80", 16),
	      "string escapes and a surrogate pair decoded to UTF-8");
	CHECK(json_key_is("\"method\"", 8, "method") && json_key_is("\"m\\u0065thod\"", 13, "method") &&
	          !json_key_is("\"methods\"", 9, "method"),
	      "keys compared decoded");

	json_rd r;
	json_rd_init(&r, "{\"a\":1,\"b\":[true]}", 18);
	const char *k, *v;
	size_t kn, vn;
	int t1, t2;
	CHECK(json_enter(&r, JSON_OBJ) == 0 && json_next(&r) == 1 && json_key(&r, &k, &kn) == 0 &&
	          (t1 = json_value(&r, &v, &vn)) == JSON_NUM && vn == 1 && json_next(&r) == 1 &&
	          json_key(&r, &k, &kn) == 0 && kn == 3 && (t2 = json_value(&r, &v, &vn)) == JSON_ARR &&
	          vn == 6 && json_next(&r) == 0 && json_end(&r) == 0,
	      "walking an object: keys, values, their text");
}

static const char *reprint(const char *in, int layout, char *buf, size_t cap)
{
	json_rd r;
	json_buf b = { 0 };
	json_rd_init(&r, in, strlen(in));
	if (json_reprint(&r, layout, &b) < 0 || json_end(&r) < 0) {
		json_buf_free(&b);
		return NULL;
	}
	snprintf(buf, cap, "%s", b.s);
	json_buf_free(&b);
	return buf;
}

static void layouts(void)
{
	char buf[1024];
	/* as Kamailio 5.6.3 answered core.psx (kamailio-runtime.md 6.2) */
	CHECK_STR(reprint("{\"jsonrpc\":\"2.0\",\"result\":[{\"IDX\":0,\"PID\":1,\"DSC\":\"m\"},"
	                  "{\"IDX\":1,\"PID\":2,\"DSC\":\"t\"}],\"id\":1}",
	                  JSON_KAMAILIO, buf, sizeof buf),
	          "{\n\t\"jsonrpc\":\t\"2.0\",\n\t\"result\":\t[{\n\t\t\t\"IDX\":\t0,\n\t\t\t\"PID\":\t1,"
	          "\n\t\t\t\"DSC\":\t\"m\"\n\t\t}, {\n\t\t\t\"IDX\":\t1,\n\t\t\t\"PID\":\t2,\n\t\t\t"
	          "\"DSC\":\t\"t\"\n\t\t}],\n\t\"id\":\t1\n}",
	          "Kamailio's layout: objects on lines, arrays on one line");
	CHECK_STR(reprint("{\"jsonrpc\":\"2.0\",\"result\":{}}", JSON_KAMAILIO, buf, sizeof buf),
	          "{\n\t\"jsonrpc\":\t\"2.0\",\n\t\"result\":\t{\n\t}\n}",
	          "Kamailio's layout: an empty object keeps its line");
	CHECK_STR(reprint("[1, \"a\" ,[]]", JSON_KAMAILIO, buf, sizeof buf), "[1, \"a\", []]",
	          "Kamailio's layout: arrays joined by \", \"");
	CHECK_STR(reprint("{ \"a\" : [1,{\"b\":null}], \"c\":{}, \"d\":[]}", JSON_INDENT, buf, sizeof buf),
	          "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": {},\n  \"d\": []\n}",
	          "indented layout for people");
	CHECK_STR(reprint(" { \"a\" : [ 1 , 2 ] } ", JSON_COMPACT, buf, sizeof buf), "{\"a\":[1,2]}",
	          "compact layout");
	CHECK(!reprint("[1,", JSON_INDENT, buf, sizeof buf), "reprint refuses invalid JSON");
}

/* ---- requests ----------------------------------------------------------------------------- */

static int m_echo(const rt_rpc_in *in, rt_rpc_out *o)
{
	rpc_arr_open(o, NULL);
	for (int i = 0; i < in->n; i++) {
		const rt_rpc_val *v = &in->v[i];
		switch (v->type) {
		case RPC_T_INT: rpc_strf(o, NULL, "int %lld", v->i); break;
		case RPC_T_DOUBLE: rpc_strf(o, NULL, "double %g", v->d); break;
		case RPC_T_STR: rpc_str(o, NULL, v->s.s, v->s.len); break; /* NULs kept */
		case RPC_T_BOOL: rpc_strf(o, NULL, "bool %lld", v->i); break;
		case RPC_T_NULL: rpc_str(o, NULL, "null", -1); break;
		default: rpc_strf(o, NULL, "json %.*s", v->s.len, v->s.s);
		}
	}
	rpc_arr_close(o);
	return 0;
}

static int m_numbers(const rt_rpc_in *in, rt_rpc_out *o)
{
	(void)in;
	rpc_arr_open(o, NULL);
	rpc_double(o, NULL, 0.7);
	rpc_double(o, NULL, 1.0);
	rpc_double(o, NULL, 3.0e12 + 0.5);
	rpc_double(o, NULL, 1.0e-9);
	rpc_int(o, NULL, -5);
	rpc_arr_close(o);
	return 0;
}

static int m_fail(const rt_rpc_in *in, rt_rpc_out *o)
{
	(void)in;
	rpc_str(o, NULL, "discarded", -1);
	rpc_fail_data(o, 500, "line 1\nline 2", "reload failed: %d errors", 2);
	return -1;
}

static const char *handle(const char *req, char *buf, size_t cap)
{
	size_t n;
	char *out = jr_handle(req, strlen(req), NULL, 0, &n);
	snprintf(buf, cap, "%s", out ? out : "(null)");
	free(out);
	return buf;
}

static void requests(void)
{
	char buf[2048];
	atomic_store(&jr_pretty, 0);
	rt_rpc_register("t.echo", m_echo, "echo");
	rt_rpc_register("t.numbers", m_numbers, "numbers");
	rt_rpc_register("t.fail", m_fail, "fail");
	CHECK_STR(handle("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[7,-2.5,\"a\\u0000b\","
	                 "true,null,{\"x\":[1]},\"\"],\"id\":\"q\"}", buf, sizeof buf),
	          "{\"jsonrpc\":\"2.0\",\"result\":[\"int 7\",\"double -2.5\",\"a\\u0000b\","
	          "\"bool 1\",\"null\",\"json {\\\"x\\\":[1]}\",\"\"],\"id\":\"q\"}",
	          "parameters of every kind reach the method");
	CHECK_STR(handle("{\"id\":9,\"params\":{\"b\":2,\"a\":1},\"method\":\"t.echo\",\"jsonrpc\":\"2.0\"}",
	                 buf, sizeof buf),
	          "{\"jsonrpc\":\"2.0\",\"result\":[\"int 2\",\"int 1\"],\"id\":9}",
	          "params as an object: values in order; members in any order");
	CHECK_STR(handle("{\"jsonrpc\":\"2.0\",\"method\":\"t.numbers\",\"id\":1}", buf, sizeof buf),
	          "{\"jsonrpc\":\"2.0\",\"result\":[0.700000,1,3.000000e+12,1.000000e-09,-5],"
	          "\"id\":1}",
	          "numbers printed as Kamailio prints them");
	CHECK_STR(handle("{\"jsonrpc\":\"2.0\",\"method\":\"t.fail\",\"id\":2}", buf, sizeof buf),
	          "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":500,\"message\":\"reload failed: 2 errors\","
	          "\"data\":\"line 1\\nline 2\"},\"id\":2}",
	          "an error with data; what the method wrote before is dropped");
	CHECK_STR(handle("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\"}", buf, sizeof buf),
	          "{\"jsonrpc\":\"2.0\",\"result\":[]}", "no id: no id in the reply");
	CHECK_STR(handle("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":null}", buf, sizeof buf),
	          "{\"jsonrpc\":\"2.0\",\"result\":[],\"id\":null}", "id null echoed");
	CHECK_STR(handle("{\"jsonrpc\":\"2.0\",\"method\":\"t.nope\",\"id\":1.50}", buf, sizeof buf),
	          "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,\"message\":\"Method not found\"},"
	          "\"id\":1.50}",
	          "unknown method; a number id echoed as sent");
	CHECK_STR(handle("[]", buf, sizeof buf),
	          "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,\"message\":\"Invalid Request\","
	          "\"data\":\"batch requests are not supported\"},\"id\":null}",
	          "batch refused");
	CHECK_STR(handle("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"id\":1", buf, sizeof buf),
	          "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32700,\"message\":\"Parse error\","
	          "\"data\":\"unexpected end of input at byte 41\"},\"id\":null}",
	          "parse error says where");
	char name[64];
	size_t n;
	const char *fifo = "{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"reply_name\":\"kamailio_receiver_7\"}";
	free(jr_handle(fifo, strlen(fifo), name, sizeof name, &n));
	CHECK_STR(name, "kamailio_receiver_7", "reply_name handed to the FIFO transport");
	atomic_store(&jr_pretty, 1);
	CHECK_STR(handle("{\"jsonrpc\":\"2.0\",\"method\":\"t.echo\",\"params\":[1],\"id\":3}", buf,
	                 sizeof buf),
	          "{\n\t\"jsonrpc\":\t\"2.0\",\n\t\"result\":\t[\"int 1\"],\n\t\"id\":\t3\n}",
	          "pretty_format 1: Kamailio's layout");
}

/* ---- statistics --------------------------------------------------------------------------- */

static rt_stat_mt *tab;
static long long base_value;

static long long read_base(void *arg)
{
	(void)arg;
	return base_value;
}

static void *count_thread(void *arg)
{
	for (int i = 0; i < 100000; i++)
		rt_stat_mt_inc(tab, (int)(long)arg);
	return NULL;
}

static void stats(void)
{
	static const char *const names[] = { "a", "b" };
	tab = rt_stat_mt_new("t_mt", names, 2, 0);
	CHECK(tab && rt_stat_mt_new("t_mt", names, 2, 0) == tab, "a table registered twice is one");
	pthread_t th[4];
	for (long i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, count_thread, (void *)(i & 1));
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	CHECK(rt_stat_get(rt_stat_find("t_mt", "a")) == 200000 &&
	          rt_stat_get(rt_stat_find("t_mt", "b")) == 200000,
	      "per-thread counters summed, nothing lost (4 threads)");
	CHECK(rt_stat_reset("t_mt:") == 2 && rt_stat_get(rt_stat_find("t_mt", "a")) == 0,
	      "a resettable table resets");
	rt_stat_mt_inc(tab, 0);
	CHECK(rt_stat_get(rt_stat_find("t_mt", "a")) == 1, "and counts on from zero");

	base_value = 40;
	rt_stat *c = rt_stat_counter_fn("t_fn", "counter", read_base, NULL);
	rt_stat *g = rt_stat_fn("t_fn", "gauge", read_base, NULL);
	rt_stat_reset("t_fn:");
	base_value = 45;
	CHECK(rt_stat_get(c) == 5 && rt_stat_get(g) == 45,
	      "a computed counter resets by its baseline; a gauge does not reset");
}

int main(void)
{
	reader();
	layouts();
	requests();
	stats();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
