/* mod_rr_test.c: record_route and loose_route (kamailio-runtime.md 4.1,
 * RFC 3261 16.4/16.6/16.12): the Record-Route line written, and for each
 * loose_route case its return code, $du, the R-URI and the Route headers
 * left in the message. */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

static char me[64]; /* "127.0.0.1:<port>" */

static rc_msg_t *req(const char *ruri, const char *to_tag, const char *routes)
{
	char text[2048];
	snprintf(text, sizeof text,
	         "INVITE %s SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK1\n%s"
	         "To: <sip:bob@b.com>%s%s\nFrom: <sip:alice@a.com>;tag=ft1\nCall-ID: 1\nCSeq: 1 INVITE\n"
	         "Content-Length: 0\n\n",
	         ruri, routes ? routes : "", to_tag ? ";tag=" : "", to_tag ? to_tag : "");
	return msg(text);
}

/* The header lines of the edited message, from the first one on. */
static const char *hdrs(rc_msg_t *m)
{
	const char *out = applied(m), *p = strchr(out, '\n');
	return p ? p + 1 : out;
}

static void record(void)
{
	char want[512];
	rc_msg_t *m = req("sip:bob@b.com", NULL, NULL);
	CHECK_INT(call(m, "rr_record_route", 0, NULL), 1, "record_route returns 1");
	snprintf(want, sizeof want, "Record-Route: <sip:%s;lr;ftag=ft1>\nVia:", me);
	CHECK(!strncmp(hdrs(m), want, strlen(want)), "Record-Route: <sip:ADDR:PORT;lr;ftag=T> above all headers");
	CHECK_INT(call(m, "rr_record_route", 0, NULL), -1, "a second record_route is refused");
	msg_free(m);

	m = req("sip:bob@b.com", NULL, NULL);
	CHECK_INT(call(m, "rr_add_rr_param", 1, ARGS(AS(";a=1"))), 1, "add_rr_param before record_route");
	CHECK_INT(call(m, "rr_record_route_1", 1, ARGS(AS(";p=$fU"))), 1, "record_route(params)");
	CHECK_INT(call(m, "rr_add_rr_param", 1, ARGS(AS(";b=2"))), 1, "add_rr_param after record_route");
	snprintf(want, sizeof want, "Record-Route: <sip:%s;lr;ftag=ft1;p=alice;a=1;b=2>\nVia:", me);
	CHECK(!strncmp(hdrs(m), want, strlen(want)), "params: record_route's, then add_rr_param's in order");
	CHECK_INT(call(m, "rr_remove_record_route", 0, NULL), 1, "remove_record_route");
	CHECK(!strncmp(hdrs(m), "Via:", 4), "remove_record_route drops the queued Record-Route");
	msg_free(m);

	m = req("sips:bob@b.com", NULL, NULL);
	call(m, "rr_record_route", 0, NULL);
	snprintf(want, sizeof want, "Record-Route: <sips:%s;lr;ftag=ft1>", me);
	CHECK(!strncmp(hdrs(m), want, strlen(want)), "a sips R-URI gets a sips Record-Route");
	msg_free(m);

	static const rc_param_def params[] = { { "rr", "enable_full_lr", RC_INT, 1, NULL },
		                                   { "rr", "append_fromtag", RC_INT, 0, NULL },
		                                   { 0, 0, 0, 0, 0 } };
	rt_gen *g = gen_with(params);
	m = req("sip:bob@b.com", NULL, NULL);
	site *s = prep_in(g, "rr_record_route", 0, NULL);
	CHECK_INT(run(m, s), 1, "record_route with enable_full_lr=1 append_fromtag=0");
	snprintf(want, sizeof want, "Record-Route: <sip:%s;lr=on>\n", me);
	CHECK(!strncmp(hdrs(m), want, strlen(want)), "lr=on and no ftag");
	free(s);
	msg_free(m);
	free(prep_in(gen_with(NULL), "rr_record_route", 0, NULL)); /* back to the defaults */

	m = req("sip:bob@b.com", NULL, NULL);
	CHECK_INT(call(m, "rr_record_route_preset", 1, ARGS(AS("1.2.3.4:5080;x=y"))), 1, "record_route_preset");
	CHECK(!strncmp(hdrs(m), "Record-Route: <sip:1.2.3.4:5080;x=y;ftag=ft1;lr>\n", 49),
	      "preset: <sip:TEXT;ftag=T;lr> as Kamailio orders it");
	msg_free(m);
	m = req("sip:bob@b.com", NULL, NULL);
	CHECK_INT(call(m, "rr_record_route_preset_2", 2, ARGS(AS("sip:1.1.1.1"), AS("2.2.2.2"))), 1,
	          "record_route_preset with two addresses");
	CHECK(!strncmp(hdrs(m),
	               "Record-Route: <sip:1.1.1.1;ftag=ft1;r2=on;lr>\nRecord-Route: <sip:2.2.2.2;ftag=ft1;r2=on;lr>\n", 92),
	      "two Record-Routes with r2=on");
	msg_free(m);
	m = req("sip:bob@b.com", NULL, NULL);
	CHECK_INT(call(m, "rr_record_route_advertised_address", 1, ARGS(AS("pub.example.com:5062"))), 1,
	          "record_route_advertised_address");
	CHECK(!strncmp(hdrs(m), "Record-Route: <sip:pub.example.com:5062;lr;ftag=ft1>\n", 53), "the given address");
	msg_free(m);
}

static void loose(void)
{
	char routes[512], want[512];
	rc_msg_t *m = req("sip:bob@b.com", "tt", NULL);
	CHECK_INT(call(m, "rr_loose_route", 0, NULL), -1, "no Route: -1");
	msg_free(m);

	/* in dialog: our Route first, the next hop loose */
	snprintf(routes, sizeof routes, "Route: <sip:%s;lr;ftag=ft1;did=7>, <sip:next.example.com;lr>\n", me);
	m = req("sip:bob@10.0.0.5", "tt", routes);
	CHECK_INT(call(m, "rr_loose_route", 0, NULL), 1, "our Route then a loose one: 1");
	CHECK_PV(m, "$du", "sip:next.example.com;lr");
	CHECK_PV(m, "$ru", "sip:bob@10.0.0.5");
	CHECK(strstr(hdrs(m), "Route: <sip:next.example.com;lr>\nTo:") != NULL, "our Route value was removed");
	CHECK_INT(call(m, "rr_check_route_param", 1, ARGS(AS("did=7"))), 1, "check_route_param(did=7)");
	CHECK_INT(call(m, "rr_check_route_param", 1, ARGS(AS(";ftag=ft1;"))), 1, "check_route_param sees the first ';'");
	CHECK_INT(call(m, "rr_check_route_param", 1, ARGS(AS("did=8"))), -1, "check_route_param(did=8)");
	CHECK_INT(call(m, "rr_is_direction", 1, ARGS(AS("downstream"))), 1, "ftag = From tag: downstream");
	CHECK_INT(call(m, "rr_is_direction", 1, ARGS(AS("upstream"))), -1, "not upstream");
	CHECK_INT(call(m, "rr_is_direction", 1, ARGS(AS("sideways"))), -1000, "is_direction takes up/downstream only");
	msg_free(m);

	/* Routes in separate headers, ftag of the other side: upstream */
	snprintf(routes, sizeof routes, "Route: <sip:%s;lr;ftag=other>\nRoute: <sip:n2.example.com;lr;maddr=10.2.2.2>\n", me);
	m = req("sip:bob@10.0.0.5", "tt", routes);
	CHECK_INT(call(m, "rr_loose_route", 0, NULL), 1, "Routes in two headers: 1");
	CHECK_PV(m, "$du", "sip:10.2.2.2");
	snprintf(want, sizeof want, "Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK1\nRoute: <sip:n2.example.com;lr;maddr=10.2.2.2>\nTo:");
	CHECK(!strncmp(hdrs(m), want, strlen(want)), "our Route header removed whole");
	CHECK_INT(call(m, "rr_is_direction", 1, ARGS(AS("upstream"))), 1, "ftag != From tag: upstream");
	msg_free(m);

	/* only our Route, in dialog: R-URI routing */
	snprintf(routes, sizeof routes, "Route: <sip:%s;lr;ftag=ft1>\n", me);
	m = req("sip:bob@10.0.0.5", "tt", routes);
	CHECK_INT(call(m, "rr_loose_route", 0, NULL), 1, "only our Route, in dialog: 1");
	CHECK_PV(m, "$du", "<null>");
	CHECK(!strncmp(hdrs(m), "Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK1\nTo:", 45), "the Route is gone");
	msg_free(m);

	/* preloaded (no To-tag): only our Route gives -3 */
	m = req("sip:bob@10.0.0.5", NULL, routes);
	CHECK_INT(call(m, "rr_loose_route", 0, NULL), -3, "preloaded, only our Route: -3");
	CHECK(!strncmp(hdrs(m), "Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK1\nTo:", 45), "and it is removed");
	msg_free(m);

	/* preloaded Route that is not ours: route through it */
	m = req("sip:bob@10.0.0.5", NULL, "Route: <sip:outbound.example.com;lr>\n");
	CHECK_INT(call(m, "rr_loose_route", 0, NULL), 1, "a foreign preloaded Route: 1");
	CHECK_PV(m, "$du", "sip:outbound.example.com;lr");
	CHECK(strstr(hdrs(m), "Route: <sip:outbound.example.com;lr>\n") != NULL, "a foreign Route stays");
	msg_free(m);

	/* next hop a strict router (no ;lr) */
	snprintf(routes, sizeof routes, "Route: <sip:%s;lr>, <sip:strict.example.com>, <sip:x.example.com;lr>\n", me);
	m = req("sip:bob@10.0.0.5", "tt", routes);
	CHECK_INT(call(m, "rr_loose_route", 0, NULL), 1, "the next hop is strict: 1");
	CHECK_PV(m, "$ru", "sip:strict.example.com");
	CHECK_PV(m, "$du", "<null>");
	CHECK(strstr(hdrs(m), "Route: <sip:x.example.com;lr>\nTo:") != NULL, "ours and the strict one removed");
	CHECK(strstr(hdrs(m), "Content-Length: 0\nRoute: <sip:bob@10.0.0.5>\n") != NULL,
	      "the old R-URI appended as the last Route");
	msg_free(m);

	/* strict-routed to us: the R-URI is ours, the remote target is the last Route */
	char ruri[96];
	snprintf(ruri, sizeof ruri, "sip:%s;lr", me);
	m = req(ruri, "tt", "Route: <sip:next.example.com;lr>\nRoute: <sip:bob@10.0.0.77>\n");
	CHECK_INT(call(m, "rr_loose_route", 0, NULL), 1, "after a strict router: 1");
	CHECK_PV(m, "$du", "sip:next.example.com;lr");
	CHECK_PV(m, "$ru", "sip:bob@10.0.0.77");
	CHECK(strstr(hdrs(m), "Route: <sip:next.example.com;lr>\nTo:") != NULL, "the last Route (the target) removed");
	msg_free(m);
	m = req(ruri, "tt", "Route: <sip:next.example.com;lr>\nRoute: <sip:bob@10.0.0.77>\n");
	CHECK_INT(call(m, "rr_loose_route_mode", 1, ARGS(AI(1))), 1, "loose_route_mode(1): loose only");
	CHECK_PV(m, "$du", "sip:next.example.com;lr");
	CHECK_CSTR(show(get(m, "$ru")), ruri, "loose_route_mode(1) leaves the R-URI");
	msg_free(m);

	snprintf(routes, sizeof routes, "Route: <sip:%s;lr;ftag=ft1>\n", me);
	m = req("sip:bob@10.0.0.5", NULL, routes);
	CHECK_INT(call(m, "rr_loose_route_preloaded", 0, NULL), 1, "loose_route_preloaded: 1 where loose_route gives -3");
	CHECK_INT(call(m, "rr_next_hop_route", 0, NULL), -1, "rr_next_hop_route: no next hop from a Route");
	msg_free(m);
	snprintf(routes, sizeof routes, "Route: <sip:%s;lr>, <sip:n.example.com;lr>\n", me);
	m = req("sip:bob@10.0.0.5", "tt", routes);
	CHECK_INT(call(m, "rr_loose_route_preloaded", 0, NULL), -1, "loose_route_preloaded in dialog: -1");
	CHECK_INT(call(m, "rr_next_hop_route", 0, NULL), 1, "rr_next_hop_route after our Route and another");
	msg_free(m);

	m = req("sip:bob@b.com", "tt", "Route: garbage\n");
	CHECK_INT(call(m, "rr_loose_route", 0, NULL), -1, "a malformed Route: -1");
	msg_free(m);
}

int main(void)
{
	listen_loopback(NULL, NULL);
	rt_log_level = RT_L_CRIT;
	snprintf(me, sizeof me, "127.0.0.1:%d", test_port);
	record();
	loose();
	pv_worker_done();
	return summary();
}
