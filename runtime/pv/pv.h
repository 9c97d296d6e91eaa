/* pv.h: pseudo-variables, transformations, formats and regexes inside the
 * runtime (the rc_ ABI in routec.h is their public face).
 *
 * A spec ("$ru", "$(hdr(Via)[1]{s.len})", "$var(x)") is parsed once, when a
 * generation is loaded, into an rc_pv allocated from that generation
 * (rt_gen_alloc); reading it for a message costs a switch on its class.
 * Values a getter builds go to the message arena (rc_tmp), so nothing here
 * calls malloc per message.  Storage:
 *   $var/$vz/$vn  per worker thread (thread-local table, slots fixed at load)
 *   $shv          process-wide, one mutex per variable
 *   $avp/$xavp    per message, in the message arena (rt_msg_reset zeroes the heads)
 */
#ifndef ROUTEC_PV_H
#define ROUTEC_PV_H

#include <stddef.h>

#include "core/fn.h"
#include "core/rt.h"

/* ---- values ------------------------------------------------------------------ */

static inline rc_val pv_vint(int i)
{
	rc_val v = { RC_INT, i, { 0, 0 } };
	return v;
}

static inline rc_val pv_vstr(const char *s, int len)
{
	rc_val v = { RC_STR, 0, { s, len } };
	return v;
}

static inline rc_val pv_vnull(void)
{
	rc_val v = { RC_NULL, 0, { 0, 0 } };
	return v;
}

/* n bytes of the message arena, 8-byte aligned (NULL when full, logged). */
void *pv_talloc(rc_msg_t *m, int n);
/* A copy of s in the message arena (NULL when it is full, logged). */
char *pv_dup(rc_msg_t *m, const char *s, int len);
/* Decimal text of i in the arena ("" when full). */
rc_str pv_itoa(rc_msg_t *m, int i);
/* Kamailio's str2sint: 1 and *out for "[+-]digits" only (no hex, no junk). */
int pv_str2sint(const char *s, int len, int *out);
/* The value of a hex digit (either case), -1 for another character. */
int pv_hexval(char c);
/* Case-insensitive equality of two spans. */
int pv_eqi(const char *a, int alen, const char *b, int blen);
/* A copy of [s, s+len) in generation memory, NUL-terminated. */
char *pv_gen_strdup(rc_gen_t *g, const char *s, int len);

/* ---- regexes (re.c) ------------------------------------------------------------ */

#define PV_RE_ICASE 1   /* = the ABI's flag 1 */
#define PV_RE_NEWLINE 2 /* REG_NEWLINE: '.' stops at \n, ^ $ match at line breaks (a [^x]
                                  class still crosses lines, unlike POSIX) */

/* 1 and the match offsets of group 0..n-1 (ov[2*i], ov[2*i+1], -1 when unset),
 * 0 no match, -1 error.  ov may be NULL when n == 0. */
int pv_re_exec(const rc_re *re, const char *s, int len, int start, int *ov, int n);
/* Number of capture groups. */
int pv_re_groups(const rc_re *re);
/* A regex compiled at run time, from a bounded per-thread cache (NULL and
 * logged when it does not compile). */
const rc_re *pv_re_dyn(const char *pat, int len, int flags);
/* Frees this thread's match data and cache (pv_worker_done). */
void pv_re_thread_done(void);

/* ---- specs (pv.c) -------------------------------------------------------------- */

typedef struct pv_tr pv_tr; /* one transformation (tr.c; tr_int.h) */

/* The classes routec knows (rc_pv.cls). */
enum pv_class {
	PVC_NULL, PVC_RC, PVC_VAR, PVC_VN, PVC_AVP, PVC_XAVP, PVC_SHV, PVC_ENV, PVC_TIME,
	/* message pseudo-variables (pv_msg.c) */
	PVC_RU, PVC_RU_USER, PVC_RU_HOST, PVC_RU_PORT, PVC_RU_PROTO, PVC_RU_SCHEME, PVC_RU_USERLEN,
	PVC_OU, PVC_OU_USER, PVC_OU_HOST, PVC_OU_PORT, PVC_OU_PROTO,
	PVC_DU, PVC_DU_HOST, PVC_DU_PORT, PVC_DU_PROTO,
	PVC_RM, PVC_RMID, PVC_RS, PVC_RR, PVC_RV, PVC_CI, PVC_CS, PVC_CSB, PVC_CT, PVC_CTYPE, PVC_CL,
	PVC_UA, PVC_FU, PVC_FU_USER, PVC_FU_HOST, PVC_FN, PVC_FT, PVC_TU, PVC_TU_USER, PVC_TU_HOST,
	PVC_TN, PVC_TT, PVC_SI, PVC_SP, PVC_SU, PVC_RI, PVC_RP, PVC_PR, PVC_PRID, PVC_MB, PVC_ML,
	PVC_MT, PVC_MI, PVC_BF, PVC_BFX, PVC_MF, PVC_MFX, PVC_BR, PVC_BRALL, PVC_RB, PVC_BS,
	PVC_TS_MSG, PVC_TS_NOW, PVC_PP, PVC_FS, PVC_HDR, PVC_HDRC, PVC_AI, PVC_RE, PVC_RT,
	PVC_DI, PVC_PU, PVC_PD,
	PVC_MOD /* a module's class (pv_mod_class, in pv->obj) */
};

enum { PV_IDX_NONE, PV_IDX_INT, PV_IDX_ALL, PV_IDX_PV };

/* The $xavp(root[i]=>field[j]) name. */
typedef struct pv_xname {
	rc_str root, field; /* field.s == NULL: the root alone */
	int ri, rkind;      /* PV_IDX_* of the root */
	int fi, fkind;      /* PV_IDX_* of the field */
} pv_xname;

struct rc_pv {
	int cls;            /* PVC_* (pv.c) */
	int sub;            /* class-specific selector */
	rc_str text;        /* the spec as written */
	rc_str name;        /* inner name, constant part */
	rc_fmt *dname;      /* inner name given by pseudo-variables, or NULL */
	int htype;          /* $hdr: header type of name (SIP_H_OTHER for others) */
	int ikind, idx;     /* index: PV_IDX_*, and the int */
	rc_pv *ipv;         /* PV_IDX_PV: the pv giving it */
	int slot;           /* $var/$vn: slot; $avp: 1 for an i: name */
	void *obj;          /* $shv: the variable */
	pv_xname xn;        /* $xavp */
	const pv_tr *tr;    /* transformations, applied in order, or NULL */
	int ntr;
	const char *where;
	const void *mod;    /* PVC_MOD: its pv_mod_class */
};

/* Pseudo-variable classes of modules ($T_branch_idx, $T(name), $ulc(...)):
 * looked up after the core classes.  A module exports one table ended by an
 * all-zero row and pv.c lists the tables (pv_mod_tables).  prep (may be
 * NULL) checks the inner name at load (pv->name holds it) and may keep a
 * selector in pv->sub or anything in pv->slot; -1 refuses it (logged with
 * pv->where).  get returns as pv_get; set (NULL: read-only) returns 1, or -1
 * (logged). */
#define PV_MOD_NAME 1 /* takes an inner name: $T(id_index) */
#define PV_MOD_IDX 4  /* takes an index */
typedef struct pv_mod_class {
	const char *name;
	int flags;
	int (*prep)(rc_gen_t *g, rc_pv *pv, const char *where);
	int (*get)(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out);
	int (*set)(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, const rc_val *v);
} pv_mod_class;
extern const pv_mod_class tm_pv_classes[], registrar_pv_classes[];

/* Parses one spec at s (which starts with '$'), reading no further than
 * s+len; *used gets the bytes taken.  NULL after logging (with `where`) when
 * it is not a spec routec knows. */
rc_pv *pv_parse(rc_gen_t *g, const char *s, int len, int *used, const char *where);

/* Getting: 0 and *out (RC_NULL for a null value), or -1 when the value could
 * not be computed (a transformation failed): callers treat it as null, a
 * format prints nothing for it. */
int pv_get(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out);
/* The index of pv in force: a constant, or its pv's value; *kind PV_IDX_*. */
int pv_index(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, int *kind);

/* ---- message pseudo-variables (pv_msg.c) ----------------------------------------- */

int pv_msg_get(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out);
int pv_msg_set(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, const rc_val *v);
/* The R-URI in force ($ru): the new one if the script changed it. */
rc_str pv_ruri(rc_msg_t *m);
/* $rU = user: 0 or -1 (logged). */
int pv_ruri_set_user(rc_msg_t *m, rc_str user);
/* 1 when no edit (delete/replace) covers a byte of [off, off+len) and no
 * insert falls strictly inside it: an edit there would be refused, and a
 * refused edit spoils the whole message (lump.h keeps the first error). */
int pv_lump_free(const rc_msg_t *m, int off, int len);
/* Kamailio's method id bits (METHOD_INVITE = 1 ...) of a method token. */
int pv_method_bits(const char *s, int len);

/* ---- variables (pv_var.c) -------------------------------------------------------- */

/* Slot of $var(name) (vn = 0) or $vn(name) (vn = 1); -1 when out of memory. */
int pv_var_slot(const char *name, int len, int vn);
int pv_var_get(int slot, int vn, rc_val *out);
int pv_var_set(int slot, int vn, const rc_val *v);
/* The $shv(name) variable, created at load time. */
void *pv_shv_find(const char *name, int len);
int pv_shv_get(rc_msg_t *m, void *shv, rc_val *out);
int pv_shv_set(void *shv, const rc_val *v);
/* $avp: name is string unless iname; idx as in rc_pv. */
int pv_avp_get(rc_msg_t *m, rc_str name, int iname, int ikind, int idx, rc_val *out);
int pv_avp_set(rc_msg_t *m, rc_str name, int iname, int ikind, const rc_val *v);
int pv_avp_count(rc_msg_t *m, rc_str name, int iname);
/* Every $avp of m, oldest first (tm carries them with its transaction and
 * sets them again, in that order, on the messages of its routes). */
void pv_avp_each(rc_msg_t *m, void (*cb)(rc_str name, int iname, const rc_val *v, void *arg),
                 void *arg);
int pv_xavp_get(rc_msg_t *m, const pv_xname *xn, rc_val *out);
int pv_xavp_set(rc_msg_t *m, const pv_xname *xn, const rc_val *v);

/* ---- transformations (tr.c, tr_str.c, tr_sip.c) --------------------------------- */

/* Parses the transformations following a spec's name: s points at '{'.
 * Returns bytes used and sets *tr / *ntr, or -1 after logging. */
int pv_tr_parse(rc_gen_t *g, const char *s, int len, const pv_tr **tr, int *ntr, const char *where);
/* Applies them to *v in place: 0, or -1 (the value is then unusable). */
int pv_tr_apply(rc_msg_t *m, rc_ctx_t *c, const pv_tr *tr, int ntr, rc_val *v);

/* ---- formats (fmt.c) ------------------------------------------------------------- */

/* The format printed into the arena; on a full arena what fit is returned. */
rc_str pv_fmt_eval(rc_msg_t *m, rc_ctx_t *c, const rc_fmt *f);
/* 1 when the format is plain text (no pseudo-variables): *text is it. */
int pv_fmt_const(const rc_fmt *f, rc_str *text);

/* ---- substitutions (subst.c) ------------------------------------------------------ */

typedef struct pv_subst pv_subst; /* a parsed "/re/repl/flags" */

#define PV_SUBST_MAX 64 /* matches one run replaces at most (a message has 64 lumps) */

/* One match and its replacement: offset and length in the subject. */
typedef struct pv_match {
	int off, len;
	rc_str text;
} pv_match;

/* Parses s[0..len) at load time: NULL after logging. */
pv_subst *pv_subst_parse(rc_gen_t *g, const char *s, int len, const char *where);
/* The matches in subject (one, or all with the g flag), at most max, with
 * their replacements built in the arena: how many, or -1. */
int pv_subst_run(rc_msg_t *m, rc_ctx_t *c, const pv_subst *se, const char *subject, int len, pv_match *out,
                 int max);
/* subject with the matches replaced: 1 and *out, -1 when nothing matched. */
int pv_subst_str(rc_msg_t *m, rc_ctx_t *c, const pv_subst *se, rc_str subject, rc_str *out);

/* ---- hashes (hash.c) ------------------------------------------------------------- */

/* MD5 of the concatenation of n spans, as 32 lower-case hex digits at out. */
void pv_md5_hex(const rc_str *parts, int n, char out[32]);
/* Kamailio's crcitt_string_array: 4 hex digits, low nibble first. */
void pv_crc16_hex(const rc_str *parts, int n, char out[4]);

/* ---- legacy fields (field.c) -------------------------------------------------------- */

/* The ast_field numbers the compiler passes to rc_field_* (compiler/ast.h). */
enum {
	PV_F_METHOD, PV_F_URI, PV_F_FROM_URI, PV_F_TO_URI, PV_F_SRC_IP, PV_F_SRC_PORT,
	PV_F_DST_IP, PV_F_DST_PORT, PV_F_SND_IP, PV_F_SND_PORT, PV_F_SND_PROTO, PV_F_SND_AF,
	PV_F_TO_IP, PV_F_TO_PORT, PV_F_TO_PROTO, PV_F_TO_AF, PV_F_PROTO, PV_F_AF, PV_F_MSGLEN,
	PV_F_STATUS = 32 /* not in ast_field yet: the lexer maps `status` to F_URI */
};

/* Parses an IPv4/IPv6 address text into 16 bytes (IPv4 mapped to the first 4)
 * and returns 4 or 6, or 0 when it is not an address. */
int pv_ip_parse(const char *s, int len, unsigned char out[16]);

#endif
