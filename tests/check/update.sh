#!/bin/sh
# tests/check/update.sh [NN]: regenerate the goldens (.expect, .ast) of every
# case, or of the cases NN_*.  `make check-update [T=NN]` runs this.  Read
# every regenerated file before committing it: a golden that records a wrong
# behaviour is worse than none.
exec sh "$(dirname "$0")/run.sh" --update "$@"
