/* ul_table_test.c: usrloc's in-memory table: records and contacts, the
 * order by q (strict, where Kamailio 5.6 misplaces a contact whose q
 * changed), Kamailio's contact matching and CSeq rules, the events on the
 * bus, statistics, expiry by the timer run, and the control methods' JSON
 * (ul.dump, ul.lookup, ul.rm) in Kamailio's shape. */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

#include "core/evbus.h"
#include "core/rpc.h"
#include "core/stats.h"
#include "modules/usrloc/ul.h"

static ul_cinfo ci_of(const char *uri, int q, long long expires, const char *callid, int cseq)
{
	ul_cinfo ci = { .c = { uri, (int)strlen(uri) }, .callid = { callid, (int)strlen(callid) },
	                .user_agent = { "ua", 2 }, .q = q, .expires = expires, .cseq = cseq,
	                .last_modified = ul_now(), .methods = 0xFFFFFFFFu, .tcpconn_id = -1 };
	return ci;
}

static rc_str S_(const char *s)
{
	return (rc_str){ s, (int)strlen(s) };
}

/* The contact URIs of an AoR in table order, "a b c". */
static const char *order(ul_domain *d, const char *aor)
{
	static char buf[1024];
	int n = 0;
	buf[0] = '\0';
	ul_lock(d, S_(aor));
	ul_record *r = ul_get_record(d, S_(aor));
	for (ul_contact *c = r ? r->contacts : NULL; c; c = c->next)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%.*s", n ? " " : "", c->c.len, c->c.s);
	ul_unlock(d, S_(aor));
	return buf;
}

static void add(ul_domain *d, const char *aor, const char *uri, int q)
{
	ul_cinfo ci = ci_of(uri, q, ul_now() + 3600, "cid", 1);
	ul_lock(d, S_(aor));
	ul_record *r = ul_get_or_insert_record(d, S_(aor));
	ul_insert_contact(d, r, &ci);
	ul_unlock(d, S_(aor));
}

static void set_q(ul_domain *d, const char *aor, const char *uri, int q)
{
	ul_lock(d, S_(aor));
	ul_record *r = ul_get_record(d, S_(aor));
	ul_cinfo ci = ci_of(uri, q, ul_now() + 3600, "cid", 2);
	ul_contact *c = NULL;
	ul_find_contact(r, &ci, &c);
	if (c)
		ul_update_contact(d, r, c, &ci);
	ul_unlock(d, S_(aor));
}

static void ordering(void)
{
	ul_domain *d = ul_domain_get("location", 8);
	CHECK(d != NULL, "the location table is created");
	CHECK(ul_domain_get("location", 8) == d, "asking again gives the same table");
	CHECK(ul_domain_get("bad name", 8) == NULL, "a name that is no SQL table name is refused");
	add(d, "alice", "sip:a@1", 500);
	add(d, "alice", "sip:a@2", 900);
	add(d, "alice", "sip:a@3", UL_Q_UNSPECIFIED);
	add(d, "alice", "sip:a@4", 500);
	CHECK_CSTR(order(d, "alice"), "sip:a@2 sip:a@1 sip:a@4 sip:a@3",
	           "by q, highest first; equal q in registration order; unspecified q last");
	set_q(d, "alice", "sip:a@3", 700);
	CHECK_CSTR(order(d, "alice"), "sip:a@2 sip:a@3 sip:a@1 sip:a@4",
	           "a refresh that raises q moves the contact up (Kamailio 5.6 would put it ascending)");
	set_q(d, "alice", "sip:a@2", 100);
	CHECK_CSTR(order(d, "alice"), "sip:a@3 sip:a@1 sip:a@4 sip:a@2", "lowering q moves it down");
	set_q(d, "alice", "sip:a@4", 500);
	CHECK_CSTR(order(d, "alice"), "sip:a@3 sip:a@1 sip:a@4 sip:a@2",
	           "a refresh with the same q keeps its place");
	CHECK_INT(ul_delete_record(d, S_("alice")), 0, "the AoR is deleted");
	CHECK_CSTR(order(d, "alice"), "", "and is gone");
}

static void matching(void)
{
	ul_domain *d = ul_domain_get("location", 8);
	ul_cinfo ci = ci_of("sip:b@1", 500, ul_now() + 60, "call-1", 10);
	ul_lock(d, S_("bob"));
	ul_record *r = ul_get_or_insert_record(d, S_("bob"));
	ul_contact *c = ul_insert_contact(d, r, &ci), *f = NULL;
	CHECK(c != NULL && c->ruid.len > 5 && !memcmp(c->ruid.s, "uloc-", 5), "a ruid uloc-... is made");
	ul_cinfo q = ci;
	q.cseq = 9;
	CHECK_INT(ul_find_contact(r, &q, &f), -1, "same Call-ID, lower CSeq: invalid (-1)");
	q.cseq = 10;
	CHECK_INT(ul_find_contact(r, &q, &f), -2, "same Call-ID and CSeq within cseq_delay: a retransmission (-2)");
	q.cseq = 11;
	CHECK_INT(ul_find_contact(r, &q, &f), 0, "a higher CSeq finds it");
	CHECK(f == c, "the same contact");
	q.callid = S_("call-2");
	q.cseq = 1;
	CHECK_INT(ul_find_contact(r, &q, &f), 0, "another Call-ID finds it whatever its CSeq");
	q.c = S_("sip:B@1");
	CHECK_INT(ul_find_contact(r, &q, &f), 1, "contact URIs compare byte for byte (1: not found)");
	ul_cfg.matching_mode = 3;
	q.callid = S_("call-1");
	q.cseq = 20;
	CHECK_INT(ul_find_contact(r, &q, &f), 0, "matching_mode 3: by Call-ID alone");
	ul_cfg.matching_mode = 0;
	/* an instance matches whatever the address */
	ul_cinfo i1 = ci_of("sip:b@2", 500, ul_now() + 60, "call-3", 1);
	i1.instance = S_("<urn:uuid:1>");
	ul_contact *ic = ul_insert_contact(d, r, &i1);
	char ruid[64];
	snprintf(ruid, sizeof ruid, "%.*s", ic->ruid.len, ic->ruid.s);
	ul_cinfo i2 = ci_of("sip:b@3", 500, ul_now() + 60, "call-4", 1);
	i2.instance = S_("urn:uuid:1");
	CHECK_INT(ul_find_contact(r, &i2, &f), 0, "+sip.instance matches with or without < >");
	CHECK(f == ic, "the instance's contact");
	ul_contact *u = ul_update_contact(d, r, f, &i2);
	CHECK(u && u->c.len == 7 && !memcmp(u->c.s, "sip:b@3", 7), "an instance match updates the address");
	CHECK(u && u->ruid.len == (int)strlen(ruid) && !memcmp(u->ruid.s, ruid, strlen(ruid)), "and keeps the ruid");
	ul_delete_record(d, S_("bob"));
	ul_unlock(d, S_("bob"));
}

/* ---- events ---------------------------------------------------------------------- */

static char evlog[4096];
static int evn;

static void on_event(const rt_event *ev, const rt_ev_attr *a, int n, void *arg)
{
	(void)arg;
	const rt_ev_attr *aor = rt_ev_attr_get(a, n, "aor");
	const rt_ev_attr *uri = rt_ev_attr_get(a, n, "uri");
	const rt_ev_attr *q = rt_ev_attr_get(a, n, "qval");
	const rt_ev_attr *rcv = rt_ev_attr_get(a, n, "received");
	evn += snprintf(evlog + evn, sizeof evlog - (size_t)evn, "%s%s %.*s", evn ? "; " : "",
	                rt_ev_name(ev), aor ? aor->s.len : 0, aor ? aor->s.s : "");
	if (uri)
		evn += snprintf(evlog + evn, sizeof evlog - (size_t)evn, " %.*s q=%lld%s", uri->s.len,
		                uri->s.s, q ? q->i : -9, rcv && rcv->type == RC_NULL ? " rcv=null" : "");
}

static void events(void)
{
	static const char *const names[] = { "E_UL_AOR_INSERT", "E_UL_AOR_DELETE", "E_UL_CONTACT_INSERT",
	                                      "E_UL_CONTACT_UPDATE", "E_UL_CONTACT_DELETE" };
	int ids[5];
	for (int i = 0; i < 5; i++)
		ids[i] = rt_ev_subscribe(names[i], on_event, NULL);
	CHECK(ids[0] > 0 && ids[4] > 0, "subscriptions to usrloc's events");
	ul_domain *d = ul_domain_get("location", 8);
	add(d, "carol", "sip:c@1", 300);
	set_q(d, "carol", "sip:c@1", 400);
	ul_lock(d, S_("carol"));
	ul_delete_record(d, S_("carol"));
	ul_unlock(d, S_("carol"));
	CHECK_CSTR(evlog,
	           "E_UL_AOR_INSERT carol; E_UL_CONTACT_INSERT carol sip:c@1 q=300 rcv=null; "
	           "E_UL_CONTACT_UPDATE carol sip:c@1 q=400 rcv=null; "
	           "E_UL_CONTACT_DELETE carol sip:c@1 q=400 rcv=null; E_UL_AOR_DELETE carol",
	           "insert, update, delete raise their events in order, with attributes");
	for (int i = 0; i < 5; i++)
		rt_ev_unsubscribe(ids[i]);
	evn = 0;
	evlog[0] = '\0';
	add(d, "carol", "sip:c@1", 300);
	ul_lock(d, S_("carol"));
	ul_delete_record(d, S_("carol"));
	ul_unlock(d, S_("carol"));
	CHECK_CSTR(evlog, "", "unsubscribed: nothing is called");
	CHECK_INT(rt_ev_unsubscribe(ids[0]), -1, "a subscription goes once");
}

/* ---- expiry ------------------------------------------------------------------------ */

static char expired[1024];

static void on_expired(ul_domain *d, const ul_contact *c)
{
	size_t n = strlen(expired);
	snprintf(expired + n, sizeof expired - n, "%s%s:%.*s:%.*s", n ? " " : "", ul_domain_name(d),
	         c->aor.len, c->aor.s, c->c.len, c->c.s);
}

static void expiry(void)
{
	ul_domain *d = ul_domain_get("location", 8);
	long long now = ul_now();
	rt_stat *users = rt_stat_find("usrloc", "location-users");
	rt_stat *contacts = rt_stat_find("usrloc", "location-contacts");
	rt_stat *exp = rt_stat_find("usrloc", "location-expires");
	CHECK(users && contacts && exp, "statistics usrloc:location-users/-contacts/-expires");
	long long exp0 = rt_stat_get(exp);
	ul_cinfo a = ci_of("sip:d@1", -1, now + 5, "x", 1), b = ci_of("sip:d@2", -1, now + 100, "x", 1),
	         p = ci_of("sip:d@3", -1, 0, "x", 1);
	ul_lock(d, S_("dave"));
	ul_record *r = ul_get_or_insert_record(d, S_("dave"));
	ul_insert_contact(d, r, &a);
	ul_insert_contact(d, r, &b);
	ul_insert_contact(d, r, &p);
	ul_unlock(d, S_("dave"));
	CHECK_INT(rt_stat_get(users), 1, "one AoR");
	CHECK_INT(rt_stat_get(contacts), 3, "three contacts");
	ul_set_expired_hook(on_expired);
	CHECK_INT(ul_timer_run(now + 4), 0, "nothing has expired yet");
	CHECK_INT(ul_timer_run(now + 5), 1, "expires <= now: one expired");
	CHECK_CSTR(expired, "location:dave:sip:d@1", "the hook sees the expired contact");
	CHECK_CSTR(order(d, "dave"), "sip:d@2 sip:d@3", "it is gone");
	CHECK_INT(ul_timer_run(now + 1000000), 1, "a permanent contact (expires 0) never expires");
	CHECK_INT(rt_stat_get(exp) - exp0, 2, "location-expires counts them");
	CHECK_INT(rt_stat_get(contacts), 1, "one contact left");
	ul_lock(d, S_("dave"));
	ul_delete_record(d, S_("dave"));
	ul_unlock(d, S_("dave"));
	CHECK_INT(rt_stat_get(users), 0, "no AoR left");
	ul_set_expired_hook(NULL);
}

/* ---- control methods -------------------------------------------------------------- */

static char *rpc(const char *method, int n, const char **args, int *err)
{
	rt_rpc_in in = { .n = n };
	for (int i = 0; i < n; i++)
		in.v[i] = (rt_rpc_val){ .type = RPC_T_STR, .s = { args[i], (int)strlen(args[i]) } };
	return rt_rpc_call(method, &in, err);
}

/* the JSON with the values that change per run (times, ruids, hashes) blanked */
static const char *blank(char *j)
{
	static char out[8192];
	const char *keys[] = { "\"Ruid\":\"", "\"Last-Keepalive\":", "\"Last-Modified\":", "\"HashID\":" };
	int o = 0;
	for (char *p = j; *p && o < (int)sizeof out - 2;) {
		int hit = 0;
		for (int k = 0; k < 4 && !hit; k++) {
			size_t l = strlen(keys[k]);
			if (!strncmp(p, keys[k], l)) {
				memcpy(out + o, keys[k], l);
				o += (int)l;
				p += l;
				while (*p && *p != ',' && *p != '}' && *p != '"')
					p++;
				out[o++] = 'X';
				hit = 1;
			}
		}
		if (!hit)
			out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

static void control(void)
{
	ul_domain *d = ul_domain_get("location", 8);
	CHECK_INT(ul_rpc_register(), 0, "ul.* methods registered");
	ul_cinfo c = ci_of("sip:e@127.0.0.1:5092", 700, ul_now() + 104, "regx-5092", 895);
	ul_lock(d, S_("erin"));
	ul_insert_contact(d, ul_get_or_insert_record(d, S_("erin")), &c);
	ul_unlock(d, S_("erin"));
	int err;
	const char *brief[] = { "brief" };
	char *j = rpc("ul.dump", 1, brief, &err);
	CHECK_CSTR(j, "{\"Domains\":[{\"Domain\":{\"Domain\":\"location\",\"Size\":1024,\"AoRs\":[{\"AoR\":\"erin\"}],"
	              "\"Stats\":{\"Records\":1,\"Max-Slots\":1}}}]}",
	           "ul.dump brief: Kamailio's shape");
	free(j);
	const char *la[] = { "location", "Erin@example.com" };
	j = rpc("ul.lookup", 2, la, &err);
	CHECK_CSTR(blank(j),
	           "{\"AoR\":\"erin\",\"Contacts\":[{\"Contact\":{\"Address\":\"sip:e@127.0.0.1:5092\","
	           "\"Expires\":104,\"Q\":0.700000,\"Call-ID\":\"regx-5092\",\"CSeq\":895,\"User-Agent\":\"ua\","
	           "\"Received\":\"[not set]\",\"Path\":\"[not set]\",\"State\":\"CS_NEW\",\"Flags\":0,"
	           "\"CFlags\":0,\"Socket\":\"[not set]\",\"Methods\":4294967295,\"Ruid\":\"X\","
	           "\"Instance\":\"[not set]\",\"Reg-Id\":0,\"Server-Id\":0,\"Tcpconn-Id\":-1,"
	           "\"Keepalive\":0,\"Last-Keepalive\":X,\"KA-Roundtrip\":0,\"Last-Modified\":X}}]}",
	           "ul.lookup: the AoR lower-cased, its domain cut, every field of a contact");
	free(j);
	const char *nf[] = { "location", "nobody" };
	j = rpc("ul.lookup", 2, nf, &err);
	CHECK(err && strstr(j, "AOR not found in location table"), "ul.lookup of an unknown AoR: the error");
	free(j);
	const char *nt[] = { "nowhere", "erin" };
	j = rpc("ul.rm", 2, nt, &err);
	CHECK(err && strstr(j, "Domain table not found"), "ul.rm in an unknown table: the error");
	free(j);
	j = rpc("ul.rm", 2, la, &err);
	CHECK(!err && !strcmp(j, "{}"), "ul.rm answers {} as Kamailio");
	free(j);
	j = rpc("ul.dump", 0, NULL, &err);
	CHECK(j && strstr(j, "\"AoRs\":[]") && strstr(j, "\"Records\":0"), "the AoR is gone from ul.dump");
	free(j);
}

int main(void)
{
	listen_loopback(NULL, NULL);
	ordering();
	matching();
	events();
	expiry();
	control();
	ul_domains_free();
	rt_socks_close();
	return summary();
}
