#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VigilCore

/// The standard Prometheus process metrics (as client_golang's process collector defines them on Linux) and
/// `vigil_build_info`.
///
/// | metric | type | source |
/// | --- | --- | --- |
/// | `process_cpu_seconds_total` | counter | `/proc/self/stat` utime + stime, divided by `CLK_TCK` |
/// | `process_resident_memory_bytes` | gauge | `/proc/self/stat` rss × page size |
/// | `process_virtual_memory_bytes` | gauge | `/proc/self/stat` vsize |
/// | `process_open_fds` | gauge | entries of `/proc/self/fd` (minus the one used to list it) |
/// | `process_max_fds` | gauge | soft `Max open files` of `/proc/self/limits` |
/// | `process_start_time_seconds` | gauge | `btime` of `/proc/stat` + starttime / `CLK_TCK` |
/// | `vigil_build_info{version,revision}` | gauge | always 1 |
///
/// The values are refreshed by a registry collector at every render. Elsewhere than Linux only
/// `vigil_build_info` is exposed.
/// ```swift
/// ProcessMetrics.register(in: registry, version: VigilVersion.version, revision: "abc1234")
/// ```
public enum ProcessMetrics {
    public static func register(in registry: MetricRegistry, version: String, revision: String) {
        registry.gauge("vigil_build_info", help: "Build information about the running vigil binary; the value is 1.",
                       labelNames: ["version", "revision"])
            .labels(version, revision).set(1)
        #if os(Linux)
        let cpu = registry.counter("process_cpu_seconds_total",
                                   help: "Total user and system CPU time spent in seconds.").labels()
        let resident = registry.gauge("process_resident_memory_bytes", help: "Resident memory size in bytes.").labels()
        let virtual = registry.gauge("process_virtual_memory_bytes", help: "Virtual memory size in bytes.").labels()
        let openFDs = registry.gauge("process_open_fds", help: "Number of open file descriptors.").labels()
        let maxFDs = registry.gauge("process_max_fds", help: "Maximum number of open file descriptors.").labels()
        let startTime = registry.gauge("process_start_time_seconds",
                                       help: "Start time of the process since unix epoch in seconds.").labels()

        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        let boot = bootTime()
        if let stat = readStat(), let boot, ticks > 0 {
            startTime.set(boot + stat.startTicks / ticks)
        }
        registry.addCollector {
            if let stat = readStat() {
                if ticks > 0 { cpu.set(total: (stat.userTicks + stat.systemTicks) / ticks) }
                resident.set(stat.residentPages * pageSize)
                virtual.set(stat.virtualBytes)
            }
            if let open = countOpenFileDescriptors() { openFDs.set(Double(open)) }
            if let limit = maxOpenFiles() { maxFDs.set(limit) }
        }
        #endif
    }

    struct Stat: Equatable {
        var userTicks: Double
        var systemTicks: Double
        var startTicks: Double
        var virtualBytes: Double
        var residentPages: Double
    }

    /// Parses `/proc/<pid>/stat`. The command name (field 2) is in parentheses and may itself contain spaces
    /// and parentheses, so fields are counted from the last `)`.
    static func parseStat(_ text: String) -> Stat? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state); field N is fields[N - 3].
        guard fields.count > 21,
              let utime = Double(fields[11]), let stime = Double(fields[12]),
              let start = Double(fields[19]), let vsize = Double(fields[20]), let rss = Double(fields[21])
        else { return nil }
        return Stat(userTicks: utime, systemTicks: stime, startTicks: start, virtualBytes: vsize, residentPages: rss)
    }

    /// `btime` (boot time, unix seconds) from `/proc/stat`.
    static func parseBootTime(_ text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).drop(while: { $0 == " " }))
        }
        return nil
    }

    /// The soft limit of `Max open files` in `/proc/<pid>/limits` (`unlimited` → +Inf).
    static func parseMaxOpenFiles(_ text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix("Max open files") {
            let columns = line.dropFirst("Max open files".count).split(separator: " ", omittingEmptySubsequences: true)
            guard let soft = columns.first else { return nil }
            return soft == "unlimited" ? .infinity : Double(soft)
        }
        return nil
    }

    #if os(Linux)
    private static func readStat() -> Stat? {
        readFile("/proc/self/stat").flatMap(parseStat)
    }

    private static func bootTime() -> Double? {
        readFile("/proc/stat").flatMap(parseBootTime)
    }

    private static func maxOpenFiles() -> Double? {
        readFile("/proc/self/limits").flatMap(parseMaxOpenFiles)
    }

    private static func countOpenFileDescriptors() -> Int? {
        guard let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDot { count += 1 }
        }
        // One of the entries is the descriptor opendir holds while we list.
        return max(count - 1, 0)
    }

    /// Reads a small procfs file whole (procfs reports size 0, so read until EOF).
    private static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
    #endif
}
