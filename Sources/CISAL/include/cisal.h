#ifndef VIGIL_CISAL_H
#define VIGIL_CISAL_H
#include <stddef.h>
#include <stdint.h>

/// One gzip member (RFC 1952) of `in` written to `out` by ISA-L's igzip at `level` (0...3).
/// Returns the bytes written; -1 when `capacity` is too small (call again with more); -2 when a level
/// buffer cannot be allocated or igzip reports an error.
long cisal_gzip_compress(const uint8_t *in, size_t count, uint8_t *out, size_t capacity, int level);

/// igzip's highest level.
int cisal_max_level(void);
#endif
