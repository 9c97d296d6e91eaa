/* ul_db.c: the location tables in SQLite, as Kamailio keeps them.
 *
 * One table per domain, named after it, with the columns of Kamailio's
 * `location` table (schema version 9, utils/kamctl/db_sqlite), so kamctl,
 * Kamailio's own db_sqlite and anything that reads Kamailio's database can
 * read ours, and the other way round.  Like Kamailio's db_sqlite, DATETIME
 * columns (expires, last_modified) hold a Julian day number (REAL);
 * text dates ('2030-05-28 21:32:15', UTC) are read too.
 *
 * One connection per process, behind one mutex.  Workers write through it
 * in db_mode 1 while holding a slot lock (the order is always slot, then
 * database: nothing takes a slot lock while holding this one).  The file
 * is in WAL mode with synchronous=NORMAL: a commit does not wait for the
 * disk, and a crash loses at most the last commits, never the file.
 *
 * Write-back (db_mode 2) copies what changed under each slot lock in turn,
 * then writes it all in one transaction: workers never wait for the disk.
 */
#include "modules/usrloc/ul_int.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLS "ruid, username, domain, contact, received, path, expires, q, callid, cseq, " \
             "last_modified, flags, cflags, user_agent, socket, methods, instance, reg_id, " \
             "server_id, connection_id, keepalive, partition"
#define NCOLS 22

typedef struct db_table {
	ul_domain *d;
	sqlite3_stmt *ins, *upd, *del;
} db_table;

static pthread_mutex_t db_lock = PTHREAD_MUTEX_INITIALIZER;
static sqlite3 *db;
static db_table tables[UL_MAX_DOMAINS];
static int ntables;

int ul_db_url_path(const char *url, char *path, int cap)
{
	static const char scheme[] = "sqlite://";
	if (strncmp(url, scheme, sizeof scheme - 1) != 0) {
		rt_log(RT_L_ERR, "usrloc: db_url '%s': only sqlite:///path is supported", url);
		return -1;
	}
	const char *p = url + sizeof scheme - 1;
	if (!*p || (int)strlen(p) >= cap) {
		rt_log(RT_L_ERR, "usrloc: db_url '%s' names no file", url);
		return -1;
	}
	snprintf(path, (size_t)cap, "%s", p);
	return 0;
}

static int exec(const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		rt_log(RT_L_ERR, "usrloc: sqlite: %s: %s", err ? err : "error", sql);
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

int ul_db_open(const char *path)
{
	pthread_mutex_lock(&db_lock);
	int rc = -1;
	if (db) {
		rc = 0;
		goto out;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		rt_log(RT_L_ERR, "usrloc: cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "no memory");
		sqlite3_close(db);
		db = NULL;
		goto out;
	}
	sqlite3_busy_timeout(db, 5000); /* another reader (kamctl, sqlite3) may hold it briefly */
	if (exec("PRAGMA journal_mode=WAL") < 0 || exec("PRAGMA synchronous=NORMAL") < 0 ||
	    exec("CREATE TABLE IF NOT EXISTS version (id INTEGER PRIMARY KEY NOT NULL, "
	         "table_name VARCHAR(32) NOT NULL, table_version INTEGER DEFAULT 0 NOT NULL, "
	         "CONSTRAINT version_table_name_idx UNIQUE (table_name))") < 0) {
		sqlite3_close(db);
		db = NULL;
		goto out;
	}
	rc = 0;
out:
	pthread_mutex_unlock(&db_lock);
	return rc;
}

int ul_db_is_open(void)
{
	return db != NULL;
}

void ul_db_close(void)
{
	pthread_mutex_lock(&db_lock);
	for (int i = 0; i < ntables; i++) {
		sqlite3_finalize(tables[i].ins);
		sqlite3_finalize(tables[i].upd);
		sqlite3_finalize(tables[i].del);
	}
	ntables = 0;
	if (db)
		sqlite3_close(db);
	db = NULL;
	pthread_mutex_unlock(&db_lock);
}

/* Kamailio's db_sqlite conversions (DATETIME as a Julian day). */
static double time_to_jd(long long t)
{
	return (((double)t) - 0.5) / 86400.0 + 2440587.5;
}

static long long jd_to_time(double jd)
{
	return (long long)floor(86400.0 * (jd - 2440587.5) + 0.5 + 0.5);
}

/* ---- the table of a domain ---------------------------------------------------------- */

static int create_table(const char *t)
{
	char sql[2048];
	snprintf(sql, sizeof sql,
	         "CREATE TABLE IF NOT EXISTS %s (id INTEGER PRIMARY KEY NOT NULL, "
	         "ruid VARCHAR(64) DEFAULT '' NOT NULL, username VARCHAR(64) DEFAULT '' NOT NULL, "
	         "domain VARCHAR(64) DEFAULT NULL, contact VARCHAR(512) DEFAULT '' NOT NULL, "
	         "received VARCHAR(128) DEFAULT NULL, path VARCHAR(512) DEFAULT NULL, "
	         "expires TIMESTAMP WITHOUT TIME ZONE DEFAULT '2030-05-28 21:32:15' NOT NULL, "
	         "q REAL DEFAULT 1.0 NOT NULL, callid VARCHAR(255) DEFAULT 'Default-Call-ID' NOT NULL, "
	         "cseq INTEGER DEFAULT 1 NOT NULL, "
	         "last_modified TIMESTAMP WITHOUT TIME ZONE DEFAULT '2000-01-01 00:00:01' NOT NULL, "
	         "flags INTEGER DEFAULT 0 NOT NULL, cflags INTEGER DEFAULT 0 NOT NULL, "
	         "user_agent VARCHAR(255) DEFAULT '' NOT NULL, socket VARCHAR(64) DEFAULT NULL, "
	         "methods INTEGER DEFAULT NULL, instance VARCHAR(255) DEFAULT NULL, "
	         "reg_id INTEGER DEFAULT 0 NOT NULL, server_id INTEGER DEFAULT 0 NOT NULL, "
	         "connection_id INTEGER DEFAULT 0 NOT NULL, keepalive INTEGER DEFAULT 0 NOT NULL, "
	         "partition INTEGER DEFAULT 0 NOT NULL, CONSTRAINT %s_ruid_idx UNIQUE (ruid));"
	         "CREATE INDEX IF NOT EXISTS %s_account_contact_idx ON %s (username, domain, contact);"
	         "CREATE INDEX IF NOT EXISTS %s_expires_idx ON %s (expires);"
	         "CREATE INDEX IF NOT EXISTS %s_tcpcon_idx ON %s (connection_id);"
	         "CREATE INDEX IF NOT EXISTS %s_connection_idx ON %s (server_id, connection_id);"
	         "INSERT OR IGNORE INTO version (table_name, table_version) VALUES ('%s', '9');",
	         t, t, t, t, t, t, t, t, t, t, t);
	return exec(sql);
}

static sqlite3_stmt *prepare(const char *fmt, const char *t)
{
	char sql[1024];
	snprintf(sql, sizeof sql, fmt, t);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		rt_log(RT_L_ERR, "usrloc: sqlite: %s: %s", sqlite3_errmsg(db), sql);
		return NULL;
	}
	return st;
}

/* Under db_lock: the statements of d's table, made on first use. */
static db_table *table_of(ul_domain *d)
{
	for (int i = 0; i < ntables; i++)
		if (tables[i].d == d)
			return &tables[i];
	if (!db || ntables == UL_MAX_DOMAINS || create_table(d->name) < 0)
		return NULL;
	db_table *t = &tables[ntables];
	t->d = d;
	t->ins = prepare("INSERT INTO %s (" COLS ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	                 d->name);
	t->upd = prepare("UPDATE %s SET ruid=?1, username=?2, domain=?3, contact=?4, received=?5, "
	                 "path=?6, expires=?7, q=?8, callid=?9, cseq=?10, last_modified=?11, "
	                 "flags=?12, cflags=?13, user_agent=?14, socket=?15, methods=?16, "
	                 "instance=?17, reg_id=?18, server_id=?19, connection_id=?20, "
	                 "keepalive=?21, partition=?22 WHERE ruid=?1",
	                 d->name);
	t->del = prepare("DELETE FROM %s WHERE ruid=?", d->name);
	if (!t->ins || !t->upd || !t->del) {
		sqlite3_finalize(t->ins);
		sqlite3_finalize(t->upd);
		sqlite3_finalize(t->del);
		return NULL;
	}
	ntables++;
	return t;
}

static void bind_str(sqlite3_stmt *st, int i, rc_str s)
{
	if (s.s)
		sqlite3_bind_text(st, i, s.s, s.len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* The columns of c, in COLS order. */
static void bind_contact(sqlite3_stmt *st, const ul_contact *c)
{
	rc_str user = c->aor, host = { NULL, 0 };
	const char *at = ul_cfg.use_domain ? memchr(c->aor.s, '@', (size_t)c->aor.len) : NULL;
	if (at) {
		user.len = (int)(at - c->aor.s);
		host = (rc_str){ at + 1, c->aor.len - user.len - 1 };
	}
	bind_str(st, 1, c->ruid);
	bind_str(st, 2, user);
	bind_str(st, 3, host);
	bind_str(st, 4, c->c);
	bind_str(st, 5, c->received);
	bind_str(st, 6, c->path);
	sqlite3_bind_double(st, 7, time_to_jd(c->expires));
	sqlite3_bind_double(st, 8, c->q == UL_Q_UNSPECIFIED ? -0.001 : c->q / 1000.0);
	bind_str(st, 9, c->callid);
	sqlite3_bind_int(st, 10, c->cseq);
	sqlite3_bind_double(st, 11, time_to_jd(c->last_modified));
	sqlite3_bind_int64(st, 12, c->flags);
	sqlite3_bind_int64(st, 13, c->cflags);
	bind_str(st, 14, c->user_agent);
	bind_str(st, 15, c->sock_str);
	sqlite3_bind_int64(st, 16, c->methods);
	bind_str(st, 17, c->instance);
	sqlite3_bind_int64(st, 18, c->reg_id);
	sqlite3_bind_int(st, 19, c->server_id);
	sqlite3_bind_int(st, 20, c->tcpconn_id);
	sqlite3_bind_int(st, 21, c->keepalive);
	sqlite3_bind_int(st, 22, 0);
}

static int step(sqlite3_stmt *st, const char *what, ul_domain *d)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		rt_log(RT_L_ERR, "usrloc: %s in table %s failed: %s", what, d->name, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* Under db_lock. */
static int write_locked(ul_domain *d, const ul_contact *c, int insert)
{
	db_table *t = table_of(d);
	if (!t)
		return -1;
	sqlite3_stmt *st = insert ? t->ins : t->upd;
	bind_contact(st, c);
	if (step(st, insert ? "insert" : "update", d) < 0)
		return -1;
	if (!insert && sqlite3_changes(db) == 0) {
		/* the row went (deleted by hand, or never written): write it again */
		bind_contact(t->ins, c);
		return step(t->ins, "insert", d);
	}
	return 0;
}

static int delete_locked(ul_domain *d, rc_str ruid)
{
	db_table *t = table_of(d);
	if (!t)
		return -1;
	bind_str(t->del, 1, ruid);
	return step(t->del, "delete", d);
}

int ul_db_insert(ul_domain *d, const ul_contact *c)
{
	pthread_mutex_lock(&db_lock);
	int rc = write_locked(d, c, 1);
	pthread_mutex_unlock(&db_lock);
	return rc;
}

int ul_db_update(ul_domain *d, const ul_contact *c)
{
	pthread_mutex_lock(&db_lock);
	int rc = write_locked(d, c, 0);
	pthread_mutex_unlock(&db_lock);
	return rc;
}

int ul_db_delete(ul_domain *d, rc_str ruid)
{
	pthread_mutex_lock(&db_lock);
	int rc = delete_locked(d, ruid);
	pthread_mutex_unlock(&db_lock);
	return rc;
}

void ul_db_queue_delete(ul_domain *d, rc_str ruid)
{
	ul_pending *p = malloc(sizeof *p + (size_t)ruid.len);
	if (!p) {
		rt_log(RT_L_ERR, "usrloc: out of memory: row %.*s stays in the database", ruid.len, ruid.s);
		return;
	}
	p->len = ruid.len;
	p->done = 0;
	memcpy(p->ruid, ruid.s, (size_t)ruid.len);
	pthread_mutex_lock(&d->pending_lock);
	p->next = d->pending;
	d->pending = p;
	pthread_mutex_unlock(&d->pending_lock);
}

/* ---- loading ---------------------------------------------------------------------- */

static rc_str col_str(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return (rc_str){ NULL, 0 };
	const char *s = (const char *)sqlite3_column_text(st, i);
	return (rc_str){ s ? s : "", sqlite3_column_bytes(st, i) };
}

static long long col_time(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_TEXT)
		return 0; /* read through strftime (the column after it) */
	return jd_to_time(sqlite3_column_double(st, i));
}

int ul_db_load(ul_domain *d)
{
	pthread_mutex_lock(&db_lock);
	int n = -1;
	sqlite3_stmt *st = NULL;
	if (!table_of(d))
		goto out;
	/* a text date is read with strftime; a number is a Julian day */
	st = prepare("SELECT ruid, username, domain, contact, received, path, expires, q, callid, "
	             "cseq, last_modified, flags, cflags, user_agent, socket, methods, instance, "
	             "reg_id, server_id, connection_id, keepalive, "
	             "CASE typeof(expires) WHEN 'text' THEN CAST(strftime('%%s', expires) AS INTEGER) END, "
	             "CASE typeof(last_modified) WHEN 'text' THEN CAST(strftime('%%s', last_modified) AS INTEGER) END "
	             "FROM %s",
	             d->name);
	if (!st)
		goto out;
	n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char aor[UL_AOR_MAX + 1];
		rc_str user = col_str(st, 1), host = col_str(st, 2);
		int alen = snprintf(aor, sizeof aor, "%.*s", user.len, user.s ? user.s : "");
		if (ul_cfg.use_domain && host.s && host.len)
			alen += snprintf(aor + alen, sizeof aor - (size_t)alen, "@%.*s", host.len, host.s);
		if (alen >= (int)sizeof aor)
			continue;
		double q = sqlite3_column_double(st, 7);
		ul_cinfo ci = {
			.ruid = col_str(st, 0), .c = col_str(st, 3), .received = col_str(st, 4),
			.path = col_str(st, 5), .callid = col_str(st, 8), .user_agent = col_str(st, 13),
			.sock_str = col_str(st, 14), .instance = col_str(st, 16),
			.expires = col_time(st, 6), .last_modified = col_time(st, 10),
			.q = q < 0 ? UL_Q_UNSPECIFIED : (int)lround(q * 1000.0),
			.cseq = sqlite3_column_int(st, 9),
			.flags = (unsigned)sqlite3_column_int64(st, 11),
			.cflags = (unsigned)sqlite3_column_int64(st, 12),
			.methods = sqlite3_column_type(st, 15) == SQLITE_NULL ? 0xFFFFFFFFu
			                                                      : (unsigned)sqlite3_column_int64(st, 15),
			.reg_id = (unsigned)sqlite3_column_int64(st, 17),
			.server_id = sqlite3_column_int(st, 18), .tcpconn_id = sqlite3_column_int(st, 19),
		};
		if (sqlite3_column_type(st, 6) == SQLITE_TEXT)
			ci.expires = sqlite3_column_int64(st, 21);
		if (sqlite3_column_type(st, 10) == SQLITE_TEXT)
			ci.last_modified = sqlite3_column_int64(st, 22);
		if (ci.q > 1000)
			ci.q = 1000;
		ci.sock = ul_sock_find(ci.sock_str); /* if it is still one of ours */
		rc_str a = { aor, alen };
		ul_lock(d, a);
		int lrc = ul_load_contact(d, a, &ci);
		ul_unlock(d, a);
		if (lrc < 0)
			break;
		n++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		rt_log(RT_L_ERR, "usrloc: reading table %s: %s", d->name, sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db_lock);
	return n;
}

/* ---- write-back ------------------------------------------------------------------- */

typedef struct dirty {
	struct dirty *next;
	ul_domain *d;
	ul_contact *c; /* a copy */
	int insert;
	int done;
} dirty;

/* A write that failed: the contact, if it is still there and unchanged
 * since, is marked to be written again. */
static void mark_again(const dirty *x)
{
	ul_lock(x->d, x->c->aor);
	ul_record *r = ul_get_record(x->d, x->c->aor);
	ul_contact *c = r ? ul_find_ruid(r, x->c->ruid) : NULL;
	if (c && c->state == UL_CS_SYNC)
		c->state = x->insert ? UL_CS_NEW : UL_CS_DIRTY;
	ul_unlock(x->d, x->c->aor);
}

/* Write-through (db_mode 1): what failed to be written before is written
 * again, under its slot lock like every write-through write, so it can
 * never overtake a newer change of the same binding. */
static int flush_through(void)
{
	int n = 0, failed = 0;
	for (int k = 0; ul_domain_at(k); k++) {
		ul_domain *d = ul_domain_at(k);
		for (int i = 0; i < d->size; i++) {
			if (!d->slots[i].first)
				continue;
			ul_lock_slot(d, i);
			for (ul_record *r = d->slots[i].first; r; r = r->next)
				for (ul_contact *c = r->contacts; c; c = c->next) {
					if (c->state == UL_CS_SYNC || (c->flags & UL_FL_MEM))
						continue;
					int rc = c->state == UL_CS_NEW ? ul_db_insert(d, c) : ul_db_update(d, c);
					if (rc == 0) {
						c->state = UL_CS_SYNC;
						n++;
					} else {
						failed = 1;
					}
				}
			ul_unlock_slot(d, i);
		}
		pthread_mutex_lock(&d->pending_lock);
		ul_pending *p = d->pending;
		d->pending = NULL;
		pthread_mutex_unlock(&d->pending_lock);
		for (ul_pending *pn; p; p = pn) {
			pn = p->next;
			if (ul_db_delete(d, (rc_str){ p->ruid, p->len }) == 0) {
				n++;
			} else {
				failed = 1;
				ul_db_queue_delete(d, (rc_str){ p->ruid, p->len });
			}
			free(p);
		}
	}
	return failed ? -1 : n;
}

int ul_db_flush(void)
{
	if (!db)
		return 0;
	if (ul_cfg.db_mode == 1)
		return flush_through();
	dirty *list = NULL, **tail = &list;
	/* 1. copy what changed, one slot at a time */
	for (int k = 0; ul_domain_at(k); k++) {
		ul_domain *d = ul_domain_at(k);
		for (int i = 0; i < d->size; i++) {
			if (!d->slots[i].first)
				continue; /* racy peek: a record added now is caught next time */
			ul_lock_slot(d, i);
			for (ul_record *r = d->slots[i].first; r; r = r->next)
				for (ul_contact *c = r->contacts; c; c = c->next) {
					if (c->state == UL_CS_SYNC || (c->flags & UL_FL_MEM))
						continue;
					dirty *x = calloc(1, sizeof *x);
					if (!x || !(x->c = ul_contact_dup(c))) {
						free(x);
						continue; /* stays dirty: next time */
					}
					x->d = d;
					x->insert = c->state == UL_CS_NEW;
					*tail = x;
					tail = &x->next;
					c->state = UL_CS_SYNC;
				}
			ul_unlock_slot(d, i);
		}
	}
	/* 2. deletions owed, taken after the copies: a row copied for insert
	   and deleted since is deleted after it is written */
	ul_pending *dels[UL_MAX_DOMAINS] = { 0 };
	ul_domain *ddom[UL_MAX_DOMAINS] = { 0 };
	for (int k = 0; k < UL_MAX_DOMAINS && ul_domain_at(k); k++) {
		ul_domain *d = ddom[k] = ul_domain_at(k);
		pthread_mutex_lock(&d->pending_lock);
		dels[k] = d->pending;
		d->pending = NULL;
		pthread_mutex_unlock(&d->pending_lock);
	}
	int n = 0, failed = 0, any = list != NULL;
	for (int k = 0; k < UL_MAX_DOMAINS; k++)
		any |= dels[k] != NULL;
	if (!any)
		return 0;
	/* 3. one transaction */
	pthread_mutex_lock(&db_lock);
	int tx = exec("BEGIN") == 0;
	for (dirty *x = list; x; x = x->next)
		if (write_locked(x->d, x->c, x->insert) == 0)
			x->done = 1;
	for (int k = 0; k < UL_MAX_DOMAINS; k++)
		for (ul_pending *p = dels[k]; p; p = p->next)
			p->done = delete_locked(ddom[k], (rc_str){ p->ruid, p->len }) == 0;
	if (tx && exec("COMMIT") < 0) {
		exec("ROLLBACK");
		tx = 0;
	}
	pthread_mutex_unlock(&db_lock);
	/* what did not reach the file is written again next time */
	for (dirty *x = list, *xn; x; x = xn) {
		xn = x->next;
		if (tx && x->done) {
			n++;
		} else {
			failed = 1;
			mark_again(x);
		}
		ul_contact_free(x->c);
		free(x);
	}
	for (int k = 0; k < UL_MAX_DOMAINS; k++)
		for (ul_pending *p = dels[k], *pn; p; p = pn) {
			pn = p->next;
			if (tx && p->done) {
				n++;
			} else {
				failed = 1;
				ul_db_queue_delete(ddom[k], (rc_str){ p->ruid, p->len });
			}
			free(p);
		}
	if (failed)
		rt_log(RT_L_ERR, "usrloc: some location rows could not be written; trying again at the next timer run");
	return failed ? -1 : n;
}
