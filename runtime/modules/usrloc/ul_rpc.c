/* ul_rpc.c: usrloc's control methods, with Kamailio 5.6's names, answers
 * and error texts (kamailio-runtime.md 3.3, 6.3):
 *
 *   ul.dump [brief]            every table, every AoR (and its contacts)
 *   ul.lookup table aor        the valid contacts of one AoR
 *   ul.rm table aor            delete an AoR and its contacts
 *   ul.rm_contact table aor contact
 *   ul.add table aor contact expires q path flags cflags methods [received [socket]]
 *   ul.flush                   write the write-back cache now
 *
 * Kamailio's RPC layer wraps each element of an array in a one-key object
 * ("Domains":[{"Domain":{...}}], "Contacts":[{"Contact":{...}}]); the
 * answers here are written in that shape so kamcli and kamctl read them.
 */
#include "modules/usrloc/ul_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rpc.h"

#define NOT_SET "[not set]"

static void str_or_unset(rt_rpc_out *o, const char *key, rc_str s)
{
	if (s.s && s.len > 0)
		rpc_str(o, key, s.s, s.len);
	else
		rpc_str(o, key, NOT_SET, -1);
}

static void dump_contact(rt_rpc_out *o, const ul_contact *c, long long now)
{
	static const char *const states[] = { "CS_NEW", "CS_SYNC", "CS_DIRTY" };
	rpc_obj_open(o, NULL);
	rpc_obj_open(o, "Contact");
	rpc_str(o, "Address", c->c.s, c->c.len);
	if (c->expires == 0)
		rpc_str(o, "Expires", "permanent", -1);
	else if (now > c->expires)
		rpc_str(o, "Expires", "expired", -1);
	else
		rpc_int(o, "Expires", c->expires - now);
	rpc_double(o, "Q", c->q == UL_Q_UNSPECIFIED ? -0.001 : c->q / 1000.0);
	rpc_str(o, "Call-ID", c->callid.s, c->callid.len);
	rpc_int(o, "CSeq", c->cseq);
	str_or_unset(o, "User-Agent", c->user_agent);
	str_or_unset(o, "Received", c->received);
	str_or_unset(o, "Path", c->path);
	rpc_str(o, "State", c->state >= 0 && c->state <= 2 ? states[c->state] : "CS_UNKNOWN", -1);
	rpc_int(o, "Flags", c->flags);
	rpc_int(o, "CFlags", c->cflags);
	str_or_unset(o, "Socket", c->sock_str);
	rpc_int(o, "Methods", c->methods);
	str_or_unset(o, "Ruid", c->ruid);
	str_or_unset(o, "Instance", c->instance);
	rpc_int(o, "Reg-Id", c->reg_id);
	rpc_int(o, "Server-Id", c->server_id);
	rpc_int(o, "Tcpconn-Id", c->tcpconn_id);
	rpc_int(o, "Keepalive", c->keepalive);
	rpc_int(o, "Last-Keepalive", c->last_keepalive);
	rpc_int(o, "KA-Roundtrip", 0);
	rpc_int(o, "Last-Modified", c->last_modified);
	rpc_obj_close(o);
	rpc_obj_close(o);
}

static int rpc_dump(const rt_rpc_in *in, rt_rpc_out *o)
{
	rc_str arg;
	char buf[32];
	int brief = rpc_param_str(in, 0, &arg, buf) == 0 && arg.len == 5 && !memcmp(arg.s, "brief", 5);
	long long now = ul_now();
	rpc_obj_open(o, NULL);
	rpc_arr_open(o, "Domains");
	for (int k = 0; ul_domain_at(k); k++) {
		ul_domain *d = ul_domain_at(k);
		rpc_obj_open(o, NULL);
		rpc_obj_open(o, "Domain");
		rpc_str(o, "Domain", d->name, -1);
		rpc_int(o, "Size", d->size);
		rpc_arr_open(o, "AoRs");
		int n = 0, max = 0;
		for (int i = 0; i < d->size; i++) {
			ul_lock_slot(d, i);
			n += d->slots[i].n;
			if (d->slots[i].n > max)
				max = d->slots[i].n;
			for (ul_record *r = d->slots[i].first; r; r = r->next) {
				rpc_obj_open(o, NULL);
				if (brief) {
					rpc_str(o, "AoR", r->aor.s, r->aor.len);
				} else {
					rpc_obj_open(o, "Info");
					rpc_str(o, "AoR", r->aor.s, r->aor.len);
					rpc_int(o, "HashID", r->hash);
					rpc_arr_open(o, "Contacts");
					for (ul_contact *c = r->contacts; c; c = c->next)
						dump_contact(o, c, now);
					rpc_arr_close(o);
					rpc_obj_close(o);
				}
				rpc_obj_close(o);
			}
			ul_unlock_slot(d, i);
		}
		rpc_arr_close(o);
		rpc_obj_open(o, "Stats");
		rpc_int(o, "Records", n);
		rpc_int(o, "Max-Slots", max);
		rpc_obj_close(o);
		rpc_obj_close(o);
		rpc_obj_close(o);
	}
	rpc_arr_close(o);
	rpc_obj_close(o);
	return 0;
}

/* The table and AoR parameters, the AoR as the table keys it (Kamailio's
 * rpc_fix_aor: lower case; the domain part cut unless use_domain). */
static ul_domain *table_aor(const rt_rpc_in *in, rt_rpc_out *o, char *aor, rc_str *a)
{
	rc_str t, s;
	char b1[32], b2[32];
	if (rpc_param_str(in, 0, &t, b1) < 0 || rpc_param_str(in, 1, &s, b2) < 0) {
		rpc_fail(o, 500, "Not enough parameters (table and AOR to lookup)");
		return NULL;
	}
	ul_domain *d = ul_domain_find(t.s, t.len);
	if (!d) {
		rpc_fail(o, 500, "Domain table not found");
		return NULL;
	}
	const char *at = memchr(s.s, '@', (size_t)s.len);
	if (ul_cfg.use_domain && !at) {
		rpc_fail(o, 500, "Domain missing in AOR");
		return NULL;
	}
	if (!ul_cfg.use_domain && at)
		s.len = (int)(at - s.s);
	if (s.len > UL_AOR_MAX)
		s.len = UL_AOR_MAX;
	for (int i = 0; i < s.len; i++)
		aor[i] = (char)tolower((unsigned char)s.s[i]);
	*a = (rc_str){ aor, s.len };
	return d;
}

static int rpc_lookup(const rt_rpc_in *in, rt_rpc_out *o)
{
	char aor[UL_AOR_MAX];
	rc_str a;
	ul_domain *d = table_aor(in, o, aor, &a);
	if (!d)
		return -1;
	long long now = ul_now();
	int n = 0;
	ul_lock(d, a);
	ul_record *r = ul_get_record(d, a);
	if (r) {
		rpc_obj_open(o, NULL);
		rpc_str(o, "AoR", a.s, a.len);
		rpc_arr_open(o, "Contacts");
		for (ul_contact *c = r->contacts; c; c = c->next)
			if (ul_valid(c, now)) {
				dump_contact(o, c, now);
				n++;
			}
		rpc_arr_close(o);
		rpc_obj_close(o);
	}
	ul_unlock(d, a);
	if (!r) {
		rpc_fail(o, 500, "AOR not found in location table");
		return -1;
	}
	if (!n) {
		rpc_fail(o, 500, "AOR has no contacts");
		return -1;
	}
	return 0;
}

static int rpc_rm(const rt_rpc_in *in, rt_rpc_out *o)
{
	char aor[UL_AOR_MAX];
	rc_str a;
	ul_domain *d = table_aor(in, o, aor, &a);
	if (!d)
		return -1;
	ul_lock(d, a);
	int rc = ul_delete_record(d, a);
	ul_unlock(d, a);
	if (rc < 0) {
		rpc_fail(o, 500, "Failed to delete AOR");
		return -1;
	}
	rpc_obj_open(o, NULL); /* Kamailio answers {} */
	rpc_obj_close(o);
	return 0;
}

static int rpc_rm_contact(const rt_rpc_in *in, rt_rpc_out *o)
{
	char aor[UL_AOR_MAX], b[32];
	rc_str a, uri;
	if (in->n < 3 || rpc_param_str(in, 2, &uri, b) < 0) {
		rpc_fail(o, 500, "Not enough parameters (table, AOR and contact)");
		return -1;
	}
	ul_domain *d = table_aor(in, o, aor, &a);
	if (!d)
		return -1;
	int found = -1;
	ul_lock(d, a);
	ul_record *r = ul_get_record(d, a);
	if (r) {
		found = 0;
		for (ul_contact *c = r->contacts; c; c = c->next)
			if (c->c.len == uri.len && !memcmp(c->c.s, uri.s, (size_t)uri.len)) {
				ul_delete_contact(d, r, c);
				found = 1;
				break;
			}
		ul_release_record(d, r);
	}
	ul_unlock(d, a);
	if (found < 0) {
		rpc_fail(o, 404, "AOR not found");
		return -1;
	}
	if (!found) {
		rpc_fail(o, 404, "Contact not found");
		return -1;
	}
	rpc_obj_open(o, NULL);
	rpc_obj_close(o);
	return 0;
}

static int param_double(const rt_rpc_in *in, int i, double *out)
{
	long long v;
	if (i < in->n && in->v[i].type == RPC_T_DOUBLE) {
		*out = in->v[i].d;
		return 0;
	}
	if (rpc_param_int(in, i, &v) == 0) {
		*out = (double)v;
		return 0;
	}
	if (i < in->n && in->v[i].type == RPC_T_STR) {
		char tmp[32], *end;
		snprintf(tmp, sizeof tmp, "%.*s", in->v[i].s.len, in->v[i].s.s);
		*out = strtod(tmp, &end);
		return *end ? -1 : 0;
	}
	return -1;
}

/* "0" and "." (kamctl's placeholders) leave a string parameter unset */
static int is_set(rc_str s)
{
	return s.len > 0 && !(s.len == 1 && (s.s[0] == '0' || s.s[0] == '.'));
}

static int rpc_add(const rt_rpc_in *in, rt_rpc_out *o)
{
	char aor[UL_AOR_MAX], b[4][32];
	rc_str a, uri, path = { NULL, 0 }, rcv = { NULL, 0 }, sock = { NULL, 0 };
	long long expires, flags, cflags, methods;
	double q;
	if (in->n < 9 || rpc_param_str(in, 2, &uri, b[0]) < 0 || rpc_param_int(in, 3, &expires) < 0 ||
	    param_double(in, 4, &q) < 0 || rpc_param_str(in, 5, &path, b[1]) < 0 ||
	    rpc_param_int(in, 6, &flags) < 0 || rpc_param_int(in, 7, &cflags) < 0 ||
	    rpc_param_int(in, 8, &methods) < 0) {
		rpc_fail(o, 500, "Not enough parameters or wrong format");
		return -1;
	}
	if (in->n > 9)
		rpc_param_str(in, 9, &rcv, b[2]);
	if (in->n > 10)
		rpc_param_str(in, 10, &sock, b[3]);
	ul_domain *d = table_aor(in, o, aor, &a);
	if (!d)
		return -1;
	long long now = ul_now();
	ul_cinfo ci = {
		.c = uri, .path = is_set(path) ? path : (rc_str){ NULL, 0 },
		.received = is_set(rcv) ? rcv : (rc_str){ NULL, 0 },
		.callid = { "dfjrewr12386fd6-343@kamailio.rpc", 32 },
		.user_agent = { "routec SIP Router - RPC Server", 30 },
		.expires = expires ? now + expires : 0, /* 0: permanent */
		.last_modified = now, .q = q < 0 ? UL_Q_UNSPECIFIED : (int)(q * 1000.0 + 0.5),
		.cseq = 1, .flags = (unsigned)flags, .cflags = (unsigned)cflags,
		.methods = (unsigned)methods, .tcpconn_id = -1,
	};
	if (ci.q > 1000)
		ci.q = 1000;
	if (is_set(sock) && (ci.sock = ul_sock_find(sock)))
		ci.sock_str = sock;
	int ok = 0;
	ul_lock(d, a);
	ul_record *r = ul_get_or_insert_record(d, a);
	if (r) {
		ul_contact *c = NULL;
		for (c = r->contacts; c; c = c->next)
			if (c->c.len == uri.len && !memcmp(c->c.s, uri.s, (size_t)uri.len))
				break;
		ok = (c ? ul_update_contact(d, r, c, &ci) : ul_insert_contact(d, r, &ci)) != NULL;
		ul_release_record(d, r);
	}
	ul_unlock(d, a);
	if (!ok) {
		rpc_fail(o, 500, "Can't insert contact");
		return -1;
	}
	rpc_obj_open(o, NULL);
	rpc_obj_close(o);
	return 0;
}

static int rpc_flush(const rt_rpc_in *in, rt_rpc_out *o)
{
	(void)in;
	if (ul_db_is_open() && ul_db_flush() < 0) {
		rpc_fail(o, 500, "Flushing the location table failed");
		return -1;
	}
	rpc_obj_open(o, NULL);
	rpc_obj_close(o);
	return 0;
}

int ul_rpc_register(void)
{
	int rc = 0;
	rc |= rt_rpc_register("ul.dump", rpc_dump, "Dump user location tables");
	rc |= rt_rpc_register("ul.lookup", rpc_lookup, "Lookup one AOR in the usrloc location table");
	rc |= rt_rpc_register("ul.rm", rpc_rm, "Delete an address of record including its contacts");
	rc |= rt_rpc_register("ul.rm_contact", rpc_rm_contact, "Delete a contact from an AOR record");
	rc |= rt_rpc_register("ul.add", rpc_add, "Add a new contact for an address of record");
	rc |= rt_rpc_register("ul.flush", rpc_flush, "Flush the usrloc memory cache to DB");
	return rc ? -1 : 0;
}
