/* reg_lookup_test.c: finding registered users: lookup() (the first contact
 * into the R-URI, $du from received or Path, the others as branches in q
 * order, the return codes), lookup_to_dset, lookup_branches, registered(),
 * unregister(), reg_fetch_contacts / $ulc / reg_free_contacts,
 * add_sock_hdr, and event_route[usrloc:contact-expired] run by the expiry
 * timer with the binding in $ulc(exp=>...).  Also what a relay makes of a
 * lookup: the R-URI's q (Kamailio's ruri_q) and instance, and the Path as
 * a Route header in the request built (rt_build_request, forward.c). */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

#include "core/forward.h"
#include "modules/usrloc/ul.h"

/* every call site made here, freed at the end */
static site *sites[64];
static int nsites;

static site *keep(site *s)
{
	if (nsites < 64)
		sites[nsites++] = s;
	return s;
}

static void free_sites(void)
{
	while (nsites > 0)
		free(sites[--nsites]);
}

static rc_ctx_t req_ctx = { .route_type = RC_RT_REQUEST };
static rt_gen *g;

/* what event_route[usrloc:contact-expired] saw */
static char seen[1024];
static rc_pv *pv_aor, *pv_addr, *pv_rcv, *pv_count;

static int expired_route(rc_msg_t *m, rc_ctx_t *c)
{
	rc_val a, b, r, n;
	pv_get(m, c, pv_aor, &a);
	pv_get(m, c, pv_addr, &b);
	pv_get(m, c, pv_rcv, &r);
	pv_get(m, c, pv_count, &n);
	size_t l = strlen(seen);
	snprintf(seen + l, sizeof seen - l, "%s%s %s [%s] %s (rt %d)", l ? "; " : "", show(a), show(b), show(r),
	         show(n), c->route_type);
	return 1;
}

static rt_gen *reg_gen(const rc_param_def *params)
{
	static const char *const mods[] = { "sl", "usrloc", "registrar", NULL };
	static const rc_route_def routes[] = { { 6, "usrloc:contact-expired", expired_route }, { 0, 0, 0 } };
	static rc_script_def defs[4];
	static int n;
	rc_script_def *d = &defs[n++];
	*d = (rc_script_def){ RC_ABI_VERSION, no_init, routes, params, mods, "reg.cfg" };
	rt_gen *x = NULL;
	if (rt_gen_load(d, &x) < 0) {
		printf("cannot load a registrar generation\n");
		exit(1);
	}
	gens[ngens++] = x;
	return x;
}

static rc_msg_t *req(const char *method, const char *ruri, const char *extra)
{
	char buf[2048];
	snprintf(buf, sizeof buf,
	         "%s %s SIP/2.0\n"
	         "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-l1;rport\n"
	         "Max-Forwards: 70\n"
	         "From: <sip:caller@127.0.0.1>;tag=ft1\n"
	         "To: <%s>\n"
	         "Call-ID: lookup-1\n"
	         "CSeq: 1 %s\n"
	         "%s"
	         "Content-Length: 0\n\n",
	         method, ruri, ruri, method, extra);
	rc_msg_t *m = msg_from(buf, 5999);
	m->ctx = &req_ctx;
	return m;
}

/* Registers contacts directly in the table. */
static void bind_c(const char *aor, const char *uri, int q, int expires_in, const char *rcv,
                 const char *path, unsigned methods)
{
	ul_domain *d = ul_domain_get("location", 8);
	rc_str a = { aor, (int)strlen(aor) };
	ul_cinfo ci = { .c = { uri, (int)strlen(uri) }, .callid = { "c", 1 }, .user_agent = { "ua", 2 },
	                .q = q, .expires = expires_in ? ul_now() + expires_in : 0, .cseq = 1,
	                .last_modified = ul_now(), .methods = methods, .tcpconn_id = -1 };
	if (rcv)
		ci.received = (rc_str){ rcv, (int)strlen(rcv) };
	if (path)
		ci.path = (rc_str){ path, (int)strlen(path) };
	ul_lock(d, a);
	ul_insert_contact(d, ul_get_or_insert_record(d, a), &ci);
	ul_unlock(d, a);
}

static const char *branches(rc_msg_t *m)
{
	static char buf[2048];
	int n = 0;
	buf[0] = '\0';
	for (int i = 0; i < m->nbranches; i++) {
		const rt_branch *b = &m->branches[i];
		n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%.*s", i ? " | " : "", b->uri.len, b->uri.s);
		if (b->dst_uri.s)
			n += snprintf(buf + n, sizeof buf - (size_t)n, " du=%.*s", b->dst_uri.len, b->dst_uri.s);
		if (b->path.s)
			n += snprintf(buf + n, sizeof buf - (size_t)n, " path=%.*s", b->path.len, b->path.s);
		if (b->q >= 0)
			n += snprintf(buf + n, sizeof buf - (size_t)n, " q=%d", b->q);
	}
	return buf;
}

static void lookups(void)
{
	site *lk = keep(prep_in(g, "registrar_lookup", 1, ARGS(AS("location"))));
	site *lk2 = keep(prep_in(g, "registrar_lookup_2", 2, ARGS(AS("location"), AS("sip:bob@x"))));
	site *dset = keep(prep_in(g, "registrar_lookup_to_dset", 1, ARGS(AS("location"))));
	CHECK(lk->ok && lk2->ok && dset->ok, "lookup forms prepare");
	bind_c("alice", "sip:alice@10.0.0.1:5060", 500, 3600, NULL, NULL, 0xFFFFFFFFu);
	bind_c("alice", "sip:alice@10.0.0.2:5060", 900, 3600, "sip:192.0.2.2:7000", NULL, 0xFFFFFFFFu);
	bind_c("alice", "sip:alice@10.0.0.3:5060", -1, 3600, NULL, "<sip:edge.example.com;lr>,<sip:core;lr>",
	     0xFFFFFFFFu);
	bind_c("alice", "sip:alice@10.0.0.4:5060", 1000, -10, NULL, NULL, 0xFFFFFFFFu); /* expired */

	rc_msg_t *m = req("INVITE", "sip:Alice@example.com", "");
	CHECK_INT(run(m, lk), 1, "lookup of a registered user: 1");
	CHECK_PV(m, "$ru", "sip:alice@10.0.0.2:5060");
	CHECK_PV(m, "$du", "sip:192.0.2.2:7000");
	CHECK_INT(rt_ruri_q(m), 900, "the R-URI keeps its contact's q (set_ruri_q)");
	CHECK_CSTR(branches(m),
	           "sip:alice@10.0.0.1:5060 q=500 | sip:alice@10.0.0.3:5060 du=sip:edge.example.com;lr "
	           "path=<sip:edge.example.com;lr>,<sip:core;lr>",
	           "the other valid contacts as branches, by q, $du from their Path; the expired one left out");
	msg_free(m);

	m = req("INVITE", "sip:carol@example.com", "");
	CHECK_INT(run(m, lk), -1, "an unknown user: -1");
	CHECK_PV(m, "$ru", "sip:carol@example.com");
	msg_free(m);
	bind_c("dave", "sip:dave@10.0.0.9", -1, -1, NULL, NULL, 0xFFFFFFFFu);
	m = req("INVITE", "sip:dave@example.com", "");
	CHECK_INT(run(m, lk), -1, "only an expired contact: -1");
	msg_free(m);

	m = req("INVITE", "sip:alice@example.com", "");
	CHECK_INT(run(m, lk2), -1, "lookup(table, uri) looks up the uri given");
	msg_free(m);

	m = req("INVITE", "sip:alice@example.com", "");
	CHECK_INT(run(m, dset), 1, "lookup_to_dset: 1");
	CHECK_PV(m, "$ru", "sip:alice@example.com");
	CHECK_INT(m->nbranches, 3, "every valid contact as a branch");
	msg_free(m);

	/* the first contact's Path: $du is its first hop */
	bind_c("erin", "sip:erin@10.0.0.5", -1, 3600, "sip:192.0.2.9", "<sip:edge2.example.com;lr>", 0xFFFFFFFFu);
	m = req("INVITE", "sip:erin@example.com", "");
	CHECK_INT(run(m, lk), 1, "lookup of a contact behind a Path");
	CHECK_PV(m, "$du", "sip:edge2.example.com;lr");
	CHECK(m->reg_path.s && !strncmp(m->reg_path.s, "<sip:edge2.example.com;lr>", (size_t)m->reg_path.len),
	      "the Path kept for the relay (Route headers)");
	CHECK_INT(rt_ruri_q(m), -1, "a contact without q: the R-URI's q is unspecified");
	msg_free(m);
}

/* The request a relay builds from m for the first socket (our Via branch
 * z9hG4bKt), CRLF shown as "\n", in a static buffer. */
static const char *built(rc_msg_t *m)
{
	static char out[8192], shown[8192];
	struct sockaddr_storage to;
	socklen_t tl;
	if (rt_resolve("127.0.0.1", 9, 9, &to, &tl) < 0)
		return "(no address)";
	int n = rt_build_request(m, &m->lumps, rt_sock_at(0), &to, "z9hG4bKt", out, (int)sizeof out);
	if (n < 0)
		return "(not built)";
	int k = 0;
	for (int i = 0; i < n; i++)
		if (out[i] != '\r')
			shown[k++] = out[i];
	shown[k] = '\0';
	return shown;
}

static void path_route(void)
{
	site *lk = keep(prep_in(g, "registrar_lookup", 1, ARGS(AS("location"))));
	bind_c("pat", "sip:pat@10.0.4.1", 300, 3600, NULL, "<sip:e1.example.com;lr>, <sip:e2;lr>,<sip:core;lr>",
	       0xFFFFFFFFu);
	rc_msg_t *m = req("INVITE", "sip:pat@example.com", "");
	CHECK_INT(run(m, lk), 1, "lookup of a contact with a Path of three hops");
	char want[512];
	snprintf(want, sizeof want,
	         "INVITE sip:pat@10.0.4.1 SIP/2.0\n"
	         "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKt\n"
	         "Route: <sip:e1.example.com;lr>, <sip:e2;lr>,<sip:core;lr>\n"
	         "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-l1;rport=5999;received=127.0.0.1\n",
	         test_port);
	const char *got = built(m);
	if (strncmp(got, want, strlen(want)))
		printf("    got  [%.*s]\n", (int)strlen(want), got);
	CHECK(!strncmp(got, want, strlen(want)),
	      "the Path as one Route header right below our Via, as Kamailio writes it");
	msg_free(m);
	/* a request with Route headers: the Path goes above them */
	m = req("INVITE", "sip:pat@example.com", "Route: <sip:other.example.com;lr>\n");
	CHECK_INT(run(m, lk), 1, "lookup again, the request has a Route");
	const char *b = built(m);
	const char *p = strstr(b, "Route: <sip:e1.example.com;lr>, <sip:e2;lr>,<sip:core;lr>\nRoute: <sip:other");
	CHECK(p != NULL && strstr(b, "Via: SIP/2.0/UDP 127.0.0.1:5999") < p,
	      "the Path's Route above the request's first Route");
	msg_free(m);
	/* no Path: no Route */
	bind_c("quin", "sip:quin@10.0.4.2", -1, 3600, NULL, NULL, 0xFFFFFFFFu);
	m = req("INVITE", "sip:quin@example.com", "");
	CHECK_INT(run(m, lk), 1, "lookup of a contact without Path");
	CHECK(strstr(built(m), "Route:") == NULL, "no Route header without a Path");
	msg_free(m);
}

static void filtering(void)
{
	rc_param_def params[] = { { "registrar", "method_filtering", RC_INT, 1, 0 },
	                          { "registrar", "append_branches", RC_INT, 0, 0 },
	                          { 0, 0, 0, 0, 0 } };
	rt_gen *fg = reg_gen(params);
	site *lk = keep(prep_in(fg, "registrar_lookup", 1, ARGS(AS("location"))));
	bind_c("frank", "sip:frank@10.0.0.6", 100, 3600, NULL, NULL, 1 | 4 | 8); /* INVITE ACK BYE */
	bind_c("frank", "sip:frank@10.0.0.7", 50, 3600, NULL, NULL, 0xFFFFFFFFu);
	rc_msg_t *m = req("MESSAGE", "sip:frank@example.com", "");
	CHECK_INT(run(m, lk), 1, "method_filtering: the contact that takes MESSAGE");
	CHECK_PV(m, "$ru", "sip:frank@10.0.0.7");
	msg_free(m);
	m = req("INVITE", "sip:frank@example.com", "");
	CHECK_INT(run(m, lk), 1, "INVITE: the first");
	CHECK_INT(m->nbranches, 0, "append_branches 0: no branches");
	msg_free(m);
	bind_c("gina", "sip:gina@10.0.0.8", 100, 3600, NULL, NULL, 1);
	m = req("MESSAGE", "sip:gina@example.com", "");
	CHECK_INT(run(m, lk), -2, "contacts, none for the method: -2");
	msg_free(m);
}

static void registered_unregister(void)
{
	site *r1 = keep(prep_in(g, "registrar_registered", 1, ARGS(AS("location"))));
	site *r2 = keep(prep_in(g, "registrar_registered_2", 2, ARGS(AS("location"), AS("sip:nobody@x"))));
	site *un = keep(prep_in(g, "registrar_unregister", 2, ARGS(AS("location"), AS("$ru"))));
	site *un3 = keep(prep_in(g, "registrar_unregister_3", 3, ARGS(AS("location"), AS(""), AS("$var(ruid)"))));
	site *lk = keep(prep_in(g, "registrar_lookup", 1, ARGS(AS("location"))));
	site *fetch = keep(prep_in(g, "registrar_reg_fetch_contacts", 3,
	                      ARGS(AS("location"), AS("sip:alice@example.com"), AS("p"))));
	site *freec = keep(prep_in(g, "registrar_reg_free_contacts", 1, ARGS(AS("p"))));
	CHECK(r1->ok && r2->ok && un->ok && un3->ok && fetch->ok && freec->ok, "the other forms prepare");
	rc_msg_t *m = req("INVITE", "sip:alice@example.com", "");
	CHECK_INT(run(m, r1), 1, "registered(): 1 for alice");
	CHECK_INT(run(m, r2), -1, "registered(table, uri): -1 for nobody");
	CHECK_INT(run(m, fetch), 1, "reg_fetch_contacts: 1");
	CHECK_PV(m, "$ulc(p=>count)", "i:4");
	CHECK_PV(m, "$ulc(p=>aor)", "alice");
	CHECK_PV(m, "$ulc(p=>domain)", "location");
	CHECK_PV(m, "$ulc(p=>addr)", "sip:alice@10.0.0.4:5060");
	CHECK_PV(m, "$(ulc(p=>addr)[1])", "sip:alice@10.0.0.2:5060");
	CHECK_PV(m, "$(ulc(p=>received)[1])", "sip:192.0.2.2:7000");
	CHECK_PV(m, "$(ulc(p=>q)[1])", "i:900");
	CHECK_PV(m, "$(ulc(p=>q)[3])", "i:-1");
	CHECK_PV(m, "$(ulc(p=>addr)[9])", "<null>");
	CHECK_PV(m, "$ulc(p=>user_agent)", "ua");
	CHECK_PV(m, "$ulc(q=>addr)", "<null>");
	rc_val ruid = get(m, "$(ulc(p=>ruid)[2])");
	CHECK(ruid.type == RC_STR && ruid.s.len > 5, "$ulc(p=>ruid)");
	CHECK_INT(run(m, freec), 1, "reg_free_contacts: 1");
	CHECK_PV(m, "$ulc(p=>count)", "<null>");
	/* unregister one contact by ruid, then the AoR */
	char rbuf[128];
	snprintf(rbuf, sizeof rbuf, "%.*s", ruid.s.len, ruid.s.s);
	set(m, "$var(ruid)", S(rbuf));
	CHECK_INT(run(m, un3), 1, "unregister(table, \"\", ruid): 1");
	CHECK_INT(run(m, un3), -3, "again: -3, not found");
	CHECK_INT(run(m, fetch), 1, "fetched again");
	CHECK_PV(m, "$ulc(p=>count)", "i:3");
	CHECK_INT(run(m, un), 1, "unregister(table, $ru): 1");
	CHECK_INT(run(m, r1), -1, "alice is no longer registered");
	CHECK_INT(run(m, lk), -1, "lookup: -1");
	CHECK_INT(run(m, fetch), -1, "reg_fetch_contacts of an unknown AoR: -1");
	msg_free(m);
}

static void more(void)
{
	site *lb = keep(prep_in(g, "registrar_lookup_branches", 1, ARGS(AS("location"))));
	site *ab = keep(prep_in(g, "corex_append_branch_1", 1, ARGS(AS("sip:hank@example.com"))));
	site *sock = keep(prep_in(g, "registrar_add_sock_hdr", 1, ARGS(AS("P-Sock"))));
	bind_c("ivan", "sip:ivan@10.0.1.1", -1, 3600, NULL, NULL, 0xFFFFFFFFu);
	bind_c("hank", "sip:hank@10.0.2.1", 700, 3600, NULL, NULL, 0xFFFFFFFFu);
	bind_c("hank", "sip:hank@10.0.2.2", 600, 3600, "sip:192.0.2.22", NULL, 0xFFFFFFFFu);
	rc_msg_t *m = req("INVITE", "sip:ivan@example.com", "");
	CHECK_INT(run(m, ab), 1, "a branch for hank");
	CHECK_INT(run(m, lb), 1, "lookup_branches: 1");
	CHECK_PV(m, "$ru", "sip:ivan@10.0.1.1");
	CHECK_CSTR(branches(m), "sip:hank@10.0.2.1 q=700 | sip:hank@10.0.2.2 du=sip:192.0.2.22 q=600",
	           "the branch became hank's first contact, his second was appended");
	CHECK_INT(m->branches[0].q, 700, "the branch took its contact's q (get_ruri_q)");
	CHECK_INT(rt_ruri_q(m), -1, "the R-URI's own q is back (ivan's contact has none)");
	CHECK_INT(run(m, sock), 1, "add_sock_hdr");
	char want[128];
	snprintf(want, sizeof want, "P-Sock: udp:127.0.0.1:%d\n", test_port);
	CHECK(strstr(applied(m), want) != NULL, "the receiving socket in the header");
	msg_free(m);
}

static void expired_event(void)
{
	pv_aor = rc_pv_prepare(g, "$ulc(exp=>aor)", 14, "t");
	pv_addr = rc_pv_prepare(g, "$ulc(exp=>addr)", 15, "t");
	pv_rcv = rc_pv_prepare(g, "$ulc(exp=>received)", 19, "t");
	pv_count = rc_pv_prepare(g, "$ulc(exp=>count)", 16, "t");
	CHECK(pv_aor && pv_addr && pv_rcv && pv_count, "$ulc(exp=>...) specs");
	rt_gen_hold(g);
	rt_gen_swap(g);
	CHECK_INT(registrar_module.start(), 0, "registrar starts: it runs the expired event route");
	long long now = ul_now();
	ul_timer_run(now + 1); /* what is expired already goes first */
	seen[0] = '\0';
	bind_c("judy", "sip:judy@10.0.3.1", -1, 5, "sip:192.0.2.33", NULL, 0xFFFFFFFFu);
	bind_c("judy", "sip:judy@10.0.3.2", -1, 500, NULL, NULL, 0xFFFFFFFFu);
	CHECK_INT(ul_timer_run(now + 6), 1, "the timer expires one binding");
	CHECK_CSTR(seen, "judy sip:judy@10.0.3.1 [sip:192.0.2.33] i:1 (rt 513)",
	           "event_route[usrloc:contact-expired] ran once, with $ulc(exp=>...)");
	registrar_module.stop();
	rt_gen_swap(NULL);
}

int main(void)
{
	listen_loopback(NULL, NULL);
	g = reg_gen(NULL);
	lookups();
	path_route();
	filtering();
	registered_unregister();
	more();
	expired_event();
	free_sites();
	int rc = summary();
	ul_domains_free();
	rt_socks_close();
	return rc;
}
