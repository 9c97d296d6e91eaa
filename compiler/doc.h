/* doc.h: documentation generated from the exports tables (docs/modules.md). */
#ifndef ROUTEC_DOC_H
#define ROUTEC_DOC_H

#include <stdio.h>

/* Writes docs/modules.md: every function routec runs, module by module, and
 * the modules the checker knows without running them. */
void doc_modules(FILE *out);

#endif
