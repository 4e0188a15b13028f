#if canImport(Glibc)
import Glibc

@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// glibc malloc settings for the long-running commands (`vigil agent`, `vigil es drain`).
///
/// The data path handles buffers of up to about a megabyte (read chunks, bulk bodies, gzip output) on
/// several threads, often freed by another thread than the one that allocated them. With glibc's defaults
/// the mmap threshold rises to the largest size freed so far, such buffers then come from per-thread arenas
/// (up to 16 on two cores), and the arenas keep the freed space: peak RSS was ~10 MiB above the live heap
/// (heaptrack: 12 MiB live, 31 MiB anonymous). Here the mmap threshold stays at 1 MiB (the few larger buffers
/// are kept and reused: the spool's block pool and encoding buffer), a 1 MiB trim threshold gives arena tops
/// back, and two arenas keep less free space scattered (~3 MiB less peak RSS in the shipping benchmark, no
/// measurable CPU cost). Set at the start of the command; `MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`
/// and `MALLOC_ARENA_MAX` in the environment take precedence.
public enum AllocatorTuning {
    // <malloc.h> is not part of the Glibc module; these are its M_TRIM_THRESHOLD, M_MMAP_THRESHOLD and M_ARENA_MAX.
    private static let trimThreshold: Int32 = -1
    private static let mmapThreshold: Int32 = -3
    private static let arenaMax: Int32 = -8

    public static func apply(environment: [String: String]) {
        #if canImport(Glibc)
        if environment["MALLOC_MMAP_THRESHOLD_"] == nil { _ = glibcMallopt(mmapThreshold, 1 << 20) }
        if environment["MALLOC_TRIM_THRESHOLD_"] == nil { _ = glibcMallopt(trimThreshold, 1 << 20) }
        if environment["MALLOC_ARENA_MAX"] == nil { _ = glibcMallopt(arenaMax, 2) }
        #endif
    }
}
