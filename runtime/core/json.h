/* json.h: strict JSON (RFC 8259) read in place, and JSON text printed again
 * in the layouts people and Kamailio's tools expect.
 *
 * The reader allocates nothing: a json_rd walks the document, each call
 * consumes one token or one whole value and says what it was.  Values are
 * spans of the document; strings are decoded only when asked (into the
 * caller's buffer, never longer than their text).  Everything RFC 8259
 * forbids is an error: comments, trailing commas, single quotes, leading
 * zeros, control bytes and invalid UTF-8 in strings, lone surrogates, bytes
 * after the document.  Nesting deeper than JSON_MAX_DEPTH is an error too,
 * so hostile input cannot exhaust the stack.
 *
 *   json_rd r;
 *   json_rd_init(&r, text, len);
 *   if (json_enter(&r, JSON_OBJ) == 0)
 *       while (json_next(&r) > 0) {
 *           json_key(&r, &k, &kn);              // "name" (quotes included)
 *           int t = json_value(&r, &v, &vn);    // the value's text and type
 *       }
 *   if (r.err) ... json_offset(&r) is where
 *
 * Used by the control interface (modules/jsonrpcs) and by `routec ctl`.
 */
#ifndef ROUTEC_JSON_H
#define ROUTEC_JSON_H

#include <stddef.h>

#define JSON_MAX_DEPTH 64

enum { JSON_ERR = -1, JSON_NULL = 1, JSON_FALSE, JSON_TRUE, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ };

typedef struct json_rd {
	const char *p, *end, *start;
	const char *err;                  /* the first error, or NULL */
	int depth;
	unsigned char kind[JSON_MAX_DEPTH];  /* JSON_ARR / JSON_OBJ per open level */
	unsigned char count[JSON_MAX_DEPTH]; /* an element was read at this level */
} json_rd;

void json_rd_init(json_rd *r, const char *s, size_t n);
/* The type of the next value (whitespace skipped, nothing consumed), or
 * JSON_ERR when no value can start there. */
int json_peek(json_rd *r);
/* Consume one whole value (checking all of it): its type, its text in
 * *s / *n (may be NULL).  JSON_ERR on an error (r->err says which). */
int json_value(json_rd *r, const char **s, size_t *n);
/* Open the container of that type (JSON_OBJ or JSON_ARR): 0 or -1. */
int json_enter(json_rd *r, int type);
/* In an open container: 1 when another element follows (the ',' before it
 * consumed), 0 when the container closed (its bracket consumed), -1. */
int json_next(json_rd *r);
/* In an object, before each value: the key's text with its quotes, and the
 * ':' after it.  0 or -1. */
int json_key(json_rd *r, const char **s, size_t *n);
/* After the document: only whitespace may follow.  0 or -1. */
int json_end(json_rd *r);
/* Where the reader stands (the error's position after an error). */
size_t json_offset(const json_rd *r);

/* Decode the text of a string value (with its quotes, as json_value gave
 * it, already checked) into out, which has room for n bytes; a NUL is
 * added after the decoded bytes when they are shorter than n - 1 (always:
 * the quotes).  Returns the decoded length, or -1 if s is not a string. */
int json_str_decode(const char *s, size_t n, char *out);
/* 1 if the key's text (with quotes) is exactly the plain name (no escapes). */
int json_key_is(const char *k, size_t kn, const char *name);

/* ---- printing ----------------------------------------------------------------- */

typedef struct json_buf {
	char *s;        /* NUL-terminated, malloc'd */
	size_t len, cap;
	int oom;
} json_buf;

void json_put(json_buf *b, const char *s, size_t n);
void json_puts(json_buf *b, const char *s);
/* s[0..n) as a JSON string (quotes and escapes added). */
void json_put_str(json_buf *b, const char *s, size_t n);
void json_buf_free(json_buf *b);

enum {
	JSON_COMPACT,  /* no whitespace */
	JSON_KAMAILIO, /* Kamailio's pretty_format: members on lines indented by
	                  tabs, a tab after each ':', array elements on one line
	                  separated by ", " */
	JSON_INDENT,   /* for people: two spaces per level, one element per line */
};
/* Print the next value of r again in that layout: 0, or -1 (r->err). */
int json_reprint(json_rd *r, int layout, json_buf *out);

#endif
