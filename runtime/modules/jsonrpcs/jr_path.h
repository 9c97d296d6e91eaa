/* jr_path.h: where the control interface's files are by default.  Shared
 * by the jsonrpcs module (which creates them) and `routec ctl` (which finds
 * them), so the two agree without configuration (docs/control.md):
 *
 *   run directory  $ROUTEC_RUNDIR, else /run/routec for root, else
 *                  $XDG_RUNTIME_DIR/routec, else /tmp/routec-UID
 *   routec_rpc.sock        the well-known socket: the first proxy to start
 *                          takes it (a later one leaves it to its owner)
 *   routec_rpc.PID.sock    every proxy's own socket, always there
 *   routec_rpc.fifo        the FIFO (when the script loads jsonrpcs)
 */
#ifndef ROUTEC_JR_PATH_H
#define ROUTEC_JR_PATH_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define JR_SOCK_NAME "routec_rpc.sock"
#define JR_FIFO_NAME "routec_rpc.fifo"
#define JR_UDP_PORT 8033 /* dgram_socket "udp:HOST" without a port */

/* The run directory into buf (n bytes): 0, or -1 when it does not fit. */
static inline int jr_run_dir(char *buf, size_t n)
{
	const char *env = getenv("ROUTEC_RUNDIR"), *xdg = getenv("XDG_RUNTIME_DIR");
	int len;
	if (env && *env)
		len = snprintf(buf, n, "%s", env);
	else if (geteuid() == 0)
		len = snprintf(buf, n, "/run/routec");
	else if (xdg && *xdg == '/')
		len = snprintf(buf, n, "%s/routec", xdg);
	else
		len = snprintf(buf, n, "/tmp/routec-%u", (unsigned)geteuid());
	return len > 0 && (size_t)len < n ? 0 : -1;
}

/* The socket of process pid (pid 0: the well-known one): 0 or -1. */
static inline int jr_sock_path(char *buf, size_t n, long pid)
{
	char dir[200];
	int len;
	if (jr_run_dir(dir, sizeof dir) < 0)
		return -1;
	if (pid > 0)
		len = snprintf(buf, n, "%s/routec_rpc.%ld.sock", dir, pid);
	else
		len = snprintf(buf, n, "%s/" JR_SOCK_NAME, dir);
	return len > 0 && (size_t)len < n ? 0 : -1;
}

#endif
