/* reg_save.c: save(table[, flags[, uri]]) (registrar/save.c, Kamailio 5.6).
 *
 * A REGISTER's contacts go into the AoR's record under its slot lock:
 *   - no Contact: a query, the reply lists the bindings (returns 4);
 *   - Contact: * with Expires: 0: every binding of the AoR goes (3);
 *   - otherwise, for each contact, its lifetime decides: 0 removes it (3),
 *     a new one is inserted (1), a known one is refreshed (2); the return
 *     code is the last contact's.  A contact is known by its URI (usrloc's
 *     matching_mode), or by +sip.instance and reg-id.  The same Call-ID
 *     with a lower CSeq is refused (400 Invalid CSeq number); the same
 *     CSeq within cseq_delay seconds is a retransmission and changes
 *     nothing.
 * Lifetime: $xavp(<xavp_cfg>=>expires), else the contact's ;expires, else
 * the Expires header, else default_expires; raised to min_expires (or 423
 * with min_expires_mode), randomized down by expires_range %, capped at
 * max_expires.  max_contacts counts the bindings the AoR would have: over
 * it, 503 and -2.
 *
 * The reply lists every valid binding of the AoR with its remaining time;
 * errors add P-Registrar-Error (reg_reply.c).
 */
#include "modules/registrar/reg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CALLID_MAX 255
#define UA_MAX 255
#define RECEIVED_MAX 255

/* What a REGISTER says for all its contacts (pack_ci's first part). */
typedef struct reg_msgci {
	rc_str callid, user_agent, path, path_received, sock_str;
	const rt_sock *sock;
	int cseq;
	unsigned flags, cflags, allow;
	int have_allow;
} reg_msgci;

static rc_str trim_right(rc_str s)
{
	while (s.len > 0 && (s.s[s.len - 1] == ' ' || s.s[s.len - 1] == '\t'))
		s.len--;
	return s;
}

static rc_str unquote(rc_str s)
{
	if (s.len >= 2 && s.s[0] == '"' && s.s[s.len - 1] == '"')
		return (rc_str){ s.s + 1, s.len - 2 };
	return s;
}

/* A string pv's value (NULL pv or no value: s == NULL). */
static rc_str pv_text(rc_msg_t *m, rc_ctx_t *c, rc_pv *pv)
{
	rc_val v;
	if (!pv || pv_get(m, c, pv, &v) < 0 || v.type == RC_NULL)
		return (rc_str){ NULL, 0 };
	return rc_v_str(m, &v);
}

/* An int pv's value: 0 and *out, -1 when unset or not an int. */
static int pv_int(rc_msg_t *m, rc_ctx_t *c, rc_pv *pv, int *out)
{
	rc_val v;
	if (!pv || pv_get(m, c, pv, &v) < 0 || v.type != RC_INT)
		return -1;
	*out = v.i;
	return 0;
}

/* The socket a registration is bound to: the one named by sock_hdr_name
 * (or $xavp(<xavp_cfg>=>socket)) when the message has the sock_flag, else
 * the one it came in on. */
static const rt_sock *reg_socket(rc_msg_t *m, rc_ctx_t *c, const reg_cfg *cfg)
{
	if (cfg->sock_flag < 0 || cfg->sock_flag > 31 || !(m->flags & (1u << cfg->sock_flag)))
		return m->rcv;
	rc_str name = { NULL, 0 };
	if (cfg->sock_hdr_name.len > 0) {
		const sip_hdr *h = sip_hdr_find(&m->sip, cfg->sock_hdr_name.s, cfg->sock_hdr_name.len, 0);
		if (h)
			name = (rc_str){ h->body.s, h->body.len };
	} else {
		name = pv_text(m, c, cfg->x_socket);
	}
	const rt_sock *s = name.len > 0 ? ul_sock_find(name) : NULL;
	if (!s && name.len > 0) {
		char buf[128];
		int n = snprintf(buf, sizeof buf, "udp:%.*s", name.len, name.s);
		s = ul_sock_find((rc_str){ buf, n < (int)sizeof buf ? n : 0 });
	}
	if (!s && name.len > 0)
		rt_log(RT_L_ERR, "registrar: non-local socket <%.*s>", name.len, name.s);
	return s ? s : m->rcv;
}

static int pack_msg(rc_msg_t *m, rc_ctx_t *c, const reg_site *st, reg_msgci *mi)
{
	const reg_cfg *cfg = st->cfg;
	memset(mi, 0, sizeof *mi);
	sip_str cid;
	const sip_cseq *cs;
	if (sip_get_callid(&m->sip, &cid) < 0)
		return R_CID_MISS;
	mi->callid = trim_right((rc_str){ cid.s, cid.len });
	if (mi->callid.len > CALLID_MAX)
		return R_CALLID_LEN;
	if (sip_get_cseq(&m->sip, &cs) < 0)
		return R_INV_CSEQ;
	mi->cseq = (int)cs->num;
	mi->sock = reg_socket(m, c, cfg);
	if (mi->sock) {
		char *b = rc_tmp(m, 96);
		if (b)
			mi->sock_str = (rc_str){ b, ul_sock_text(mi->sock, b, 96) };
	}
	const sip_hdr *ua = sip_hdr_get(&m->sip, SIP_H_USER_AGENT);
	if (ua && ua->body.len > 0 && ua->body.len < UA_MAX)
		mi->user_agent = (rc_str){ ua->body.s, ua->body.len };
	else
		mi->user_agent = (rc_str){ "n/a", 3 };
	if (cfg->use_path) {
		int e = reg_path_vector(m, &mi->path, &mi->path_received);
		if (e)
			return e;
		if (!cfg->path_use_received)
			mi->path_received = (rc_str){ NULL, 0 };
	}
	mi->flags = (st->flags & REG_SAVE_MEM) ? UL_FL_MEM : 0;
	mi->cflags = m->bflags;
	if (mi->path_received.len > 0 && ul_cfg.nat_bflag >= 0 && ul_cfg.nat_bflag < 32)
		mi->cflags |= 1u << ul_cfg.nat_bflag;
	return R_FINE;
}

/* The absolute expiry of one contact (calc_contact_expires): 0 and *out,
 * or R_LOW_EXP. */
static int contact_expires(rc_msg_t *m, rc_ctx_t *c, const reg_cfg *cfg, const reg_req *rq,
                           const reg_contact *ct, int novariation, long long now, long long *out)
{
	int e, range, xe;
	if (pv_int(m, c, cfg->x_expires, &xe) == 0 && xe >= 0) {
		e = xe;
		range = 0;
	} else if (!ct->has_expires) {
		e = rq->expires_hdr;
		range = cfg->expires_range;
		if (e < 0) {
			e = cfg->default_expires;
			range = cfg->default_expires_range;
		}
	} else {
		/* Kamailio's str2int: digits only, no overflow */
		unsigned long long v = 0;
		int ok = ct->expires.len > 0;
		for (int i = 0; ok && i < ct->expires.len; i++) {
			char ch = ct->expires.s[i];
			ok = ch >= '0' && ch <= '9' && (v = v * 10 + (unsigned)(ch - '0')) <= 0xFFFFFFFFull;
		}
		if (ok) {
			e = (int)(unsigned)v;
			range = cfg->expires_range;
		} else {
			e = cfg->default_expires;
			range = cfg->default_expires_range;
		}
	}
	if (e != 0) {
		if (e < cfg->min_expires) {
			if (cfg->min_expires_mode)
				return R_LOW_EXP;
			e = cfg->min_expires;
		}
		if (!novariation && range > 0) {
			/* down by up to range %: RFC 3261 10.3 lets the registrar shorten */
			static _Thread_local unsigned seed;
			if (!seed)
				seed = (unsigned)now ^ (unsigned)(size_t)&seed;
			int min = e - (int)((float)range / 100 * (float)e);
			e = min + (int)((float)(rand_r(&seed) % 100) / 100 * (float)(e - min));
			if (e < cfg->min_expires)
				e = cfg->min_expires;
		}
		if (cfg->max_expires && e > cfg->max_expires)
			e = cfg->max_expires;
	}
	*out = e ? now + e : 0;
	return R_FINE;
}

/* pack_ci's second part: what one contact adds. */
static int pack_contact(rc_msg_t *m, rc_ctx_t *c, const reg_cfg *cfg, const reg_msgci *mi,
                        const reg_contact *ct, long long expires, long long now, ul_cinfo *ci)
{
	memset(ci, 0, sizeof *ci);
	ci->c = ct->uri;
	ci->callid = mi->callid;
	ci->user_agent = mi->user_agent;
	ci->path = mi->path;
	ci->sock = mi->sock;
	ci->sock_str = mi->sock_str;
	ci->cseq = mi->cseq;
	ci->flags = mi->flags;
	ci->cflags = mi->cflags;
	ci->last_modified = now;
	ci->expires = expires;
	ci->tcpconn_id = -1;
	int xq;
	if (pv_int(m, c, cfg->x_q, &xq) == 0) {
		if (xq < 0 || xq > 1000)
			return R_INV_Q;
		ci->q = xq;
	} else if (ct->has_q) {
		if (reg_str2q(ct->q, &ci->q) < 0)
			return R_INV_Q;
	} else {
		ci->q = cfg->default_q;
	}
	if (ct->methods.s) {
		ci->methods = reg_methods(ct->methods);
	} else {
		ci->methods = reg_allow(m);
	}
	if (mi->path_received.len > 0) {
		ci->received = mi->path_received;
	} else if (ct->received.s) {
		ci->received = unquote(ct->received);
	} else {
		rc_str r = pv_text(m, c, cfg->received_avp);
		if (r.len > RECEIVED_MAX)
			return R_CONTACT_LEN;
		if (r.len > 0)
			ci->received = r;
	}
	if (ct->instance.s && ct->instance.len > 0) {
		ci->instance = unquote(ct->instance);
		if (ct->reg_id.s && ct->reg_id.len > 0) {
			unsigned long v = 0;
			int ok = 1;
			for (int i = 0; i < ct->reg_id.len && ok; i++)
				ok = ct->reg_id.s[i] >= '0' && ct->reg_id.s[i] <= '9' &&
				     (v = v * 10 + (unsigned)(ct->reg_id.s[i] - '0')) <= 0xFFFFFFFFul;
			if (!ok || v == 0)
				return R_INV_REGID;
			ci->reg_id = (unsigned)v;
		}
	}
	return R_FINE;
}

static int max_contacts(rc_msg_t *m, rc_ctx_t *c, const reg_cfg *cfg)
{
	int n;
	return pv_int(m, c, cfg->x_max_contacts, &n) == 0 ? n : cfg->max_contacts;
}

/* The AoR has no record yet (insert_contacts): 0 or an error number. */
static int insert_contacts(rc_msg_t *m, rc_ctx_t *c, const reg_site *st, const reg_req *rq,
                           const reg_msgci *mi, rc_str aor, long long now, rc_str *listing)
{
	const reg_cfg *cfg = st->cfg;
	ul_record *r = NULL;
	int num = 0, e = R_FINE, maxc = max_contacts(m, c, cfg);
	reg_cit it;
	reg_contact ct;
	reg_contacts_begin(m, &it);
	while (reg_contacts_next(m, &it, &ct)) {
		long long exp;
		ul_cinfo ci;
		if ((e = contact_expires(m, c, cfg, rq, &ct, st->flags & REG_SAVE_NOVAR, now, &exp)))
			goto error;
		if (exp == 0)
			continue; /* nothing to remove yet */
		if (maxc > 0 && num >= maxc) {
			rt_log(RT_L_INFO, "registrar: too many contacts (n:%d max:%d) for AoR <%.*s>", num,
			       maxc, aor.len, aor.s);
			e = R_TOO_MANY;
			goto error;
		}
		num++;
		if (!r && !(r = ul_get_or_insert_record(st->d, aor))) {
			e = R_UL_NEW_R;
			goto error;
		}
		if ((e = pack_contact(m, c, cfg, mi, &ct, exp, now, &ci)))
			goto error;
		/* the same address twice in one REGISTER: the second refreshes
		   the first (Kamailio looks it up with CSeq + 1) */
		ul_contact *old = NULL;
		ci.cseq++;
		int found = r->contacts && ul_find_contact(r, &ci, &old) == 0;
		ci.cseq--;
		if (found ? !ul_update_contact(st->d, r, old, &ci) : !ul_insert_contact(st->d, r, &ci)) {
			e = found ? R_UL_UPD_C : R_UL_INS_C;
			goto error;
		}
	}
	if (r) {
		*listing = reg_contact_hdr(m, cfg, r, now);
		ul_release_record(st->d, r);
	}
	return R_FINE;
error:
	if (r)
		ul_delete_record(st->d, aor);
	return e;
}

/* Deletes every contact of r but keep. */
static void delete_others(ul_domain *d, ul_record *r, ul_contact *keep)
{
	for (ul_contact *x = r->contacts, *xn; x; x = xn) {
		xn = x->next;
		if (x != keep)
			ul_delete_contact(d, r, x);
	}
}

/* max_contacts against what the AoR would hold (test_max_contacts). */
static int test_max_contacts(rc_msg_t *m, rc_ctx_t *c, const reg_site *st, const reg_req *rq,
                             const reg_msgci *mi, ul_record *r, int maxc, long long now)
{
	int num = 0;
	for (ul_contact *x = r->contacts; x; x = x->next)
		num += ul_valid(x, now);
	reg_cit it;
	reg_contact ct;
	reg_contacts_begin(m, &it);
	while (reg_contacts_next(m, &it, &ct)) {
		long long exp = 0;
		ul_cinfo ci;
		ul_contact *old;
		contact_expires(m, c, st->cfg, rq, &ct, 0, now, &exp);
		pack_contact(m, c, st->cfg, mi, &ct, exp, now, &ci);
		int f = ul_find_contact(r, &ci, &old);
		if (f == -1)
			return R_INV_CSEQ;
		if (f == -2)
			continue;
		if (f > 0 && exp != 0)
			num++;
		else if (f == 0 && exp == 0)
			num--;
	}
	if (num > maxc) {
		rt_log(RT_L_INFO, "registrar: too many contacts for AoR <%.*s> (n:%d max:%d)", r->aor.len,
		       r->aor.s, num, maxc);
		return R_TOO_MANY;
	}
	return R_FINE;
}

/* The AoR has a record (update_contacts): *rc the return code of the last
 * contact (0: none changed); 0 or an error number. */
static int update_contacts(rc_msg_t *m, rc_ctx_t *c, const reg_site *st, const reg_req *rq,
                           const reg_msgci *mi, ul_record *r, long long now, int *rc)
{
	const reg_cfg *cfg = st->cfg;
	int repl = st->flags & REG_SAVE_REPL, e, maxc;
	*rc = 0;
	if (!repl && (maxc = max_contacts(m, c, cfg)) > 0 &&
	    (e = test_max_contacts(m, c, st, rq, mi, r, maxc, now)))
		return e;
	reg_cit it;
	reg_contact ct;
	reg_contacts_begin(m, &it);
	while (reg_contacts_next(m, &it, &ct)) {
		long long exp;
		ul_cinfo ci;
		ul_contact *old;
		int updated = 0;
		if ((e = contact_expires(m, c, cfg, rq, &ct, st->flags & REG_SAVE_NOVAR, now, &exp)))
			return e;
		if ((e = pack_contact(m, c, cfg, mi, &ct, exp, now, &ci)))
			return e;
		int f = ul_find_contact(r, &ci, &old);
		if (f == -1) {
			rt_log(RT_L_ERR, "registrar: invalid cseq for aor <%.*s>", r->aor.len, r->aor.s);
			return R_INV_CSEQ;
		}
		if (f == -2) { /* a retransmission */
			if (exp != 0 && repl)
				break;
			continue;
		}
		if (f > 0) {
			if (exp == 0)
				continue;
			ul_contact *n = ul_insert_contact(st->d, r, &ci);
			if (!n)
				return R_UL_INS_C;
			*rc = 1;
			if (repl) {
				delete_others(st->d, r, n);
				updated = 1;
			}
		} else if (exp == 0) {
			old->flags = (old->flags & ~(unsigned)UL_FL_MEM) | (mi->flags & UL_FL_MEM);
			if (ul_delete_contact(st->d, r, old) < 0)
				return R_UL_DEL_C;
			*rc = 3;
		} else {
			if (repl) {
				delete_others(st->d, r, old);
				updated = 1;
			}
			/* a device (+sip.instance) registering under a new Call-ID:
			   its other bindings are stale */
			if (ci.instance.len > 0 && (ci.callid.len != old->callid.len ||
			                            memcmp(ci.callid.s, old->callid.s, (size_t)ci.callid.len))) {
				for (ul_contact *x = r->contacts, *xn; x; x = xn) {
					xn = x->next;
					if (x != old && x->instance.len == old->instance.len &&
					    !memcmp(x->instance.s, old->instance.s, (size_t)x->instance.len))
						ul_delete_contact(st->d, r, x);
				}
				updated = 1;
			}
			if (!ul_update_contact(st->d, r, old, &ci))
				return R_UL_UPD_C;
			*rc = 2;
		}
		if (updated)
			break; /* one contact only */
	}
	return R_FINE;
}

/* Outbound (RFC 5626) is not offered (outbound_mode 0): a UA that
 * requires it is refused. */
static int requires_outbound(rc_msg_t *m)
{
	sip_list_it it;
	sip_str item;
	sip_list_begin(&m->sip, SIP_H_REQUIRE, &it);
	while (sip_list_next(&m->sip, &it, &item, NULL) == 1)
		if (item.len == 8 && !strncasecmp(item.s, "outbound", 8))
			return 1;
	return 0;
}

static int save(rc_msg_t *m, rc_ctx_t *c, const reg_site *st, rc_str uri)
{
	const reg_cfg *cfg = st->cfg;
	reg_state *rs = reg_state_of(m);
	rc_str listing = { "", 0 }, path = { NULL, 0 };
	int e, ret = 1;
	long long now = ul_now();
	reg_req rq;
	reg_msgci mi;
	const sip_addr *to;
	char abuf[UL_AOR_MAX];
	rc_str aor;
	if (!rs)
		return -1;
	if (sip_get_to(&m->sip, &to) < 0) {
		e = R_TO_MISS;
		goto error;
	}
	if ((e = reg_read_request(m, cfg, &rq)))
		goto error;
	if (requires_outbound(m)) {
		e = R_OB_REQD;
		goto error;
	}
	if ((e = reg_aor(cfg, uri.s ? uri : (rc_str){ to->uri.s, to->uri.len }, abuf, &aor, NULL)))
		goto error;
	if ((e = pack_msg(m, c, st, &mi)))
		goto error;
	path = mi.path;
	ul_lock(st->d, aor);
	ul_record *r = ul_get_record(st->d, aor);
	if (rq.ncontacts == 0 && rq.star) {
		if (r && (st->flags & REG_SAVE_MEM))
			for (ul_contact *x = r->contacts; x; x = x->next)
				x->flags |= UL_FL_MEM;
		if (ul_delete_record(st->d, aor) < 0) {
			e = R_UL_DEL_R;
			listing = reg_contact_hdr(m, cfg, ul_get_record(st->d, aor), now);
		}
		ret = 3;
	} else if (rq.ncontacts == 0) {
		listing = reg_contact_hdr(m, cfg, r, now); /* a query */
		ret = 4;
	} else if (r) {
		e = update_contacts(m, c, st, &rq, &mi, r, now, &ret);
		listing = reg_contact_hdr(m, cfg, r, now);
		ul_release_record(st->d, r);
		if (!ret)
			ret = 1;
	} else {
		e = insert_contacts(m, c, st, &rq, &mi, aor, now, &listing);
		ret = 1;
	}
	ul_unlock(st->d, aor);
	if (e)
		goto error;
	reg_count(1);
	reg_reply_prepare(m, cfg, R_FINE, listing, path, &rs->reply);
	if (st->flags & REG_SAVE_NORPL) {
		rs->have_reply = 1;
		if (st->flags & REG_SAVE_PREPRPL) { /* for the script's own reply */
			rc_str b = m->tx_reply_hdrs;
			char *d = rc_tmp(m, b.len + rs->reply.hdrs.len);
			if (d) {
				memcpy(d, b.s, (size_t)b.len);
				memcpy(d + b.len, rs->reply.hdrs.s, (size_t)rs->reply.hdrs.len);
				m->tx_reply_hdrs = (rc_str){ d, b.len + rs->reply.hdrs.len };
			}
		}
	} else if (c->route_type & (RC_RT_REQUEST | RC_RT_FAILURE)) {
		/* only a request is answered, not a reply */
		if (reg_reply_send(m, c, &rs->reply) < 0)
			return -1;
	}
	return ret;
error:
	reg_count(0);
	reg_reply_prepare(m, cfg, e, listing, (rc_str){ NULL, 0 }, &rs->reply);
	if (st->flags & REG_SAVE_NORPL)
		rs->have_reply = 1;
	else if (c->route_type & RC_RT_REQUEST)
		reg_reply_send(m, c, &rs->reply);
	return e == R_TOO_MANY ? -2 : -1;
}

int registrar_save(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return save(m, c, argv[0].p, (rc_str){ NULL, 0 });
}

int registrar_save_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return save(m, c, argv[0].p, (rc_str){ NULL, 0 });
}

int registrar_save_3(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str u = mod_arg_str(m, c, &argv[2]);
	if (u.len <= 0) {
		rt_log(RT_L_ERR, "registrar: save(): invalid uri parameter");
		return -1;
	}
	return save(m, c, argv[0].p, u);
}

int registrar_reg_send_reply(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	reg_state *rs = m->reg;
	if (!rs || !rs->have_reply) {
		rt_log(RT_L_ERR, "registrar: reg_send_reply(): no save() with flag 0x02 before it");
		return -1;
	}
	rs->have_reply = 0;
	return reg_reply_send(m, c, &rs->reply);
}
