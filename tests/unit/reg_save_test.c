/* reg_save_test.c: save() on the wire.  The test plays the registering UA
 * on its own loopback socket and reads every reply the registrar sends:
 * the status, the one Contact header listing the bindings with their
 * remaining time (q printed as Kamailio prints it, omitted when unset),
 * P-Registrar-Error on errors, Min-Expires, Retry-After, Path; the return
 * codes (1 inserted, 2 refreshed, 3 removed, 4 query, -1, -2); the rules
 * for bad Expires values observed on Kamailio 5.6.3 (reg_msg.c); CSeq
 * ordering; max_contacts; the flags; the statistics. */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

#include "core/stats.h"
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

static int uac, uac_port;
static rc_ctx_t req_ctx = { .route_type = RC_RT_REQUEST };

/* A generation that loads usrloc and registrar with these modparams. */
static rt_gen *reg_gen(const rc_param_def *params)
{
	static const char *const mods[] = { "sl", "usrloc", "registrar", NULL };
	static const rc_route_def none[] = { { 0, 0, 0 } };
	static rc_script_def defs[8];
	static int n;
	rc_script_def *d = &defs[n++];
	d->abi = RC_ABI_VERSION;
	d->init = no_init;
	d->routes = none;
	d->params = params;
	d->modules = mods;
	d->source = "reg.cfg";
	rt_gen *g = NULL;
	if (rt_gen_load(d, &g) < 0) {
		printf("cannot load a registrar generation\n");
		exit(1);
	}
	gens[ngens++] = g;
	return g;
}

static site *save_site(rt_gen *g, const char *flags)
{
	if (flags)
		return keep(prep_in(g, "registrar_save_2", 2, ARGS(AS("location"), AS(flags))));
	return keep(prep_in(g, "registrar_save", 1, ARGS(AS("location"))));
}

/* A REGISTER from the test's socket; extra: header lines, each ending in \n. */
static rc_msg_t *reg(const char *aor, const char *callid, int cseq, const char *extra)
{
	char buf[4096];
	snprintf(buf, sizeof buf,
	         "REGISTER sip:127.0.0.1 SIP/2.0\n"
	         "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s-%d;rport\n"
	         "Max-Forwards: 70\n"
	         "From: <sip:%s@127.0.0.1>;tag=ft1\n"
	         "To: <sip:%s@127.0.0.1>\n"
	         "Call-ID: %s\n"
	         "CSeq: %d REGISTER\n"
	         "%s"
	         "Content-Length: 0\n\n",
	         uac_port, callid, cseq, aor, aor, callid, cseq, extra);
	rc_msg_t *m = msg_from(buf, uac_port);
	m->ctx = &req_ctx;
	return m;
}

static char reply[8192];

/* Runs save at site s on m: its return code; the reply in `reply` ("" if none). */
static int save_rc(site *s, rc_msg_t *m)
{
	int rc = run(m, s);
	int n = recv_within(uac, reply, sizeof reply, 300);
	snprintf(reply, sizeof reply, "%s", n < 0 ? "" : lf(reply, n));
	msg_free(m);
	return rc;
}

/* A header line of the reply ("" when absent). */
static const char *line(const char *name)
{
	static char out[4096];
	out[0] = '\0';
	size_t l = strlen(name);
	for (const char *p = reply; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, l) && p[l] == ':') {
			const char *e = strchr(p, '\n');
			snprintf(out, sizeof out, "%.*s", e ? (int)(e - p) : (int)strlen(p), p);
			break;
		}
	return out;
}

static const char *status(void)
{
	static char out[128];
	const char *e = strchr(reply, '\n');
	snprintf(out, sizeof out, "%.*s", e ? (int)(e - reply) : (int)strlen(reply), reply);
	return out;
}

/* The Contact line with each ;expires=N rounded to the expected value when
 * within one second of it (the clock may tick between save and check). */
static const char *contacts_near(const char *want)
{
	static char out[4096];
	const char *got = line("Contact");
	int o = 0;
	const char *w = want;
	for (const char *p = got; *p && o < (int)sizeof out - 16;) {
		if (!strncmp(p, ";expires=", 9) && (w = strstr(w, ";expires="))) {
			long g = strtol(p + 9, (char **)&p, 10), e = strtol(w + 9, (char **)&w, 10);
			o += snprintf(out + o, sizeof out - (size_t)o, ";expires=%ld", g <= e && g >= e - 1 ? e : g);
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return out;
}

static long long stat_of(const char *name)
{
	return rt_stat_get(rt_stat_find("registrar", name));
}

static void basic(void)
{
	rc_param_def params[] = { { "registrar", "min_expires", RC_INT, 5, 0 }, { 0, 0, 0, 0, 0 } };
	rt_gen *g = reg_gen(params);
	site *s = save_site(g, NULL);
	CHECK(s->ok, "save(\"location\") prepares");
	long long acc = stat_of("accepted_regs"), rej = stat_of("rejected_regs");

	int rc = save_rc(s, reg("alice", "reg-1", 1, "Contact: <sip:alice@127.0.0.1:5090>;q=0.5\nExpires: 60\n"));
	CHECK_INT(rc, 1, "a new binding: 1");
	CHECK_CSTR(status(), "SIP/2.0 200 OK", "200 OK");
	CHECK_CSTR(contacts_near("Contact: <sip:alice@127.0.0.1:5090>;q=0.5;expires=60"),
	           "Contact: <sip:alice@127.0.0.1:5090>;q=0.5;expires=60", "the binding listed with q and expires");
	CHECK(strstr(line("To"), ";tag=") != NULL, "a To-tag (sl's) in the 200");

	/* Kamailio 5.6.3's observed second REGISTER (kamailio-runtime.md 3.1) */
	rc = save_rc(s, reg("alice", "reg-2", 7,
	                    "Contact: <sip:alice@127.0.0.1:5091>;q=0.9;expires=3600, <sip:alice@127.0.0.1:5092>;expires=7\n"
	                    "Expires: 30\n"));
	CHECK_INT(rc, 1, "two new bindings: 1");
	CHECK_CSTR(contacts_near("Contact: <sip:alice@127.0.0.1:5091>;q=0.9;expires=3600, "
	                         "<sip:alice@127.0.0.1:5090>;q=0.5;expires=60, <sip:alice@127.0.0.1:5092>;expires=7"),
	           "Contact: <sip:alice@127.0.0.1:5091>;q=0.9;expires=3600, "
	           "<sip:alice@127.0.0.1:5090>;q=0.5;expires=60, <sip:alice@127.0.0.1:5092>;expires=7",
	           "one Contact header, every binding by q, the contact's expires over the header's");

	rc = save_rc(s, reg("alice", "reg-2", 6, "Contact: <sip:alice@127.0.0.1:5092>\nExpires: 30\n"));
	CHECK_INT(rc, -1, "same Call-ID, lower CSeq: -1");
	CHECK_CSTR(status(), "SIP/2.0 400 Bad Request", "400");
	CHECK_CSTR(line("P-Registrar-Error"), "P-Registrar-Error: Invalid CSeq number", "why");
	CHECK(strstr(line("Contact"), "5091") && strstr(line("Contact"), "5092"), "the bindings still listed");

	rc = save_rc(s, reg("alice", "reg-2", 7, "Contact: <sip:alice@127.0.0.1:5092>\nExpires: 300\n"));
	CHECK_INT(rc, 1, "the same CSeq within cseq_delay: a retransmission, nothing changes (1)");
	CHECK(strstr(line("Contact"), "5092>;expires=7") || strstr(line("Contact"), "5092>;expires=6"),
	      "the retransmission left the binding as it was");

	rc = save_rc(s, reg("alice", "reg-2", 8, "Contact: <sip:alice@127.0.0.1:5092>\nExpires: 300\n"));
	CHECK_INT(rc, 2, "a refresh: 2");
	CHECK(strstr(line("Contact"), "5092>;expires=300") || strstr(line("Contact"), "5092>;expires=299"),
	      "the refreshed lifetime");

	rc = save_rc(s, reg("alice", "q-1", 1, "X-Nothing: 1\n"));
	CHECK_INT(rc, 4, "no Contact: a query, 4");
	CHECK(strstr(line("Contact"), "5090") && strstr(line("Contact"), "5091"), "the query lists the bindings");

	rc = save_rc(s, reg("alice", "rm-1", 1, "Contact: <sip:alice@127.0.0.1:5091>;expires=0\n"));
	CHECK_INT(rc, 3, "expires=0 removes a binding: 3");
	CHECK(!strstr(line("Contact"), "5091"), "it is no longer listed");

	rc = save_rc(s, reg("alice", "star-1", 1, "Contact: *\nExpires: 10\n"));
	CHECK_INT(rc, -1, "Contact: * with Expires 10: -1");
	CHECK_CSTR(line("P-Registrar-Error"), "P-Registrar-Error: * used in contact and expires is not zero",
	           "400, * used in contact and expires is not zero");
	rc = save_rc(s, reg("alice", "star-2", 1, "Contact: *\nContact: <sip:x@1.2.3.4>\nExpires: 0\n"));
	CHECK_CSTR(line("P-Registrar-Error"), "P-Registrar-Error: * used in contact and more than 1 contact",
	           "* with another Contact header: 400");
	rc = save_rc(s, reg("alice", "star-3", 1, "Contact: *\nExpires: 0\n"));
	CHECK_INT(rc, 3, "Contact: * with Expires 0 removes every binding: 3");
	CHECK_CSTR(status(), "SIP/2.0 200 OK", "200");
	CHECK_CSTR(line("Contact"), "", "no Contact left to list");
	rc = save_rc(s, reg("alice", "q-2", 1, "X-Nothing: 1\n"));
	CHECK_CSTR(line("Contact"), "", "the AoR is empty");

	CHECK_INT(stat_of("accepted_regs") - acc, 8, "registrar:accepted_regs counts the accepted");
	CHECK_INT(stat_of("rejected_regs") - rej, 3, "registrar:rejected_regs the refused");
}

/* The Expires and q values Kamailio 5.6.3 takes, defaults or refuses. */
static void values(void)
{
	rc_param_def params[] = { { "registrar", "min_expires", RC_INT, 5, 0 }, { 0, 0, 0, 0, 0 } };
	site *s = save_site(reg_gen(params), NULL);
	static const struct {
		const char *aor, *hdrs, *status, *contact, *error;
	} cases[] = {
		{ "b1", "Contact: <sip:b1@h>\nExpires:\n", "SIP/2.0 400 Bad Request", "",
		  "P-Registrar-Error: Expires parse error" },
		{ "b2", "Contact: <sip:b2@h>\nExpires: -1\n", "SIP/2.0 200 OK", "Contact: <sip:b2@h>;expires=3600", "" },
		{ "b3", "Contact: <sip:b3@h>\nExpires: 99999999999\n", "SIP/2.0 200 OK",
		  "Contact: <sip:b3@h>;expires=3600", "" },
		{ "b4", "Contact: <sip:b4@h>\nExpires: 4294967296\n", "SIP/2.0 200 OK", "", "" },
		{ "b5", "Contact: <sip:b5@h>\nExpires: 2147483648\n", "SIP/2.0 200 OK",
		  "Contact: <sip:b5@h>;expires=3600", "" },
		{ "b6", "Contact: <sip:b6@h>;expires=abc\nExpires: 100\n", "SIP/2.0 200 OK",
		  "Contact: <sip:b6@h>;expires=3600", "" },
		{ "b7", "Contact: <sip:b7@h>;expires=\nExpires: 100\n", "SIP/2.0 200 OK",
		  "Contact: <sip:b7@h>;expires=100", "" },
		{ "b8", "Contact: <sip:b8@h>;q=abc\nExpires: 100\n", "SIP/2.0 400 Bad Request", "",
		  "P-Registrar-Error: Invalid q param in contact" },
		{ "b9", "Contact: <sip:b9@h>;q=1.5\nExpires: 100\n", "SIP/2.0 400 Bad Request", "",
		  "P-Registrar-Error: Invalid q param in contact" },
		{ "b10", "Contact: <sip:b10@h>\nExpires: 2\n", "SIP/2.0 200 OK", "Contact: <sip:b10@h>;expires=5", "" },
		{ "b11", "Contact: <sip:b11@h>;expires=-5\nExpires: 100\n", "SIP/2.0 200 OK",
		  "Contact: <sip:b11@h>;expires=3600", "" },
		{ "b12", "Contact: <sip:b12@h>\nExpires: 100 200\n", "SIP/2.0 200 OK",
		  "Contact: <sip:b12@h>;expires=100", "" },
		{ "b13", "Contact: <sip:b13@h>;expires=60x\nExpires: 100\n", "SIP/2.0 200 OK",
		  "Contact: <sip:b13@h>;expires=3600", "" },
		{ "b14", "Contact: <sip:b14@h>;q=0.\nExpires: 100\n", "SIP/2.0 400 Bad Request", "",
		  "P-Registrar-Error: Invalid q param in contact" },
		{ "b15", "Contact: <sip:b15@h>;q=1\nExpires: 100\n", "SIP/2.0 200 OK",
		  "Contact: <sip:b15@h>;q=1;expires=100", "" },
		{ "b16", "Contact: <sip:b16@h>;q=0.1234\nExpires: 100\n", "SIP/2.0 200 OK",
		  "Contact: <sip:b16@h>;q=0.123;expires=100", "" },
		{ "b17", "Contact: <sip:b17@h>;q=0.05\nExpires: 100\n", "SIP/2.0 200 OK",
		  "Contact: <sip:b17@h>;q=0.05;expires=100", "" },
		{ "b18", "Contact: *, <sip:b18@h>\nExpires: 0\n", "SIP/2.0 200 OK", "", "" },
		{ "b19", "Contact: <sip:b19@h\nExpires: 100\n", "SIP/2.0 400 Bad Request", "",
		  "P-Registrar-Error: Contact parse error" },
		{ "b20", "Contact: \"A B\" <sip:b20@h>;q=0.2, sip:b20@i;expires=50\n", "SIP/2.0 200 OK",
		  "Contact: <sip:b20@h>;q=0.2;expires=3600, <sip:b20@i>;expires=50", "" },
		{ "b21", "Contact: <sip:b21@h>\nExpires: 100\nRequire: outbound\n", "SIP/2.0 420 Bad Extension", "",
		  "P-Registrar-Error: No support for Outbound on server" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char what[256];
		save_rc(s, reg(cases[i].aor, cases[i].aor, 1, cases[i].hdrs));
		snprintf(what, sizeof what, "%s: %s", cases[i].aor, cases[i].status);
		CHECK_CSTR(status(), cases[i].status, what);
		snprintf(what, sizeof what, "%s: [%s]", cases[i].aor, cases[i].contact);
		CHECK_CSTR(contacts_near(cases[i].contact), cases[i].contact, what);
		snprintf(what, sizeof what, "%s: [%s]", cases[i].aor, cases[i].error);
		CHECK_CSTR(line("P-Registrar-Error"), cases[i].error, what);
	}
	/* the last case: Require: outbound */
	CHECK_CSTR(line("Unsupported"), "Unsupported: outbound", "420 for outbound says Unsupported: outbound");
}

static void limits(void)
{
	rc_param_def params[] = { { "registrar", "max_contacts", RC_INT, 2, 0 },
	                          { "registrar", "retry_after", RC_INT, 30, 0 },
	                          { "registrar", "max_expires", RC_INT, 100, 0 },
	                          { "registrar", "min_expires_mode", RC_INT, 1, 0 },
	                          { 0, 0, 0, 0, 0 } };
	site *s = save_site(reg_gen(params), NULL);
	int rc = save_rc(s, reg("m1", "m1", 1, "Contact: <sip:a@1>, <sip:a@2>, <sip:a@3>\nExpires: 80\n"));
	CHECK_INT(rc, -2, "three bindings, max_contacts 2: -2");
	CHECK_CSTR(status(), "SIP/2.0 503 Service Unavailable", "503");
	CHECK_CSTR(line("P-Registrar-Error"), "P-Registrar-Error: Too many registered contacts", "why");
	CHECK_CSTR(line("Retry-After"), "Retry-After: 30", "Retry-After from retry_after");
	rc = save_rc(s, reg("m1", "m1", 2, "Contact: <sip:a@1>, <sip:a@2>\nExpires: 80\n"));
	CHECK_INT(rc, 1, "two are allowed");
	rc = save_rc(s, reg("m1", "m1", 3, "Contact: <sip:a@3>\nExpires: 80\n"));
	CHECK_INT(rc, -2, "a third one to the record: -2");
	CHECK(strstr(line("Contact"), "sip:a@1") && !strstr(line("Contact"), "sip:a@3"),
	      "the 503 lists what is there");
	rc = save_rc(s, reg("m1", "m1", 4, "Contact: <sip:a@3>, <sip:a@2>;expires=0\nExpires: 80\n"));
	CHECK_INT(rc, 3, "one in, one out: allowed, the last contact's code (3)");
	CHECK(strstr(line("Contact"), "sip:a@3>;expires=80") || strstr(line("Contact"), "sip:a@3>;expires=79"),
	      "the new one is there");
	rc = save_rc(s, reg("m2", "m2", 1, "Contact: <sip:a@1>\nExpires: 500\n"));
	CHECK(strstr(line("Contact"), ";expires=100") || strstr(line("Contact"), ";expires=99"),
	      "max_expires caps the lifetime");
	rc = save_rc(s, reg("m3", "m3", 1, "Contact: <sip:a@1>\nExpires: 30\n"));
	CHECK_INT(rc, -1, "min_expires_mode 1: too short is refused");
	CHECK_CSTR(status(), "SIP/2.0 423 Interval Too Brief", "423");
	CHECK_CSTR(line("Min-Expires"), "Min-Expires: 60", "with Min-Expires");
}

static void flags(void)
{
	rt_gen *g = reg_gen(NULL);
	site *norpl = save_site(g, "0x02"), *repl = save_site(g, "4"), *plain = save_site(g, NULL);
	site *bad = save_site(g, "32");
	CHECK(!bad->ok, "flags past 0x1F are refused when the script loads");
	rc_msg_t *m = reg("f1", "f1", 1, "Contact: <sip:a@1>\n");
	int rc = run(m, norpl);
	char buf[2048];
	CHECK_INT(rc, 1, "save with 0x02: saved");
	CHECK(recv_within(uac, buf, sizeof buf, 200) < 0, "and no reply sent");
	rc = call(m, "registrar_reg_send_reply", 0, NULL);
	int n = recv_within(uac, buf, sizeof buf, 300);
	CHECK_INT(rc, 1, "reg_send_reply() sends it");
	CHECK(n > 0 && !strncmp(buf, "SIP/2.0 200 OK", 14) && strstr(buf, "Contact: <sip:a@1>"),
	      "the prepared 200 with its Contact");
	msg_free(m);
	save_rc(plain, reg("f1", "f1", 2, "Contact: <sip:a@2>\n"));
	CHECK(strstr(line("Contact"), "sip:a@1") && strstr(line("Contact"), "sip:a@2"), "two bindings");
	rc = save_rc(repl, reg("f1", "f1", 3, "Contact: <sip:a@3>\n"));
	CHECK_INT(rc, 1, "save with 0x04");
	CHECK(!strstr(line("Contact"), "sip:a@1") && strstr(line("Contact"), "sip:a@3"),
	      "0x04: the new binding replaces the others");
	/* a save in a reply route does not answer */
	rc_ctx_t onreply = { .route_type = RC_RT_TM_ONREPLY };
	m = reg("f2", "f2", 1, "Contact: <sip:a@9>\n");
	m->ctx = &onreply;
	rc = run(m, plain);
	CHECK_INT(rc, 1, "save in onreply_route saves");
	CHECK(recv_within(uac, buf, sizeof buf, 200) < 0, "and sends nothing");
	msg_free(m);
}

static void received_and_path(void)
{
	rc_param_def params[] = { { "registrar", "received_avp", RC_STR, 0, "$avp(RECEIVED)" },
	                          { "registrar", "use_path", RC_INT, 1, 0 },
	                          { "registrar", "path_mode", RC_INT, 2, 0 },
	                          { 0, 0, 0, 0, 0 } };
	rt_gen *g = reg_gen(params);
	site *s = save_site(g, NULL);
	rc_msg_t *m = reg("r1", "r1", 1, "Contact: <sip:r1@10.0.0.1:5060>\n");
	rc_pv *avp = rc_pv_prepare(g, "$avp(RECEIVED)", 14, "t");
	rc_val v = S("sip:192.0.2.7:6000");
	rc_pv_set(m, m->ctx, avp, &v);
	save_rc(s, m);
	CHECK_CSTR(contacts_near("Contact: <sip:r1@10.0.0.1:5060>;expires=3600;received=\"sip:192.0.2.7:6000\""),
	           "Contact: <sip:r1@10.0.0.1:5060>;expires=3600;received=\"sip:192.0.2.7:6000\"",
	           "received_avp is stored and listed as ;received=\"...\"");
	save_rc(s, reg("p1", "p1", 1, "Path: <sip:edge.example.com;lr>\nContact: <sip:p1@10.0.0.2>\nSupported: path\n"));
	CHECK_CSTR(status(), "SIP/2.0 200 OK", "Path with Supported: path: 200");
	CHECK_CSTR(line("Path"), "Path: <sip:edge.example.com;lr>", "the Path echoed");
	save_rc(s, reg("p2", "p2", 1, "Path: <sip:edge.example.com;lr>\nContact: <sip:p2@10.0.0.2>\n"));
	CHECK_CSTR(status(), "SIP/2.0 420 Bad Extension", "path_mode 2 without Supported: path: 420");
	CHECK_CSTR(line("Unsupported"), "Unsupported: path", "Unsupported: path");
	save_rc(s, reg("p3", "p3", 1, "Path: <sip:edge.example.com>\nContact: <sip:p3@10.0.0.2>\nSupported: path\n"));
	CHECK_CSTR(line("P-Registrar-Error"), "P-Registrar-Error: Path parse error",
	           "a first Path hop that is no loose router: Path parse error");
}

int main(void)
{
	listen_loopback(NULL, NULL);
	uac = udp_bound(&uac_port);
	basic();
	values();
	limits();
	flags();
	received_and_path();
	close(uac);
	free_sites();
	int rc = summary();
	ul_domains_free();
	rt_socks_close();
	return rc;
}
