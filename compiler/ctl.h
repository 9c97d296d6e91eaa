/* ctl.h: `routec ctl`, the JSON-RPC client of the control interface
 * (docs/control.md).  argv[0] is "ctl".  Returns the exit status: 0 the
 * method answered a result (printed on stdout), 1 it answered an error
 * (printed on stderr, diagnostics as text), 2 usage, or the proxy could not
 * be reached or did not answer in time. */
#ifndef ROUTEC_CTL_H
#define ROUTEC_CTL_H

int ctl_main(int argc, char **argv);

#endif
