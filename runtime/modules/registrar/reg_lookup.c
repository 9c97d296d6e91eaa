/* reg_lookup.c: where a registered user is (registrar/lookup.c).
 *
 *   lookup(table[, uri])          the first valid contact becomes the
 *                                 Request-URI ($du: the first Path hop, else
 *                                 its received address), the others become
 *                                 branches (append_branches=1), so t_relay()
 *                                 forks to every device of the user
 *   lookup_to_dset(table[, uri])  every contact as a branch, R-URI untouched
 *   lookup_branches(table)        lookup() for the R-URI and for each plain
 *                                 branch appended before
 *   registered(table[, uri[, match_flags[, action_flags]]])
 *   unregister(table, uri[, ruid])
 *
 * lookup returns 1 found, -1 no such AoR or no valid contact, -2 contacts
 * exist but none accepts the method (method_filtering=1), -3 an error.
 * Contacts are taken in the table's order: by q, highest first.
 * The R-URI's contact also gives the message its q (rt_set_ruri_q, for
 * t_load_contacts), its +sip.instance and its Path (m->reg_path: forward()
 * and t_relay() send it as a Route header); each branch carries its own.
 *
 * Not supported: GRUU lookups (a ;gr URI is looked up as a plain AoR), the
 * xavp_rcd details, lookup_filter_mode; a branch keeps no forced socket (the
 * R-URI's contact does: $fs).
 */
#include "modules/registrar/reg.h"

#include <string.h>

static rc_str copy(rc_msg_t *m, rc_str s)
{
	char *d = s.s ? pv_dup(m, s.s, s.len) : NULL;
	return (rc_str){ d, d ? s.len : 0 };
}

/* allowed_method: method_filtering only for initial requests. */
static int allowed(rc_msg_t *m, const reg_cfg *cfg, const ul_contact *c)
{
	if (!cfg->method_filtering || !m->sip.is_request)
		return 1;
	const sip_addr *to;
	if (sip_get_to(&m->sip, &to) == 0 && to->tag.s && to->tag.len > 0)
		return 1;
	return (pv_method_bits(m->sip.method.s, m->sip.method.len) & (int)c->methods) != 0;
}

/* The next hop of a contact with a Path: the first Path URI, or the second
 * when the first is this proxy (path_check_local).  0 and *dst, *rest (the
 * vector from that hop on), or -1. */
static int path_dst(const reg_cfg *cfg, rc_str path, rc_str *dst, rc_str *rest)
{
	rc_str uri;
	if (reg_first_uri(path, &uri) < 0)
		return -1;
	*rest = path;
	if (cfg->path_check_local > 0) {
		sip_uri u;
		if (sip_uri_parse(uri.s, uri.len, &u) < 0)
			return -1;
		if (rt_myself(u.host.s, u.host.len, u.port, 0)) {
			/* ours: skip to the next hop, if any */
			const char *comma = NULL;
			int depth = 0;
			for (int i = 0; i < path.len && !comma; i++) {
				if (path.s[i] == '<')
					depth++;
				else if (path.s[i] == '>')
					depth--;
				else if (path.s[i] == ',' && !depth)
					comma = path.s + i;
			}
			if (!comma) {
				*dst = (rc_str){ NULL, 0 };
				return 0;
			}
			*rest = (rc_str){ comma + 1, (int)(path.s + path.len - comma - 1) };
			while (rest->len > 0 && (rest->s[0] == ' ' || rest->s[0] == '\t'))
				rest->s++, rest->len--;
			if (reg_first_uri(*rest, &uri) < 0)
				return -1;
		}
	}
	*dst = uri;
	return 0;
}

/* The first contact becomes the Request-URI, with its destination (the
 * Path's first hop, else received), branch flags and socket: 0, or -3. */
static int ruri_from(rc_msg_t *m, const reg_cfg *cfg, const ul_contact *p)
{
	rc_str ru = copy(m, p->c), dst = { NULL, 0 }, rest = { NULL, 0 };
	if (!ru.s)
		return -3;
	m->new_ruri = ru;
	m->dst_uri = (rc_str){ NULL, 0 };
	m->reg_path = (rc_str){ NULL, 0 };
	m->reg_instance = copy(m, p->instance);
	rt_set_ruri_q(m, p->q < 0 ? -1 : p->q); /* Kamailio's set_ruri_q: t_load_contacts sorts by it */
	/* a Path wins over received: the last proxy on it handles NAT */
	if (p->path.len > 0 && path_dst(cfg, p->path, &dst, &rest) < 0) {
		rt_log(RT_L_ERR, "registrar: lookup: bad Path of %.*s", p->c.len, p->c.s);
		return -3;
	}
	if (dst.len > 0) {
		m->reg_path = copy(m, rest);
		m->dst_uri = copy(m, dst);
	} else if (p->received.len > 0) {
		m->dst_uri = copy(m, p->received);
	}
	m->bflags |= p->cflags;
	if (p->sock)
		m->force_send = p->sock;
	return 0;
}

/* Another contact becomes a branch (append_branches). */
static void branch_from(rc_msg_t *m, const reg_cfg *cfg, const ul_contact *p)
{
	rc_str dst = { NULL, 0 }, rest = { NULL, 0 };
	if (p->path.len > 0 && path_dst(cfg, p->path, &dst, &rest) < 0) {
		rt_log(RT_L_ERR, "registrar: lookup: bad Path of %.*s", p->c.len, p->c.s);
		return;
	}
	if (m->nbranches >= RT_MAX_BRANCHES - 1) {
		rt_log(RT_L_ERR, "registrar: lookup: max nr of branches exceeded: %.*s not added",
		       p->c.len, p->c.s);
		return; /* the next ones get a chance too, as in Kamailio */
	}
	rt_branch *b = &m->branches[m->nbranches];
	memset(b, 0, sizeof *b);
	b->uri = copy(m, p->c);
	b->dst_uri = copy(m, dst.len > 0 ? dst : p->received);
	b->path = dst.len > 0 ? copy(m, rest) : (rc_str){ NULL, 0 };
	b->q = p->q < 0 ? -1 : p->q;
	b->flags = p->cflags;
	b->instance = copy(m, p->instance);
	if (b->uri.s)
		m->nbranches++;
}

int reg_lookup(rc_msg_t *m, rc_ctx_t *c, const reg_site *s, rc_str uri, int mode)
{
	const reg_cfg *cfg = s->cfg;
	char buf[UL_AOR_MAX];
	rc_str aor;
	if (!uri.s)
		uri = pv_ruri(m);
	if (reg_aor(cfg, uri, buf, &aor, NULL)) {
		rt_log(RT_L_ERR, "registrar: lookup: failed to extract address of record from <%.*s>",
		       uri.len, uri.s ? uri.s : "");
		return -3;
	}
	long long now = ul_now();
	ul_lock(s->d, aor);
	ul_record *r = ul_get_record(s->d, aor);
	if (!r) {
		ul_unlock(s->d, aor);
		return -1;
	}
	int ret = -1;
	ul_contact *p = r->contacts;
	for (; p; p = p->next) {
		if (!ul_valid(p, now) && !cfg->use_expired_contacts)
			continue;
		if (allowed(m, cfg, p))
			break;
		ret = -2; /* there, but not for this method */
	}
	if (!p)
		goto done;
	ret = 1;
	if (mode == 0) {
		if (ruri_from(m, cfg, p) < 0) {
			ret = -3;
			goto done;
		}
		p = p->next;
	}
	if (!cfg->append_branches)
		goto done;
	for (; p; p = p->next)
		if ((ul_valid(p, now) || cfg->use_expired_contacts) && allowed(m, cfg, p))
			branch_from(m, cfg, p);
done:
	ul_unlock(s->d, aor);
	return ret;
}

static int lookup_uri(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv, int mode)
{
	rc_str u = mod_arg_str(m, c, &argv[1]);
	if (u.len <= 0) {
		rt_log(RT_L_ERR, "registrar: lookup: invalid uri parameter");
		return -1;
	}
	return reg_lookup(m, c, argv[0].p, u, mode);
}

int registrar_lookup(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return reg_lookup(m, c, argv[0].p, (rc_str){ NULL, 0 }, 0);
}

int registrar_lookup_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return lookup_uri(m, c, argv, 0);
}

int registrar_lookup_to_dset(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return reg_lookup(m, c, argv[0].p, (rc_str){ NULL, 0 }, 1);
}

int registrar_lookup_to_dset_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return lookup_uri(m, c, argv, 1);
}

/* lookup() for the R-URI, then for every branch that is a plain URI (no
 * $du, Path or flags): the branch becomes its first contact, the others are
 * appended.  1 when anything was found, else the R-URI's code. */
int registrar_lookup_branches(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const reg_site *s = argv[0].p;
	int start = m->nbranches, found = 0;
	int ret = reg_lookup(m, c, s, (rc_str){ NULL, 0 }, 0);
	if (start == 0)
		return ret;
	found = ret > 0;
	/* the R-URI's branch, kept aside while branches borrow the R-URI */
	rc_str ruri = m->new_ruri, du = m->dst_uri, path = m->reg_path, inst = m->reg_instance;
	int q = rt_ruri_q(m);
	unsigned bflags = m->bflags;
	const rt_sock *fs = m->force_send;
	for (int i = 0; i < start; i++) {
		rt_branch *b = &m->branches[i];
		if (b->uri.len <= 0 || b->dst_uri.len > 0 || b->path.len > 0 || b->flags != 0)
			continue;
		m->new_ruri = b->uri;
		m->dst_uri = (rc_str){ NULL, 0 };
		m->reg_path = (rc_str){ NULL, 0 };
		m->reg_instance = (rc_str){ NULL, 0 };
		rt_set_ruri_q(m, -1);
		m->bflags = 0;
		m->force_send = NULL;
		int r = reg_lookup(m, c, s, (rc_str){ NULL, 0 }, 0);
		if (r > 0) {
			found = 1;
			b->uri = m->new_ruri;
			b->dst_uri = m->dst_uri;
			b->path = m->reg_path;
			b->q = rt_ruri_q(m);
			b->flags = m->bflags;
			b->instance = m->reg_instance;
		}
		ret = r;
	}
	m->new_ruri = ruri;
	m->dst_uri = du;
	m->reg_path = path;
	m->reg_instance = inst;
	rt_set_ruri_q(m, q);
	m->bflags = bflags;
	m->force_send = fs;
	return found ? 1 : ret;
}

/* ---- registered ------------------------------------------------------------------------- */

static rc_str xavp_text(rc_msg_t *m, rc_ctx_t *c, rc_pv *pv)
{
	rc_val v;
	if (!pv || pv_get(m, c, pv, &v) < 0 || v.type != RC_STR)
		return (rc_str){ NULL, 0 };
	return v.s;
}

static int same(rc_str want, rc_str have)
{
	return !want.s || want.len <= 0 ||
	       (want.len == have.len && !memcmp(want.s, have.s, (size_t)want.len));
}

static int registered(rc_msg_t *m, rc_ctx_t *c, const reg_site *s, const rc_arg *uarg, int flags)
{
	const reg_cfg *cfg = s->cfg;
	rc_str uri;
	if (uarg) {
		uri = mod_arg_str(m, c, uarg);
		if (uri.len <= 0) {
			rt_log(RT_L_ERR, "registrar: registered: invalid uri parameter");
			return -1;
		}
	} else if (!m->sip.is_request) {
		const sip_addr *to;
		if (sip_get_to(&m->sip, &to) < 0)
			return -1;
		uri = (rc_str){ to->uri.s, to->uri.len };
	} else {
		uri = pv_ruri(m);
	}
	char buf[UL_AOR_MAX];
	rc_str aor;
	if (reg_aor(cfg, uri, buf, &aor, NULL)) {
		rt_log(RT_L_ERR, "registrar: registered: failed to extract address of record");
		return -1;
	}
	rc_str callid = (flags & 1) ? xavp_text(m, c, cfg->x_match_callid) : (rc_str){ NULL, 0 };
	rc_str rcv = (flags & 2) ? xavp_text(m, c, cfg->x_match_received) : (rc_str){ NULL, 0 };
	rc_str ct = (flags & 4) ? xavp_text(m, c, cfg->x_match_contact) : (rc_str){ NULL, 0 };
	long long now = ul_now();
	int ret = -1;
	ul_lock(s->d, aor);
	ul_record *r = ul_get_record(s->d, aor);
	for (ul_contact *p = r ? r->contacts : NULL; p; p = p->next) {
		if (!ul_valid(p, now) && !cfg->use_expired_contacts)
			continue;
		if (same(callid, p->callid) && same(rcv, p->received) && same(ct, p->c)) {
			ret = 1;
			break;
		}
	}
	ul_unlock(s->d, aor);
	return ret;
}

static int int_arg(rc_msg_t *m, rc_ctx_t *c, const rc_arg *a, int *out)
{
	if (mod_arg_int(m, c, a, out) < 0) {
		rt_log(RT_L_ERR, "registrar: registered: invalid flags parameter");
		return -1;
	}
	return 0;
}

int registrar_registered(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return registered(m, c, argv[0].p, NULL, 0);
}

int registrar_registered_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return registered(m, c, argv[0].p, &argv[1], 0);
}

int registrar_registered_3(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int f;
	if (int_arg(m, c, &argv[2], &f) < 0)
		return -1;
	return registered(m, c, argv[0].p, &argv[1], f);
}

int registrar_registered_4(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int f, action;
	/* action flags pick what Kamailio copies into xavps: not kept here */
	if (int_arg(m, c, &argv[2], &f) < 0 || int_arg(m, c, &argv[3], &action) < 0)
		return -1;
	return registered(m, c, argv[0].p, &argv[1], f);
}

/* ---- unregister --------------------------------------------------------------------------- */

/* 1 removed; -1 bad AoR; -2 error; -3 no such contact. */
static int unregister(rc_msg_t *m, const reg_site *s, rc_str uri, rc_str ruid)
{
	char buf[UL_AOR_MAX];
	rc_str aor;
	if (!ruid.s || uri.len > 0) {
		if (reg_aor(s->cfg, uri, buf, &aor, NULL)) {
			rt_log(RT_L_ERR, "registrar: unregister: failed to extract Address Of Record");
			return -1;
		}
	}
	if (!ruid.s) { /* the whole AoR */
		ul_lock(s->d, aor);
		int rc = ul_delete_record(s->d, aor);
		ul_unlock(s->d, aor);
		if (rc < 0) {
			rt_log(RT_L_ERR, "registrar: error unregistering user [%.*s]", aor.len, aor.s);
			return -2;
		}
		return 1;
	}
	if (uri.len > 0) {
		int rc = -3;
		ul_lock(s->d, aor);
		ul_record *r = ul_get_record(s->d, aor);
		ul_contact *k = r ? ul_find_ruid(r, ruid) : NULL;
		if (k) {
			rc = ul_delete_contact(s->d, r, k) < 0 ? -2 : 1;
			ul_release_record(s->d, r);
		}
		ul_unlock(s->d, aor);
		if (rc == -3)
			rt_log(RT_L_WARN, "registrar: unregister: AOR/Contact not found");
		return rc;
	}
	/* a ruid alone: every record of the table */
	for (int i = 0; i < ul_domain_size(s->d); i++) {
		ul_lock_slot(s->d, i);
		for (ul_record *r = ul_slot_first(s->d, i); r; r = r->next) {
			ul_contact *k = ul_find_ruid(r, ruid);
			if (k) {
				int rc = ul_delete_contact(s->d, r, k) < 0 ? -2 : 1;
				ul_release_record(s->d, r);
				ul_unlock_slot(s->d, i);
				return rc;
			}
		}
		ul_unlock_slot(s->d, i);
	}
	rt_log(RT_L_WARN, "registrar: unregister: contact not found");
	return -3;
}

int registrar_unregister(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str uri = mod_arg_str(m, c, &argv[1]);
	if (uri.len <= 0) {
		rt_log(RT_L_ERR, "registrar: unregister: invalid uri parameter");
		return -1;
	}
	return unregister(m, argv[0].p, uri, (rc_str){ NULL, 0 });
}

int registrar_unregister_3(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str uri = mod_arg_str(m, c, &argv[1]);
	rc_str ruid = mod_arg_str(m, c, &argv[2]);
	if (ruid.len <= 0) {
		rt_log(RT_L_ERR, "registrar: unregister: invalid ruid parameter");
		return -1;
	}
	return unregister(m, argv[0].p, uri, ruid);
}
