/* field.c: the old-style condition elements (kamailio-language.md 4.4):
 *   method == "INVITE"   uri =~ "^sip:1"   from_uri != to_uri-ish strings
 *   src_ip == 10.0.0.1   src_ip == 10.0.0.0/8   uri == myself
 *   src_port >= 5060     msg:len < 1500        proto == udp
 * Strings compare case-insensitively here (strncasecmp in Kamailio's
 * eval_elem), unlike `==` on values; addresses compare as addresses, so
 * "::1" equals "0:0::1".  The onsend-only fields (snd_*, to_*) have no
 * values outside onsend_route and compare false.
 */
#include "pv/pv.h"

#include <arpa/inet.h>
#include <string.h>

int pv_ip_parse(const char *s, int len, unsigned char out[16])
{
	char buf[64];
	memset(out, 0, 16);
	if (len <= 0 || len >= (int)sizeof buf)
		return 0;
	if (s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	memcpy(buf, s, (size_t)len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, buf, out) == 1)
		return 6;
	return 0;
}

/* The text of a string field, or -1 when the message has none. */
static int field_text(rc_msg_t *m, int field, rc_str *out)
{
	const sip_addr *a;
	switch (field) {
	case PV_F_METHOD:
		if (m->sip.is_request) {
			out->s = m->sip.method.s;
			out->len = m->sip.method.len;
			return 0;
		} else {
			const sip_cseq *cs;
			if (sip_get_cseq(&m->sip, &cs) < 0)
				return -1;
			out->s = cs->method.s;
			out->len = cs->method.len;
			return 0;
		}
	case PV_F_FROM_URI:
	case PV_F_TO_URI:
		if ((field == PV_F_FROM_URI ? sip_get_from(&m->sip, &a) : sip_get_to(&m->sip, &a)) < 0)
			return -1;
		out->s = a->uri.s;
		out->len = a->uri.len;
		return 0;
	case PV_F_URI:
		if (m->sip.is_request) {
			*out = pv_ruri(m);
			return 0;
		}
		/* on a reply Kamailio's uri (and its alias status) reads the
		   status code, the first line's field at the same place */
		/* fall through */
	case PV_F_STATUS:
		if (m->sip.is_request)
			return -1;
		{
			char *d = rc_tmp(m, 4);
			if (!d)
				return -1;
			d[0] = (char)('0' + m->sip.status / 100);
			d[1] = (char)('0' + m->sip.status / 10 % 10);
			d[2] = (char)('0' + m->sip.status % 10);
			d[3] = '\0';
			out->s = d;
			out->len = 3;
		}
		return 0;
	case PV_F_SRC_IP:
		out->s = m->src_ip;
		out->len = (int)strlen(m->src_ip);
		return out->len ? 0 : -1;
	case PV_F_DST_IP:
		if (!m->rcv)
			return -1;
		out->s = m->rcv->ip;
		out->len = (int)strlen(m->rcv->ip);
		return 0;
	case PV_F_PROTO: {
		static const char *const names[] = { "", "udp", "tcp", "tls", "sctp", "ws", "wss" };
		int p = m->rcv ? m->rcv->proto : RT_PROTO_UDP;
		out->s = names[p >= 1 && p <= 6 ? p : 1];
		out->len = (int)strlen(out->s);
		return 0;
	}
	default:
		return -1;
	}
}

static int af_of(const char *ip)
{
	return strchr(ip, ':') ? AF_INET6 : AF_INET;
}

/* The value of an int field, or -1 when it has none here. */
static int field_int(rc_msg_t *m, int field, int *out)
{
	switch (field) {
	case PV_F_SRC_PORT: *out = m->src_port; return 0;
	case PV_F_DST_PORT:
		if (!m->rcv)
			return -1;
		*out = m->rcv->port;
		return 0;
	case PV_F_MSGLEN: *out = m->len; return 0;
	case PV_F_AF: *out = af_of(m->src_ip); return 0;
	case PV_F_PROTO: *out = m->rcv ? m->rcv->proto : RT_PROTO_UDP; return 0;
	case PV_F_STATUS:
		if (m->sip.is_request)
			return -1;
		*out = m->sip.status;
		return 0;
	default: return -1;
	}
}

static int int_op(int op, int a, int b)
{
	switch (op) {
	case 0: return a == b;
	case 1: return a != b;
	case 3: return a < b;
	case 4: return a > b;
	case 5: return a <= b;
	case 6: return a >= b;
	default: return 0;
	}
}

/* `af == INET`, `proto == udp`: the words the script may use for ints. */
static int word_int(int field, rc_str w, int *out)
{
	static const char *const protos[] = { "udp", "tcp", "tls", "sctp", "ws", "wss" };
	if (field == PV_F_AF) {
		if (pv_eqi(w.s, w.len, "inet", 4) || pv_eqi(w.s, w.len, "ipv4", 4)) {
			*out = AF_INET;
			return 1;
		}
		if (pv_eqi(w.s, w.len, "inet6", 5) || pv_eqi(w.s, w.len, "ipv6", 4)) {
			*out = AF_INET6;
			return 1;
		}
	}
	if (field == PV_F_PROTO)
		for (int i = 0; i < 6; i++)
			if (pv_eqi(w.s, w.len, protos[i], (int)strlen(protos[i]))) {
				*out = i + 1;
				return 1;
			}
	return 0;
}

int rc_field_cmp(rc_msg_t *m, int field, int op, const rc_val *v, const rc_re *re)
{
	rc_str text, want;
	int x, y;
	if (op == 2) {
		if (field_text(m, field, &text) < 0) {
			int n;
			if (field_int(m, field, &n) < 0)
				return 0;
			text = pv_itoa(m, n);
		}
		if (!re) {
			want = rc_v_str(m, v);
			re = pv_re_dyn(want.s, want.len, PV_RE_ICASE);
		}
		return re && pv_re_exec(re, text.s, text.len, 0, NULL, 0) > 0;
	}
	int is_int_field = field == PV_F_SRC_PORT || field == PV_F_DST_PORT || field == PV_F_MSGLEN ||
	                   field == PV_F_AF || (field == PV_F_STATUS && v->type == RC_INT) ||
	                   (field == PV_F_PROTO && v->type == RC_INT);
	if (field == PV_F_PROTO && v->type == RC_STR) {
		want = rc_v_str(m, v);
		if (want.len == 1 && want.s[0] == '*')
			return op == 0;
		if (word_int(field, want, &y) && field_int(m, field, &x) == 0)
			return int_op(op, x, y);
	}
	if (is_int_field) {
		if (field_int(m, field, &x) < 0)
			return 0;
		want = rc_v_str(m, v);
		if (v->type != RC_STR || !word_int(field, want, &y))
			y = rc_v_int(v);
		return int_op(op, x, y);
	}
	if (field_text(m, field, &text) < 0)
		return 0;
	if (op != 0 && op != 1)
		return 0;
	want = rc_v_str(m, v);
	int eq;
	if (field == PV_F_SRC_IP || field == PV_F_DST_IP) {
		unsigned char a[16], b[16];
		int fa = pv_ip_parse(text.s, text.len, a), fb = pv_ip_parse(want.s, want.len, b);
		eq = fa && fa == fb ? !memcmp(a, b, 16) : pv_eqi(text.s, text.len, want.s, want.len);
	} else {
		eq = pv_eqi(text.s, text.len, want.s, want.len);
	}
	return op == 0 ? eq : !eq;
}

int rc_field_myself(rc_msg_t *m, int field)
{
	rc_str text;
	sip_uri u;
	switch (field) {
	case PV_F_URI:
	case PV_F_FROM_URI:
	case PV_F_TO_URI:
		if (field_text(m, field, &text) < 0 || sip_uri_parse(text.s, text.len, &u) < 0 || !u.host.len)
			return 0;
		{
			int tls = u.scheme == SIP_URI_SIPS || (u.transport.s && pv_eqi(u.transport.s, u.transport.len, "tls", 3));
			int port = u.port ? u.port : tls ? 5061 : 5060;
			return rt_myself(u.host.s, u.host.len, port, 0) ? 1 : 0;
		}
	case PV_F_SRC_IP:
	case PV_F_DST_IP:
		if (field_text(m, field, &text) < 0)
			return 0;
		return rt_myself(text.s, text.len, 0, 0) ? 1 : 0;
	default:
		return 0;
	}
}

/* "10.0.0.0/8", "10.0.0.0/255.0.0.0", "2001:db8::/32", or a bare address. */
int rc_field_ipnet(rc_msg_t *m, int field, const char *net, int len)
{
	rc_str text;
	unsigned char ip[16], base[16], mask[16];
	if ((field != PV_F_SRC_IP && field != PV_F_DST_IP) || field_text(m, field, &text) < 0)
		return 0;
	const char *slash = memchr(net, '/', (size_t)len);
	int alen = slash ? (int)(slash - net) : len;
	int fam = pv_ip_parse(net, alen, base), fip = pv_ip_parse(text.s, text.len, ip);
	if (!fam || fam != fip)
		return 0;
	int bytes = fam == 4 ? 4 : 16, bits = bytes * 8;
	memset(mask, 0, sizeof mask);
	if (slash) {
		const char *ms = slash + 1;
		int ml = len - alen - 1;
		if (memchr(ms, '.', (size_t)ml) || memchr(ms, ':', (size_t)ml)) {
			if (pv_ip_parse(ms, ml, mask) != fam)
				return 0;
			bits = -1;
		} else if (!pv_str2sint(ms, ml, &bits) || bits < 0 || bits > bytes * 8) {
			return 0;
		}
	}
	if (bits >= 0)
		for (int i = 0; i < bytes; i++) {
			int b = bits - 8 * i;
			mask[i] = (unsigned char)(b >= 8 ? 0xff : b <= 0 ? 0 : (0xff << (8 - b)) & 0xff);
		}
	for (int i = 0; i < bytes; i++)
		if ((ip[i] & mask[i]) != (base[i] & mask[i]))
			return 0;
	return 1;
}
