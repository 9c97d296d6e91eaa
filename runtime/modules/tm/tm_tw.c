/* tm_tw.c: t_write_req(fifo, action) and t_write_unix(socket, action), with
 * the tw_append modparam, as Kamailio 5.6 has them (its t_fifo.c).
 *
 * The request is handed to an external application (a voicemail server, a
 * queue) as text: 20 lines, each ended by "\n":
 *   0.3 | sip_request.<action> | method | R-URI user | R-URI host |
 *   our address | our port ("." for 5060) | the request line's URI |
 *   the next R-URI (Contact, or From; the first Record-Route when it is not
 *   loose) or "." | From | To | Call-ID | From tag | To tag | CSeq number |
 *   hash:label | route set ("<u1>,<u2>" or ".") | next hop ("." or the first
 *   loose Record-Route) | "P-MsgFlags: <flags, reverse hex>" and the
 *   tw_append lines ("title: value"), then "." | the body (INVITE, INFO,
 *   or msg[body] appended) or "."
 * Then the transaction gets a blind branch (nothing sent, fr_timer running,
 * noisy: it ends with a 408 if nobody replies), as Kamailio's add_blind_uac.
 *
 * Kamailio needs the transaction to exist (t_newtran) first; routec creates
 * it as t_newtran would.  Writing never blocks a worker: the FIFO is opened
 * O_NONBLOCK (no reader: ENXIO) and the datagram is sent with MSG_DONTWAIT
 * (a full socket buffer is an error, unix_tx_timeout is not waited for).
 */
#include "modules/tm/tm.h"

#include "core/rtmsg.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- tw_append ----------------------------------------------------------------- */

enum { TW_AVP = 1, TW_HDR = 2 };

typedef struct tm_tw_elem {
	struct tm_tw_elem *next;
	int type;          /* TW_AVP, TW_HDR */
	rc_str title;
	rc_str name;       /* avp name, or header name */
	int iname;         /* avp: an i: name */
	int htype;         /* hdr: its type (SIP_H_OTHER: by name) */
} tm_tw_elem;

struct tm_tw_app {
	struct tm_tw_app *next;
	rc_str name;
	int add_body;
	tm_tw_elem *elems; /* in the order written */
};

static char *gdup(rc_gen_t *g, const char *s, int len)
{
	char *d = rt_gen_alloc(g, (size_t)len + 1);
	if (d) {
		memcpy(d, s, (size_t)len);
		d[len] = '\0';
	}
	return d;
}

static const char *skip_ws(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

/* One "name:element;element..." value (Kamailio's parse_tw_append syntax:
 * element = [title=]avp[spec] | [title=]hdr[name] | msg[body]). */
static int tw_parse_one(rc_gen_t *g, tm_conf *c, const char *val)
{
	const char *s = skip_ws(val), *f;
	if (!*s || *s == ':')
		goto bad;
	f = s;
	while (*s && *s != ':' && !isspace((unsigned char)*s))
		s++;
	if (!*s || f == s)
		goto bad;
	rc_str name = { f, (int)(s - f) };
	s = skip_ws(s);
	if (*s != ':')
		goto bad;
	s = skip_ws(s + 1);
	if (!*s)
		goto bad;
	for (struct tm_tw_app *a = c->tw_apps; a; a = a->next)
		if (a->name.len == name.len && !strncasecmp(a->name.s, name.s, (size_t)name.len)) {
			rt_log(RT_L_ERR, "modparam(\"tm\", \"tw_append\"): duplicated name <%.*s>", name.len,
			       name.s);
			return -1;
		}
	struct tm_tw_app *app = rt_gen_alloc(g, sizeof *app);
	if (!app || !(name.s = gdup(g, name.s, name.len)))
		return -1;
	memset(app, 0, sizeof *app);
	app->name = name;
	tm_tw_elem **tail = &app->elems;
	while (*s) {
		f = s;
		while (*s && *s != '[' && *s != '=' && *s != ';' && !isspace((unsigned char)*s))
			s++;
		if (!*s || f == s)
			goto bad;
		rc_str type = { f, (int)(s - f) }, title = { NULL, 0 };
		if (*s != '[') { /* a title, then '=' and the type */
			title = type;
			s = skip_ws(s);
			if (*s != '=')
				goto bad;
			s = skip_ws(s + 1);
			f = s;
			while (*s && *s != '[' && *s != ']' && *s != ';' && !isspace((unsigned char)*s))
				s++;
			if (*s != '[' || f == s)
				goto bad;
			type = (rc_str){ f, (int)(s - f) };
		}
		f = ++s;
		while (*s && *s != ']' && *s != ';' && !isspace((unsigned char)*s))
			s++;
		if (*s != ']' || f == s)
			goto bad;
		rc_str en = { f, (int)(s - f) };
		s++;
		tm_tw_elem *e = NULL;
		if (type.len == 3 && !strncasecmp(type.s, "msg", 3)) {
			if (en.len != 4 || strncasecmp(en.s, "body", 4)) {
				rt_log(RT_L_ERR, "modparam(\"tm\", \"tw_append\"): unsupported value <%.*s> "
				       "for msg", en.len, en.s);
				return -1;
			}
			app->add_body = 1;
		} else if (type.len == 3 && (!strncasecmp(type.s, "avp", 3) ||
		                             !strncasecmp(type.s, "hdr", 3))) {
			if (!(e = rt_gen_alloc(g, sizeof *e)))
				return -1;
			memset(e, 0, sizeof *e);
			if (tolower((unsigned char)type.s[0]) == 'a') {
				e->type = TW_AVP;
				/* "$avp(x)", "i:24", "s:x", "x" */
				if (en.len > 6 && !strncmp(en.s, "$avp(", 5) && en.s[en.len - 1] == ')') {
					en.s += 5;
					en.len -= 6;
				}
				if (en.len > 2 && (en.s[0] == 'i' || en.s[0] == 's') && en.s[1] == ':') {
					e->iname = en.s[0] == 'i';
					en.s += 2;
					en.len -= 2;
				}
			} else {
				e->type = TW_HDR;
				e->htype = sip_hdr_type_of(en.s, en.len);
			}
			if (!(e->name.s = gdup(g, en.s, en.len)))
				return -1;
			e->name.len = en.len;
			/* no title: the name (an avp's number as written) */
			e->title = title.s ? (rc_str){ gdup(g, title.s, title.len), title.len } : e->name;
			if (!e->title.s)
				return -1;
			*tail = e;
			tail = &e->next;
		} else {
			rt_log(RT_L_ERR, "modparam(\"tm\", \"tw_append\"): unknown type <%.*s>", type.len,
			       type.s);
			return -1;
		}
		s = skip_ws(s);
		if (*s && *s != ';')
			goto bad;
		if (*s == ';') {
			s = skip_ws(s + 1);
			if (!*s)
				goto bad;
		}
	}
	app->next = c->tw_apps;
	c->tw_apps = app;
	return 0;
bad:
	rt_log(RT_L_ERR, "modparam(\"tm\", \"tw_append\"): parse error in <%s> around position %ld",
	       val, (long)(s - val));
	return -1;
}

int tm_tw_conf(rc_gen_t *g, tm_conf *c)
{
	if (!rt_gen_param(g, "tm", "tw_append")) /* marks every one used */
		return 0;
	for (const rc_param_def *p = g->def->params; p && p->name; p++)
		if (p->module && !strcmp(p->module, "tm") && !strcmp(p->name, "tw_append")) {
			if (p->type != RC_STR || !p->s) {
				rt_log(RT_L_ERR, "modparam(\"tm\", \"tw_append\"): a string is expected");
				return -1;
			}
			if (*p->s && tw_parse_one(g, c, p->s) < 0)
				return -1;
		}
	return 0;
}

/* ---- the call site: "action" or "action/append" ---------------------------------- */

typedef struct tw_info {
	rc_str action;
	const struct tm_tw_app *app;
} tw_info;

int tm_prep_tw(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argv[0].type != RC_STR || argv[1].type != RC_STR) {
		rt_log(RT_L_ERR, "%s: t_write_req/t_write_unix take two constant strings", where);
		return -1;
	}
	tw_info *ti = rt_gen_alloc(g, sizeof *ti);
	if (!ti)
		return -1;
	memset(ti, 0, sizeof *ti);
	rc_str a = argv[1].s;
	const char *sl = memchr(a.s, '/', (size_t)a.len);
	ti->action = a;
	if (sl) {
		ti->action.len = (int)(sl - a.s);
		rc_str an = { sl + 1, a.len - ti->action.len - 1 };
		if (ti->action.len == 0 || an.len == 0) {
			rt_log(RT_L_ERR, "%s: empty %s name in \"%.*s\"", where,
			       ti->action.len ? "append" : "action", a.len, a.s);
			return -1;
		}
		for (const struct tm_tw_app *p = tm_conf_of(g)->tw_apps; p; p = p->next)
			if (p->name.len == an.len && !strncasecmp(p->name.s, an.s, (size_t)an.len))
				ti->app = p;
		if (!ti->app) {
			rt_log(RT_L_ERR, "%s: unknown append name <%.*s> (modparam tw_append)", where,
			       an.len, an.s);
			return -1;
		}
	}
	argv[1].p = ti;
	return 0;
}

/* ---- the text ------------------------------------------------------------------- */

typedef struct tw_buf {
	char *s;
	int len, cap, err;
} tw_buf;

static void put(tw_buf *b, const char *s, int len)
{
	if (b->err || len < 0)
		return;
	if (b->len + len + 1 > b->cap) {
		int cap = (b->len + len + 1) * 2;
		char *n = realloc(b->s, (size_t)cap);
		if (!n) {
			b->err = 1;
			return;
		}
		b->s = n;
		b->cap = cap;
	}
	if (len > 0) /* an empty field may come as (NULL, 0) */
		memcpy(b->s + b->len, s, (size_t)len);
	b->len += len;
}

static void putc1(tw_buf *b, char c)
{
	put(b, &c, 1);
}

static void line(tw_buf *b, rc_str s)
{
	put(b, s.s, s.s ? s.len : 0);
	putc1(b, '\n');
}

static void line_or_dot(tw_buf *b, rc_str s)
{
	line(b, s.s && s.len > 0 ? s : (rc_str){ ".", 1 });
}

#define SS(x) ((rc_str){ (x).s, (x).len })

/* Kamailio's int2reverse_hex: least significant digit first. */
static void reverse_hex(tw_buf *b, unsigned v)
{
	if (!v)
		putc1(b, '0');
	for (; v; v >>= 4)
		putc1(b, "0123456789abcdef"[v & 0xf]);
}

static void append_lines(rc_msg_t *m, tw_buf *b, const tm_tw_elem *e)
{
	for (; e; e = e->next) {
		rc_str v = { NULL, 0 };
		char num[24];
		if (e->type == TW_AVP) {
			rc_val av;
			pv_avp_get(m, e->name, e->iname, PV_IDX_NONE, 0, &av);
			if (av.type == RC_STR)
				v = av.s;
			else if (av.type == RC_INT)
				v = (rc_str){ num, snprintf(num, sizeof num, "%lu", (unsigned long)av.i) };
		} else {
			for (int i = 0; i < m->sip.nhdrs; i++)
				if (mod_hdr_name_is(&m->sip.hdrs[i], e->htype, e->name)) {
					v = SS(m->sip.hdrs[i].body);
					break;
				}
		}
		if (!v.s)
			continue; /* absent: no line, as Kamailio */
		put(b, e->title.s, e->title.len);
		put(b, ": ", 2);
		line(b, v);
	}
}

/* The route set ("<u1>,<u2>" into route[512], *rlen) and the next hop
 * from the Record-Route values; *next_ruri may become the first one. */
static int route_set(rc_msg_t *m, rc_str *next_ruri, char *route, int *rlen_out, rc_str *hop_out)
{
	const sip_addr_list *rr = NULL;
	if (sip_hdr_get(&m->sip, SIP_H_RECORD_ROUTE) && sip_get_record_routes(&m->sip, &rr) < 0) {
		rt_log(RT_L_ERR, "t_write: bad Record-Route");
		return -1;
	}
	const int cap = 512;
	int rlen = 0, over = 0;
#define ADD_ROUTE(u)                                                                          \
	do {                                                                                  \
		if (rlen + (u).len + 3 >= cap) {                                               \
			over = 1;                                                                 \
			break;                                                                    \
		}                                                                                 \
		if (rlen)                                                                         \
			route[rlen++] = ',';                                                      \
		route[rlen++] = '<';                                                              \
		memcpy(route + rlen, (u).s, (size_t)(u).len);                                     \
		rlen += (u).len;                                                                  \
		route[rlen++] = '>';                                                              \
	} while (0)
	rc_str hop = { NULL, 0 };
	if (rr && rr->n > 0) {
		sip_uri fu;
		int lr = sip_uri_parse(rr->v[0].uri.s, rr->v[0].uri.len, &fu) == 0 && fu.lr;
		int first = 1;
		if (lr) {
			/* Kamailio lists a loose first Record-Route twice (once here,
			   once in the loop below): kept, the application sees the same */
			first = 0;
			ADD_ROUTE(rr->v[0].uri);
		}
		for (int i = 0; i < rr->n && !over; i++) {
			if (!first)
				ADD_ROUTE(rr->v[i].uri);
			first = 0;
		}
		if (!lr) {
			if (!over)
				ADD_ROUTE(*next_ruri);
			*next_ruri = SS(rr->v[0].uri);
		} else {
			hop = SS(rr->v[0].uri);
		}
	}
#undef ADD_ROUTE
	if (over) {
		rt_log(RT_L_ERR, "t_write: the route set is longer than 512 bytes");
		return -1;
	}
	*rlen_out = rlen;
	*hop_out = hop;
	return 0;
}

/* The 20 lines; 0 or -1 (logged). */
static int assemble(rc_msg_t *m, tm_cell *t, const tw_info *ti, tw_buf *b)
{
	sip_msg *s = &m->sip;
	const sip_addr *from, *to;
	const sip_cseq *cs;
	sip_str cid;
	if (sip_get_from(s, &from) < 0 || sip_get_to(s, &to) < 0 || sip_get_cseq(s, &cs) < 0 ||
	    sip_get_callid(s, &cid) < 0) {
		rt_log(RT_L_ERR, "t_write: the request lacks From, To, CSeq or Call-ID");
		return -1;
	}
	rc_str ru = rt_msg_ruri(m);
	sip_uri u;
	if (sip_uri_parse(ru.s, ru.len, &u) < 0) {
		rt_log(RT_L_ERR, "t_write: bad R-URI %.*s", ru.len, ru.s);
		return -1;
	}
	/* the next R-URI: the caller's Contact, else its From URI */
	rc_str next = { NULL, 0 };
	const sip_addr_list *ct = NULL;
	if (sip_hdr_get(s, SIP_H_CONTACT)) {
		if (sip_get_contacts(s, &ct) < 0) {
			rt_log(RT_L_ERR, "t_write: bad Contact");
			return -1;
		}
		if (ct->n > 0)
			next = SS(ct->v[0].uri);
	}
	if (!next.len)
		next = SS(from->uri);
	char tmp[64], route[512];
	int rlen = 0;
	rc_str hop = { NULL, 0 };
	if (route_set(m, &next, route, &rlen, &hop) < 0)
		return -1;
	line(b, (rc_str){ "0.3", 3 });
	put(b, "sip_request.", 12);
	line(b, ti->action);
	line(b, SS(s->method));
	line(b, SS(u.user));
	line(b, SS(u.host));
	line(b, (rc_str){ m->rcv->ip, (int)strlen(m->rcv->ip) });
	if (m->rcv->port == 5060)
		line(b, (rc_str){ ".", 1 });
	else
		line(b, (rc_str){ tmp, snprintf(tmp, sizeof tmp, "%d", m->rcv->port) });
	line(b, SS(s->ruri));
	line_or_dot(b, next);
	line(b, SS(from->value));
	line(b, SS(to->value));
	line(b, SS(cid));
	line(b, SS(from->tag));
	line(b, SS(to->tag));
	line(b, (rc_str){ tmp, snprintf(tmp, sizeof tmp, "%u", (unsigned)cs->num) });
	line(b, (rc_str){ tmp, snprintf(tmp, sizeof tmp, "%u:%u", t->hash, t->label) });
	line_or_dot(b, (rc_str){ route, rlen });
	line_or_dot(b, hop);
	put(b, "P-MsgFlags: ", 12);
	reverse_hex(b, m->flags);
	putc1(b, '\n');
	if (ti->app)
		append_lines(m, b, ti->app->elems);
	line(b, (rc_str){ ".", 1 });
	if (s->method_id == SIP_M_INVITE || s->method_id == SIP_M_INFO ||
	    (ti->app && ti->app->add_body))
		line(b, (rc_str){ s->buf + s->body_off, s->len - s->body_off });
	else
		line(b, (rc_str){ ".", 1 });
	if (b->err) {
		rt_log(RT_L_ERR, "t_write: out of memory");
		return -1;
	}
	return 0;
}

/* ---- writing -------------------------------------------------------------------- */

static int write_fifo(const char *path, const tw_buf *b)
{
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENXIO)
			rt_log(RT_L_ERR, "t_write_req: cannot open fifo file - nobody listening for "
			       "reading [%s] (%s)", path, strerror(errno));
		else
			rt_log(RT_L_ERR, "t_write_req: failed to open [%s] fifo: %s", path, strerror(errno));
		return -1;
	}
	ssize_t n;
	do
		n = write(fd, b->s, (size_t)b->len);
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	if (n != b->len) {
		rt_log(RT_L_ERR, "t_write_req: write to [%s] failed: %s", path,
		       n < 0 ? strerror(e) : "short write");
		return -1;
	}
	return 0;
}

static int write_unix(const char *path, const tw_buf *b)
{
	struct sockaddr_un a;
	size_t len = strlen(path);
	if (len == 0 || len >= sizeof a.sun_path) {
		rt_log(RT_L_ERR, "t_write_unix: bad socket name [%s]", path);
		return -1;
	}
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, path, len);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		rt_log(RT_L_ERR, "t_write_unix: unable to create socket: %s", strerror(errno));
		return -1;
	}
	ssize_t n;
	do
		n = sendto(fd, b->s, (size_t)b->len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&a,
		           (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1));
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	if (n != b->len) {
		rt_log(RT_L_ERR, "t_write_unix: sending to [%s] failed: %s", path,
		       n < 0 ? strerror(e) : "short write");
		return -1;
	}
	return 0;
}

/* add_blind_uac: a branch that sends nothing, its fr_timer running, the
 * transaction noisy (a 408 goes upstream when it fires).  Cell unlocked. */
static int add_blind(rc_msg_t *m, tm_cell *t)
{
	tm_lock(t);
	if (tm_add_blind_branch(t, m, "t_write") < 0) {
		tm_unlock(t);
		return -1;
	}
	t->flags |= TM_T_NOISY_CTIMER;
	tm_timer_update(t);
	tm_unlock(t);
	m->tm_mflags |= TM_M_FWDED; /* on its timer now: not put on wait at the script's end */
	return 1;
}

static int t_write(rc_msg_t *m, rc_arg *argv, int unix_sock)
{
	const char *fn = unix_sock ? "t_write_unix" : "t_write_req";
	const tw_info *ti = argv[1].p;
	if (!ti || !m->sip.is_request) {
		rt_log(RT_L_ERR, "%s: %s", fn, ti ? "called for a reply" : "arguments not prepared");
		return -1;
	}
	tm_cell *t = tm_msg_cell(m);
	if (!t) {
		int r = tm_newtran(m);
		if (r == 0)
			return 0; /* a retransmission: absorbed */
		if (r < 0 && r != TM_E_SCRIPT) {
			m->tm_err = r;
			rt_log(RT_L_ERR, "%s: cannot create the transaction", fn);
			return -1;
		}
		t = m->tm_t;
	}
	char path[256];
	snprintf(path, sizeof path, "%.*s", argv[0].s.len, argv[0].s.s);
	tw_buf b = { NULL, 0, 0, 0 };
	int r = assemble(m, t, ti, &b);
	if (r == 0)
		r = unix_sock ? write_unix(path, &b) : write_fifo(path, &b);
	free(b.s);
	if (r < 0)
		return -1;
	return add_blind(m, t);
}

int tm_t_write_req(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return t_write(m, argv, 0);
}

int tm_t_write_unix(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return t_write(m, argv, 1);
}
