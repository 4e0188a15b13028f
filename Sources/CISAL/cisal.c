// A thin wrapper over ISA-L's igzip (Debian libisal-dev): the stream state is ~80 KiB and each level needs
// its own buffer, so both live on the heap here rather than in Swift.
#include "cisal.h"
#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>

static uint32_t level_buffer_size(int level) {
    switch (level) {
    case 1: return ISAL_DEF_LVL1_DEFAULT;
    case 2: return ISAL_DEF_LVL2_DEFAULT;
    case 3: return ISAL_DEF_LVL3_DEFAULT;
    default: return ISAL_DEF_LVL0_DEFAULT;
    }
}

int cisal_max_level(void) { return ISAL_DEF_MAX_LEVEL; }

long cisal_gzip_compress(const uint8_t *in, size_t count, uint8_t *out, size_t capacity, int level) {
    if (level < 0 || level > ISAL_DEF_MAX_LEVEL) return -2;
    // Zeroed: isal_deflate_init leaves parts of the state as they were (a reused, dirty block crashed it).
    struct isal_zstream *s = calloc(1, sizeof *s);
    if (!s) return -2;
    uint32_t size = level_buffer_size(level);
    uint8_t *level_buffer = size ? malloc(size) : NULL;
    if (size && !level_buffer) { free(s); return -2; }
    isal_deflate_init(s);
    s->gzip_flag = IGZIP_GZIP;
    s->level = (uint32_t)level;
    s->level_buf = level_buffer;
    s->level_buf_size = size;
    s->flush = NO_FLUSH;
    long result = -2;
    size_t fed = 0;
    // avail_in/avail_out are 32-bit: feed and drain in pieces of at most 1 GiB.
    const size_t piece = (size_t)1 << 30;
    s->next_out = out;
    s->avail_out = (uint32_t)(capacity < piece ? capacity : piece);
    size_t out_left = capacity - s->avail_out;
    for (;;) {
        if (s->avail_in == 0 && fed < count) {
            size_t n = count - fed < piece ? count - fed : piece;
            s->next_in = (uint8_t *)(in + fed);
            s->avail_in = (uint32_t)n;
            fed += n;
        }
        s->end_of_stream = fed == count;
        if (isal_deflate(s) != COMP_OK) break;
        if (s->internal_state.state == ZSTATE_END) { result = (long)(s->next_out - out); break; }
        if (s->avail_out == 0) {
            if (out_left == 0) { result = -1; break; }
            size_t n = out_left < piece ? out_left : piece;
            s->avail_out = (uint32_t)n;
            out_left -= n;
        }
    }
    free(level_buffer);
    free(s);
    return result;
}

struct cisal_stream {
    struct isal_zstream z;
    uint8_t *level_buffer;
    uint32_t level_buffer_size;
    int level;
};

cisal_stream *cisal_stream_create(int level) {
    if (level < 0 || level > ISAL_DEF_MAX_LEVEL) return NULL;
    cisal_stream *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->level = level;
    s->level_buffer_size = level_buffer_size(level);
    if (s->level_buffer_size) {
        s->level_buffer = malloc(s->level_buffer_size);
        if (!s->level_buffer) { free(s); return NULL; }
    }
    cisal_stream_reset(s);
    return s;
}

void cisal_stream_reset(cisal_stream *s) {
    // isal_deflate_init does not clear everything (see cisal_gzip_compress): start from zeroes each member.
    memset(&s->z, 0, sizeof s->z);
    isal_deflate_init(&s->z);
    s->z.gzip_flag = IGZIP_GZIP;
    s->z.level = (uint32_t)s->level;
    s->z.level_buf = s->level_buffer;
    s->z.level_buf_size = s->level_buffer_size;
    s->z.flush = NO_FLUSH;
}

void cisal_stream_destroy(cisal_stream *s) {
    if (!s) return;
    free(s->level_buffer);
    free(s);
}

long cisal_stream_deflate(cisal_stream *s, const uint8_t *in, uint32_t count, int end,
                          uint8_t *out, uint32_t capacity, uint32_t *consumed) {
    s->z.next_in = (uint8_t *)in;
    s->z.avail_in = count;
    s->z.next_out = out;
    s->z.avail_out = capacity;
    s->z.end_of_stream = end ? 1 : 0;
    int status = isal_deflate(&s->z);
    *consumed = count - s->z.avail_in;
    if (status != COMP_OK) return -2;
    long written = (long)(capacity - s->z.avail_out);
    return written;
}

int cisal_stream_finished(const cisal_stream *s) { return s->z.internal_state.state == ZSTATE_END; }
