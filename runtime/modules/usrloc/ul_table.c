/* ul_table.c: the in-memory location table: domains, slots, records,
 * contacts, and the events their changes raise.
 *
 * Memory: a record is one malloc (the struct and its AoR), a contact is one
 * malloc (the struct and all its strings, the AoR included, so a copy of it
 * stands alone).  An update builds a new contact block and puts it where
 * the old one was: strings change length, and a reader never holds a
 * contact across ul_unlock anyway.
 *
 * Order: contacts are kept by q, highest first; equal q in registration
 * order (what Kamailio's insert does).  When a refresh changes a contact's
 * q it moves to its place by the same rule.  Kamailio 5.6 moves it to an
 * *ascending* position instead (update_contact_pos, a bug still on master),
 * so after a q change its list can be out of order; routec keeps the order
 * strict (docs/registrar.md).  desc_time_order=1: newest first, q ignored.
 */
#include "modules/usrloc/ul_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/evbus.h"

static pthread_mutex_t domains_lock = PTHREAD_MUTEX_INITIALIZER;
static ul_domain *domains[UL_MAX_DOMAINS];
static atomic_int ndomains;
static atomic_uint_fast64_t next_order;
static atomic_uint ruid_counter;
static unsigned ruid_time, ruid_pid;

long long ul_now(void)
{
	return (long long)time(NULL);
}

/* ---- events ---------------------------------------------------------------------- */

static rt_event *ev_aor_ins, *ev_aor_del, *ev_c_ins, *ev_c_upd, *ev_c_del;
static pthread_once_t ev_once = PTHREAD_ONCE_INIT;

static void ev_declare(void)
{
	ev_aor_ins = rt_ev_declare("E_UL_AOR_INSERT");
	ev_aor_del = rt_ev_declare("E_UL_AOR_DELETE");
	ev_c_ins = rt_ev_declare("E_UL_CONTACT_INSERT");
	ev_c_upd = rt_ev_declare("E_UL_CONTACT_UPDATE");
	ev_c_del = rt_ev_declare("E_UL_CONTACT_DELETE");
}

static rc_str cstr(const char *s)
{
	return (rc_str){ s, (int)strlen(s) };
}

static void ev_aor(rt_event *ev, ul_domain *d, rc_str aor)
{
	if (!rt_ev_listeners(ev))
		return;
	rt_ev_attr a[2] = { RT_EV_STR("domain", cstr(d->name)), RT_EV_STR("aor", aor) };
	rt_ev_raise(ev, a, 2);
}

static void ev_contact(rt_event *ev, ul_domain *d, const ul_contact *c)
{
	if (!rt_ev_listeners(ev))
		return;
	rt_ev_attr a[] = {
		RT_EV_STR("domain", cstr(d->name)), RT_EV_STR("aor", c->aor), RT_EV_STR("uri", c->c),
		RT_EV_STR("received", c->received), RT_EV_STR("path", c->path),
		RT_EV_INT("qval", c->q), RT_EV_STR("user_agent", c->user_agent),
		RT_EV_STR("socket", c->sock_str), RT_EV_INT("bflags", c->cflags),
		RT_EV_INT("expires", c->expires), RT_EV_STR("callid", c->callid),
		RT_EV_INT("cseq", c->cseq), RT_EV_STR("ruid", c->ruid),
		RT_EV_STR("instance", c->instance), RT_EV_INT("reg_id", c->reg_id),
	};
	/* an absent string is no value, not an empty one */
	for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
		if (a[i].type == RC_STR && !a[i].s.s)
			a[i].type = RC_NULL;
	rt_ev_raise(ev, a, (int)(sizeof a / sizeof a[0]));
}

/* ---- domains --------------------------------------------------------------------- */

static int name_ok(const char *s, int len)
{
	if (len <= 0 || len >= UL_NAME_MAX)
		return 0;
	for (int i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0; /* it is also an SQL table name */
	return 1;
}

ul_domain *ul_domain_find(const char *name, int len)
{
	int n = atomic_load_explicit(&ndomains, memory_order_acquire);
	for (int i = 0; i < n; i++)
		if ((int)strlen(domains[i]->name) == len && !memcmp(domains[i]->name, name, (size_t)len))
			return domains[i];
	return NULL;
}

/* usrloc:<table>-<what>, Kamailio's names.  Statistics live as long as the
 * process: a table made again (a restart in tests) finds its counters. */
static rt_stat *domain_stat(const char *table, const char *what, int flags)
{
	char name[UL_NAME_MAX + 16];
	snprintf(name, sizeof name, "%s-%s", table, what);
	rt_stat *s = rt_stat_find("usrloc", name);
	if (s)
		return s;
	char *keep = strdup(name);
	return keep ? rt_stat_new("usrloc", keep, flags) : NULL;
}

static ul_domain *domain_new(const char *name, int len)
{
	int bits = ul_cfg.hash_size < 1 ? 1 : ul_cfg.hash_size > 20 ? 20 : ul_cfg.hash_size;
	ul_domain *d = calloc(1, sizeof *d);
	if (!d || !(d->slots = calloc((size_t)1 << bits, sizeof *d->slots))) {
		free(d);
		return NULL;
	}
	memcpy(d->name, name, (size_t)len);
	d->size = 1 << bits;
	d->mask = (uint32_t)d->size - 1;
	for (int i = 0; i < d->size; i++)
		pthread_mutex_init(&d->slots[i].lock, NULL);
	pthread_mutex_init(&d->pending_lock, NULL);
	d->users = domain_stat(d->name, "users", RT_STAT_NO_RESET);
	d->contacts = domain_stat(d->name, "contacts", RT_STAT_NO_RESET);
	d->expires = domain_stat(d->name, "expires", 0);
	return d;
}

ul_domain *ul_domain_get(const char *name, int len)
{
	pthread_once(&ev_once, ev_declare);
	if (!name_ok(name, len)) {
		rt_log(RT_L_ERR, "usrloc: '%.*s' is not a usable table name (letters, digits, '_')", len,
		       name);
		return NULL;
	}
	pthread_mutex_lock(&domains_lock);
	ul_domain *d = ul_domain_find(name, len);
	int created = 0;
	if (!d) {
		int n = atomic_load_explicit(&ndomains, memory_order_relaxed);
		if (n == UL_MAX_DOMAINS)
			rt_log(RT_L_ERR, "usrloc: more than %d location tables", UL_MAX_DOMAINS);
		else if (!(d = domain_new(name, len)))
			rt_log(RT_L_ERR, "usrloc: out of memory for table %.*s", len, name);
		else {
			domains[n] = d;
			atomic_store_explicit(&ndomains, n + 1, memory_order_release);
			created = 1;
		}
	}
	pthread_mutex_unlock(&domains_lock);
	if (created)
		ul_on_new_domain(d);
	return d;
}

ul_domain *ul_domain_at(int i)
{
	return i >= 0 && i < atomic_load_explicit(&ndomains, memory_order_acquire) ? domains[i] : NULL;
}

const char *ul_domain_name(const ul_domain *d)
{
	return d->name;
}

int ul_domain_size(const ul_domain *d)
{
	return d->size;
}

void ul_domain_stats(ul_domain *d, long long *users, long long *contacts)
{
	*users = rt_stat_get(d->users);
	*contacts = rt_stat_get(d->contacts);
}

void ul_domain_clear(ul_domain *d)
{
	for (int i = 0; i < d->size; i++) {
		ul_slot *s = &d->slots[i];
		pthread_mutex_lock(&s->lock);
		for (ul_record *r = s->first, *rn; r; r = rn) {
			rn = r->next;
			for (ul_contact *c = r->contacts, *cn; c; c = cn) {
				cn = c->next;
				free(c);
			}
			free(r);
		}
		s->first = NULL;
		s->n = 0;
		pthread_mutex_unlock(&s->lock);
	}
	rt_stat_set(d->users, 0);
	rt_stat_set(d->contacts, 0);
	pthread_mutex_lock(&d->pending_lock);
	for (ul_pending *p = d->pending, *pn; p; p = pn) {
		pn = p->next;
		free(p);
	}
	d->pending = NULL;
	pthread_mutex_unlock(&d->pending_lock);
}

void ul_domains_free(void)
{
	pthread_mutex_lock(&domains_lock);
	int n = atomic_load_explicit(&ndomains, memory_order_relaxed);
	atomic_store_explicit(&ndomains, 0, memory_order_release);
	for (int i = 0; i < n; i++) {
		ul_domain *d = domains[i];
		ul_domain_clear(d);
		for (int k = 0; k < d->size; k++)
			pthread_mutex_destroy(&d->slots[k].lock);
		pthread_mutex_destroy(&d->pending_lock);
		free(d->slots);
		free(d);
		domains[i] = NULL;
	}
	pthread_mutex_unlock(&domains_lock);
}

/* ---- slots ------------------------------------------------------------------------ */

/* FNV-1a: cheap, and spreads the short, similar AoRs of one site. */
uint32_t ul_aor_hash(rc_str aor)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < aor.len; i++) {
		h ^= (unsigned char)aor.s[i];
		h *= 16777619u;
	}
	return h;
}

static ul_slot *slot_of(ul_domain *d, rc_str aor)
{
	return &d->slots[ul_aor_hash(aor) & d->mask];
}

void ul_lock(ul_domain *d, rc_str aor)
{
	pthread_mutex_lock(&slot_of(d, aor)->lock);
}

void ul_unlock(ul_domain *d, rc_str aor)
{
	pthread_mutex_unlock(&slot_of(d, aor)->lock);
}

void ul_lock_slot(ul_domain *d, int slot)
{
	pthread_mutex_lock(&d->slots[slot].lock);
}

void ul_unlock_slot(ul_domain *d, int slot)
{
	pthread_mutex_unlock(&d->slots[slot].lock);
}

ul_record *ul_slot_first(ul_domain *d, int slot)
{
	return d->slots[slot].first;
}

/* ---- sockets ---------------------------------------------------------------------- */

int ul_sock_text(const rt_sock *s, char *out, int cap)
{
	static const char *const protos[] = { "udp", "udp", "tcp", "tls", "sctp", "ws", "wss" };
	const char *proto = s->proto > 0 && s->proto < 7 ? protos[s->proto] : "udp";
	int n = snprintf(out, (size_t)cap, strchr(s->ip, ':') ? "%s:[%s]:%d" : "%s:%s:%d", proto, s->ip,
	                 s->port);
	return n < cap ? n : cap - 1;
}

const rt_sock *ul_sock_find(rc_str text)
{
	char buf[96];
	for (int i = 0; text.s && rt_sock_at(i); i++) {
		int n = ul_sock_text(rt_sock_at(i), buf, sizeof buf);
		if (n == text.len && !memcmp(buf, text.s, (size_t)n))
			return rt_sock_at(i);
	}
	return NULL;
}

/* ---- records ---------------------------------------------------------------------- */

static int eq(rc_str a, rc_str b)
{
	return a.len == b.len && (a.len == 0 || !memcmp(a.s, b.s, (size_t)a.len));
}

ul_record *ul_get_record(ul_domain *d, rc_str aor)
{
	uint32_t h = ul_aor_hash(aor);
	for (ul_record *r = d->slots[h & d->mask].first; r; r = r->next)
		if (r->hash == h && eq(r->aor, aor))
			return r;
	return NULL;
}

/* A new, empty AoR record in its slot (the caller raises the event, if any). */
static ul_record *record_new(ul_domain *d, rc_str aor)
{
	ul_record *r = malloc(sizeof *r + (size_t)aor.len + 1);
	if (!r) {
		rt_log(RT_L_ERR, "usrloc: out of memory for AoR %.*s", aor.len, aor.s);
		return NULL;
	}
	char *s = (char *)(r + 1);
	if (aor.len)
		memcpy(s, aor.s, (size_t)aor.len);
	s[aor.len] = '\0';
	r->aor = (rc_str){ s, aor.len };
	r->hash = ul_aor_hash(aor);
	r->ncontacts = 0;
	r->contacts = NULL;
	ul_slot *sl = &d->slots[r->hash & d->mask];
	r->next = sl->first;
	sl->first = r;
	sl->n++;
	rt_stat_inc(d->users);
	return r;
}

ul_record *ul_get_or_insert_record(ul_domain *d, rc_str aor)
{
	ul_record *r = ul_get_record(d, aor);
	if (r)
		return r;
	if (aor.len < 0 || aor.len > UL_AOR_MAX)
		return NULL;
	if ((r = record_new(d, aor)))
		ev_aor(ev_aor_ins, d, r->aor);
	return r;
}

static void record_unlink(ul_domain *d, ul_record *r)
{
	ul_slot *sl = &d->slots[r->hash & d->mask];
	for (ul_record **pp = &sl->first; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			sl->n--;
			break;
		}
	rt_stat_add(d->users, -1);
	ev_aor(ev_aor_del, d, r->aor);
	free(r);
}

void ul_release_record(ul_domain *d, ul_record *r)
{
	if (r && !r->contacts)
		record_unlink(d, r);
}

int ul_delete_record(ul_domain *d, rc_str aor)
{
	ul_record *r = ul_get_record(d, aor);
	int rc = 0;
	if (!r)
		return 0;
	while (r->contacts)
		if (ul_delete_contact(d, r, r->contacts) < 0)
			rc = -1;
	record_unlink(d, r);
	return rc;
}

/* ---- contacts ---------------------------------------------------------------------- */

static void new_ruid(char *out, int cap, int *len)
{
	if (!ruid_time) {
		ruid_time = (unsigned)time(NULL);
		ruid_pid = (unsigned)getpid();
	}
	unsigned n = atomic_fetch_add_explicit(&ruid_counter, 1, memory_order_relaxed) + 1;
	*len = snprintf(out, (size_t)cap, "uloc-%x-%x-%u", ruid_time, ruid_pid, n);
}

/* Copies s into the block at *p (NULL stays NULL). */
static rc_str put(char **p, rc_str s)
{
	if (!s.s)
		return (rc_str){ NULL, 0 };
	char *d = *p;
	if (s.len > 0)
		memcpy(d, s.s, (size_t)s.len);
	d[s.len] = '\0';
	*p += s.len + 1;
	return (rc_str){ d, s.len };
}

static size_t room(rc_str s)
{
	return s.s ? (size_t)s.len + 1 : 0;
}

/* A contact block for aor from ci; ruid given (update, load) or new. */
static ul_contact *contact_new(rc_str aor, const ul_cinfo *ci, rc_str ruid)
{
	char rbuf[64];
	if (!ruid.s || ruid.len == 0) {
		new_ruid(rbuf, sizeof rbuf, &ruid.len);
		ruid.s = rbuf;
	}
	rc_str callid = ci->callid.s ? ci->callid : (rc_str){ "", 0 };
	rc_str ua = ci->user_agent.s ? ci->user_agent : (rc_str){ "", 0 };
	size_t n = sizeof(ul_contact) + room(aor) + room(ci->c) + room(ci->received) + room(ci->path) +
	           room(callid) + room(ua) + room(ruid) + room(ci->instance) + room(ci->sock_str);
	ul_contact *c = calloc(1, n);
	if (!c) {
		rt_log(RT_L_ERR, "usrloc: out of memory for a contact of %.*s", aor.len, aor.s);
		return NULL;
	}
	char *p = (char *)(c + 1);
	c->aor = put(&p, aor);
	c->c = put(&p, ci->c.s ? ci->c : (rc_str){ "", 0 });
	c->received = ci->received.len > 0 ? put(&p, ci->received) : (rc_str){ NULL, 0 };
	c->path = ci->path.len > 0 ? put(&p, ci->path) : (rc_str){ NULL, 0 };
	c->callid = put(&p, callid);
	c->user_agent = put(&p, ua);
	c->ruid = put(&p, ruid);
	c->instance = ci->instance.len > 0 ? put(&p, ci->instance) : (rc_str){ NULL, 0 };
	c->sock_str = ci->sock_str.len > 0 ? put(&p, ci->sock_str) : (rc_str){ NULL, 0 };
	c->sock = ci->sock;
	c->expires = ci->expires;
	c->last_modified = ci->last_modified;
	c->last_keepalive = ul_now();
	c->q = ci->q;
	c->cseq = ci->cseq;
	c->flags = ci->flags;
	c->cflags = ci->cflags;
	c->methods = ci->methods;
	c->reg_id = ci->reg_id;
	c->server_id = ci->server_id;
	c->tcpconn_id = ci->tcpconn_id;
	return c;
}

ul_contact *ul_contact_dup(const ul_contact *c)
{
	ul_cinfo ci = { .c = c->c, .received = c->received, .path = c->path, .callid = c->callid,
	                .user_agent = c->user_agent, .instance = c->instance, .sock_str = c->sock_str,
	                .sock = c->sock, .expires = c->expires, .last_modified = c->last_modified,
	                .q = c->q, .cseq = c->cseq, .flags = c->flags, .cflags = c->cflags,
	                .methods = c->methods, .reg_id = c->reg_id, .server_id = c->server_id,
	                .tcpconn_id = c->tcpconn_id };
	ul_contact *d = contact_new(c->aor, &ci, c->ruid);
	if (d) {
		d->state = c->state;
		d->order = c->order;
		d->keepalive = c->keepalive;
		d->last_keepalive = c->last_keepalive;
	}
	return d;
}

void ul_contact_free(ul_contact *c)
{
	free(c);
}

/* 1 when a goes before b in the list. */
static int before(const ul_contact *a, const ul_contact *b)
{
	return a->q > b->q || (a->q == b->q && a->order < b->order);
}

static void link_sorted(ul_record *r, ul_contact *c)
{
	ul_contact **pp = &r->contacts;
	if (!ul_cfg.desc_time_order)
		while (*pp && !before(c, *pp))
			pp = &(*pp)->next;
	c->next = *pp;
	*pp = c;
}

static void unlink_contact(ul_record *r, ul_contact *c)
{
	for (ul_contact **pp = &r->contacts; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			c->next = NULL;
			return;
		}
}

static int to_db(const ul_contact *c)
{
	return ul_cfg.db_mode != 0 && ul_db_is_open() && !(c->flags & UL_FL_MEM);
}

ul_contact *ul_insert_contact(ul_domain *d, ul_record *r, const ul_cinfo *ci)
{
	ul_contact *c = contact_new(r->aor, ci, ci->ruid);
	if (!c)
		return NULL;
	c->order = atomic_fetch_add_explicit(&next_order, 1, memory_order_relaxed) + 1;
	c->state = UL_CS_NEW;
	link_sorted(r, c);
	r->ncontacts++;
	rt_stat_inc(d->contacts);
	/* write-through: now; on failure the timer retries (state stays NEW) */
	if (to_db(c) && ul_cfg.db_mode == 1 && ul_db_insert(d, c) == 0)
		c->state = UL_CS_SYNC;
	ev_contact(ev_c_ins, d, c);
	return c;
}

int ul_load_contact(ul_domain *d, rc_str aor, const ul_cinfo *ci)
{
	ul_record *r = ul_get_record(d, aor);
	/* no AoR event: loading restores a table, it changes nothing */
	if (!r && !(r = record_new(d, aor)))
		return -1;
	ul_contact *c = contact_new(r->aor, ci, ci->ruid);
	if (!c)
		return -1;
	c->order = atomic_fetch_add_explicit(&next_order, 1, memory_order_relaxed) + 1;
	c->state = UL_CS_SYNC;
	link_sorted(r, c);
	r->ncontacts++;
	rt_stat_inc(d->contacts);
	return 0;
}

ul_contact *ul_update_contact(ul_domain *d, ul_record *r, ul_contact *c, const ul_cinfo *ci)
{
	ul_cinfo k = *ci;
	if (!ci->instance.len)
		k.c = c->c; /* the address changes only for an instance match */
	ul_contact *n = contact_new(r->aor, &k, c->ruid);
	if (!n)
		return NULL;
	n->keepalive = c->keepalive;
	n->state = c->state == UL_CS_NEW ? UL_CS_NEW : UL_CS_DIRTY;
	int moved = ul_cfg.desc_time_order || n->q != c->q;
	n->order = ul_cfg.desc_time_order ? atomic_fetch_add_explicit(&next_order, 1, memory_order_relaxed) + 1
	                                  : c->order;
	if (moved) {
		unlink_contact(r, c);
		link_sorted(r, n);
	} else {
		for (ul_contact **pp = &r->contacts; *pp; pp = &(*pp)->next)
			if (*pp == c) {
				n->next = c->next;
				*pp = n;
				break;
			}
	}
	free(c);
	if (to_db(n) && ul_cfg.db_mode == 1) {
		int rc = n->state == UL_CS_NEW ? ul_db_insert(d, n) : ul_db_update(d, n);
		if (rc == 0)
			n->state = UL_CS_SYNC;
	}
	ev_contact(ev_c_upd, d, n);
	return n;
}

int ul_delete_contact(ul_domain *d, ul_record *r, ul_contact *c)
{
	int rc = 0;
	unlink_contact(r, c);
	r->ncontacts--;
	rt_stat_add(d->contacts, -1);
	/* a row never written needs no deletion */
	if (to_db(c) && c->state != UL_CS_NEW) {
		if (ul_cfg.db_mode == 1) {
			if (ul_db_delete(d, c->ruid) < 0) {
				ul_db_queue_delete(d, c->ruid); /* the timer retries */
				rc = -1;
			}
		} else {
			ul_db_queue_delete(d, c->ruid);
		}
	}
	ev_contact(ev_c_del, d, c);
	free(c);
	return rc;
}

ul_contact *ul_find_ruid(ul_record *r, rc_str ruid)
{
	for (ul_contact *c = r->contacts; c; c = c->next)
		if (eq(c->ruid, ruid))
			return c;
	return NULL;
}

/* The instance without its angle brackets. */
static rc_str bare(rc_str i)
{
	if (i.len >= 2 && i.s[0] == '<' && i.s[i.len - 1] == '>')
		return (rc_str){ i.s + 1, i.len - 2 };
	return i;
}

int ul_find_contact(ul_record *r, const ul_cinfo *ci, ul_contact **out)
{
	*out = NULL;
	if (ci->instance.len > 0) {
		rc_str want = bare(ci->instance);
		for (ul_contact *c = r->contacts; c; c = c->next)
			if (c->instance.len > 0 && c->reg_id == ci->reg_id && eq(bare(c->instance), want)) {
				*out = c;
				return 0;
			}
		return 1;
	}
	ul_contact *c = r->contacts;
	int callid_matched = 0;
	for (; c; c = c->next) {
		switch (ul_cfg.matching_mode) {
		case 1:
			callid_matched = 1;
			if (eq(c->c, ci->c) && eq(c->callid, ci->callid))
				goto found;
			break;
		case 2:
			/* no Path in the request: the address alone */
			if (eq(c->c, ci->c) && (!ci->path.s || eq(c->path, ci->path)))
				goto found;
			break;
		case 3:
			if (eq(c->callid, ci->callid))
				goto found;
			break;
		default:
			if (eq(c->c, ci->c))
				goto found;
		}
	}
	return 1;
found:
	if (callid_matched || eq(c->callid, ci->callid)) {
		if (ci->cseq < c->cseq)
			return -1;
		if (ci->cseq == c->cseq)
			return c->last_modified + ul_cfg.cseq_delay > ul_now() ? -2 : -1;
	}
	*out = c;
	return 0;
}
