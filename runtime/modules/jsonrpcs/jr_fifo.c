/* jr_fifo.c: JSON-RPC over a FIFO, the protocol of `kamctl rpc`.
 *
 * A client writes a request holding "reply_name" into our FIFO and reads
 * the reply from the FIFO of that name in fifo_reply_dir (kamctl:
 * /tmp/kamailio_receiver_PID, which it makes before writing).  Requests
 * need no framing: like Kamailio we cut the byte stream where the braces
 * balance (braces inside strings do not count).  A request longer than
 * JR_MAX_REQ is dropped (logged); bytes before a '{' are skipped.
 *
 * The reply FIFO must be a FIFO with one link, not a symlink (it lives in
 * a world-writable directory): anything else is refused.  The reply is
 * written whole and the FIFO closed, which ends the client's `cat`.  A
 * client that does not open its FIFO or stops reading is given up after
 * two seconds; only this thread waits.
 */
#include "modules/jsonrpcs/jr.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/rpc.h"
#include "core/rt.h"
#include "modules/jsonrpcs/jr_path.h"

#define JR_FIFO_WAIT_MS 2000

static int fifo_fd = -1, wake_fd = -1;
static char fifo_path[512];
static dev_t fifo_dev;
static ino_t fifo_ino;
static pthread_t thread;
static int running;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int valid_reply_name(const char *n)
{
	return *n && !strchr(n, '/') && strcmp(n, ".") && strcmp(n, "..") && strlen(n) < 128;
}

/* Write the whole reply into the client's FIFO: 0 or -1 (logged). */
static int send_reply(const char *name, const char *out, size_t len)
{
	char path[512];
	const char *dir = jr_cfg.fifo_reply_dir;
	size_t dl = strlen(dir);
	snprintf(path, sizeof path, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name);
	long long deadline = now_ms() + JR_FIFO_WAIT_MS;
	int fd;
	/* the client may not have opened its end yet: no reader -> ENXIO */
	while ((fd = open(path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno != ENXIO || now_ms() > deadline) {
			rt_log(RT_L_ERR, "jsonrpcs: reply FIFO %s: %s", path,
			       errno == ENXIO ? "nobody reads it" : strerror(errno));
			return -1;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode) || st.st_nlink != 1) {
		rt_log(RT_L_ERR, "jsonrpcs: reply FIFO %s is not a plain FIFO: refused", path);
		close(fd);
		return -1;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, out + done, len - done);
		if (w > 0) {
			done += (size_t)w;
			deadline = now_ms() + JR_FIFO_WAIT_MS;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			long long left = deadline - now_ms();
			if (left > 0 && poll(&p, 1, (int)left) >= 0)
				continue;
		}
		rt_log(RT_L_ERR, "jsonrpcs: reply FIFO %s: %s", path,
		       w < 0 && errno != EAGAIN ? strerror(errno) : "the client stopped reading");
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void handle(const char *req, size_t n)
{
	char name[160];
	size_t olen;
	char *out = jr_handle(req, n, name, sizeof name, &olen);
	if (!out)
		return;
	if (!valid_reply_name(name))
		rt_log(RT_L_ERR, "jsonrpcs: FIFO request without a usable \"reply_name\": not answered");
	else {
		/* kamctl's reader is `cat`: a last newline ends the line */
		char *nl = realloc(out, olen + 1);
		if (nl) {
			out = nl;
			out[olen++] = '\n';
		}
		send_reply(name, out, olen);
	}
	free(out);
}

/* The byte stream, cut into requests where the braces balance. */
typedef struct cutter {
	char *buf;
	size_t len;   /* bytes of the request being read */
	int depth, in_str, esc;
	int dropping; /* the request outgrew JR_MAX_REQ: skip to its end */
	size_t dropped;
} cutter;

static void feed(cutter *c, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (c->depth == 0 && !c->len && !c->dropping) {
			if (ch != '{') {
				if (ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t')
					rt_log(RT_L_DBG, "jsonrpcs: FIFO: byte 0x%02x outside a request skipped",
					       (unsigned char)ch);
				continue;
			}
		}
		if (c->dropping)
			c->dropped++;
		else if (c->len < JR_MAX_REQ)
			c->buf[c->len++] = ch;
		else {
			c->dropping = 1;
			c->dropped = c->len + 1;
			c->len = 0;
		}
		if (c->in_str) {
			if (c->esc)
				c->esc = 0;
			else if (ch == '\\')
				c->esc = 1;
			else if (ch == '"')
				c->in_str = 0;
			continue;
		}
		if (ch == '"')
			c->in_str = 1;
		else if (ch == '{')
			c->depth++;
		else if (ch == '}' && --c->depth == 0) {
			if (c->dropping) {
				rt_log(RT_L_WARN, "jsonrpcs: FIFO request of %zu bytes dropped (limit %d)",
				       c->dropped, JR_MAX_REQ);
				c->dropping = 0;
			} else {
				handle(c->buf, c->len);
			}
			c->len = 0;
		}
	}
}

static void *fifo_main(void *arg)
{
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	rt_proc_register("JSONRPCS FIFO");
	cutter c = { .buf = malloc(JR_MAX_REQ) };
	char chunk[4096];
	struct pollfd pf[2] = { { .fd = fifo_fd, .events = POLLIN }, { .fd = wake_fd, .events = POLLIN } };
	while (c.buf) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			rt_log(RT_L_ERR, "jsonrpcs: FIFO poll: %s", strerror(errno));
			break;
		}
		if (pf[1].revents)
			break;
		if (pf[0].revents & POLLIN) {
			ssize_t n = read(fifo_fd, chunk, sizeof chunk);
			if (n > 0)
				feed(&c, chunk, (size_t)n);
		}
	}
	free(c.buf);
	rt_proc_unregister();
	return NULL;
}

int jr_fifo_start(void)
{
	const char *f = jr_cfg.fifo;
	if (*f == '/')
		snprintf(fifo_path, sizeof fifo_path, "%s", f);
	else
		snprintf(fifo_path, sizeof fifo_path, "%s/%s", jr_rundir, f);
	/* the default name falls back to one of our own when taken; a name the
	   script gave is the script's: taken means we cannot start */
	int dflt = !strcmp(f, JR_FIFO_NAME);
	jr_claim_lock();
	int st = jr_claim_fifo_path(fifo_path);
	if (st > 0 && dflt) {
		rt_log(RT_L_NOTICE, "jsonrpcs: %s belongs to another routec; this one reads "
		                    "%s/routec_rpc.%ld.fifo",
		       fifo_path, jr_rundir, (long)getpid());
		snprintf(fifo_path, sizeof fifo_path, "%s/routec_rpc.%ld.fifo", jr_rundir, (long)getpid());
		st = jr_claim_fifo_path(fifo_path);
	}
	if (st != 0) {
		jr_claim_unlock();
		if (st > 0)
			rt_log(RT_L_ERR, "jsonrpcs: %s is served by another live process", fifo_path);
		fifo_path[0] = '\0';
		return -1;
	}
	if (mkfifo(fifo_path, (mode_t)jr_cfg.fifo_mode) < 0) {
		rt_log(RT_L_ERR, "jsonrpcs: mkfifo %s: %s", fifo_path, strerror(errno));
		jr_claim_unlock();
		fifo_path[0] = '\0';
		return -1;
	}
	chmod(fifo_path, (mode_t)jr_cfg.fifo_mode);
	/* read and write: our own writer keeps read() from seeing end-of-file
	   each time a client closes */
	fifo_fd = open(fifo_path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	if (fifo_fd < 0 || fstat(fifo_fd, &sb) < 0) {
		rt_log(RT_L_ERR, "jsonrpcs: cannot open %s: %s", fifo_path, strerror(errno));
		jr_claim_unlock();
		jr_fifo_stop();
		return -1;
	}
	fifo_dev = sb.st_dev;
	fifo_ino = sb.st_ino;
	jr_claim_unlock();
	if ((wake_fd = eventfd(0, EFD_CLOEXEC)) < 0 ||
	    pthread_create(&thread, NULL, fifo_main, NULL) != 0) {
		rt_log(RT_L_ERR, "jsonrpcs: cannot start the FIFO thread");
		jr_fifo_stop();
		return -1;
	}
	running = 1;
	rt_log(RT_L_INFO, "jsonrpcs: serving JSON-RPC on the FIFO %s", fifo_path);
	return 0;
}

void jr_fifo_stop(void)
{
	if (running) {
		uint64_t one = 1;
		if (write(wake_fd, &one, sizeof one) < 0)
			rt_log(RT_L_ERR, "jsonrpcs: waking the FIFO thread: %s", strerror(errno));
		pthread_join(thread, NULL);
		running = 0;
	}
	struct stat st;
	if (fifo_path[0] && fifo_fd >= 0 && lstat(fifo_path, &st) == 0 && st.st_dev == fifo_dev &&
	    st.st_ino == fifo_ino)
		unlink(fifo_path);
	fifo_path[0] = '\0';
	if (fifo_fd >= 0) {
		close(fifo_fd);
		fifo_fd = -1;
	}
	if (wake_fd >= 0) {
		close(wake_fd);
		wake_fd = -1;
	}
}
