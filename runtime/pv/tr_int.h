/* tr_int.h: what the files of the transformations share and nobody else
 * needs: the operations, a parsed transformation, the run-time helpers of
 * tr.c and one entry point per class.  Other parts of routec use pv.h. */
#ifndef ROUTEC_PV_TR_INT_H
#define ROUTEC_PV_TR_INT_H

#include "pv/pv.h"

/* pv_tr_apply picks the class, and pv_tr_string the group of s.*, by
 * ranges of this order: keep each group together and its last op last. */
enum {
	/* s.*, tr_str.c: conversions, case and trim */
	S_LEN, S_INT, S_MD5, S_LOWER, S_UPPER, S_NUMERIC, S_TRIM, S_RTRIM, S_LTRIM,
	/* encodings, escapes, quotes */
	S_ENCHEX, S_DECHEX, S_ENC64, S_DEC64, S_ESCCOMMON, S_UNESCCOMMON, S_ESCUSER, S_UNESCUSER,
	S_ESCPARAM, S_UNESCPARAM, S_UNQUOTE, S_UNBRACKET,
	/* parts by position */
	S_SUBSTR, S_STRIP, S_STRIPTAIL, S_SELECT, S_PREFIXES, S_PREFIXESQ,
	/* search for a character, then a string */
	S_STRIPTO, S_COUNT, S_BEFORE, S_AFTER, S_RBEFORE, S_RAFTER, S_REPLACE, S_RM,
	/* tr_sip.c */
	URI_USER, URI_HOST, URI_PASSWD, URI_PORT, URI_PARAMS, URI_PARAM, URI_HEADERS, URI_TRANSPORT,
	URI_TTL, URI_UPARAM, URI_MADDR, URI_METHOD, URI_LR, URI_R2, URI_SCHEME, URI_DURI, URI_SAOR,
	URI_SURI,
	PL_VALUE, PL_IN, PL_VALUEAT, PL_NAME, PL_COUNT,
	NA_NAME, NA_URI, NA_LEN,
	TB_URI, TB_TAG, TB_USER, TB_HOST, TB_PARAMS, TB_DISPLAY
};

#define TR_PARAMS 2

typedef struct tr_param {
	int set;
	int i;
	rc_str s;
	rc_pv *pv;
} tr_param;

struct pv_tr {
	int op;
	tr_param p[TR_PARAMS];
};

/* ---- tr.c: parameters at run time and results ------------------------------------ */

int pv_tr_p_int(rc_msg_t *m, rc_ctx_t *c, const tr_param *tp, int *out);
int pv_tr_p_str_opt(rc_msg_t *m, rc_ctx_t *c, const tr_param *tp, rc_str *out, int need);
int pv_tr_p_str(rc_msg_t *m, rc_ctx_t *c, const tr_param *tp, rc_str *out);
int pv_tr_set_str(rc_val *v, const char *s, int len);
int pv_tr_ws(char c);

/* ---- one per class: the value in *v becomes the result; -1: null ------------------ */

int pv_tr_string(rc_msg_t *m, rc_ctx_t *c, const pv_tr *t, rc_val *v); /* tr_str.c */
int pv_tr_uri(rc_msg_t *m, rc_ctx_t *c, const pv_tr *t, rc_val *v);    /* tr_sip.c */
int pv_tr_plist(rc_msg_t *m, rc_ctx_t *c, const pv_tr *t, rc_val *v);
int pv_tr_nameaddr(rc_msg_t *m, const pv_tr *t, rc_val *v);
int pv_tr_tobody(rc_msg_t *m, const pv_tr *t, rc_val *v);

#endif
