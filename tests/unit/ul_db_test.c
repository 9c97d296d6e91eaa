/* ul_db_test.c: the location table in SQLite.  Write-through (db_mode 1)
 * writes each change at once; write-back (db_mode 2) only at the timer run
 * and at stop; a stop and start loses no binding (address, expiry, q,
 * ruid, received, path, Call-ID, CSeq, User-Agent, socket); the rows have
 * Kamailio's columns and Julian-day dates as Kamailio's db_sqlite writes
 * them; a row Kamailio wrote with a text date loads; the file passes
 * PRAGMA integrity_check. */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

#include <sqlite3.h>

#include "modules/usrloc/ul.h"

static char path[256];

static rc_str S_(const char *s)
{
	return (rc_str){ s, (int)strlen(s) };
}

static void put(ul_domain *d, const char *aor, const char *uri, int q, long long expires)
{
	ul_cinfo ci = { .c = S_(uri), .callid = S_("call-db"), .user_agent = S_("phone/1.0"), .q = q,
	                .expires = expires, .cseq = 42, .last_modified = ul_now(), .methods = 0xFFFFFFFFu,
	                .received = S_("sip:192.0.2.1:5062"), .path = S_("<sip:p1;lr>"),
	                .sock_str = S_("udp:127.0.0.1:5060"), .flags = 0, .cflags = 8, .tcpconn_id = -1 };
	ul_lock(d, S_(aor));
	ul_insert_contact(d, ul_get_or_insert_record(d, S_(aor)), &ci);
	ul_unlock(d, S_(aor));
}

/* One value from the file, as text ("" when none). */
static const char *sql1(const char *q)
{
	static char out[512];
	sqlite3 *db;
	sqlite3_stmt *st;
	out[0] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(out, sizeof out, "(cannot open)");
		return out;
	}
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	} else {
		snprintf(out, sizeof out, "(error: %s)", sqlite3_errmsg(db));
	}
	sqlite3_close(db);
	return out;
}

static void sql_exec(const char *q)
{
	sqlite3 *db;
	if (sqlite3_open(path, &db) == SQLITE_OK) {
		sqlite3_exec(db, q, NULL, NULL, NULL);
		sqlite3_close(db);
	}
}

/* AoR's contacts as "uri q expires ruid" lines. */
static const char *dump(ul_domain *d, const char *aor)
{
	static char buf[2048];
	int n = 0;
	buf[0] = '\0';
	ul_lock(d, S_(aor));
	ul_record *r = ul_get_record(d, S_(aor));
	for (ul_contact *c = r ? r->contacts : NULL; c; c = c->next)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "%.*s q=%d exp=%lld rcv=%.*s path=%.*s cid=%.*s "
		              "cseq=%d ua=%.*s sock=%.*s cflags=%u ruid=%.*s\n",
		              c->c.len, c->c.s, c->q, c->expires, c->received.len, c->received.s, c->path.len,
		              c->path.s, c->callid.len, c->callid.s, c->cseq, c->user_agent.len, c->user_agent.s,
		              c->sock_str.len, c->sock_str.s, c->cflags, c->ruid.len, c->ruid.s);
	ul_unlock(d, S_(aor));
	return buf;
}

static void write_through(void)
{
	ul_cfg.db_mode = 1;
	ul_cfg.timer_interval = 3600; /* the test runs the timer itself */
	snprintf(ul_cfg.db_path, sizeof ul_cfg.db_path, "%s", path);
	ul_domain *d = ul_domain_get("location", 8);
	CHECK_INT(ul_start(), 0, "usrloc starts with db_mode 1");
	long long e1 = ul_now() + 3600, e2 = ul_now() + 120;
	put(d, "alice", "sip:alice@10.0.0.1", 500, e1);
	put(d, "alice", "sip:alice@10.0.0.2", -1, e2);
	CHECK_CSTR(sql1("SELECT count(*) FROM location"), "2", "write-through: both rows at once");
	CHECK_CSTR(sql1("SELECT username || ' ' || contact || ' ' || q || ' ' || callid || ' ' || cseq || "
	                "' ' || received || ' ' || path || ' ' || user_agent || ' ' || socket || ' ' || "
	                "cflags || ' ' || methods || ' ' || ifnull(domain, 'NULL') FROM location WHERE q > 0"),
	           "alice sip:alice@10.0.0.1 0.5 call-db 42 sip:192.0.2.1:5062 <sip:p1;lr> phone/1.0 "
	           "udp:127.0.0.1:5060 8 4294967295 NULL",
	           "Kamailio's columns, domain NULL without use_domain");
	char q[256], want[64];
	snprintf(q, sizeof q, "SELECT CAST(strftime('%%s', expires) AS INTEGER) - %lld FROM location WHERE q > 0", e1);
	CHECK(!strcmp(sql1(q), "0") || !strcmp(sql1(q), "-1"),
	      "expires is a Julian day (Kamailio's db_sqlite): SQLite's date functions read it");
	CHECK_CSTR(sql1("SELECT typeof(expires) FROM location LIMIT 1"), "real", "stored as REAL");
	CHECK_CSTR(sql1("SELECT table_version FROM version WHERE table_name='location'"), "9",
	           "the version table says 9");
	const char *before = strdup(dump(d, "alice"));
	ul_stop();
	CHECK_CSTR(dump(d, "alice"), "", "stopped: the memory is empty");
	CHECK_INT(ul_start(), 0, "started again");
	CHECK_CSTR(dump(d, "alice"), before, "every binding back, field for field (ruid and expiry too)");
	free((void *)before);
	/* a refresh and a removal reach the file at once */
	ul_lock(d, S_("alice"));
	ul_record *r = ul_get_record(d, S_("alice"));
	ul_cinfo ci = { .c = S_("sip:alice@10.0.0.1"), .callid = S_("call-db"), .user_agent = S_("x"),
	                .q = 800, .expires = e1 + 60, .cseq = 43, .last_modified = ul_now(), .tcpconn_id = -1 };
	ul_update_contact(d, r, r->contacts, &ci);
	ul_delete_contact(d, r, r->contacts->next);
	ul_unlock(d, S_("alice"));
	CHECK_CSTR(sql1("SELECT count(*) || ' ' || q || ' ' || cseq FROM location"), "1 0.8 43",
	           "update and delete written through");
	/* expiry removes the row too */
	put(d, "bob", "sip:bob@10.0.0.3", -1, ul_now() + 2);
	CHECK_CSTR(sql1("SELECT count(*) FROM location"), "2", "bob's row");
	ul_timer_run(ul_now() + 3);
	CHECK_CSTR(sql1("SELECT count(*) FROM location WHERE username='bob'"), "0", "expired: row deleted");
	ul_stop();
	snprintf(want, sizeof want, "ok");
	CHECK_CSTR(sql1("PRAGMA integrity_check"), want, "PRAGMA integrity_check: ok");
}

static void write_back(void)
{
	sql_exec("DELETE FROM location");
	ul_cfg.db_mode = 2;
	ul_domain *d = ul_domain_get("location", 8);
	CHECK_INT(ul_start(), 0, "usrloc starts with db_mode 2");
	char aor[32], uri[64];
	for (int i = 0; i < 1000; i++) {
		snprintf(aor, sizeof aor, "user%d", i);
		snprintf(uri, sizeof uri, "sip:user%d@10.0.%d.%d", i, i / 250, i % 250);
		put(d, aor, uri, i % 1001, ul_now() + 600 + i);
	}
	CHECK_CSTR(sql1("SELECT count(*) FROM location"), "0", "write-back: nothing written yet");
	ul_timer_run(ul_now());
	CHECK_CSTR(sql1("SELECT count(*) FROM location"), "1000", "the timer run writes the 1000 bindings");
	ul_lock(d, S_("user7"));
	ul_record *r = ul_get_record(d, S_("user7"));
	ul_delete_contact(d, r, r->contacts);
	ul_release_record(d, r);
	ul_unlock(d, S_("user7"));
	put(d, "late", "sip:late@10.9.9.9", 100, ul_now() + 900);
	CHECK_CSTR(sql1("SELECT count(*) FROM location"), "1000", "changes wait for the next run");
	const char *u5 = strdup(dump(d, "user5"));
	ul_stop(); /* stop writes what is pending */
	CHECK_CSTR(sql1("SELECT count(*) FROM location"), "1000", "at stop: one row gone, one added");
	CHECK_CSTR(sql1("SELECT count(*) FROM location WHERE username IN ('user7')"), "0", "user7 deleted");
	CHECK_INT(ul_start(), 0, "started again");
	CHECK_CSTR(dump(d, "user5"), u5, "user5 back as it was");
	free((void *)u5);
	long long users = 0, contacts = 0;
	ul_domain_stats(d, &users, &contacts);
	CHECK_INT(contacts, 1000, "1000 bindings loaded");
	CHECK_INT(users, 1000, "in 1000 AoRs");
	ul_stop();
	CHECK_CSTR(sql1("PRAGMA integrity_check"), "ok", "PRAGMA integrity_check: ok");
}

/* A row as Kamailio's kamctl or an older tool may write it: text dates. */
static void foreign_rows(void)
{
	sql_exec("DELETE FROM location");
	sql_exec("INSERT INTO location (ruid, username, contact, expires, q, callid, cseq, last_modified, "
	         "user_agent) VALUES ('uloc-kam-1', 'zoe', 'sip:zoe@10.1.1.1', '2030-05-28 21:32:15', 1.0, "
	         "'k-1', 3, '2026-01-01 00:00:00', 'kamctl')");
	ul_cfg.db_mode = 1;
	ul_domain *d = ul_domain_get("location", 8);
	CHECK_INT(ul_start(), 0, "started on a table Kamailio wrote");
	CHECK_CSTR(dump(d, "zoe"),
	           "sip:zoe@10.1.1.1 q=1000 exp=1906234335 rcv= path= cid=k-1 cseq=3 ua=kamctl sock= "
	           "cflags=0 ruid=uloc-kam-1\n",
	           "a text date is read as UTC; q 1.0 is 1000");
	ul_stop();
}

int main(void)
{
	listen_loopback(NULL, NULL);
	snprintf(path, sizeof path, "/tmp/routec-uldb-%d.db", (int)getpid());
	unlink(path);
	write_through();
	write_back();
	foreign_rows();
	ul_cfg.db_mode = 0;
	ul_domains_free();
	rt_socks_close();
	char side[300];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	return summary();
}
