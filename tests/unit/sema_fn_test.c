/* sema_fn_test.c: facts of Kamailio 5.6 that the tables behind sema_fn must
 * hold.  Standalone: cc -std=c11 -D_GNU_SOURCE -Icompiler -Iruntime
 *   tests/unit/sema_fn_test.c compiler/sema_fn.c */
/* build: compiler/sema_fn.c */
#include <stdio.h>
#include <string.h>

#include "sema_fn.h"

static int passed, failed;

static void check(int ok, const char *what, int line)
{
	if (ok) {
		passed++;
		printf("PASS %s\n", what);
	} else {
		failed++;
		printf("FAIL %s (sema_fn_test.c:%d)\n", what, line);
	}
}
#define CHECK(cond, what) check((cond) != 0, what, __LINE__)

static int streq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

int main(void)
{
	const sema_fn *f;

	/* unknown names */
	CHECK(sema_fn_first("no_such_function") == NULL, "an unknown function is not found");
	CHECK(sema_fn_find("t_relay", 1) == NULL, "t_relay has no 1-argument form");

	/* tm t_relay: t_relay() and t_relay(host, port) */
	f = sema_fn_find("t_relay", 0);
	CHECK(f && f->supported && streq(f->module, "tm") && streq(f->csym, "tm_t_relay"),
	      "t_relay() is tm's, run by routec as tm_t_relay");
	f = sema_fn_find("t_relay", 2);
	CHECK(f && sema_fn_kind(f, 0) == PK_HOST && sema_fn_kind(f, 1) == PK_PORT &&
	          !sema_fn_dynamic(f, 0),
	      "t_relay(host, port) takes a constant host and port");
	CHECK(f && sema_rt_allows(f->route_mask, RT_FAILURE) &&
	          sema_rt_allows(f->route_mask, RT_REQUEST) &&
	          !sema_rt_allows(f->route_mask, RT_TM_ONREPLY) &&
	          !sema_rt_allows(f->route_mask, RT_BRANCH),
	      "t_relay is allowed in request_route and failure_route only");

	/* sl_send_reply: request_route only, constant (int-or-pv, format) */
	f = sema_fn_find("sl_send_reply", 2);
	CHECK(f && f->route_mask == RT_REQUEST, "sl_send_reply is request_route only");
	CHECK(f && sema_fn_kind(f, 0) == PK_INT_PV && sema_fn_kind(f, 1) == PK_FMT &&
	          !sema_fn_dynamic(f, 1),
	      "sl_send_reply takes (int or pv, format), both constant");
	f = sema_fn_find("send_reply", 2);
	CHECK(f && streq(f->csym, "sl_send_reply_tm") &&
	          sema_rt_allows(f->route_mask, RT_FAILURE),
	      "sl's send_reply has its own symbol and works in failure_route");

	/* t_drop_replies: failure_route only, two forms */
	f = sema_fn_find("t_drop_replies", 0);
	CHECK(f && f->route_mask == RT_FAILURE && sema_fn_find("t_drop_replies", 1),
	      "t_drop_replies is failure_route only, with 0 or 1 argument");

	/* route-name arguments */
	f = sema_fn_find("t_on_failure", 1);
	CHECK(f && sema_fn_kind(f, 0) == PK_ROUTE_FAIL &&
	          sema_rt_allows(f->route_mask, RT_BRANCH) &&
	          !sema_rt_allows(f->route_mask, RT_CORE_ONREPLY),
	      "t_on_failure takes a failure_route name; branch_route yes, reply_route no");
	f = sema_fn_find("t_on_branch_failure", 1);
	CHECK(f && sema_fn_kind(f, 0) == PK_ROUTE_BFAIL,
	      "t_on_branch_failure names an event_route[tm:branch-failure:NAME]");

	/* t_branch_timeout: FAILURE_ROUTE|EVENT_ROUTE, so request_route too */
	f = sema_fn_find("t_branch_timeout", 0);
	CHECK(f && sema_rt_allows(f->route_mask, RT_REQUEST) &&
	          sema_rt_allows(f->route_mask, RT_EVENT) &&
	          !sema_rt_allows(f->route_mask, RT_BRANCH),
	      "t_branch_timeout: failure_route and event_route (thus request_route)");

	/* dynamic arguments: exports with a free_fixup */
	f = sema_fn_find("append_branch", 1);
	CHECK(f && sema_fn_dynamic(f, 0) && sema_fn_kind(f, 0) == PK_DYN &&
	          sema_fn_const_kind(f, 0) == PK_FMT,
	      "append_branch(uri) takes a format, also a non-constant expression");
	f = sema_fn_find("xinfo", 1);
	CHECK(f && !sema_fn_dynamic(f, 0) && sema_fn_kind(f, 0) == PK_FMT,
	      "xinfo takes a constant format");
	CHECK(sema_fn_find("xlog", 1) && sema_fn_find("xlog", 2) && sema_fn_find("xlog", 3),
	      "xlog has 1, 2 and 3 argument forms");

	/* core commands */
	const sema_fn *a = sema_fn_find("sethost", 1), *b = sema_fn_find("rewritehost", 1);
	CHECK(a && b && streq(a->csym, b->csym) && streq(a->module, "core"),
	      "sethost is an alias of rewritehost (same C symbol)");
	f = sema_fn_find("log", 2);
	CHECK(f && sema_rt_allows(f->route_mask, RT_ONSEND), "log is allowed in onsend_route");
	f = sema_fn_find("forward", 0);
	CHECK(f && !sema_rt_allows(f->route_mask, RT_ONSEND) &&
	          sema_rt_allows(f->route_mask, RT_FAILURE),
	      "forward is refused in onsend_route");
	f = sema_fn_find("route", 1);
	CHECK(f && sema_fn_const_kind(f, 0) == PK_ROUTE_REQ && sema_fn_dynamic(f, 0),
	      "route() takes a route name or an expression");

	/* functions routec does not run */
	f = sema_fn_find("www_authorize", 2);
	CHECK(f && !f->supported && f->csym == NULL && streq(f->module, "auth_db"),
	      "auth_db www_authorize is known but unsupported");
	f = sema_fn_find("ds_select_dst", 2);
	CHECK(f && !f->supported && (f->route_mask & RT_FAILURE), "dispatcher ds_select_dst is known");
	f = sema_fn_find("load_gws", 3);
	CHECK(f && f->min_args == 1 && f->max_args == 3 && !sema_fn_find("load_gws", 4),
	      "lcr load_gws is variadic, 1 to 3 arguments");
	int csym_ok = 1;
	for (int i = 0; i < sema_fn_count(); i++) {
		const sema_fn *g = sema_fn_at(i);
		if ((g->csym != NULL) != (g->supported != 0))
			csym_ok = 0;
	}
	CHECK(csym_ok, "exactly the supported rows have a C symbol");

	/* module parameters */
	const sema_param *p = sema_param_find("tm", "fr_timer");
	CHECK(p && p->kind == PARK_INT && streq(p->dflt, "30000"),
	      "tm fr_timer is an integer, 30000 ms by default");
	p = sema_param_find("sl", "default_reason");
	CHECK(p && sema_param_is_str(p), "sl default_reason is a string");
	p = sema_param_find("htable", "htable");
	CHECK(p && p->kind == PARK_FUNC_STR, "htable's htable parameter is a string setter");
	p = sema_param_find("jsonrpcs", "fifo_group");
	CHECK(p && sema_param_any(p), "jsonrpcs fifo_group takes a name or a number");
	CHECK(sema_param_find("tm", "no_such_param") == NULL, "an unknown parameter is not found");
	CHECK(sema_module_known("dispatcher") && sema_module_known("core") &&
	          sema_module_known("stun") && !sema_module_known("no_such_module"),
	      "module names are known");

	/* pseudo-variables and transformations */
	const sema_pv *v = sema_pv_find("ru");
	CHECK(v && v->writable && !v->needs_name, "$ru is writable and takes no name");
	v = sema_pv_find("si");
	CHECK(v && !v->writable, "$si is read-only");
	v = sema_pv_find("hdr");
	CHECK(v && v->needs_name && !v->writable, "$hdr(name) needs a name and is read-only");
	v = sema_pv_find("sht");
	CHECK(v && v->writable && streq(v->module, "htable"), "$sht is htable's and writable");
	v = sema_pv_find("?");
	CHECK(v && streq(v->module, "core"), "$? is a core pseudo-variable");
	CHECK(sema_pv_find("ruri.user") != NULL, "$ruri.user is a class of its own");
	CHECK(sema_pv_find("nosuchpv") == NULL, "an unknown pseudo-variable is not found");
	CHECK(sema_tr_known("s") && sema_tr_known("uri") && sema_tr_known("sql") &&
	          !sema_tr_known("nosuch"),
	      "transformation classes s, uri, sql are known");

	/* names for messages */
	CHECK(streq(sema_rt_names(RT_REQUEST | RT_FAILURE), "request_route, failure_route"),
	      "route masks are named for messages");
	CHECK(streq(sema_rt_name(RT_CORE_ONREPLY), "reply_route") &&
	          streq(sema_pk_name(PK_INT), "an integer"),
	      "route bits and kinds are named for messages");

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
