#ifndef VIGIL_CSNAPPY_H
#define VIGIL_CSNAPPY_H
// Snappy's C API (block format, as Prometheus remote write uses it; not the framed format).
#include <snappy-c.h>
#endif
