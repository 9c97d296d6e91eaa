/* jr_mod.c: the jsonrpcs module's life cycle: the control transports.
 *
 * Parameters are Kamailio's (transport, pretty_format, dgram_socket,
 * dgram_mode, fifo_name, fifo_mode, fifo_reply_dir) plus routec's
 * dgram_allow; docs/control.md has the defaults.  The control interface
 * serves whether or not the script loads the module (rt_modules_start
 * starts it for every script): without loadmodule "jsonrpcs.so" it answers
 * on the unix sockets only, so `routec ctl` reaches any routec.
 *
 * Paths are claimed, never stolen: a socket or FIFO that a live process
 * serves is left alone (a second proxy then answers on its own
 * routec_rpc.PID.sock); one left behind by a process that is gone is
 * removed and made again.  At stop only what this process made, and still
 * finds in place (same inode), is removed.
 */
#include "modules/jsonrpcs/jr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/fn.h"
#include "core/rpc.h"
#include "core/rt.h"
#include "modules/jsonrpcs/jr_path.h"

jr_conf jr_cfg;
atomic_int jr_pretty = 1;
char jr_rundir[200];

static int started;
static int lock_fd = -1;

/* ---- parameters ----------------------------------------------------------------------- */

static void conf_defaults(jr_conf *c, int configured)
{
	memset(c, 0, sizeof *c);
	c->configured = configured;
	/* without the module: the sockets only (no FIFO appears unasked) */
	c->transport = configured ? JR_T_FIFO | JR_T_DGRAM : JR_T_DGRAM;
	c->dgram_mode = 0600;
	c->fifo_mode = 0600;
	snprintf(c->fifo, sizeof c->fifo, "%s", JR_FIFO_NAME);
	snprintf(c->fifo_reply_dir, sizeof c->fifo_reply_dir, "/tmp/");
}

/* "10.0.0.0/8, 192.0.2.7 ::1": 0 or -1 (logged) */
static int parse_allow(jr_conf *c, const char *s)
{
	char item[80];
	while (*s) {
		size_t n = strcspn(s, ", \t");
		if (n >= sizeof item) {
			rt_log(RT_L_ERR, "jsonrpcs: dgram_allow: '%.*s' is not an address", (int)n, s);
			return -1;
		}
		if (n) {
			memcpy(item, s, n);
			item[n] = '\0';
			if (c->nallow == JR_MAX_ALLOW) {
				rt_log(RT_L_ERR, "jsonrpcs: dgram_allow: more than %d entries", JR_MAX_ALLOW);
				return -1;
			}
			jr_net *a = &c->allow[c->nallow];
			char *slash = strchr(item, '/');
			if (slash)
				*slash = '\0';
			if (inet_pton(AF_INET, item, a->addr) == 1)
				a->family = AF_INET, a->bits = 32;
			else if (inet_pton(AF_INET6, item, a->addr) == 1)
				a->family = AF_INET6, a->bits = 128;
			else {
				rt_log(RT_L_ERR, "jsonrpcs: dgram_allow: '%s' is not an IP address", item);
				return -1;
			}
			if (slash) {
				char *end;
				long bits = strtol(slash + 1, &end, 10);
				if (*end || end == slash + 1 || bits < 0 || bits > a->bits) {
					rt_log(RT_L_ERR, "jsonrpcs: dgram_allow: bad prefix length in '%s/%s'", item,
					       slash + 1);
					return -1;
				}
				a->bits = (int)bits;
			}
			c->nallow++;
		}
		s += n;
		s += strspn(s, ", \t");
	}
	return 0;
}

static const char *param_str(rc_gen_t *g, const char *name)
{
	const rc_param_def *p = rt_gen_param_fixed(g, "jsonrpcs", name);
	return p && p->type == RC_STR && p->s ? p->s : NULL;
}

static int param_int(rc_gen_t *g, const char *name, int *out)
{
	const rc_param_def *p = rt_gen_param_fixed(g, "jsonrpcs", name);
	if (!p)
		return 0;
	if (p->type != RC_INT) {
		rt_log(RT_L_ERR, "jsonrpcs: modparam %s needs a number", name);
		return -1;
	}
	*out = p->i;
	return 1;
}

/* Checked for every generation that loads the module; the first one's
 * settings are what start uses.  What it reads with rt_gen_param_fixed
 * takes effect at start only: a reload that changes it needs a restart. */
static int jr_gen_init(rc_gen_t *g)
{
	jr_conf c;
	const char *s;
	conf_defaults(&c, 1);
	const rc_param_def *pf = rt_gen_param(g, "jsonrpcs", "pretty_format");
	int pretty = pf && pf->type == RC_INT ? pf->i != 0 : 1;
	if (param_int(g, "transport", &c.transport) < 0 ||
	    param_int(g, "dgram_mode", &c.dgram_mode) < 0 ||
	    param_int(g, "fifo_mode", &c.fifo_mode) < 0)
		return -1;
	if (c.transport == 0)
		c.transport = JR_T_FIFO | JR_T_DGRAM | JR_T_HTTP; /* "all possible" */
	if (c.transport < 0 || c.transport > 7) {
		rt_log(RT_L_ERR, "jsonrpcs: transport %d: 0..7 expected (1 HTTP, 2 FIFO, 4 datagram)",
		       c.transport);
		return -1;
	}
	if ((c.dgram_mode & ~0777) || (c.fifo_mode & ~0777)) {
		rt_log(RT_L_ERR, "jsonrpcs: dgram_mode/fifo_mode: a file mode (0600) expected");
		return -1;
	}
	if ((s = param_str(g, "dgram_socket")))
		snprintf(c.dgram, sizeof c.dgram, "%s", s);
	if ((s = param_str(g, "fifo_name")) && *s)
		snprintf(c.fifo, sizeof c.fifo, "%s", s);
	if ((s = param_str(g, "fifo_reply_dir")) && *s)
		snprintf(c.fifo_reply_dir, sizeof c.fifo_reply_dir, "%s", s);
	if ((s = param_str(g, "dgram_allow")) && parse_allow(&c, s) < 0)
		return -1;
	if (!started) {
		jr_cfg = c;
		if (c.transport & JR_T_HTTP)
			rt_log(RT_L_NOTICE, "jsonrpcs: the HTTP transport is not served by routec "
			                    "(the unix sockets, UDP and the FIFO are)");
	}
	atomic_store(&jr_pretty, pretty); /* takes effect at once */
	return 0;
}

/* ---- claiming paths ------------------------------------------------------------------------ */

void jr_claim_lock(void)
{
	char p[256];
	snprintf(p, sizeof p, "%s/.routec_rpc.lock", jr_rundir);
	if (lock_fd < 0)
		lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock_fd >= 0)
		while (flock(lock_fd, LOCK_EX) < 0 && errno == EINTR)
			;
}

void jr_claim_unlock(void)
{
	if (lock_fd >= 0)
		flock(lock_fd, LOCK_UN);
}

int jr_claim_sock_path(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : (rt_log(RT_L_ERR, "jsonrpcs: %s: %s", path, strerror(errno)),
		                              -1);
	if (!S_ISSOCK(st.st_mode)) {
		rt_log(RT_L_ERR, "jsonrpcs: %s exists and is not a socket: left alone", path);
		return -1;
	}
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof a.sun_path)
		return -1;
	memcpy(a.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
	int err = errno;
	close(fd);
	if (rc == 0)
		return 1; /* somebody receives there */
	if (err != ECONNREFUSED) {
		/* a stream socket, no permission: not ours to judge */
		rt_log(RT_L_DBG, "jsonrpcs: %s: %s: treated as in use", path, strerror(err));
		return 1;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		rt_log(RT_L_ERR, "jsonrpcs: cannot remove the stale socket %s: %s", path,
		       strerror(errno));
		return -1;
	}
	rt_log(RT_L_INFO, "jsonrpcs: removed %s, left by a process that is gone", path);
	return 0;
}

int jr_claim_fifo_path(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : (rt_log(RT_L_ERR, "jsonrpcs: %s: %s", path, strerror(errno)),
		                              -1);
	if (!S_ISFIFO(st.st_mode)) {
		rt_log(RT_L_ERR, "jsonrpcs: %s exists and is not a FIFO: left alone", path);
		return -1;
	}
	/* opening for writing succeeds only when somebody has it open for reading */
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (errno != ENXIO) {
		rt_log(RT_L_DBG, "jsonrpcs: %s: %s: treated as in use", path, strerror(errno));
		return 1;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		rt_log(RT_L_ERR, "jsonrpcs: cannot remove the stale FIFO %s: %s", path, strerror(errno));
		return -1;
	}
	rt_log(RT_L_INFO, "jsonrpcs: removed %s, left by a process that is gone", path);
	return 0;
}

static int net_match(const jr_net *n, const unsigned char *addr)
{
	int full = n->bits / 8, rest = n->bits % 8;
	if (memcmp(n->addr, addr, (size_t)full))
		return 0;
	if (!rest)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (n->addr[full] & mask) == (addr[full] & mask);
}

int jr_peer_allowed(const struct sockaddr *sa)
{
	static const unsigned char lo6[16] = { [15] = 1 };
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	unsigned char a4[4];
	const unsigned char *a6 = NULL;
	int v4 = 0;
	if (sa->sa_family == AF_INET) {
		memcpy(a4, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		v4 = 1;
	} else if (sa->sa_family == AF_INET6) {
		a6 = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (!memcmp(a6, mapped, 12)) {
			memcpy(a4, a6 + 12, 4);
			v4 = 1;
		}
	} else {
		return 0;
	}
	/* 127.0.0.1 and ::1 only: the rest of 127/8 is as foreign as any
	   other address unless listed (tests send from 127.0.0.2) */
	if (v4 && a4[0] == 127 && a4[1] == 0 && a4[2] == 0 && a4[3] == 1)
		return 1;
	if (!v4 && !memcmp(a6, lo6, 16))
		return 1;
	for (int i = 0; i < jr_cfg.nallow; i++) {
		const jr_net *n = &jr_cfg.allow[i];
		if (v4 && n->family == AF_INET && net_match(n, a4))
			return 1;
		if (!v4 && n->family == AF_INET6 && net_match(n, a6))
			return 1;
	}
	return 0;
}

/* ---- life cycle ------------------------------------------------------------------------------ */

/* The run directory exists, is a directory of ours that nobody else may
 * write into: 0, or -1 (logged). */
static int rundir_ready(void)
{
	struct stat st;
	if (jr_run_dir(jr_rundir, sizeof jr_rundir) < 0) {
		rt_log(RT_L_ERR, "jsonrpcs: the run directory's name is too long");
		return -1;
	}
	if (mkdir(jr_rundir, 0755) < 0 && errno != EEXIST) {
		rt_log(RT_L_ERR, "jsonrpcs: cannot create %s: %s", jr_rundir, strerror(errno));
		return -1;
	}
	if (lstat(jr_rundir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022)) {
		rt_log(RT_L_ERR, "jsonrpcs: %s must be a directory owned by uid %u that only it may "
		                 "write to: the control interface is off",
		       jr_rundir, (unsigned)geteuid());
		return -1;
	}
	return 0;
}

static int jr_start(void)
{
	if (!jr_cfg.configured && !jr_cfg.transport)
		conf_defaults(&jr_cfg, 0); /* the script does not load the module */
	rt_rpc_core_init();
	if (rundir_ready() < 0)
		return jr_cfg.configured ? -1 : 0; /* without the module: SIP matters more */
	if (jr_dgram_start() < 0)
		return jr_cfg.configured ? -1 : 0;
	if ((jr_cfg.transport & JR_T_FIFO) && jr_fifo_start() < 0) {
		jr_dgram_stop();
		return -1;
	}
	started = 1;
	return 0;
}

static void jr_stop(void)
{
	jr_fifo_stop();
	jr_dgram_stop();
	if (lock_fd >= 0) {
		close(lock_fd);
		lock_fd = -1;
	}
	started = 0;
	memset(&jr_cfg, 0, sizeof jr_cfg);
}

const rt_module jsonrpcs_module = { "jsonrpcs", jr_gen_init, jr_start, jr_stop };
