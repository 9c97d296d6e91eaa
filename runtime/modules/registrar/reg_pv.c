/* reg_pv.c: contact profiles and $ulc (registrar/regpv.c), and the
 * expired-contact event route.
 *
 *   reg_fetch_contacts("location", "sip:alice@h", "callee");
 *   $ulc(callee=>count), $(ulc(callee=>addr)[1]), $ulc(callee=>expires) ...
 *   reg_free_contacts("callee");
 *
 * A profile is a copy of an AoR's contacts taken at the call (expired ones
 * included, as Kamailio copies them).  routec keeps profiles with the
 * message, in its scratch memory: they are gone when the message is done,
 * where Kamailio keeps them in the process until reg_free_contacts().  A
 * script that fetches and reads in the same route, the usual use, sees no
 * difference.
 *
 * event_route[usrloc:contact-expired] runs in usrloc's timer thread, once
 * per expired binding, on a message of its own (Kamailio's faked OPTIONS),
 * with the binding in profile "exp": $ulc(exp=>aor), $ulc(exp=>addr) ...
 */
#include "modules/registrar/reg.h"

#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/gen.h"
#include "core/rtmsg.h"
#include "core/worker.h"

struct reg_profile {
	reg_profile *next;
	rc_str name;
	rc_str aor, domain;
	uint32_t aorhash;
	int n;
	ul_contact *contacts; /* copies in the arena */
};

reg_state *reg_state_of(rc_msg_t *m)
{
	if (!m->reg && (m->reg = pv_talloc(m, (int)sizeof(reg_state))))
		memset(m->reg, 0, sizeof *m->reg);
	return m->reg;
}

/* ---- profiles ----------------------------------------------------------------------- */

static rc_str dup_str(rc_msg_t *m, rc_str s, int *ok)
{
	if (!s.s)
		return s;
	char *d = pv_dup(m, s.s, s.len);
	if (!d)
		*ok = 0;
	return (rc_str){ d, d ? s.len : 0 };
}

ul_contact *reg_copy_contact(rc_msg_t *m, const ul_contact *c)
{
	ul_contact *d = pv_talloc(m, (int)sizeof *d);
	int ok = d != NULL;
	if (!ok)
		return NULL;
	*d = *c;
	d->next = NULL;
	d->aor = dup_str(m, c->aor, &ok);
	d->c = dup_str(m, c->c, &ok);
	d->received = dup_str(m, c->received, &ok);
	d->path = dup_str(m, c->path, &ok);
	d->callid = dup_str(m, c->callid, &ok);
	d->user_agent = dup_str(m, c->user_agent, &ok);
	d->ruid = dup_str(m, c->ruid, &ok);
	d->instance = dup_str(m, c->instance, &ok);
	d->sock_str = dup_str(m, c->sock_str, &ok);
	return ok ? d : NULL;
}

static reg_profile *profile_find(rc_msg_t *m, rc_str name)
{
	for (reg_profile *p = m->reg ? m->reg->profiles : NULL; p; p = p->next)
		if (p->name.len == name.len && !memcmp(p->name.s, name.s, (size_t)name.len))
			return p;
	return NULL;
}

/* The profile, made empty (created if new), or NULL when the arena is full. */
static reg_profile *profile_reset(rc_msg_t *m, rc_str name)
{
	reg_state *rs = reg_state_of(m);
	reg_profile *p = profile_find(m, name);
	if (!p && rs && (p = pv_talloc(m, (int)sizeof *p))) {
		memset(p, 0, sizeof *p);
		int ok = 1;
		p->name = dup_str(m, name, &ok);
		p->next = rs->profiles;
		rs->profiles = p;
	}
	if (p) {
		p->n = 0;
		p->contacts = NULL;
		p->aor = (rc_str){ NULL, 0 };
	}
	return p;
}

int reg_profile_set(rc_msg_t *m, rc_str name, rc_str domain, rc_str aor, const ul_contact *list,
                    int single)
{
	reg_profile *p = profile_reset(m, name);
	if (!p)
		return -1;
	int ok = 1;
	p->aor = dup_str(m, aor, &ok);
	p->domain = dup_str(m, domain, &ok);
	p->aorhash = ul_aor_hash(aor);
	ul_contact **tail = &p->contacts;
	for (const ul_contact *c = list; c && ok; c = single ? NULL : c->next) {
		ul_contact *d = reg_copy_contact(m, c);
		if (!d)
			return -1;
		*tail = d;
		tail = &d->next;
		p->n++;
	}
	return ok ? 0 : -1;
}

int registrar_reg_fetch_contacts(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const reg_site *s = argv[0].p;
	rc_str uri = mod_arg_str(m, c, &argv[1]);
	rc_str name = argv[2].s;
	char buf[UL_AOR_MAX];
	rc_str aor;
	if (uri.len <= 0) {
		rt_log(RT_L_ERR, "registrar: reg_fetch_contacts(): invalid uri parameter");
		return -1;
	}
	if (reg_aor(s->cfg, uri, buf, &aor, NULL)) {
		rt_log(RT_L_ERR, "registrar: reg_fetch_contacts(): cannot get the AoR of %.*s", uri.len,
		       uri.s);
		profile_reset(m, name);
		return -1;
	}
	rc_str domain = { ul_domain_name(s->d), (int)strlen(ul_domain_name(s->d)) };
	ul_lock(s->d, aor);
	ul_record *r = ul_get_record(s->d, aor);
	int rc = reg_profile_set(m, name, domain, aor, r ? r->contacts : NULL, 0);
	ul_unlock(s->d, aor);
	if (rc < 0)
		return -1;
	return r ? 1 : -1;
}

int registrar_reg_free_contacts(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	reg_profile *p = profile_find(m, argv[0].s);
	if (p) {
		p->n = 0;
		p->contacts = NULL;
		p->aor = (rc_str){ NULL, 0 };
	}
	return 1;
}

/* ---- $ulc ---------------------------------------------------------------------------- */

enum {
	A_AOR, A_DOMAIN, A_AORHASH, A_ADDR, A_PATH, A_RECEIVED, A_EXPIRES, A_CALLID, A_Q, A_CSEQ,
	A_FLAGS, A_CFLAGS, A_UA, A_SOCKET, A_MODIFIED, A_METHODS, A_COUNT, A_RUID, A_REGID,
	A_INSTANCE, A_CONID, A_SERVER_ID
};

static const struct {
	const char *name;
	int attr;
} attrs[] = {
	{ "aor", A_AOR }, { "domain", A_DOMAIN }, { "aorhash", A_AORHASH }, { "addr", A_ADDR },
	{ "path", A_PATH }, { "received", A_RECEIVED }, { "expires", A_EXPIRES },
	{ "callid", A_CALLID }, { "q", A_Q }, { "cseq", A_CSEQ }, { "flags", A_FLAGS },
	{ "cflags", A_CFLAGS }, { "user_agent", A_UA }, { "socket", A_SOCKET },
	{ "modified", A_MODIFIED }, { "methods", A_METHODS }, { "count", A_COUNT }, { "ruid", A_RUID },
	{ "regid", A_REGID }, { "instance", A_INSTANCE }, { "conid", A_CONID },
	{ "server_id", A_SERVER_ID },
};

int reg_pv_ulc_prep(rc_gen_t *g, rc_pv *pv, const char *where)
{
	const char *s = pv->name.s;
	int len = pv->name.len, i = 0;
	if (pv->dname) {
		rt_log(RT_L_ERR, "%s: $ulc(): the profile and attribute must be constant", where);
		return -1;
	}
	while (i + 1 < len && !(s[i] == '=' && s[i + 1] == '>'))
		i++;
	if (i == 0 || i + 2 >= len) {
		rt_log(RT_L_ERR, "%s: invalid contact pv name %.*s (profile=>attribute)", where, len, s);
		return -1;
	}
	const char *a = s + i + 2;
	int alen = len - i - 2;
	for (size_t k = 0; k < sizeof attrs / sizeof attrs[0]; k++)
		if ((int)strlen(attrs[k].name) == alen && !memcmp(attrs[k].name, a, (size_t)alen)) {
			pv->sub = attrs[k].attr;
			pv->slot = i; /* the profile is name[0..i) */
			return 0;
		}
	rt_log(RT_L_ERR, "%s: unknown contact attr name in %.*s", where, len, s);
	return -1;
}

static int str_val(rc_str s, rc_val *out)
{
	*out = pv_vstr(s.s ? s.s : "", s.s ? s.len : 0);
	return 0;
}

int reg_pv_ulc_get(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out)
{
	*out = pv_vnull();
	reg_profile *p = profile_find(m, (rc_str){ pv->name.s, pv->slot });
	if (!p || !p->contacts)
		return 0;
	int kind, idx = pv_index(m, c, pv, &kind);
	if (kind != PV_IDX_INT || idx < 0)
		idx = 0; /* positive indexes only, as Kamailio */
	const ul_contact *k = p->contacts;
	for (int i = 0; k && i < idx; i++)
		k = k->next;
	if (!k)
		return 0;
	switch (pv->sub) {
	case A_AOR: return str_val(p->aor, out);
	case A_DOMAIN: return str_val(p->domain, out);
	case A_AORHASH: *out = pv_vint((int)p->aorhash); return 0;
	case A_ADDR: return str_val(k->c, out);
	case A_PATH: return str_val(k->path, out);
	case A_RECEIVED: return str_val(k->received, out);
	case A_EXPIRES: *out = pv_vint((int)k->expires); return 0;
	case A_CALLID: return str_val(k->callid, out);
	case A_Q: *out = pv_vint(k->q); return 0;
	case A_CSEQ: *out = pv_vint(k->cseq); return 0;
	case A_FLAGS: *out = pv_vint((int)k->flags); return 0;
	case A_CFLAGS: *out = pv_vint((int)k->cflags); return 0;
	case A_UA: return str_val(k->user_agent, out);
	case A_SOCKET:
		if (k->sock_str.len > 0)
			return str_val(k->sock_str, out);
		return 0;
	case A_MODIFIED: *out = pv_vint((int)k->last_modified); return 0;
	case A_METHODS: *out = pv_vint((int)k->methods); return 0;
	case A_COUNT: *out = pv_vint(p->n); return 0;
	case A_RUID: return str_val(k->ruid, out);
	case A_REGID: *out = pv_vint((int)k->reg_id); return 0;
	case A_INSTANCE:
		if (k->instance.len > 0)
			return str_val(k->instance, out);
		return 0;
	case A_CONID: return 0; /* TCP connections only: none over UDP */
	case A_SERVER_ID: *out = pv_vint(k->server_id); return 0;
	}
	return 0;
}

/* Kamailio accepts an assignment and does nothing with it. */
int reg_pv_ulc_set(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, const rc_val *v)
{
	return 0;
}

/* ---- event_route[usrloc:contact-expired] ---------------------------------------------- */

/* Kamailio's faked message (core/fmsg.c). */
static const char faked[] = "OPTIONS sip:you@kamailio.org SIP/2.0\r\n"
                            "Via: SIP/2.0/UDP 127.0.0.1\r\n"
                            "From: <sip:you@kamailio.org>;tag=123\r\n"
                            "To: <sip:you@kamailio.org>\r\n"
                            "Call-ID: 123\r\n"
                            "CSeq: 1 OPTIONS\r\n"
                            "Content-Length: 0\r\n\r\n";

void reg_expired(ul_domain *d, const ul_contact *c)
{
	rt_gen *g = rt_gen_acquire();
	rc_route_fn route = g ? rt_gen_route(g, 6, "usrloc:contact-expired") : NULL;
	if (!route) {
		rt_gen_release(g);
		return;
	}
	/* a worker of its own: forward() and friends need its send buffer */
	rt_worker *w = rt_worker_new(-1);
	if (!w) {
		rt_gen_release(g);
		return;
	}
	rc_msg_t *m = w->msg;
	rt_msg_reset(m);
	m->worker = w;
	m->gen = g;
	m->buf = faked;
	m->len = (int)sizeof faked - 1;
	m->rcv = rt_sock_at(0);
	m->recv_us = ul_now() * 1000000LL;
	snprintf(m->src_ip, sizeof m->src_ip, "127.0.0.1");
	if (sip_parse(&m->sip, m->buf, (size_t)m->len) == 0) {
		sip_lumps_init(&m->lumps, &m->sip);
		rc_str dn = { ul_domain_name(d), (int)strlen(ul_domain_name(d)) };
		if (reg_profile_set(m, (rc_str){ "exp", 3 }, dn, c->aor, c, 1) == 0) {
			rc_ctx_t ctx = { .route_type = RC_RT_EVENT, .while_max = rt_cfg.max_while_loops };
			m->ctx = &ctx;
			route(m, &ctx);
		}
	}
	rt_worker_free(w);
	rt_gen_release(g);
}
