// CPU cost and ratio of the gzip libraries Vigil can use, on bulk bodies like the shipper's (see run.sh).
// Each request body (--chunk bytes, default 510,000 = 1,000 documents) is compressed as one gzip member.
#include <isa-l/igzip_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static size_t zlib_gzip(const unsigned char *in, size_t n, unsigned char *out, size_t cap, int level) {
    z_stream s;
    memset(&s, 0, sizeof s);
    deflateInit2(&s, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    s.next_in = (unsigned char *)in; s.avail_in = (uInt)n; s.next_out = out; s.avail_out = (uInt)cap;
    deflate(&s, Z_FINISH);
    size_t written = s.total_out;
    deflateEnd(&s);
    return written;
}

static size_t isal_gzip(const unsigned char *in, size_t n, unsigned char *out, size_t cap, int level) {
    static const unsigned sizes[] = {ISAL_DEF_LVL0_DEFAULT, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT};
    struct isal_zstream *s = calloc(1, sizeof *s);
    unsigned char *buffer = sizes[level] ? malloc(sizes[level]) : NULL;
    isal_deflate_init(s);
    s->gzip_flag = IGZIP_GZIP; s->level = level; s->level_buf = buffer; s->level_buf_size = sizes[level];
    s->end_of_stream = 1; s->flush = NO_FLUSH;
    s->next_in = (unsigned char *)in; s->avail_in = (unsigned)n; s->next_out = out; s->avail_out = (unsigned)cap;
    isal_deflate(s);
    size_t written = s->total_out;
    free(buffer);
    free(s);
    return written;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: gzbench FILE [CHUNK]\n"); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(n);
    if (fread(data, 1, n, f) != (size_t)n) { perror("read"); return 1; }
    long chunk = argc > 2 ? atol(argv[2]) : 510000;
    size_t cap = 2 * chunk + 4096;
    unsigned char *out = malloc(cap);
    struct { const char *name; int isal; int level; } runs[] = {
        {"zlib 1", 0, 1}, {"zlib 6", 0, 6}, {"isa-l 0", 1, 0}, {"isa-l 1", 1, 1}, {"isa-l 2", 1, 2}, {"isa-l 3", 1, 3},
    };
    printf("%-10s %10s %8s %22s\n", "library", "MB/s", "ratio", "CPU s per 500 MB input");
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        double t0 = cpu_seconds();
        size_t total = 0, in = 0;
        for (long off = 0; off + chunk <= n; off += chunk) {
            total += runs[r].isal ? isal_gzip(data + off, chunk, out, cap, runs[r].level)
                                  : zlib_gzip(data + off, chunk, out, cap, runs[r].level);
            in += chunk;
        }
        double t = cpu_seconds() - t0;
        printf("%-10s %10.1f %8.2f %22.2f\n", runs[r].name, in / t / 1e6, (double)in / total, t / in * 5e8);
    }
    return 0;
}
