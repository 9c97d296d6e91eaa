/* scan.h: character classes and small scanning helpers shared by the SIP
 * parsers (msg.c, hf.c, uri.c, build.c).  Private to runtime/sip.
 *
 * sip_cc[c] holds one bit per class below; the classes are RFC 3261's
 * (section 25.1) where it has one.  tests/unit/sip_msg_test.c rebuilds each
 * class from its definition and compares it with the table.
 */
#ifndef SIP_SCAN_H
#define SIP_SCAN_H

#include <stdint.h>

#include "msg.h"

#define CC_TOKEN  0x0001 /* token: alphanum - . ! % * _ + ` ' ~ */
#define CC_WS     0x0002 /* SP HTAB CR LF: whitespace inside a (folded) value */
#define CC_DIGIT  0x0004
#define CC_ALPHA  0x0008
#define CC_HEX    0x0010
#define CC_HOST   0x0020 /* hostname or IPv4 characters (and _, leniently) */
#define CC_UNRES  0x0040 /* unreserved: alphanum and mark */
#define CC_USER   0x0080 /* user part: unreserved and user-unreserved */
#define CC_PASS   0x0100 /* password: unreserved and & = + $ , */
#define CC_PARAM  0x0200 /* URI paramchar (escapes apart) */
#define CC_HNV    0x0400 /* URI header name/value characters (escapes apart) */
#define CC_PVAL   0x0800 /* header parameter value: token, and : [ ] of hosts */
#define CC_VCHAR  0x1000 /* visible: 0x21-0x7e and 0x80-0xff */
#define CC_DISP   0x2000 /* unquoted display-name word: token and UTF-8 */

extern const uint16_t sip_cc[256];

static inline int sip_is(unsigned char c, unsigned cls)
{
	return (sip_cc[c] & cls) != 0;
}

/* Skip linear whitespace, folded line breaks included. */
static inline const char *sip_skip_ws(const char *p, const char *e)
{
	while (p < e && (sip_cc[(unsigned char)*p] & CC_WS))
		p++;
	return p;
}

/* Skip a run of one class. */
static inline const char *sip_skip(const char *p, const char *e, unsigned cls)
{
	while (p < e && (sip_cc[(unsigned char)*p] & cls))
		p++;
	return p;
}

/* Trim whitespace at both ends of [*s, *e). */
static inline void sip_trim(const char **s, const char **e)
{
	const char *a = *s, *b = *e;
	while (a < b && (sip_cc[(unsigned char)*a] & CC_WS))
		a++;
	while (b > a && (sip_cc[(unsigned char)b[-1]] & CC_WS))
		b--;
	*s = a;
	*e = b;
}

/* Case-insensitive compare of n bytes with a lower-case literal.  Only exact
 * for letters, digits and '-' on the literal side; callers compare tokens. */
static inline int sip_eqi(const char *s, const char *lit, int n)
{
	for (int i = 0; i < n; i++)
		if ((s[i] | 0x20) != lit[i])
			return 0;
	return 1;
}

/* The end of a quoted string starting at p (p[0] == '"'): the byte after
 * the closing quote, or NULL if it is not closed before e.  A backslash
 * escapes the next byte (quoted-pair). */
static inline const char *sip_skip_quoted(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\') {
			if (++p == e)
				return NULL;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return NULL;
}

static inline sip_str sip_span(const char *s, const char *e)
{
	sip_str r = { s, (int)(e - s) };
	return r;
}

#endif
