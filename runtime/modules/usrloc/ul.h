/* ul.h: the location table (usrloc): who is registered where.
 *
 * A domain is one location table ("location"), named by the scripts'
 * save("location") / lookup("location"), and by the database table that
 * keeps it.  It is a hash table of 2^hash_size slots, each with its own
 * mutex; a slot holds the records (one per address of record, AoR) whose
 * hash falls in it, a record its contacts (bindings), kept sorted by q,
 * highest first, then by registration order.
 *
 * Locking: everything about one AoR happens under its slot's lock:
 *
 *   ul_lock(d, aor);
 *   ul_record *r = ul_get_record(d, aor);    NULL: no such AoR
 *   ... read r->contacts, ul_insert_contact(d, &r, aor, &ci) ...
 *   ul_release_record(d, r);                 drops the record if now empty
 *   ul_unlock(d, aor);
 *
 * Nothing read from a record may be used after ul_unlock: copy it.  The
 * expiry timer and the control methods take the same locks, slot by slot.
 * Writes reach the database (db_mode 1) under the slot lock, so the rows
 * of one AoR are written in the order its changes were made.
 *
 * Every change raises its event on the bus (core/evbus.h), under the slot
 * lock: E_UL_AOR_INSERT / E_UL_AOR_DELETE (attributes domain, aor) and
 * E_UL_CONTACT_INSERT / _UPDATE / _DELETE (domain, aor, uri, received,
 * path, qval, user_agent, socket, bflags, expires, callid, cseq, ruid,
 * instance, reg_id; OpenSIPS's names).
 */
#ifndef ROUTEC_UL_H
#define ROUTEC_UL_H

#include <stdint.h>

#include "core/rt.h"

#define UL_AOR_MAX 256        /* bytes of an AoR (Kamailio's MAX_AOR_LEN) */
#define UL_Q_UNSPECIFIED (-1) /* no q given: sorts lowest, printed without ;q= */
#define UL_FL_MEM 1           /* contact flag: never written to the database */

/* Write-back state of a contact (db_mode 2), as ul.dump prints it. */
enum { UL_CS_NEW, UL_CS_SYNC, UL_CS_DIRTY };

typedef struct ul_domain ul_domain;

typedef struct ul_contact {
	struct ul_contact *next;
	rc_str aor;        /* the record's AoR (same block) */
	rc_str c;          /* contact URI */
	rc_str received;   /* s == NULL: none */
	rc_str path;       /* s == NULL: none */
	rc_str callid;
	rc_str user_agent;
	rc_str ruid;
	rc_str instance;   /* +sip.instance, s == NULL: none */
	rc_str sock_str;   /* "udp:127.0.0.1:5060", s == NULL: none */
	const rt_sock *sock; /* the listening socket it names, or NULL */
	long long expires;   /* absolute (unix seconds); 0: permanent */
	long long last_modified, last_keepalive;
	int q;               /* 0..1000, or UL_Q_UNSPECIFIED */
	int cseq;
	unsigned flags, cflags, methods, reg_id;
	int server_id, tcpconn_id, keepalive;
	int state;           /* UL_CS_* */
	uint64_t order;      /* registration order, for ties of q */
} ul_contact;

typedef struct ul_record {
	struct ul_record *next; /* in the slot */
	rc_str aor;
	uint32_t hash;
	int ncontacts;
	ul_contact *contacts;
} ul_record;

/* What save() gives for a contact to insert or update.  Strings are copied. */
typedef struct ul_cinfo {
	rc_str c, received, path, callid, user_agent, instance;
	rc_str ruid;             /* empty: a new one is made (insert only) */
	rc_str sock_str;
	const rt_sock *sock;
	long long expires;       /* absolute, 0: permanent */
	long long last_modified;
	int q, cseq;
	unsigned flags, cflags, methods, reg_id;
	int server_id, tcpconn_id;
} ul_cinfo;

/* ---- configuration (ul_mod.c): usrloc's modparams, per process ---------------- */

typedef struct ul_conf {
	int use_domain;      /* AoR is user@host */
	int matching_mode;   /* 0 contact, 1 contact+Call-ID, 2 contact+Path, 3 Call-ID */
	int cseq_delay;      /* s: same Call-ID and CSeq within it is a retransmission */
	int desc_time_order; /* newest first instead of by q */
	int db_mode;         /* 0 memory, 1 write-through, 2 write-back */
	int db_load;         /* load the table at start (modes 1, 2) */
	int timer_interval;  /* s between expiry runs */
	int hash_size;       /* slots = 2^hash_size */
	int nat_bflag;       /* branch flag of NATed contacts, -1 none */
	char db_url[512];
	char db_path[512];   /* the file db_url names */
} ul_conf;
extern ul_conf ul_cfg;

/* ---- domains ----------------------------------------------------------------- */

/* The domain (location table) named, created on first use: a script
 * function's preparation calls it when the script is loaded.  NULL when
 * out of memory or the name is not a table name (logged). */
ul_domain *ul_domain_get(const char *name, int len);
/* The domain named, or NULL. */
ul_domain *ul_domain_find(const char *name, int len);
/* Every domain, in creation order; NULL past the end. */
ul_domain *ul_domain_at(int i);
const char *ul_domain_name(const ul_domain *d);
int ul_domain_size(const ul_domain *d);

/* ---- records and contacts (ul_table.c): under ul_lock ------------------------------ */

uint32_t ul_aor_hash(rc_str aor);
void ul_lock(ul_domain *d, rc_str aor);
void ul_unlock(ul_domain *d, rc_str aor);
void ul_lock_slot(ul_domain *d, int slot);
void ul_unlock_slot(ul_domain *d, int slot);
/* The first record of a slot (locked); iterate with ->next. */
ul_record *ul_slot_first(ul_domain *d, int slot);

ul_record *ul_get_record(ul_domain *d, rc_str aor);
/* The record, created (E_UL_AOR_INSERT) when missing; NULL when out of
 * memory. */
ul_record *ul_get_or_insert_record(ul_domain *d, rc_str aor);
/* Removes the record when it has no contacts left (E_UL_AOR_DELETE). */
void ul_release_record(ul_domain *d, ul_record *r);
/* Removes every contact of the AoR and the record: 0 (also when there was
 * none), -1 on a database error (the memory is changed anyway). */
int ul_delete_record(ul_domain *d, rc_str aor);

/* Kamailio's get_ucontact: 0 found (*out), 1 not found, -1 found with the
 * same Call-ID and a lower CSeq (or an equal one after cseq_delay), -2 the
 * same Call-ID and CSeq within cseq_delay: a retransmission.  instance
 * set: matched by +sip.instance and reg_id instead (0 or 1). */
int ul_find_contact(ul_record *r, const ul_cinfo *ci, ul_contact **out);
/* The contact with this ruid, or NULL. */
ul_contact *ul_find_ruid(ul_record *r, rc_str ruid);

/* Insert a contact (E_UL_CONTACT_INSERT): the new contact, or NULL (out of
 * memory, logged). */
ul_contact *ul_insert_contact(ul_domain *d, ul_record *r, const ul_cinfo *ci);
/* Update c from ci (E_UL_CONTACT_UPDATE): the contact keeps its ruid, and
 * its URI unless ci has an instance; it moves when its q changed.  Returns
 * the contact (it may be a new block: c is then freed), or NULL. */
ul_contact *ul_update_contact(ul_domain *d, ul_record *r, ul_contact *c, const ul_cinfo *ci);
/* Remove and free c (E_UL_CONTACT_DELETE): 0, or -1 on a database error. */
int ul_delete_contact(ul_domain *d, ul_record *r, ul_contact *c);

/* 1 when c is valid at now: not expired (expires > now), or permanent. */
static inline int ul_valid(const ul_contact *c, long long now)
{
	return c->expires == 0 || c->expires > now;
}

/* Kamailio's socket text of a listening socket ("udp:127.0.0.1:5060",
 * "udp:[::1]:5060"): its length. */
int ul_sock_text(const rt_sock *s, char *out, int cap);
/* The listening socket named by such a text, or NULL. */
const rt_sock *ul_sock_find(rc_str text);

/* A detached copy of c (one malloc; next is NULL), or NULL.  ul_free. */
ul_contact *ul_contact_dup(const ul_contact *c);
void ul_contact_free(ul_contact *c);

/* ---- the expiry timer (ul_timer.c) ------------------------------------------------ */

/* Called by the timer thread once per expired contact, after it was
 * removed and with no lock held (registrar runs
 * event_route[usrloc:contact-expired] here).  c is a detached copy. */
typedef void (*ul_expired_fn)(ul_domain *d, const ul_contact *c);
void ul_set_expired_hook(ul_expired_fn fn);
/* One run of the timer now: removes what expired at `now`, flushes the
 * write-back cache (db_mode 2).  The timer thread calls it every
 * timer_interval; tests call it directly.  How many contacts expired. */
int ul_timer_run(long long now);

/* ---- the process (ul_mod.c) ------------------------------------------------------ */

/* Open the database, load the tables, register statistics and control
 * methods, start the timer thread: 0 or -1 (logged).  ul_stop undoes it
 * (flushing the write-back cache first) and frees every table. */
int ul_start(void);
void ul_stop(void);
int ul_started(void);
/* Seconds since the epoch (what expires and last_modified count). */
long long ul_now(void);

/* ---- internal to usrloc ------------------------------------------------------------ */

/* Statistics and counters of a domain (ul_table.c). */
void ul_domain_stats(ul_domain *d, long long *users, long long *contacts);
void ul_domains_free(void);
/* RPC methods (ul_rpc.c). */
int ul_rpc_register(void);

#endif
