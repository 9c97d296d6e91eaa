/* config.h: the process configuration: the script's global parameters
 * (rc_script_def.params with module == NULL), then the command line.
 *
 * ---- The text of socket parameters (what the code generator writes) -------
 *
 * listen: one rc_param_def per socket, type RC_STR.  `listen = a b` (two
 * sockets on one line) gives two params; a multihomed `(a, b)` address gives
 * one param per address, each with the line's advertise/name/virtual parts.
 *
 *     [PROTO ":"] ADDR [":" PORT] [" advertise " HOST [":" PORT]] [" name \"" NAME "\""] [" virtual"]
 *
 *     PROTO  udp | tcp | tls | sctp, lower case.  Absent, or "*" in the script:
 *            udp (the runtime serves UDP only; tcp/tls/sctp sockets are logged
 *            as ignored).
 *     ADDR   an IPv4 address, an IPv6 address in brackets ("[::1]"), a host
 *            name (resolved once at startup; every address it has is bound) or
 *            an interface name ("eth0": every address of the interface).  The
 *            script's quotes are removed.
 *     PORT   decimal.  Absent (or "*"): the `port` parameter, else 5060.
 *            0: a free port chosen by the kernel (tests).
 *     HOST   the advertised address: IPv4, [IPv6] or a host name, used as is
 *            in Via and Record-Route.  Its PORT absent: the socket's port.
 *     NAME   the socket name, without '"' or '\\'.
 *     One space between parts, parts in this order.  Examples:
 *         udp:127.0.0.1:5060
 *         udp:[::1]:5060 advertise 203.0.113.7:5080 name "pub"
 *         10.0.0.1
 *
 * alias: one rc_param_def per name, type RC_STR: [PROTO ":"] HOST [":" PORT],
 * same rules; no PORT matches any port (Kamailio's check_self).
 *
 * The other parameters come as RC_INT (yes/no as 1/0) or RC_STR (the string
 * without quotes; log_facility as the bare name "LOG_LOCAL0").
 *
 * ---- Command line (rt_cmdline), applied after the script ------------------
 *   -l ADDR  replaces every listen of the script (given several times: several
 *            sockets).  Kamailio's form [proto:]addr[:port][/advaddr[:advport]]
 *            and the listen text above are both accepted.
 *   -n N     children.   -E  log to stderr.   -d  debug level + 1 (repeatable).
 */
#ifndef ROUTEC_CONFIG_H
#define ROUTEC_CONFIG_H

#include "core/rt.h"

#define RT_MAX_SOCKS   32
#define RT_MAX_ALIASES 32
#define RT_HOST_MAX    128

typedef struct rt_listen {
	int proto;                /* RT_PROTO_* */
	char host[RT_HOST_MAX];   /* without brackets */
	int port;                 /* -1: the `port` parameter; 0: the kernel picks */
	char adv_host[RT_HOST_MAX];/* "" if none; IPv6 without brackets */
	int adv_port;             /* 0: the socket's port */
	char name[64];
	int is_virtual;
} rt_listen;

typedef struct rt_alias {
	int proto;                /* 0: any */
	char host[RT_HOST_MAX];   /* without brackets */
	int port;                 /* 0: any */
} rt_alias;

typedef struct rt_conf {
	rt_listen listen[RT_MAX_SOCKS];
	int nlisten;
	rt_alias alias[RT_MAX_ALIASES];
	int nalias;
	int port;                 /* default port of listens without one */
	int children;             /* worker threads (all sockets are served by all) */
	int debug;
	int log_stderr;
	int log_facility;         /* LOG_DAEMON ... */
	char log_name[64];
	char server_header[256];  /* the value of the Server header, "" for none */
	char user_agent_header[256];
	int server_signature;     /* 0: no Server header in local replies */
	int max_while_loops;
	int max_recursive_level;
} rt_conf;

typedef struct rt_cmdline {
	const char *listen[RT_MAX_SOCKS]; /* -l, NULL-terminated; replaces the script's */
	int nlisten;
	int children;             /* -n; 0: the script's */
	int log_stderr;           /* -E */
	int debug_bump;           /* -d count */
	int debug_set, debug;     /* an absolute level (tests, `routec run --debug N`) */
} rt_cmdline;

/* The configuration in force (read-only once workers run). */
extern rt_conf rt_cfg;

void rt_conf_defaults(rt_conf *c);
/* Apply the script's global parameters: 0, or -1 when one is invalid
 * (logged with the parameter's name).  Unknown and unsupported parameters
 * are logged once each as ignored. */
int rt_conf_apply(rt_conf *c, const rc_script_def *def);
/* Then the command line's overrides: 0 or -1. */
int rt_conf_cmdline(rt_conf *c, const rt_cmdline *cl);

/* Parse one listen or alias text (formats above): 0 or -1 (logged). */
int rt_listen_parse(const char *text, rt_listen *out);
int rt_alias_parse(const char *text, rt_alias *out);
/* Kamailio's -l form [proto:]addr[:port][/adv[:advport]] into a listen. */
int rt_listen_parse_cmdline(const char *text, rt_listen *out);

#endif
