/* replay_main.c: runs saved fuzzer inputs through the libFuzzer harness
 * (fuzz_front.c) without libFuzzer, for `make test` (tests/fuzz/replay.sh).
 * Usage: replay FILE...   Each file is read whole and parsed once; a crash,
 * a sanitizer report or a leak (when built with ASan) fails the run. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int read_all(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		uint8_t *nb = realloc(buf, cap *= 2);
		if (!nb)
			free(buf);
		buf = nb;
	}
	int bad = !buf || ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return -1;
	}
	*data = buf;
	*len = n;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	/* Like libFuzzer: the paths are made absolute, then the harness moves
	 * into its empty directory. */
	LLVMFuzzerInitialize(&argc, &argv);
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		uint8_t *data;
		size_t len;
		if (read_all(argv[i], &data, &len) < 0) {
			fprintf(stderr, "replay: cannot read '%s': %s\n", argv[i], strerror(errno));
			rc = 2;
			continue;
		}
		LLVMFuzzerTestOneInput(data, len);
		free(data);
	}
	return rc;
}
