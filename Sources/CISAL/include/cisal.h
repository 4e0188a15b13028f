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

/// A gzip stream over igzip for output produced in pieces: one member per reset, its state kept on the heap.
typedef struct cisal_stream cisal_stream;

/// A stream at `level` (0...3), ready for a member; NULL when out of memory or the level is out of range.
cisal_stream *cisal_stream_create(int level);
/// Starts a new member (the level buffer is kept).
void cisal_stream_reset(cisal_stream *s);
void cisal_stream_destroy(cisal_stream *s);
/// Compresses `in` (`end` non-zero for the member's last input) into `out`. Returns the bytes written (igzip
/// stops when `out` is full; call again with the rest of the input and more room), -2 on an igzip error;
/// `*consumed` is the input taken.
long cisal_stream_deflate(cisal_stream *s, const uint8_t *in, uint32_t count, int end,
                          uint8_t *out, uint32_t capacity, uint32_t *consumed);
/// Non-zero once the member's trailer has been written.
int cisal_stream_finished(const cisal_stream *s);
#endif
