/* reload_watch.c: `routec run --watch`: the files the last compile read,
 * stamped (modification time, size, inode), and one look at them to say
 * whether they changed and have settled.  The reload thread's own: no lock.
 *
 * Stamps by inode as well as time and size, so both an editor that renames
 * a new file into place and one that writes in place are seen.
 */
#include "reload_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void rl_stamp_take(rl_stamp *s)
{
	struct stat sb;
	s->ok = stat(s->path, &sb) == 0;
	if (s->ok) {
		s->mtime = sb.st_mtim;
		s->size = sb.st_size;
		s->ino = sb.st_ino;
		s->dev = sb.st_dev;
	}
}

static int stamp_same(const rl_stamp *a, const rl_stamp *b)
{
	if (a->ok != b->ok)
		return 0;
	return !a->ok || (a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	                  a->size == b->size && a->ino == b->ino && a->dev == b->dev);
}

void rl_stamps_free(rl_stamp *v, int n)
{
	for (int i = 0; v && i < n; i++)
		free(v[i].path);
	free(v);
}

rl_stamp *rl_stamps_copy(const rl_stamp *v, int n)
{
	rl_stamp *c = calloc((size_t)n + 1, sizeof *c);
	if (!c)
		abort();
	for (int i = 0; i < n; i++) {
		c[i] = v[i];
		c[i].path = rl_xstrdup(v[i].path);
	}
	return c;
}

/* The files a compile read become the watched set.  A file also in `before`
 * (stamped before the compile read it) keeps that stamp, so a change made
 * while compiling is still seen as a change; new files are stamped now. */
void rl_watch_set(char **files, int nfiles, const rl_stamp *before, int nbefore)
{
	rl_stamp *w = calloc((size_t)nfiles + 1, sizeof *w);
	if (!w)
		abort();
	for (int i = 0; i < nfiles; i++) {
		int j = 0;
		while (j < nbefore && strcmp(before[j].path, files[i]))
			j++;
		if (j < nbefore)
			w[i] = before[j];
		w[i].path = rl_xstrdup(files[i]);
		if (j == nbefore)
			rl_stamp_take(&w[i]);
	}
	rl_stamps_free(rl_st.watch, rl_st.nwatch);
	rl_stamps_free(rl_st.seen, rl_st.nwatch);
	rl_st.watch = w;
	rl_st.nwatch = nfiles;
	rl_st.seen = rl_stamps_copy(w, nfiles);
}

/* One look at the files: 1 when they changed since the last compile and
 * have stayed as they are since the previous look (an editor that writes
 * in several steps is done). */
int rl_watch_poll(void)
{
	int changed = 0, settled = 1;
	for (int i = 0; i < rl_st.nwatch; i++) {
		rl_stamp now = rl_st.seen[i];
		rl_stamp_take(&now);
		if (!stamp_same(&now, &rl_st.watch[i]))
			changed = 1;
		if (!stamp_same(&now, &rl_st.seen[i]))
			settled = 0;
		rl_st.seen[i] = now;
	}
	return changed && settled;
}
