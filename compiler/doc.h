/* doc.h: documentation generated from the exports tables (docs/modules.md). */
#ifndef ROUTEC_DOC_H
#define ROUTEC_DOC_H

#include <stdio.h>

/* Writes docs/modules.md: every function of the modules routec runs, module
 * by module, marking those the runtime does not implement yet (the driver
 * passes the runtime's registry as `implemented`), and the modules the
 * checker knows without running them. */
void doc_modules(FILE *out, int (*implemented)(const char *csym));

#endif
