/* corex.c: the cheap functions of Kamailio 5.6's corex module.
 *
 *   append_branch([uri[, q]])
 *       adds a branch to the destination set (m->branches): with no uri (or
 *       an empty one) the R-URI in force, $du and the branch flags of the
 *       R-URI ($bf), which are then reset ($du unset, $bf 0, no forced
 *       socket); with a uri, that uri with the current $du and $bf, nothing
 *       reset.  q as Kamailio's str2q reads it ("0.5" -> 500, "1" -> 1000,
 *       "" or absent -> unspecified, -1).  1, or -1: a bad q, a URI longer
 *       than Kamailio's MAX_URI_SIZE, or the set full (Kamailio's
 *       max_branches, 12, counts the R-URI: at most 11 appended branches).
 *   setxflag(n) resetxflag(n) isxflagset(n)
 *       extended message flags 0..63; -1 for a flag out of range.
 *   msg_iflag_set(name) msg_iflag_reset(name) msg_iflag_is_set(name)
 *       the internal flags USE_UAC_FROM, USE_UAC_TO, UAC_AUTH (any case).
 *       is_set gives -2 when the flag is not set, reset -1 for an unknown
 *       name.  msg_iflag_set of an unknown name returns 1 and sets every
 *       internal flag: 5.6 tests `fv == 1` where it means `fv < 0` and ORs
 *       in -1 (fixed after 5.6); reproduced as is.
 *   set_send_socket("[proto:]addr[:port]") set_send_socket_name(name)
 *       $fs: the listening socket matching it.  As 5.6: when none matches,
 *       a warning and 1 with $fs unchanged; -1 for an empty or malformed
 *       value.
 *   set_recv_socket(sock) set_recv_socket_name(name)
 *       the socket the message is taken to have come in on ($Ri, $Rp, where
 *       replies are sent from); same return codes.
 *   is_socket_name(name)   1 when a listening socket has that name, else -1.
 *   set_source_address("[proto:]host[:port]")
 *       $si/$sp: the host resolved, the port as given (0 when absent, as
 *       in 5.6; the address itself gets 5060); -1 when it does not parse or
 *       resolve.
 *   send_udp([host[:port]])
 *       sends the message as it was received (no lump applied, no Via
 *       added) to host:port (port 5060 when absent), or with no argument
 *       (or an empty one) to the host and port of $du, else of the R-URI,
 *       from $fs or the receiving socket.  1 or -1.
 *   send_data(uri, data) sendx(uri, socket, data)
 *       sends data to the host and port of a SIP URI over UDP (from the
 *       given socket for sendx: a warning and the default socket when none
 *       matches); a ;transport other than udp is not supported: -1.
 *   file_read(path, $pv) file_write(path, text)
 *       the whole file into $pv as a string (it must fit the message's
 *       scratch memory); text written over the file (created 0666 & umask).
 *       1, or -1 for an empty path or text, or an I/O error.
 *   is_incoming()   -1: 5.6 answers 1 only inside event_route[network:msg]
 *                   with the nio_intercept modparam, which routec has not.
 *   is_faked_msg()  -1: routec builds no faked requests (no tm).
 *   forward_reply() 1: the core relays every reply after onreply_route
 *                   already; nothing is marked (5.6 would send it twice).
 *
 * Not here (routec reports them when a script uses them): send_tcp (no
 * TCP), via_add_srvid, via_add_xavp_params, via_use_xavp_fields (the Via
 * routec adds has no srvid or xavp parameters).
 */
#include "modules/mod.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "core/forward.h"
#include "core/sock.h"

#define MAX_URI_SIZE 1024 /* Kamailio's: a branch URI is at most 1023 bytes */
#define MAX_XFLAG 63      /* KSR_MAX_XFLAG: two 32-bit words */

/* ---- preparations --------------------------------------------------------------- */

static int prep_fmt_all(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	for (int i = 0; i < argc; i++)
		if (mod_prep_fmt(g, &argv[i], where) < 0)
			return -1;
	return 0;
}

/* PK_INT_PV: a "$pv", or a constant that is a number (fixup_igp refuses
 * anything else at load). */
static int prep_int1(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	int v;
	if (argc < 1)
		return -1;
	if (argv[0].type == RC_STR && argv[0].s.s && argv[0].s.len > 1 && argv[0].s.s[0] == '$')
		return mod_prep_pv(g, &argv[0], where);
	if (argv[0].type == RC_STR && (!argv[0].s.s || !pv_str2sint(argv[0].s.s, argv[0].s.len, &v))) {
		rt_log(RT_L_ERR, "%s: '%.*s' is neither an integer nor a pseudo-variable", where,
		       argv[0].s.s ? argv[0].s.len : 0, argv[0].s.s ? argv[0].s.s : "");
		return -1;
	}
	return 0;
}

static int prep_file_read(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 2 || mod_prep_fmt(g, &argv[0], where) < 0)
		return -1;
	if (argv[1].type != RC_STR || !argv[1].s.s ||
	    !(argv[1].p = rc_pv_prepare(g, argv[1].s.s, argv[1].s.len, where)))
		return -1;
	return 0;
}

/* ---- helpers ---------------------------------------------------------------------- */

/* Kamailio's str2q: 0..1000, or -1 when s is not a q value. */
static int str2q(rc_str s, int *q)
{
	enum { ST_START, ST_0, ST_1, ST_0_PT, ST_1_PT, ST_1_PT_0, ST_0_PT_N } st = ST_START;
	int digits = 1, order = 100, v = 0;
	for (int i = 0; i < s.len; i++) {
		char ch = s.s[i];
		switch (st) {
		case ST_START:
			if (ch == ' ' || ch == '\t')
				break;
			if (ch == '0') {
				v = 0;
				st = ST_0;
			} else if (ch == '1') {
				v = 1000;
				st = ST_1;
			} else if (ch == '.') {
				st = ST_0_PT;
			} else {
				return -1;
			}
			break;
		case ST_0:
			if (ch == '.')
				st = ST_0_PT;
			else if (ch == '1') {
				v = 1000;
				st = ST_1;
			} else if (ch != '0')
				return -1;
			break;
		case ST_1:
			if (ch != '.')
				return -1;
			st = ST_1_PT;
			break;
		case ST_0_PT:
			if (ch < '0' || ch > '9')
				return -1;
			v = (ch - '0') * order;
			order /= 10;
			st = ST_0_PT_N;
			break;
		case ST_1_PT:
			if (ch != '0')
				return -1;
			st = ST_1_PT_0;
			break;
		case ST_1_PT_0:
			if (ch != '0')
				return -1;
			break;
		case ST_0_PT_N:
			if (ch < '0' || ch > '9')
				return -1;
			if (digits <= 3) {
				v += (ch - '0') * order;
				order /= 10;
				digits++;
			}
			break;
		}
	}
	if (st == ST_START || st == ST_0_PT || st == ST_1_PT)
		return -1;
	*q = v;
	return 0;
}

/* "[proto:]host[:port]" as Kamailio's parse_phostport/parse_protohostport
 * read it: two colons outside [] are proto:host:port; one is host:port when
 * what follows is a number, else proto:host. */
typedef struct phostport {
	int proto; /* 0: not given */
	rc_str host;
	int port;  /* 0: not given */
} phostport;

static int proto_of(const char *s, int len)
{
	static const char *const names[] = { "udp", "tcp", "tls", "sctp", "ws", "wss" };
	for (int i = 0; i < 6; i++)
		if (pv_eqi(s, len, names[i], (int)strlen(names[i])))
			return i + 1; /* RT_PROTO_UDP ... */
	return -1;
}

static int port_of(const char *s, int len)
{
	int p = 0;
	if (len <= 0 || len > 5)
		return -1;
	for (int i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		p = p * 10 + (s[i] - '0');
	}
	return p <= 65535 ? p : -1;
}

static int parse_phostport(rc_str in, phostport *r)
{
	const char *first = NULL, *second = NULL, *e = in.s + in.len;
	int bracket = 0;
	memset(r, 0, sizeof *r);
	if (in.len <= 0)
		return -1;
	for (const char *p = in.s; p < e; p++) {
		if (*p == '[' && ++bracket > 1)
			return -1;
		if (*p == ']' && --bracket < 0)
			return -1;
		if (*p == ':' && bracket == 0) {
			if (!first)
				first = p;
			else if (!second)
				second = p;
			else
				return -1;
		}
	}
	if (e[-1] == ':')
		return -1;
	if (!first) {
		r->host = in;
		return 0;
	}
	if (second) {
		if ((r->proto = proto_of(in.s, (int)(first - in.s))) < 0 ||
		    (r->port = port_of(second + 1, (int)(e - second - 1))) < 0)
			return -1;
		r->host = (rc_str){ first + 1, (int)(second - first - 1) };
		return 0;
	}
	if ((r->port = port_of(first + 1, (int)(e - first - 1))) >= 0) {
		r->host = (rc_str){ in.s, (int)(first - in.s) };
		return 0;
	}
	r->port = 0;
	if ((r->proto = proto_of(in.s, (int)(first - in.s))) < 0)
		return -1;
	r->host = (rc_str){ first + 1, (int)(e - first - 1) };
	return 0;
}

/* The listening socket proto/host/port names (host an IP, [v6] or not). */
static const rt_sock *sock_by_addr(const phostport *a)
{
	char host[RT_HOST_MAX];
	rc_str h = a->host;
	if (h.len > 2 && h.s[0] == '[' && h.s[h.len - 1] == ']') {
		h.s++;
		h.len -= 2;
	}
	if (h.len <= 0 || h.len >= (int)sizeof host)
		return NULL;
	memcpy(host, h.s, (size_t)h.len);
	host[h.len] = '\0';
	return rt_sock_find(a->proto, host, a->port);
}

static const rt_sock *sock_by_name(rc_str name)
{
	const rt_sock *s;
	for (int i = 0; (s = rt_sock_at(i)); i++)
		if (s->name[0] && pv_eqi(s->name, (int)strlen(s->name), name.s, name.len))
			return s;
	return NULL;
}

/* Send buf over UDP to host:port (port 0: 5060), from `from` (NULL: the
 * first socket of the address family).  1 or -1. */
static int send_to(rc_msg_t *m, const char *host, int hlen, int port, const rt_sock *from,
                   const char *buf, int len)
{
	struct sockaddr_storage to;
	socklen_t tolen;
	if (hlen <= 0 || rt_resolve(host, hlen, port, &to, &tolen) < 0) {
		rt_log(RT_L_ERR, "corex: failed to resolve [%.*s]", hlen > 0 ? hlen : 0, host);
		return -1;
	}
	if (!from || from->addr.ss_family != to.ss_family)
		from = rt_sock_for(to.ss_family, from);
	if (!from) {
		rt_log(RT_L_ERR, "corex: no socket to send to [%.*s]", hlen, host);
		return -1;
	}
	return rt_send(m, from, (const struct sockaddr *)&to, tolen, buf, len) < 0 ? -1 : 1;
}

/* ---- branches ---------------------------------------------------------------------- */

/* append_branch (dset.c): 1 or -1. */
static int dset_append(rc_msg_t *m, int ruri, rc_str u, int q)
{
	if (m->nbranches >= RT_MAX_BRANCHES - 1) {
		rt_log(RT_L_ERR, "append_branch: max nr of branches exceeded");
		return -1;
	}
	if (ruri && !(u = pv_ruri(m)).s) {
		rt_log(RT_L_ERR, "append_branch: no R-URI to take");
		return -1;
	}
	if (u.len > MAX_URI_SIZE - 1 || m->dst_uri.len > MAX_URI_SIZE - 1) {
		rt_log(RT_L_ERR, "append_branch: too long uri: %.*s", u.len, u.s);
		return -1;
	}
	/* a value given may live in a $var the script changes next: copied;
	   the R-URI and $du are message strings never changed in place */
	if (!ruri && !(u.s = pv_dup(m, u.s, u.len)))
		return -1;
	rt_branch *b = &m->branches[m->nbranches++];
	memset(b, 0, sizeof *b);
	b->uri = u;
	if (m->dst_uri.s && m->dst_uri.len > 0)
		b->dst_uri = m->dst_uri;
	if (m->reg_path.s && m->reg_path.len > 0)
		b->path = m->reg_path; /* the path vector goes with $du (Kamailio's path_vec) */
	b->q = q;
	b->flags = m->bflags;
	return 1;
}

/* corex_append_branch (corex_lib.c). */
static int append_branch(rc_msg_t *m, const rc_str *uri, const rc_str *qv)
{
	int q = -1;
	if (qv && qv->len > 0 && str2q(*qv, &q) < 0) {
		rt_log(RT_L_ERR, "append_branch: cannot parse the Q parameter");
		return -1;
	}
	int ruri = !uri || uri->len <= 0;
	int rc = dset_append(m, ruri, ruri ? (rc_str){ NULL, 0 } : *uri, q);
	if (ruri) {
		/* the R-URI moved to a branch: its attributes go with it (5.6 resets
		   them whether or not the branch could be added) */
		m->force_send = NULL;
		m->bflags = 0;
		m->dst_uri = (rc_str){ NULL, 0 };
		m->reg_path = (rc_str){ NULL, 0 };
	}
	return rc;
}

int corex_append_branch(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return append_branch(m, NULL, NULL);
}

int corex_append_branch_1(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str u = mod_arg_str(m, c, &argv[0]);
	return append_branch(m, &u, NULL);
}

int corex_append_branch_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str u = mod_arg_str(m, c, &argv[0]), q = mod_arg_str(m, c, &argv[1]);
	return append_branch(m, &u, &q);
}

/* ---- flags ------------------------------------------------------------------------- */

/* The flag number, or -1 (logged when there is no value). */
static int xflag_arg(rc_msg_t *m, rc_ctx_t *c, const rc_arg *a)
{
	int f;
	if (mod_arg_int(m, c, a, &f) < 0) {
		rt_log(RT_L_ERR, "corex: no flag value");
		return -1;
	}
	return f >= 0 && f <= MAX_XFLAG ? f : -1;
}

int corex_setxflag(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int f = xflag_arg(m, c, &argv[0]);
	if (f < 0)
		return -1;
	m->corex_xflags[f / 32] |= 1u << (f % 32);
	return 1;
}

int corex_resetxflag(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int f = xflag_arg(m, c, &argv[0]);
	if (f < 0)
		return -1;
	m->corex_xflags[f / 32] &= ~(1u << (f % 32));
	return 1;
}

int corex_isxflagset(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int f = xflag_arg(m, c, &argv[0]);
	if (f < 0)
		return -1;
	return m->corex_xflags[f / 32] & (1u << (f % 32)) ? 1 : -1;
}

/* Kamailio's msg_flags bits (parser/msg_parser.h). */
#define FL_USE_UAC_FROM (1u << 13)
#define FL_USE_UAC_TO (1u << 14)
#define FL_UAC_AUTH (1u << 19)

static int iflag_of(rc_str name, unsigned *bit)
{
	static const struct {
		const char *name;
		unsigned bit;
	} list[] = { { "USE_UAC_FROM", FL_USE_UAC_FROM }, { "USE_UAC_TO", FL_USE_UAC_TO }, { "UAC_AUTH", FL_UAC_AUTH } };
	for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
		if (pv_eqi(name.s, name.len, list[i].name, (int)strlen(list[i].name))) {
			*bit = list[i].bit;
			return 0;
		}
	return -1;
}

int corex_msg_iflag_set(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	unsigned bit;
	if (iflag_of(mod_arg_str(m, c, &argv[0]), &bit) < 0)
		bit = ~0u; /* 5.6: msg_flags |= -1 (see the top of this file) */
	m->corex_iflags |= bit;
	return 1;
}

int corex_msg_iflag_reset(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	unsigned bit;
	rc_str name = mod_arg_str(m, c, &argv[0]);
	if (iflag_of(name, &bit) < 0) {
		rt_log(RT_L_ERR, "msg_iflag_reset: unsupported flag name [%.*s]", name.len, name.s);
		return -1;
	}
	m->corex_iflags &= ~bit;
	return 1;
}

int corex_msg_iflag_is_set(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	unsigned bit;
	rc_str name = mod_arg_str(m, c, &argv[0]);
	if (iflag_of(name, &bit) < 0) {
		rt_log(RT_L_ERR, "msg_iflag_is_set: unsupported flag name [%.*s]", name.len, name.s);
		return -1;
	}
	return m->corex_iflags & bit ? 1 : -2;
}

/* ---- sockets ----------------------------------------------------------------------- */

enum { SOCK_SEND, SOCK_RECV };

static int set_socket(rc_msg_t *m, rc_ctx_t *c, const rc_arg *a, int mode, int by_name)
{
	const char *fn = mode == SOCK_SEND ? (by_name ? "set_send_socket_name" : "set_send_socket")
	                                   : (by_name ? "set_recv_socket_name" : "set_recv_socket");
	rc_str v = mod_arg_str(m, c, a);
	const rt_sock *s;
	if (v.len <= 0) {
		rt_log(RT_L_ERR, "%s: cannot get socket address value", fn);
		return -1;
	}
	if (by_name) {
		s = sock_by_name(v);
	} else {
		phostport hp;
		if (parse_phostport(v, &hp) < 0) {
			rt_log(RT_L_ERR, "%s: invalid socket specification [%.*s]", fn, v.len, v.s);
			return -1;
		}
		s = sock_by_addr(&hp);
	}
	if (!s) {
		rt_log(RT_L_WARN, "%s: no socket found to match [%.*s]", fn, v.len, v.s);
		return 1;
	}
	if (mode == SOCK_SEND)
		m->force_send = s;
	else
		m->rcv = s;
	return 1;
}

int corex_set_send_socket(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return set_socket(m, c, &argv[0], SOCK_SEND, 0);
}

int corex_set_send_socket_name(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return set_socket(m, c, &argv[0], SOCK_SEND, 1);
}

int corex_set_recv_socket(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return set_socket(m, c, &argv[0], SOCK_RECV, 0);
}

int corex_set_recv_socket_name(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return set_socket(m, c, &argv[0], SOCK_RECV, 1);
}

int corex_is_socket_name(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str v = mod_arg_str(m, c, &argv[0]);
	if (v.len <= 0) {
		rt_log(RT_L_ERR, "is_socket_name: cannot get socket name value");
		return -1;
	}
	return sock_by_name(v) ? 1 : -1;
}

int corex_set_source_address(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str v = mod_arg_str(m, c, &argv[0]);
	phostport hp;
	struct sockaddr_storage a;
	socklen_t alen;
	if (v.len <= 0) {
		rt_log(RT_L_ERR, "set_source_address: cannot get source address value");
		return -1;
	}
	if (parse_phostport(v, &hp) < 0) {
		rt_log(RT_L_ERR, "set_source_address: failed to parse the address [%.*s]", v.len, v.s);
		return -1;
	}
	if (rt_resolve(hp.host.s, hp.host.len, hp.port, &a, &alen) < 0) {
		rt_log(RT_L_ERR, "set_source_address: failed to resolve address [%.*s]", v.len, v.s);
		return -1;
	}
	const void *ip = a.ss_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)&a)->sin6_addr
	                                         : (const void *)&((struct sockaddr_in *)&a)->sin_addr;
	if (!inet_ntop(a.ss_family, ip, m->src_ip, sizeof m->src_ip))
		return -1;
	m->src = a;
	m->srclen = alen;
	m->src_port = hp.port;
	return 1;
}

/* ---- sending ----------------------------------------------------------------------- */

/* send_udp([dest]): corex_send() for UDP. */
static int send_udp(rc_msg_t *m, rc_ctx_t *c, const rc_arg *a)
{
	rc_str dest = a ? mod_arg_str(m, c, a) : (rc_str){ "", 0 };
	const char *host;
	int hlen, port = 0;
	if (dest.len <= 0) {
		sip_uri u;
		rc_str nh = m->dst_uri.s && m->dst_uri.len > 0 ? m->dst_uri : pv_ruri(m);
		if (!nh.s || sip_uri_parse(nh.s, nh.len, &u) < 0 || !u.host.s || u.host.len <= 0) {
			rt_log(RT_L_ERR, "send_udp: bad uri [%.*s]", nh.s ? nh.len : 0, nh.s ? nh.s : "");
			return -1;
		}
		host = u.host.s;
		hlen = u.host.len;
		port = u.port;
	} else {
		/* host[:port], [v6][:port]; a port that is not a number is 0 (str2s) */
		const char *e = dest.s + dest.len, *p = memchr(dest.s, ']', (size_t)dest.len);
		p = p ? memchr(p + 1, ':', (size_t)(e - p - 1)) : memchr(dest.s, ':', (size_t)dest.len);
		host = dest.s;
		hlen = p ? (int)(p - dest.s) : dest.len;
		if (p && (port = port_of(p + 1, (int)(e - p - 1))) < 0)
			port = 0;
	}
	return send_to(m, host, hlen, port, m->force_send ? m->force_send : m->rcv, m->buf, m->len);
}

int corex_send_udp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return send_udp(m, c, NULL);
}

int corex_send_udp_1(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return send_udp(m, c, &argv[0]);
}

/* corex_send_data(): data to the host:port of a SIP URI, over UDP. */
static int send_data(rc_msg_t *m, rc_str uri, const rc_str *sock, rc_str data)
{
	sip_uri u;
	const rt_sock *from = NULL;
	if (uri.len <= 0 || sip_uri_parse(uri.s, uri.len, &u) < 0 || !u.host.s || u.host.len <= 0) {
		rt_log(RT_L_ERR, "send_data: bad dst sip uri <%.*s>", uri.len, uri.s);
		return -1;
	}
	if (sock && sock->len > 0) {
		phostport hp;
		if (parse_phostport(*sock, &hp) < 0) {
			rt_log(RT_L_ERR, "sendx: invalid socket specification");
			return -1;
		}
		if (!(from = sock_by_addr(&hp)))
			rt_log(RT_L_WARN, "sendx: local socket not found: %.*s", sock->len, sock->s);
	}
	if (u.transport.s && u.transport.len > 0 && !pv_eqi(u.transport.s, u.transport.len, "udp", 3)) {
		rt_log(RT_L_ERR, "send_data: transport %.*s is not supported (udp only) for <%.*s>",
		       u.transport.len, u.transport.s, uri.len, uri.s);
		return -1;
	}
	return send_to(m, u.host.s, u.host.len, u.port, from, data.s, data.len);
}

int corex_send_data(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str uri = mod_arg_str(m, c, &argv[0]), data = mod_arg_str(m, c, &argv[1]);
	return send_data(m, uri, NULL, data);
}

int corex_sendx(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str uri = mod_arg_str(m, c, &argv[0]), sock = mod_arg_str(m, c, &argv[1]);
	rc_str data = mod_arg_str(m, c, &argv[2]);
	return send_data(m, uri, &sock, data);
}

/* ---- files ------------------------------------------------------------------------- */

/* The path NUL-terminated in the arena, or NULL. */
static const char *path_arg(rc_msg_t *m, rc_ctx_t *c, const rc_arg *a, const char *fn)
{
	rc_str s = mod_arg_str(m, c, a);
	if (s.len <= 0) {
		rt_log(RT_L_ERR, "%s: cannot get file path", fn);
		return NULL;
	}
	char *d = rc_tmp(m, s.len + 1);
	if (!d)
		return NULL;
	memcpy(d, s.s, (size_t)s.len);
	d[s.len] = '\0';
	return d;
}

int corex_file_read(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const char *path = path_arg(m, c, &argv[0], "file_read");
	if (!path)
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		rt_log(RT_L_ERR, "file_read: cannot open file: %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_size > RT_ARENA) {
		rt_log(RT_L_ERR, "file_read: %s is too large (%lld bytes) for the message's scratch memory",
		       path, (long long)st.st_size);
		close(fd);
		return -1;
	}
	int size = (int)st.st_size, n = 0;
	char *d = rc_tmp(m, size + 1);
	if (!d) {
		close(fd);
		return -1;
	}
	while (n < size) {
		ssize_t r = read(fd, d + n, (size_t)(size - n));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0) /* 5.6 logs and keeps what it read */
				rt_log(RT_L_ERR, "file_read: error reading from file: %s: %s", path, strerror(errno));
			break;
		}
		n += (int)r;
	}
	close(fd);
	d[n] = '\0';
	rc_val v = pv_vstr(d, n);
	rc_pv_set(m, c, argv[1].p, &v); /* 5.6 ignores what setting gives */
	return 1;
}

int corex_file_write(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const char *path = path_arg(m, c, &argv[0], "file_write");
	if (!path)
		return -1;
	rc_str data = mod_arg_str(m, c, &argv[1]);
	if (data.len <= 0) {
		rt_log(RT_L_ERR, "file_write: cannot get the content");
		return -1;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		rt_log(RT_L_ERR, "file_write: cannot open file: %s: %s", path, strerror(errno));
		return -1;
	}
	for (int n = 0; n < data.len;) {
		ssize_t w = write(fd, data.s + n, (size_t)(data.len - n));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) { /* 5.6 does not check fwrite either */
			rt_log(RT_L_ERR, "file_write: error writing to file: %s: %s", path, strerror(errno));
			break;
		}
		n += (int)w;
	}
	close(fd);
	return 1;
}

/* ---- the rest ---------------------------------------------------------------------- */

int corex_is_incoming(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return -1;
}

int corex_is_faked_msg(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return -1;
}

int corex_forward_reply(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return 1;
}

const rt_fn corex_fns[] = {
	{ "corex_forward_reply", corex_forward_reply, NULL },
	{ "corex_append_branch", corex_append_branch, NULL },
	{ "corex_append_branch_1", corex_append_branch_1, prep_fmt_all },
	{ "corex_append_branch_2", corex_append_branch_2, prep_fmt_all },
	{ "corex_send_udp", corex_send_udp, NULL },
	{ "corex_send_udp_1", corex_send_udp_1, prep_fmt_all },
	{ "corex_send_data", corex_send_data, prep_fmt_all },
	{ "corex_sendx", corex_sendx, prep_fmt_all },
	{ "corex_is_incoming", corex_is_incoming, NULL },
	{ "corex_msg_iflag_set", corex_msg_iflag_set, prep_fmt_all },
	{ "corex_msg_iflag_reset", corex_msg_iflag_reset, prep_fmt_all },
	{ "corex_msg_iflag_is_set", corex_msg_iflag_is_set, prep_fmt_all },
	{ "corex_file_read", corex_file_read, prep_file_read },
	{ "corex_file_write", corex_file_write, prep_fmt_all },
	{ "corex_setxflag", corex_setxflag, prep_int1 },
	{ "corex_resetxflag", corex_resetxflag, prep_int1 },
	{ "corex_isxflagset", corex_isxflagset, prep_int1 },
	{ "corex_set_send_socket", corex_set_send_socket, prep_fmt_all },
	{ "corex_set_send_socket_name", corex_set_send_socket_name, prep_fmt_all },
	{ "corex_set_recv_socket", corex_set_recv_socket, prep_fmt_all },
	{ "corex_set_recv_socket_name", corex_set_recv_socket_name, prep_fmt_all },
	{ "corex_set_source_address", corex_set_source_address, prep_fmt_all },
	{ "corex_is_faked_msg", corex_is_faked_msg, NULL },
	{ "corex_is_socket_name", corex_is_socket_name, prep_fmt_all },
	{ 0 },
};
