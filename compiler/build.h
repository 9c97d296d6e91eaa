/* build.h: standalone proxy binaries (`routec build`). */
#ifndef ROUTEC_BUILD_H
#define ROUTEC_BUILD_H

#include <stddef.h>
#include "diag.h"

/* Compile generated C (with its #include "routec.h") and link it with the
 * runtime into `output`, using the C compiler `cc`.  0, or -1 after
 * reporting.  `keep` leaves the temporary sources for inspection. */
int build_binary(const char *c_src, size_t len, const char *output, const char *cc, int keep,
                 diag_ctx *d);

#endif
