/* log.h: where rt_log (rt.h) writes: stderr or syslog.
 *
 * Lines are "YYYY-mm-dd HH:MM:SS.mmm LEVEL: message" on stderr; syslog gets
 * "LEVEL: message" with the priority of the level.  One write() per line, so
 * lines from several workers never interleave.  Until rt_log_setup is called
 * everything goes to stderr (startup errors must be seen).
 */
#ifndef ROUTEC_LOG_H
#define ROUTEC_LOG_H

/* to_stderr: 1 stderr, 0 syslog(facility, ident) */
void rt_log_setup(int to_stderr, int facility, const char *ident);
void rt_log_close(void);
/* Also hand this thread's messages of level <= max_level (whatever the
 * `debug` level) to fn, without the timestamp; fn NULL stops.  A reload
 * collects what loading the new script logged, for its RPC answer. */
void rt_log_capture(void (*fn)(void *arg, int level, const char *msg), void *arg, int max_level);
/* "ERROR", "WARNING" ...: the name of a level (clamped to the known ones). */
const char *rt_log_level_name(int level);
/* The syslog facility of "LOG_LOCAL0", "LOG_DAEMON" ... (any case), or -1. */
int rt_log_facility(const char *name);

#endif
