/* build.h: replies built from a request, into a caller's buffer.
 *
 * sip_build_reply writes, in this order (RFC 3261 8.2.6.2, 16.7):
 *   SIP/2.0 <status> <reason>
 *   every Via header, values as received, in order (but see src_ip)
 *   Record-Route headers, as received, for 101..299 (replies that can
 *     establish a dialog, RFC 3261 12.1.1)
 *   From, To (";tag=<to_tag>" appended when the request's To has no tag,
 *     a to_tag is given and the status is not 100), Call-ID, CSeq
 *   Server: <server>          if server.s is set
 *   User-Agent: <user_agent>  if user_agent.s is set
 *   the extra header lines, as given (each ending in CRLF)
 *   Content-Type: <content_type>  if content_type.s is set
 *   Content-Length: <body.len>
 *   an empty line and the body
 * Header names are written in their full form (a request's "v:" becomes
 * "Via:"), values byte for byte; a missing From/To/Call-ID/CSeq is left out
 * (so a 400 can answer a request that lacks them), a missing Via is an error
 * (there is nowhere to send the reply).
 */
#ifndef SIP_BUILD_H
#define SIP_BUILD_H

#include "msg.h"

typedef struct sip_reply {
	int status;           /* 100..699 */
	/* Where the request came from; when src_ip.s is set, the top Via gets
	 * ;received=src_ip if its host is another address or it asked for rport
	 * (RFC 3261 18.2.1, RFC 3581 4), and a bare ;rport gets =src_port. */
	sip_str src_ip;
	int src_port;
	sip_str reason;       /* s == NULL: sip_reason_phrase(status) */
	sip_str to_tag;
	sip_str server;
	sip_str user_agent;
	sip_str headers;
	sip_str content_type;
	sip_str body;
} sip_reply;

/* The reply's length, or SIP_E_ARG (not a request, bad status), SIP_E_ABSENT
 * (no Via), SIP_E_NOSPACE (cap too small). */
int sip_build_reply(sip_msg *req, const sip_reply *r, char *out, size_t cap);

/* RFC 3261's phrase for a status code ("Not Found"), or one for its class. */
const char *sip_reason_phrase(int status);

#endif
