/* log.c: rt_log, Kamailio's levels on stderr or syslog. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "core/rt.h"

int rt_log_level = RT_L_WARN; /* Kamailio's default `debug` */

static int log_stderr = 1;
static int log_syslog_open;
static char log_ident[64] = "routec";

void rt_log_setup(int to_stderr, int facility, const char *ident)
{
	rt_log_close();
	log_stderr = to_stderr;
	if (to_stderr)
		return;
	if (ident && *ident)
		snprintf(log_ident, sizeof log_ident, "%s", ident);
	/* openlog keeps the pointer: log_ident is static and stays */
	openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
	log_syslog_open = 1;
}

void rt_log_close(void)
{
	if (log_syslog_open)
		closelog();
	log_syslog_open = 0;
	log_stderr = 1;
}

const char *rt_log_level_name(int level)
{
	switch (level) {
	case RT_L_ALERT: return "ALERT";
	case RT_L_BUG: return "BUG";
	case -3: /* Kamailio's L_CRIT2 */
	case RT_L_CRIT: return "CRITICAL";
	case RT_L_ERR: return "ERROR";
	case RT_L_WARN: return "WARNING";
	case RT_L_NOTICE: return "NOTICE";
	case RT_L_INFO: return "INFO";
	}
	return level < RT_L_ALERT ? "ALERT" : "DEBUG";
}

static int syslog_prio(int level)
{
	if (level <= RT_L_ALERT)
		return LOG_ALERT;
	if (level <= -2)
		return LOG_CRIT;
	switch (level) {
	case RT_L_ERR: return LOG_ERR;
	case RT_L_WARN: return LOG_WARNING;
	case RT_L_NOTICE: return LOG_NOTICE;
	case RT_L_INFO: return LOG_INFO;
	}
	return LOG_DEBUG;
}

static const struct {
	const char *name;
	int fac;
} facilities[] = {
	{ "LOG_AUTH", LOG_AUTH }, { "LOG_AUTHPRIV", LOG_AUTHPRIV }, { "LOG_CRON", LOG_CRON },
	{ "LOG_DAEMON", LOG_DAEMON }, { "LOG_FTP", LOG_FTP }, { "LOG_KERN", LOG_KERN },
	{ "LOG_LOCAL0", LOG_LOCAL0 }, { "LOG_LOCAL1", LOG_LOCAL1 }, { "LOG_LOCAL2", LOG_LOCAL2 },
	{ "LOG_LOCAL3", LOG_LOCAL3 }, { "LOG_LOCAL4", LOG_LOCAL4 }, { "LOG_LOCAL5", LOG_LOCAL5 },
	{ "LOG_LOCAL6", LOG_LOCAL6 }, { "LOG_LOCAL7", LOG_LOCAL7 }, { "LOG_LPR", LOG_LPR },
	{ "LOG_MAIL", LOG_MAIL }, { "LOG_NEWS", LOG_NEWS }, { "LOG_SYSLOG", LOG_SYSLOG },
	{ "LOG_USER", LOG_USER }, { "LOG_UUCP", LOG_UUCP },
};

int rt_log_facility(const char *name)
{
	for (size_t i = 0; name && i < sizeof facilities / sizeof facilities[0]; i++)
		if (!strcasecmp(name, facilities[i].name))
			return facilities[i].fac;
	return -1;
}

static _Thread_local void (*cap_fn)(void *, int, const char *);
static _Thread_local void *cap_arg;
static _Thread_local int cap_max;

void rt_log_capture(void (*fn)(void *arg, int level, const char *msg), void *arg, int max_level)
{
	cap_fn = fn;
	cap_arg = arg;
	cap_max = max_level;
}

void rt_log(int level, const char *fmt, ...)
{
	int cap = cap_fn && level <= cap_max;
	if (level > rt_log_level && !cap)
		return;
	/* One buffer, one write: a line is never split between workers.  Long
	 * messages are cut rather than allocated for. */
	char line[2048];
	int n = 0;
	const char *lv = rt_log_level_name(level);
	if (log_stderr) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		n = (int)strftime(line, sizeof line, "%Y-%m-%d %H:%M:%S", &tm);
		n += snprintf(line + n, sizeof line - (size_t)n, ".%03ld %s: ", ts.tv_nsec / 1000000, lv);
	} else {
		n = snprintf(line, sizeof line, "%s: ", lv);
	}
	int pre = n; /* the message starts here */
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	if (k < 0)
		k = 0;
	n += k;
	if (n > (int)sizeof line - 2)
		n = (int)sizeof line - 2;
	while (n > 0 && line[n - 1] == '\n') /* callers may end with \n, as in Kamailio */
		n--;
	if (cap) {
		line[n] = '\0';
		cap_fn(cap_arg, level, line + (pre < n ? pre : n));
		if (level > rt_log_level)
			return;
	}
	if (!log_stderr) {
		line[n] = '\0';
		syslog(syslog_prio(level), "%s", line);
		return;
	}
	line[n++] = '\n';
	for (int off = 0; off < n;) {
		ssize_t w = write(2, line + off, (size_t)(n - off));
		if (w <= 0)
			break; /* nowhere to report a failing stderr */
		off += (int)w;
	}
}
