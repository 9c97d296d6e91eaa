/* ul_int.h: what the files of usrloc share and nobody else needs: the
 * domain's layout, the database layer and the write-back queue. */
#ifndef ROUTEC_UL_INT_H
#define ROUTEC_UL_INT_H

#include <pthread.h>

#include "core/stats.h"
#include "modules/usrloc/ul.h"

#define UL_MAX_DOMAINS 16
#define UL_NAME_MAX 64

typedef struct ul_slot {
	pthread_mutex_t lock;
	ul_record *first;
	int n;
} ul_slot;

/* A deletion the write-back cache owes the database (db_mode 2). */
typedef struct ul_pending {
	struct ul_pending *next;
	int len;
	int done; /* written by the flush in progress */
	char ruid[];
} ul_pending;

struct ul_domain {
	char name[UL_NAME_MAX];
	int size;
	uint32_t mask;
	ul_slot *slots;
	rt_stat *users, *contacts, *expires; /* usrloc:<name>-users ... */
	int loaded;                          /* rows read from the database */
	pthread_mutex_t pending_lock;
	ul_pending *pending;
};

/* ---- ul_table.c -------------------------------------------------------------- */

/* A contact read from the database: inserted with its ruid and state
 * CS_SYNC, no event, no write. */
int ul_load_contact(ul_domain *d, rc_str aor, const ul_cinfo *ci);
/* Frees every record of d (stop). */
void ul_domain_clear(ul_domain *d);

/* ---- ul_db.c: SQLite ---------------------------------------------------------- */

/* "sqlite:///var/lib/x.db" -> "/var/lib/x.db" into path: 0, or -1 for
 * another scheme (logged). */
int ul_db_url_path(const char *url, char *path, int cap);
int ul_db_open(const char *path);
void ul_db_close(void);
int ul_db_is_open(void);
/* Creates d's table when missing (Kamailio's location schema, version 9)
 * and loads its rows into memory: how many, or -1. */
int ul_db_load(ul_domain *d);
/* Write-through (db_mode 1): one statement each, 0 or -1 (logged). */
int ul_db_insert(ul_domain *d, const ul_contact *c);
int ul_db_update(ul_domain *d, const ul_contact *c);
int ul_db_delete(ul_domain *d, rc_str ruid);
/* Write-back (db_mode 2): every NEW or DIRTY contact of every domain and
 * the queued deletions, in one transaction.  Rows written, or -1. */
int ul_db_flush(void);
/* Queue the deletion of a contact's row for the next flush. */
void ul_db_queue_delete(ul_domain *d, rc_str ruid);

/* ---- ul_mod.c ------------------------------------------------------------------ */

/* A table was created after the start (a reloaded script names a new
 * one): load its rows now. */
void ul_on_new_domain(ul_domain *d);

/* ---- ul_timer.c ---------------------------------------------------------------- */

int ul_timer_start(int interval);
void ul_timer_stop(void);

#endif
