#ifndef VIGIL_CZLIB_H
#define VIGIL_CZLIB_H
#include <zlib.h>

/// deflateInit2 is a macro in zlib.h, which Swift cannot import; these wrappers call the real functions.
/// windowBits 31 = 15 + 16 selects the gzip wrapper.
static inline int czlib_deflate_init_gzip(z_streamp strm, int level) {
    return deflateInit2_(strm, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, (int)sizeof(z_stream));
}

/// windowBits: 31 = gzip only, 47 = 15 + 32 = detect zlib or gzip header.
static inline int czlib_inflate_init(z_streamp strm, int windowBits) {
    return inflateInit2_(strm, windowBits, ZLIB_VERSION, (int)sizeof(z_stream));
}
#endif
