/* reg_reply.c: the registrar's reply (registrar/reply.c): one Contact
 * header listing every valid binding of the AoR with its remaining time,
 *
 *   Contact: <sip:a@10.0.0.1:5060>;q=0.5;expires=3599, <sip:a@10.0.0.2>;expires=60
 *
 * then, as the case needs, Path, Unsupported, Min-Expires, and on errors
 * P-Registrar-Error and Retry-After.  It is sent with send_reply()
 * semantics, as Kamailio's registrar does (slb.freply): through sl's
 * sl_send_reply_tm, the C function of the script's send_reply(), so that
 * when the request has a transaction the reply is the transaction's.
 */
#include "modules/registrar/reg.h"

#include <stdio.h>
#include <string.h>

/* Kamailio's q2str: "0.5", "0.05", "0.123", "1", "0"; "" when unspecified. */
static int q_text(int q, char *out)
{
	if (q == UL_Q_UNSPECIFIED)
		return 0;
	if (q >= 1000)
		return sprintf(out, "1");
	if (q <= 0)
		return sprintf(out, "0");
	int n = sprintf(out, "0.%d", q / 100);
	q %= 100;
	if (q) {
		n += sprintf(out + n, "%d", q / 10);
		q %= 10;
		if (q)
			n += sprintf(out + n, "%d", q);
	}
	return n;
}

/* Appends l bytes at out + *n (only counts when out is NULL). */
static void add(char *out, int *n, const char *s, int l)
{
	if (out && l > 0)
		memcpy(out + *n, s, (size_t)l);
	*n += l;
}

/* The text of one binding in the list: its length (written at out unless
 * out is NULL). */
static int print_contact(char *out, const reg_cfg *cfg, const ul_contact *c, long long now)
{
	char tmp[64];
	int n = 0, l;
	add(out, &n, "<", 1);
	add(out, &n, c->c.s, c->c.len);
	add(out, &n, ">", 1);
	if ((l = q_text(c->q, tmp)) > 0) {
		add(out, &n, ";q=", 3);
		add(out, &n, tmp, l);
	}
	/* Kamailio prints expires - now even for a permanent binding (0) */
	l = snprintf(tmp, sizeof tmp, ";expires=%d", (int)(c->expires - now));
	add(out, &n, tmp, l);
	if (cfg->received_param.len > 0 && c->received.s) {
		add(out, &n, ";", 1);
		add(out, &n, cfg->received_param.s, cfg->received_param.len);
		add(out, &n, "=\"", 2);
		add(out, &n, c->received.s, c->received.len);
		add(out, &n, "\"", 1);
	}
	if (c->instance.len > 0) {
		add(out, &n, ";+sip.instance=\"", 16);
		add(out, &n, c->instance.s, c->instance.len);
		add(out, &n, "\"", 1);
	}
	if (c->reg_id > 0) {
		l = snprintf(tmp, sizeof tmp, ";reg-id=%u", c->reg_id);
		add(out, &n, tmp, l);
	}
	return n;
}

rc_str reg_contact_hdr(rc_msg_t *m, const reg_cfg *cfg, const ul_record *r, long long now)
{
	rc_str none = { "", 0 };
	int total = 0, n = 0;
	for (const ul_contact *c = r ? r->contacts : NULL; c; c = c->next)
		if (ul_valid(c, now))
			total += print_contact(NULL, cfg, c, now) + 2, n++;
	if (!n)
		return none;
	total += 9 + 2; /* "Contact: " ... CRLF */
	char *d = rc_tmp(m, total);
	if (!d)
		return none;
	int o = 0;
	memcpy(d, "Contact: ", 9);
	o = 9;
	int first = 1;
	for (const ul_contact *c = r->contacts; c; c = c->next) {
		if (!ul_valid(c, now))
			continue;
		if (!first) {
			memcpy(d + o, ", ", 2);
			o += 2;
		}
		first = 0;
		o += print_contact(d + o, cfg, c, now);
	}
	memcpy(d + o, "\r\n", 2);
	o += 2;
	return (rc_str){ d, o };
}

/* 1 when a Supported header of m lists the option tag. */
static int supported(rc_msg_t *m, const char *tag)
{
	int tl = (int)strlen(tag);
	sip_list_it it;
	sip_str item;
	sip_list_begin(&m->sip, SIP_H_SUPPORTED, &it);
	while (sip_list_next(&m->sip, &it, &item, NULL) == 1)
		if (item.len == tl && !strncasecmp(item.s, tag, (size_t)tl))
			return 1;
	return 0;
}

static const char *reason_of(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 420: return "Bad Extension";
	case 421: return "Extension Required";
	case 423: return "Interval Too Brief";
	case 439: return "First Hop Lacks Outbound Support";
	case 503: return "Service Unavailable";
	default: return "Server Internal Error";
	}
}

void reg_reply_prepare(rc_msg_t *m, const reg_cfg *cfg, int e, rc_str contact, rc_str path,
                       reg_reply *rp)
{
	char extra[512];
	int x = 0;
	if (e == R_FINE && path.len > 0 && cfg->path_mode != 0) {
		if (supported(m, "path")) {
			x += snprintf(extra + x, sizeof extra - (size_t)x, "Path: %.*s\r\n", path.len > 400 ? 400 : path.len, path.s);
		} else if (cfg->path_mode == 2) {
			/* strict: the UA must say it understands Path; the binding stays */
			e = R_PATH_UNSUP;
			x += snprintf(extra + x, sizeof extra - (size_t)x, "Unsupported: path\r\nPath: %.*s\r\n",
			              path.len > 400 ? 400 : path.len, path.s);
		}
	}
	if (e == R_OB_REQD) /* the UA requires outbound, which is not offered */
		x += snprintf(extra + x, sizeof extra - (size_t)x, "Unsupported: outbound\r\n");
	if (e == R_LOW_EXP)
		x += snprintf(extra + x, sizeof extra - (size_t)x, "Min-Expires: %d\r\n", cfg->min_expires);
	rp->code = reg_err_code(e);
	rp->reason = reason_of(rp->code);
	if (rp->code != 200) {
		x += snprintf(extra + x, sizeof extra - (size_t)x, "P-Registrar-Error: %s\r\n", reg_err_text(e));
		if (rp->code >= 500 && rp->code < 600 && cfg->retry_after)
			x += snprintf(extra + x, sizeof extra - (size_t)x, "Retry-After: %d\r\n", cfg->retry_after);
	}
	if (x >= (int)sizeof extra)
		x = (int)sizeof extra - 1;
	char *d = rc_tmp(m, contact.len + x);
	if (!d) {
		rp->hdrs = (rc_str){ "", 0 };
		return;
	}
	if (contact.len)
		memcpy(d, contact.s, (size_t)contact.len);
	memcpy(d + contact.len, extra, (size_t)x);
	rp->hdrs = (rc_str){ d, contact.len + x };
}

int reg_reply_send(rc_msg_t *m, rc_ctx_t *c, const reg_reply *rp)
{
	/* the lines the script queued with append_to_reply() come first */
	rc_str before = m->tx_reply_hdrs;
	if (rp->hdrs.len) {
		char *d = rc_tmp(m, before.len + rp->hdrs.len);
		if (!d)
			return -1;
		if (before.len)
			memcpy(d, before.s, (size_t)before.len);
		memcpy(d + before.len, rp->hdrs.s, (size_t)rp->hdrs.len);
		m->tx_reply_hdrs = (rc_str){ d, before.len + rp->hdrs.len };
	}
	char code[8];
	int cl = snprintf(code, sizeof code, "%d", rp->code);
	rc_arg argv[2] = { { RC_INT, rp->code, { code, cl }, NULL },
	                   { RC_STR, 0, { rp->reason, (int)strlen(rp->reason) }, NULL } };
	/* send_reply(): statefully when the request has a transaction */
	int rc = sl_send_reply_tm(m, c, argv);
	m->tx_reply_hdrs = before; /* ours were for this reply only */
	if (rc < 0)
		rt_log(RT_L_ERR, "registrar: failed to send %d %s", rp->code, rp->reason);
	return rc < 0 ? -1 : 1;
}
