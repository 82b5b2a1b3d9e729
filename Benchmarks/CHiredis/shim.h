// hiredis, the C client for Redis, from Debian's libhiredis-dev (installed by
// run-cluster-benchmark.sh). The benchmark's fastest Redis path.
#include <hiredis/hiredis.h>
