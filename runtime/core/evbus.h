/* evbus.h: named events inside the process (an internal event bus).
 *
 * A module that changes shared state raises events about it (usrloc raises
 * E_UL_CONTACT_INSERT when a binding is added); another module subscribes
 * a callback to a name and is told each time, with the event's attributes.
 * The bus knows nothing of SIP: an event is a name and a list of named
 * values, as OpenSIPS's EVI events are, so the event-based routing module
 * can hand them to scripts.
 *
 * Publishers declare their events once (rt_ev_declare) and keep the handle:
 * rt_ev_listeners() is one relaxed load, so a publisher builds attributes
 * only when someone listens.  A subscription may come before or after the
 * declaration (subscribing declares the name too).
 *
 * Callbacks run synchronously, in the publisher's thread, while the
 * publisher may hold its own locks (usrloc holds the slot of the AoR): a
 * callback must be short, must not block, must not call back into the
 * publishing module, and must not subscribe or unsubscribe.  Attribute
 * strings live only during the call: copy what you keep.  Queue work for
 * later rather than doing it there.
 *
 *   static rt_event *ev_ins;
 *   ev_ins = rt_ev_declare("E_UL_CONTACT_INSERT");
 *   if (rt_ev_listeners(ev_ins)) {
 *       rt_ev_attr a[2] = { RT_EV_STR("aor", aor), RT_EV_INT("expires", e) };
 *       rt_ev_raise(ev_ins, a, 2);
 *   }
 */
#ifndef ROUTEC_EVBUS_H
#define ROUTEC_EVBUS_H

#include "routec.h"

#define RT_EV_MAX_EVENTS 64 /* distinct names per process */
#define RT_EV_MAX_SUBS 64   /* subscriptions per process */

typedef struct rt_event rt_event;

typedef struct rt_ev_attr {
	const char *name;
	int type;    /* RC_INT or RC_STR (RC_NULL: no value, e.g. an unset received) */
	long long i; /* RC_INT */
	rc_str s;    /* RC_STR */
} rt_ev_attr;

#define RT_EV_INT(n, v) { (n), RC_INT, (long long)(v), { 0, 0 } }
#define RT_EV_STR(n, v) { (n), RC_STR, 0, (v) }

typedef void (*rt_ev_fn)(const rt_event *ev, const rt_ev_attr *attrs, int nattrs, void *arg);

/* The event named (created on first use; it lives as long as the process),
 * or NULL when the table is full (logged). */
rt_event *rt_ev_declare(const char *name);
const char *rt_ev_name(const rt_event *ev);
/* Subscriptions to it now (0: raising it does nothing). */
int rt_ev_listeners(const rt_event *ev);
/* Calls every subscriber of ev in subscription order: how many. */
int rt_ev_raise(rt_event *ev, const rt_ev_attr *attrs, int nattrs);

/* fn(ev, attrs, n, arg) on every raise of the named event: a subscription
 * id (> 0), or -1 (logged). */
int rt_ev_subscribe(const char *name, rt_ev_fn fn, void *arg);
/* 0, or -1 when id is not a subscription. */
int rt_ev_unsubscribe(int id);

/* The declared events in declaration order; NULL past the end. */
const rt_event *rt_ev_at(int i);
/* The value of attribute name, or NULL. */
const rt_ev_attr *rt_ev_attr_get(const rt_ev_attr *attrs, int nattrs, const char *name);

#endif
