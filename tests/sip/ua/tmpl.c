/* tmpl.c: variables, message templates, ids and files.
 *
 * A template is a SIP message written as a text file.  ${name} is replaced by
 * the variable's value (an unknown name is an error, so a typo cannot send a
 * literal "${calid}"), every line end becomes CRLF, an empty line is added
 * after the headers if the file has none, and Content-Length is set to the
 * body's real length (added if absent). */
#include "ua.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

int ua_var_set(ua_vars_t *v, const char *key, const char *val)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->key[i], key) == 0) {
			char *d = strdup(val);

			if (!d)
				return -1;
			free(v->val[i]);
			v->val[i] = d;
			return 0;
		}
	if (v->n == UA_MAXVARS)
		return -1;
	v->key[v->n] = strdup(key);
	v->val[v->n] = strdup(val);
	if (!v->key[v->n] || !v->val[v->n])
		return -1;
	v->n++;
	return 0;
}

const char *ua_var_get(const ua_vars_t *v, const char *key)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->key[i], key) == 0)
			return v->val[i];
	return NULL;
}

void ua_vars_free(ua_vars_t *v)
{
	int i;

	for (i = 0; i < v->n; i++) {
		free(v->key[i]);
		free(v->val[i]);
	}
	v->n = 0;
}

int ua_var_arg(ua_vars_t *v, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char key[64];

	if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof key)
		return -1;
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = 0;
	return ua_var_set(v, key, eq + 1);
}

typedef struct {
	char *p;
	size_t n, cap;
} buf_t;

static int add(buf_t *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
	return 0;
}

/* ${name} substitution; errors name the template line. */
static int substitute(buf_t *o, const char *t, size_t n, const ua_vars_t *v, char *err, size_t ecap)
{
	size_t i = 0;
	int line = 1;

	while (i < n) {
		const char *close, *val;
		char key[64];
		size_t kl;

		if (t[i] == '\n')
			line++;
		if (t[i] != '$' || i + 1 >= n || t[i + 1] != '{') {
			if (add(o, t + i, 1) < 0)
				return -1;
			i++;
			continue;
		}
		close = memchr(t + i + 2, '}', n - i - 2);
		kl = close ? (size_t)(close - (t + i + 2)) : 0;
		if (!close || kl == 0 || kl >= sizeof key || memchr(t + i + 2, '\n', kl)) {
			snprintf(err, ecap, "line %d: '${' without a closing '}'", line);
			return -1;
		}
		memcpy(key, t + i + 2, kl);
		key[kl] = 0;
		if (!(val = ua_var_get(v, key))) {
			snprintf(err, ecap, "line %d: unknown variable '${%s}' (set it with --set %s=...)",
				 line, key, key);
			return -1;
		}
		if (add(o, val, strlen(val)) < 0)
			return -1;
		i += kl + 3;
	}
	return 0;
}

char *ua_expand(const char *tmpl, size_t tlen, const ua_vars_t *v, size_t *outlen,
		char *err, size_t errcap)
{
	buf_t s = { 0 }, o = { 0 }, body = { 0 };
	size_t i = 0, cl_at = 0, cl_len = 0;
	int in_body = 0, have_cl = 0;
	char num[32];

	if (substitute(&s, tmpl, tlen, v, err, errcap) < 0 || add(&s, "", 0) < 0)
		goto fail;
	/* Line by line: CRLF ends; the first empty line ends the headers. */
	while (i < s.n) {
		char *nl = memchr(s.p + i, '\n', s.n - i);
		size_t e = nl ? (size_t)(nl - s.p) : s.n, len = e - i;

		if (len && s.p[i + len - 1] == '\r')
			len--;
		if (in_body) {
			if (add(&body, s.p + i, len) < 0 || (nl && add(&body, "\r\n", 2) < 0))
				goto fail;
		} else if (len == 0) {
			in_body = 1;
		} else {
			const char *c = memchr(s.p + i, ':', len);
			size_t nlen = c ? (size_t)(c - (s.p + i)) : 0;

			while (nlen && (s.p[i + nlen - 1] == ' ' || s.p[i + nlen - 1] == '\t'))
				nlen--;
			if (c && ((nlen == 14 && strncasecmp(s.p + i, "Content-Length", 14) == 0)
				  || (nlen == 1 && (s.p[i] == 'l' || s.p[i] == 'L')))) {
				have_cl = 1;
				cl_at = o.n;
				cl_len = nlen;
			}
			if (add(&o, s.p + i, len) < 0 || add(&o, "\r\n", 2) < 0)
				goto fail;
		}
		i = e + 1;
	}
	snprintf(num, sizeof num, "%zu", body.n);
	if (have_cl) {
		/* Rewrite that line as "<name>: N". */
		char *line_end = strstr(o.p + cl_at, "\r\n");
		size_t tail = o.n - (size_t)(line_end - o.p);
		buf_t r = { 0 };

		if (add(&r, o.p, cl_at + cl_len) < 0 || add(&r, ": ", 2) < 0
		    || add(&r, num, strlen(num)) < 0 || add(&r, line_end, tail) < 0)
			goto fail;
		free(o.p);
		o = r;
	} else if (add(&o, "Content-Length: ", 16) < 0 || add(&o, num, strlen(num)) < 0
		   || add(&o, "\r\n", 2) < 0) {
		goto fail;
	}
	if (add(&o, "\r\n", 2) < 0 || (body.n && add(&o, body.p, body.n) < 0))
		goto fail;
	free(s.p);
	free(body.p);
	*outlen = o.n;
	return o.p;
fail:
	if (!err[0])
		snprintf(err, errcap, "out of memory");
	free(s.p);
	free(o.p);
	free(body.p);
	return NULL;
}

char *ua_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	buf_t b = { 0 };
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (add(&b, chunk, n) < 0 || b.n > (1u << 20)) {
			fclose(f);
			free(b.p);
			return NULL;
		}
	fclose(f);
	if (!b.p && add(&b, "", 0) < 0)
		return NULL;
	*len = b.n;
	return b.p;
}

/* Ids unique across the processes of one test run: pid and clock seed them. */
static uint64_t id_state;

void ua_randhex(char *out, size_t nhex)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (!id_state) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		id_state = ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20);
		id_state |= 1;
	}
	for (i = 0; i < nhex; i++) {
		id_state ^= id_state << 13;
		id_state ^= id_state >> 7;
		id_state ^= id_state << 17;
		out[i] = hex[(id_state >> 32) & 15];
	}
	out[nhex] = 0;
}

void ua_new_branch(char *out, size_t cap)
{
	char r[17];

	ua_randhex(r, 16);
	snprintf(out, cap, "z9hG4bK-ua-%s", r);
}

/* call_id, branch, from_tag, cseq, user (test), local_ip, local_port, remote_ip, remote_port. */
void ua_default_vars(ua_vars_t *v, const ua_t *ua, const struct sockaddr_in *to)
{
	char r[32], s[64];

	ua_randhex(r, 16);
	snprintf(s, sizeof s, "%s@%s", r, ua->ip);
	ua_var_set(v, "call_id", s);
	ua_new_branch(s, sizeof s);
	ua_var_set(v, "branch", s);
	ua_randhex(r, 10);
	ua_var_set(v, "from_tag", r);
	ua_var_set(v, "cseq", "1");
	ua_var_set(v, "user", "test");
	ua_var_set(v, "local_ip", ua->ip);
	ua_var_set(v, "local_port", ua->port);
	inet_ntop(AF_INET, &to->sin_addr, s, sizeof s);
	ua_var_set(v, "remote_ip", s);
	snprintf(s, sizeof s, "%u", ntohs(to->sin_port));
	ua_var_set(v, "remote_port", s);
}
