/* reg.h: what the files of the registrar module share.
 *
 * The registrar's parameters belong to a script generation (a reload may
 * change min_expires); the location table they work on belongs to usrloc
 * and the process.  Each call site's preparation finds both once, when the
 * script is loaded, and keeps them in its first argument (reg_site), so a
 * call costs no lookup.
 */
#ifndef ROUTEC_REG_H
#define ROUTEC_REG_H

#include "modules/mod.h"
#include "modules/usrloc/ul.h"

/* save() flags (Kamailio's REG_SAVE_*_FL) */
#define REG_SAVE_MEM 1      /* in memory only, never in the database */
#define REG_SAVE_NORPL 2    /* no reply: reg_send_reply() later */
#define REG_SAVE_REPL 4     /* this contact replaces the AoR's others */
#define REG_SAVE_NOVAR 8    /* no expires randomization */
#define REG_SAVE_PREPRPL 16 /* with NORPL: the reply's headers go to the next local reply */
#define REG_SAVE_ALL 31

/* The registrar parameters of one generation (Kamailio's names). */
typedef struct reg_cfg {
	int default_expires, default_expires_range, expires_range;
	int min_expires, max_expires, min_expires_mode;
	int default_q, append_branches, case_sensitive;
	int max_contacts, retry_after, method_filtering;
	int use_path, path_mode, path_use_received, path_check_local;
	int contact_max_size, use_expired_contacts, sock_flag;
	rc_str realm_prefix, received_param, sock_hdr_name;
	rc_pv *received_avp;   /* received_avp, or NULL */
	/* $xavp(<xavp_cfg>=>name), NULL without xavp_cfg */
	rc_pv *x_expires, *x_q, *x_max_contacts, *x_socket;
	rc_pv *x_match_callid, *x_match_received, *x_match_contact;
} reg_cfg;

/* One call site: its table and its generation's parameters. */
typedef struct reg_site {
	ul_domain *d;
	const reg_cfg *cfg;
	int flags; /* save(): REG_SAVE_* */
} reg_site;

/* ---- reg_mod.c ---------------------------------------------------------------- */

/* The parameters of the generation being loaded (registrar's gen_init
 * made them), or NULL. */
const reg_cfg *reg_cfg_of(rc_gen_t *g);
/* Statistics: registrar:accepted_regs, registrar:rejected_regs. */
void reg_count(int accepted);

/* ---- reg_msg.c: reading a request ---------------------------------------------- */

/* Registrar error numbers (Kamailio's rerrno), each with its reply. */
enum reg_err {
	R_FINE, R_UL_DEL_R, R_UL_GET_R, R_UL_NEW_R, R_INV_CSEQ, R_UL_INS_C, R_UL_INS_R, R_UL_DEL_C,
	R_UL_UPD_C, R_TO_USER, R_AOR_LEN, R_AOR_PARSE, R_INV_EXP, R_INV_Q, R_PARSE, R_TO_MISS,
	R_CID_MISS, R_CS_MISS, R_PARSE_EXP, R_PARSE_CONT, R_STAR_EXP, R_STAR_CONT, R_OOO, R_RETRANS,
	R_UNESCAPE, R_TOO_MANY, R_CONTACT_LEN, R_CALLID_LEN, R_PARSE_PATH, R_PATH_UNSUP, R_OB_UNSUP,
	R_OB_REQD, R_OB_UNSUP_EDGE, R_INV_REGID, R_LOW_EXP, R_NERR
};
/* The reply code and the P-Registrar-Error text of an error number. */
int reg_err_code(int e);
const char *reg_err_text(int e);

/* The AoR of a URI as the table keys it (Kamailio's extract_aor: the user
 * part unescaped, "@host" with use_domain, realm_prefix cut, lower case
 * unless case_sensitive) into buf (UL_AOR_MAX bytes): 0 and *aor, or an
 * error number (R_AOR_PARSE, R_AOR_LEN, R_UNESCAPE).  *uri_out, if not
 * NULL, gets the parsed URI. */
int reg_aor(const reg_cfg *cfg, rc_str uri, char *buf, rc_str *aor, sip_uri *uri_out);

/* One contact of a REGISTER, read the lenient way Kamailio reads it: a
 * bad q or expires parameter is the registrar's business, not a parse
 * error. */
typedef struct reg_contact {
	rc_str uri;
	int has_expires;     /* an expires parameter with a value */
	rc_str expires;      /* its text */
	int has_q;
	rc_str q;
	rc_str received, instance, reg_id, methods; /* s == NULL: absent */
} reg_contact;

typedef struct reg_req {
	int star;            /* Contact: * */
	int ncontacts;
	int expires_hdr;     /* the Expires header's value; -1: absent or not a number */
} reg_req;

/* The Contact and Expires headers of a REGISTER, checked: 0, or an error
 * number (R_PARSE_CONT, R_PARSE_EXP, R_STAR_EXP, R_STAR_CONT,
 * R_CONTACT_LEN). */
int reg_read_request(rc_msg_t *m, const reg_cfg *cfg, reg_req *r);
/* Its contacts, in order, across Contact headers (after reg_read_request
 * said they parse): 1 and *c, 0 at the end. */
typedef struct reg_cit {
	sip_list_it it;
} reg_cit;
void reg_contacts_begin(rc_msg_t *m, reg_cit *it);
int reg_contacts_next(rc_msg_t *m, reg_cit *it, reg_contact *c);
/* Kamailio's str2q: 0 and *q (0..1000), or -1. */
int reg_str2q(rc_str s, int *q);
/* Kamailio's parse_methods over a list ("INVITE, BYE"): the method bits. */
unsigned reg_methods(rc_str list);
/* The Allow header's methods, all bits when there is none. */
unsigned reg_allow(rc_msg_t *m);
/* The Path headers as one value ("<a>,<b>"), in the arena: 0 and *path
 * (s == NULL: none), or R_PARSE_PATH.  *received: the first hop's
 * ;received parameter (path_use_received), else s == NULL. */
int reg_path_vector(rc_msg_t *m, rc_str *path, rc_str *received);
/* The URI of the first element of a Path/Route list ("<sip:p;lr>, ..."). */
int reg_first_uri(rc_str list, rc_str *uri);

/* ---- reg_save.c, reg_reply.c ------------------------------------------------------- */

/* The reply a save() prepared (kept when it must wait for reg_send_reply). */
typedef struct reg_reply {
	int code;
	const char *reason;
	rc_str hdrs;         /* header lines, CRLF each */
} reg_reply;

/* Per message, in the arena (m->reg). */
typedef struct reg_profile reg_profile;
typedef struct reg_state {
	int have_reply;      /* save() with flag 0x02 left one for reg_send_reply() */
	reg_reply reply;
	reg_profile *profiles; /* reg_fetch_contacts(), $ulc */
} reg_state;
reg_state *reg_state_of(rc_msg_t *m);

/* The Contact header listing the valid contacts of a record ("" when
 * none), in the arena; call under the record's lock. */
rc_str reg_contact_hdr(rc_msg_t *m, const reg_cfg *cfg, const ul_record *r, long long now);
/* The reply's headers for error number e after the Contact list (Path,
 * Unsupported, Min-Expires, P-Registrar-Error, Retry-After): fills rp. */
void reg_reply_prepare(rc_msg_t *m, const reg_cfg *cfg, int e, rc_str contact, rc_str path,
                       reg_reply *rp);
/* Sends it (send_reply: statefully when the request has a transaction):
 * 1, or -1. */
int reg_reply_send(rc_msg_t *m, rc_ctx_t *c, const reg_reply *rp);

/* ---- reg_pv.c ---------------------------------------------------------------------- */

/* A copy of c in the message arena, or NULL. */
ul_contact *reg_copy_contact(rc_msg_t *m, const ul_contact *c);
/* Sets profile name of m to the AoR and the contacts given (copied). */
int reg_profile_set(rc_msg_t *m, rc_str name, rc_str domain, rc_str aor, const ul_contact *list,
                    int single);
/* The expired-contact hook: runs event_route[usrloc:contact-expired]. */
void reg_expired(ul_domain *d, const ul_contact *c);
/* $ulc(profile=>attr): the pv class (reg_mod.c lists it). */
int reg_pv_ulc_prep(rc_gen_t *g, rc_pv *pv, const char *where);
int reg_pv_ulc_get(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out);
int reg_pv_ulc_set(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, const rc_val *v);

/* ---- reg_lookup.c ------------------------------------------------------------------ */

/* Fills the message's R-URI (mode 0) and branches from the AoR's
 * contacts: 1, -1 not found, -2 no contact allows the method, -3 error. */
int reg_lookup(rc_msg_t *m, rc_ctx_t *c, const reg_site *s, rc_str uri, int mode);

#endif
