// The C math library, wrapped once for the whole statistics and drift code.
//
// Why libm and not hand-written series: River and SciPy call the platform's `log`, `exp`, `pow`, `lgamma`…;
// using the very same functions makes the detectors' floating-point decisions bit-identical to River's
// (a threshold compared against `sqrt(x * log(1 / δ))` flips on one ulp). These functions are pure: no I/O,
// no clock, no global state that Vigil reads.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func cLog(_ x: Double) -> Double { log(x) }
@inline(__always) func cLog1p(_ x: Double) -> Double { log1p(x) }
@inline(__always) func cExp(_ x: Double) -> Double { exp(x) }
@inline(__always) func cExpm1(_ x: Double) -> Double { expm1(x) }
@inline(__always) func cPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
@inline(__always) func cLgamma(_ x: Double) -> Double { lgamma(x) }
@inline(__always) func cFloor(_ x: Double) -> Double { floor(x) }
@inline(__always) func cCeil(_ x: Double) -> Double { ceil(x) }
@inline(__always) func cLdexp(_ x: Double, _ e: Int) -> Double { scalbn(x, Int32(clamping: e)) }
@inline(__always) func cCos(_ x: Double) -> Double { cos(x) }
