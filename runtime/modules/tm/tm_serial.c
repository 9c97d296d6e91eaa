/* tm_serial.c: serial forking by q value, t_load_contacts([mode]),
 * t_next_contacts() and t_next_contact_flow(), as Kamailio 5.6 has them
 * (its t_serial.c).
 *
 * t_load_contacts takes the destination set (the R-URI when it is still
 * new, with the q lookup gave it (rt_ruri_q), and the branches of
 * append_branch/lookup with their q values), sorts it by q, and stores it
 * in the $xavp named by the contacts_avp modparam, highest q first: one item
 * per contact with the fields uri, dst_uri, path (when set), flags (branch
 * flags), q_flag (4 on the last contact of a q group) and instance (the
 * contact's +sip.instance, when it has one).  The destination set is then
 * emptied (the R-URI's q forgotten, the R-URI used).  t_next_contacts moves
 * the next q group back: its first contact becomes the R-URI ($du, path,
 * branch flags with it), the others branches; t_relay then forks to that
 * group.  In a failure route the next group follows.
 *
 * Of the contacts of one group that share a +sip.instance (the flows of one
 * device, RFC 5626), t_next_contacts sends to the first and keeps the others
 * in the contact_flows_avp $xavp; t_next_contact_flow, in
 * event_route[tm:branch-failure], appends the next flow of the failed
 * branch's instance, so a device is tried over its flows one by one.
 *
 * Return codes are Kamailio's: t_load_contacts 1 (also when there is
 * nothing to sort: one destination), -1 error; t_next_contacts 1, -2 when
 * no contact is left (false in the script), -1 error; t_next_contact_flow
 * 1, -2 when the branch has no instance or no flow is left, -1 when none is
 * of this instance (or an error).
 *
 * The contacts and flows left travel with the transaction (tm_serial_save/
 * load, next to its $avp values), so a failure route finds them as in
 * Kamailio.  Mode 1 (proportional: one contact at a time, drawn at random
 * weighted by q) is supported.  Not kept: the sock, ruid and ua fields
 * (routec's destination set has no per-branch socket).
 */
#include "modules/tm/tm.h"

#include "core/rtmsg.h"

#include <stdlib.h>
#include <string.h>

#define Q_FLAG 4 /* Kamailio's: the last contact of its q group */

typedef struct ct {
	rc_str uri, dst_uri, path, instance;
	int q, q_index;
	unsigned flags, q_flag;
} ct;

struct tm_contact {
	rc_str uri, dst_uri, path, instance;
	unsigned flags, q_flag;
};

static const rc_str F_URI = { "uri", 3 }, F_DST = { "dst_uri", 7 }, F_PATH = { "path", 4 },
                    F_FLAGS = { "flags", 5 }, F_QFLAG = { "q_flag", 6 },
                    F_INST = { "instance", 8 };

/* ---- the xavp items --------------------------------------------------------------- */

static pv_xname xname(rc_str root, int ri, rc_str field, int with_field)
{
	pv_xname x;
	memset(&x, 0, sizeof x);
	x.root = root;
	x.ri = ri;
	x.rkind = ri >= 0 ? PV_IDX_INT : PV_IDX_NONE;
	if (with_field)
		x.field = field;
	return x;
}

static int field_set(rc_msg_t *m, pv_xname *x, rc_str f, rc_val v)
{
	x->field = f;
	return pv_xavp_set(m, x, &v);
}

/* A new item at the front of the list (one field per call: the item is
 * created by its first field, the others are added to item 0).  A flow
 * (contact_flows_avp) has no q_flag, as in Kamailio. */
static int item_add(rc_msg_t *m, rc_str root, const struct tm_contact *c, int flow)
{
	pv_xname x = xname(root, -1, F_URI, 1);
	rc_val v = pv_vstr(c->uri.s, c->uri.len);
	if (pv_xavp_set(m, &x, &v) < 0)
		return -1;
	x = xname(root, 0, F_DST, 1);
	if (c->dst_uri.len > 0 && field_set(m, &x, F_DST, pv_vstr(c->dst_uri.s, c->dst_uri.len)) < 0)
		return -1;
	if (c->path.len > 0 && field_set(m, &x, F_PATH, pv_vstr(c->path.s, c->path.len)) < 0)
		return -1;
	if (field_set(m, &x, F_FLAGS, pv_vint((int)c->flags)) < 0)
		return -1;
	if (!flow && field_set(m, &x, F_QFLAG, pv_vint((int)c->q_flag)) < 0)
		return -1;
	if (c->instance.len > 0 &&
	    field_set(m, &x, F_INST, pv_vstr(c->instance.s, c->instance.len)) < 0)
		return -1;
	return 0;
}

static rc_str field_str(rc_msg_t *m, rc_str root, int ri, rc_str f)
{
	pv_xname x = xname(root, ri, f, 1);
	rc_val v;
	pv_xavp_get(m, &x, &v);
	return v.type == RC_STR ? v.s : (rc_str){ NULL, 0 };
}

static unsigned field_int(rc_msg_t *m, rc_str root, int ri, rc_str f)
{
	pv_xname x = xname(root, ri, f, 1);
	rc_val v;
	pv_xavp_get(m, &x, &v);
	return v.type == RC_INT ? (unsigned)v.i : 0;
}

/* Item ri as a contact: 0, or -1 when there is none. */
static int item_get(rc_msg_t *m, rc_str root, int ri, struct tm_contact *c)
{
	c->uri = field_str(m, root, ri, F_URI);
	if (!c->uri.s)
		return -1;
	c->dst_uri = field_str(m, root, ri, F_DST);
	c->path = field_str(m, root, ri, F_PATH);
	c->instance = field_str(m, root, ri, F_INST);
	c->flags = field_int(m, root, ri, F_FLAGS);
	c->q_flag = field_int(m, root, ri, F_QFLAG);
	return 0;
}

static void item_rm(rc_msg_t *m, rc_str root, int ri)
{
	pv_xname x = xname(root, ri, F_URI, 0);
	rc_val nul = pv_vnull();
	pv_xavp_set(m, &x, &nul);
}

static void item_rm0(rc_msg_t *m, rc_str root)
{
	item_rm(m, root, 0);
}

static int same(rc_str a, rc_str b)
{
	return a.len == b.len && (a.len == 0 || !memcmp(a.s, b.s, (size_t)a.len));
}

/* ---- t_load_contacts ----------------------------------------------------------------- */

/* The destination set as contacts: the R-URI when it is new, else the
 * first branch, then the branches.  Their number. */
static int collect(rc_msg_t *m, int rn, ct *in)
{
	int n = 0;
	if (rn)
		in[n++] = (ct){ .uri = rt_msg_ruri(m), .dst_uri = m->dst_uri, .path = m->reg_path,
		                .instance = m->reg_instance, .q = rt_ruri_q(m), .flags = m->bflags };
	for (int i = 0; i < m->nbranches; i++) {
		const rt_branch *b = &m->branches[i];
		in[n++] = (ct){ .uri = b->uri, .dst_uri = b->dst_uri, .path = b->path,
		                .instance = b->instance, .q = b->q, .flags = b->flags };
	}
	return n;
}

/* Proportional mode: every contact is a group of its own; those with a
 * positive q drawn at random weighted by q go first (the last drawn is
 * added first, so it comes out last).  s (ns contacts, sorted) is reordered
 * in place. */
static void draw_proportional(ct **s, int ns, int n_pos, int q_total)
{
	int left = n_pos, rest = q_total;
	ct *order[RT_MAX_BRANCHES + 1];
	int no = 0;
	for (int i = 0; i < ns; i++)
		if (s[i]->q <= 0)
			order[no++] = s[i]; /* tried after every weighted one */
	int used[RT_MAX_BRANCHES + 1] = { 0 };
	ct *drawn[RT_MAX_BRANCHES + 1];
	int nd = 0;
	while (left > 0) {
		int r = rest > 0 ? rand() % rest : 0, acc = 0;
		for (int i = 0; i < ns; i++) {
			if (s[i]->q <= 0 || used[i])
				continue;
			acc += s[i]->q;
			if (r < acc || acc == rest) {
				used[i] = 1;
				drawn[nd++] = s[i];
				rest -= s[i]->q;
				left--;
				break;
			}
		}
	}
	for (int i = nd - 1; i >= 0; i--)
		order[no++] = drawn[i];
	for (int i = 0; i < no; i++) {
		order[i]->q_flag = Q_FLAG;
		s[i] = order[i];
	}
}

static int load(rc_msg_t *m, int mode)
{
	const tm_conf *cf = tm_conf_of(m->gen);
	if (!cf->contacts_avp.s) {
		rt_log(RT_L_ERR, "t_load_contacts: feature has been disabled - to enable define "
		       "contacts_avp module parameter");
		return -1;
	}
	int rn = tm_ruri_is_new(m);
	if (m->nbranches == 0 || (m->nbranches == 1 && !rn))
		return 1; /* nothing to do: one contact */
	ct in[RT_MAX_BRANCHES + 1];
	int n = collect(m, rn, in);
	/* q_index: the q itself, or (proportional) the running sum of the
	   positive q values */
	int q_total = 0, n_pos = 0;
	for (int i = 0; i < n; i++) {
		in[i].q_index = in[i].q;
		if (mode == 1) {
			if (in[i].q > 0) {
				q_total += in[i].q;
				n_pos++;
			}
			in[i].q_index = q_total;
		}
	}
	/* insertion in increasing order, a contact without a path after the
	   ones of its value (Kamailio's order for ties) */
	ct *s[RT_MAX_BRANCHES + 1];
	int ns = 0;
	s[ns++] = &in[0];
	for (int i = 1; i < n; i++) {
		ct *c = &in[i];
		int k = 0;
		while (k < ns && (s[k]->q_index < c->q_index ||
		                  (s[k]->q_index == c->q_index && c->path.len == 0)))
			k++;
		memmove(&s[k + 1], &s[k], sizeof s[0] * (size_t)(ns - k));
		s[k] = c;
		ns++;
	}
	if (mode == 1) {
		draw_proportional(s, ns, n_pos, q_total);
	} else {
		s[0]->q_flag = 0;
		for (int i = 1; i < ns; i++)
			s[i]->q_flag = s[i - 1]->q < s[i]->q ? Q_FLAG : 0;
	}
	/* each item goes to the front: the highest q ends first */
	for (int i = 0; i < ns; i++) {
		struct tm_contact c = { s[i]->uri, s[i]->dst_uri, s[i]->path, s[i]->instance,
		                        s[i]->flags, s[i]->q_flag };
		if (item_add(m, cf->contacts_avp, &c, 0) < 0) {
			rt_log(RT_L_ERR, "t_load_contacts: out of memory");
			return -1;
		}
	}
	/* clear_branches: the R-URI's q goes, the R-URI counts as used until
	   t_next_contacts sets one */
	m->nbranches = 0;
	rt_set_ruri_q(m, -1);
	m->tm_ruri_used = 1;
	m->tm_ruri_mark = rt_msg_ruri(m).s;
	return 1;
}

int tm_t_load_contacts(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return load(m, 0);
}

int tm_t_load_contacts_1(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int mode;
	if (mod_arg_int(m, c, &argv[0], &mode) < 0 || (mode != 0 && mode != 1)) {
		rt_log(RT_L_ERR, "t_load_contacts: invalid load_contact mode, please use 0 (standard) "
		       "or 1 (proportional)");
		return -1;
	}
	return load(m, mode);
}

/* ---- t_next_contacts ----------------------------------------------------------------- */

static rc_str dup_or_null(rc_msg_t *m, rc_str s)
{
	if (!s.s || s.len <= 0)
		return (rc_str){ NULL, 0 };
	char *d = pv_dup(m, s.s, s.len);
	return d ? (rc_str){ d, s.len } : (rc_str){ NULL, 0 };
}

/* Appends contact k as a branch (q 0, as Kamailio's append_branch here): 0,
 * or -1 (logged). */
static int append(rc_msg_t *m, const struct tm_contact *k, const char *fn)
{
	if (m->nbranches >= RT_MAX_BRANCHES - 1) {
		rt_log(RT_L_ERR, "%s: appending branch failed (max branches)", fn);
		return -1;
	}
	rt_branch *b = &m->branches[m->nbranches];
	memset(b, 0, sizeof *b);
	b->uri = dup_or_null(m, k->uri);
	b->dst_uri = dup_or_null(m, k->dst_uri);
	b->path = dup_or_null(m, k->path);
	b->instance = dup_or_null(m, k->instance);
	b->q = 0;
	b->flags = k->flags;
	if (!b->uri.s) {
		rt_log(RT_L_ERR, "%s: appending branch failed", fn);
		return -1;
	}
	m->nbranches++;
	return 0;
}

#define MAX_INST (RT_MAX_BRANCHES * 4)

int tm_t_next_contacts(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const tm_conf *cf = tm_conf_of(m->gen);
	rc_str root = cf->contacts_avp, flows = cf->contact_flows_avp;
	if (!root.s) {
		rt_log(RT_L_ERR, "t_next_contacts: feature has been disabled - to enable define "
		       "contacts_avp module parameter");
		return -1;
	}
	struct tm_contact k;
	if (item_get(m, root, 0, &k) < 0)
		return -2; /* no contact left: we are done */
	/* the first of the group: the R-URI */
	rc_str u = dup_or_null(m, k.uri);
	if (!u.s) {
		rt_log(RT_L_ERR, "t_next_contacts: out of memory");
		return -1;
	}
	/* the instances sent to in this group: the first flow of each goes
	   out, the others wait in contact_flows_avp */
	rc_str inst[MAX_INST];
	int ninst = 0;
	if (k.instance.len > 0 && !k.q_flag) {
		inst[ninst++] = k.instance;
		m->reg_instance = dup_or_null(m, k.instance); /* Kamailio's set_instance */
	}
	m->new_ruri = u;
	m->dst_uri = dup_or_null(m, k.dst_uri);
	m->reg_path = dup_or_null(m, k.path);
	m->bflags = k.flags;
	item_rm0(m, root);
	if (k.q_flag)
		return 1;
	if (flows.s) {
		pv_xname fx = xname(flows, -1, F_URI, 0);
		rc_val nul = pv_vnull();
		pv_xavp_set(m, &fx, &nul);
	}
	/* the others, until the last of the group */
	while (item_get(m, root, 0, &k) == 0) {
		int seen = 0;
		for (int i = 0; i < ninst && !seen && k.instance.len > 0; i++)
			seen = same(inst[i], k.instance);
		if (seen) {
			/* another flow of a device this group sends to already */
			if (flows.s && item_add(m, flows, &k, 1) < 0) {
				rt_log(RT_L_ERR, "t_next_contacts: out of memory");
				return -1;
			}
		} else {
			if (k.instance.len > 0 && !k.q_flag && ninst < MAX_INST)
				inst[ninst++] = k.instance;
			if (append(m, &k, "t_next_contacts") < 0)
				return -1;
		}
		item_rm0(m, root);
		if (k.q_flag)
			break;
	}
	return 1;
}

/* In event_route[tm:branch-failure]: the next flow (contact_flows_avp) of
 * the +sip.instance of the branch that failed becomes a branch, so a
 * t_relay() tries the device again over another connection. */
int tm_t_next_contact_flow(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const tm_conf *cf = tm_conf_of(m->gen);
	rc_str flows = cf->contact_flows_avp;
	if (!flows.s) {
		rt_log(RT_L_ERR, "t_next_contact_flow: feature has been disabled - to enable define "
		       "contact_flows_avp module parameter");
		return -1;
	}
	tm_cell *t = m->tm_t;
	if (!(c->route_type & RC_RT_BRANCH_FAILURE) || !t) {
		rt_log(RT_L_ERR, "t_next_contact_flow: called not in a branch_failure_route");
		return -2;
	}
	int bi = m->tm_branch;
	rc_str this_inst = bi >= 0 && bi < t->nbr ? t->br[bi]->instance : (rc_str){ NULL, 0 };
	if (this_inst.len <= 0)
		return -2; /* no instance on this branch */
	struct tm_contact k;
	if (item_get(m, flows, 0, &k) < 0)
		return -2; /* no flow left */
	for (int i = 0; item_get(m, flows, i, &k) == 0; i++) {
		if (!same(k.instance, this_inst))
			continue;
		if (append(m, &k, "t_next_contact_flow") < 0)
			return -1;
		item_rm(m, flows, i);
		return 1;
	}
	return -1;
}

/* ---- with the transaction --------------------------------------------------------------- */

/* The items of $xavp(root) copied into the cell: *out, *n (none: NULL, 0). */
static void save_list(tm_cell *t, rc_msg_t *m, rc_str root, struct tm_contact **out, int *nout)
{
	*out = NULL;
	*nout = 0;
	if (!root.s)
		return;
	struct tm_contact k;
	int n = 0;
	while (n <= RT_MAX_BRANCHES * 4 && item_get(m, root, n, &k) == 0)
		n++;
	if (!n)
		return;
	struct tm_contact *v = tm_cell_mem(t, sizeof *v * (size_t)n);
	if (!v)
		return;
	for (int i = 0; i < n; i++) {
		item_get(m, root, i, &k);
		v[i] = k;
		v[i].uri.s = tm_cell_dup(t, k.uri.s, k.uri.len);
		v[i].dst_uri.s = k.dst_uri.s ? tm_cell_dup(t, k.dst_uri.s, k.dst_uri.len) : NULL;
		v[i].path.s = k.path.s ? tm_cell_dup(t, k.path.s, k.path.len) : NULL;
		v[i].instance.s = k.instance.s ? tm_cell_dup(t, k.instance.s, k.instance.len) : NULL;
		if (!v[i].uri.s)
			return;
	}
	*out = v;
	*nout = n;
}

static void load_list(rc_msg_t *m, rc_str root, const struct tm_contact *v, int n, int flow)
{
	if (!root.s)
		return;
	pv_xname x = xname(root, -1, F_URI, 0);
	rc_val nul = pv_vnull();
	pv_xavp_set(m, &x, &nul);
	for (int i = n - 1; i >= 0; i--)
		if (item_add(m, root, &v[i], flow) < 0) {
			rt_log(RT_L_ERR, "tm: contacts of the transaction: out of memory");
			return;
		}
}

void tm_serial_save(tm_cell *t, rc_msg_t *m)
{
	save_list(t, m, t->conf->contacts_avp, &t->contacts, &t->ncontacts);
	save_list(t, m, t->conf->contact_flows_avp, &t->flows, &t->nflows);
}

void tm_serial_load(tm_cell *t, rc_msg_t *m)
{
	load_list(m, t->conf->contacts_avp, t->contacts, t->ncontacts, 0);
	load_list(m, t->conf->contact_flows_avp, t->flows, t->nflows, 1);
	if ((m->tm_mflags & TM_M_FAKED) && !m->reg_path.s)
		m->reg_path = t->reg_path; /* in cell memory, as the faked message's $du */
}
