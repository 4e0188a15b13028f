// The C library's math functions are pure (no I/O, no state); VigilCore uses them for logarithms and roots.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Double {
    /// Natural logarithm (the C library's `log`).
    @inlinable
    public var evaluationLog: Double { log(self) }
}
