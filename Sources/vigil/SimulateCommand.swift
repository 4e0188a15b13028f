import ArgumentParser
import VigilRuntime

/// `vigil simulate`: the rollout engine on synthetic traffic, next to a fixed-threshold policy.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the rollout engine on seeded synthetic traffic many times, next to a Flagger-style fixed-threshold policy.",
        discussion: """
            Equal champion and challenger (the default) measure the false-rollback rate; a worse challenger \
            (--challenger-error-rate, --latency-factor, --challenger-accuracy) measures power and the samples and \
            time to a rollback. Both policies see the same traffic. See docs/rollouts.md.
            """)

    @Option(help: "Simulated rollouts.") var runs = 200
    @Option(help: "Seed of the traffic generator.") var seed: UInt64 = 1
    @Option(name: .customLong("requests-per-step"), help: "Requests per traffic step, both variants together.")
    var requestsPerStep = 1_000
    @Option(name: .customLong("evaluations-per-step"), help: "Evaluations per step (use --requests-per-step to look after every request).")
    var evaluationsPerStep = 5
    @Option(name: .customLong("max-steps"), help: "Give up after this many step durations.") var maxSteps = 40
    @Option(help: "Challenger traffic per step in percent, comma-separated.") var steps = "5,10,25,50,100"
    @Option(name: .customLong("min-samples"), help: "Requests per variant before any decision and per step.") var minSamples = 200
    @Option(help: "False-decision rate of the sequential tests.") var alpha = 0.05
    @Option(name: .customLong("champion-error-rate")) var championErrorRate = 0.01
    @Option(name: .customLong("challenger-error-rate"), help: "Default: the champion's.") var challengerErrorRate: Double?
    @Option(name: .customLong("latency-factor"), help: "The challenger's latency is the champion's times this.") var latencyFactor = 1.0
    @Option(name: .customLong("champion-accuracy"), help: "Simulate labels with this accuracy for the champion.") var championAccuracy: Double?
    @Option(name: .customLong("challenger-accuracy"), help: "Default: the champion's.") var challengerAccuracy: Double?
    @Option(name: .customLong("label-delay"), help: "Labels arrive this many evaluations after their predictions.") var labelDelay = 0
    @Flag(name: .customLong("primary-accuracy"), help: "Promote only once accuracy shows an improvement.") var primaryAccuracy = false
    @Option(name: .customLong("fixed-max-error-rate"), help: "Fixed policy: highest error rate per interval.") var fixedMaxErrorRate = 0.01
    @Option(name: .customLong("fixed-max-p99"), help: "Fixed policy: highest p99 latency per interval, seconds.") var fixedMaxP99 = 0.25
    @Option(name: .customLong("fixed-min-accuracy"), help: "Fixed policy: lowest accuracy per interval.") var fixedMinAccuracy: Double?
    @Option(name: .customLong("fixed-failure-limit"), help: "Fixed policy: failed checks before a rollback.") var fixedFailureLimit = 5
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        var o = Simulate.Options()
        o.runs = runs
        o.seed = seed
        o.requestsPerStep = requestsPerStep
        o.intervalsPerStep = evaluationsPerStep
        o.maxSteps = maxSteps
        o.minSamples = minSamples
        o.alpha = alpha
        o.championErrorRate = championErrorRate
        o.challengerErrorRate = challengerErrorRate
        o.latencyFactor = latencyFactor
        o.championAccuracy = championAccuracy
        o.challengerAccuracy = challengerAccuracy
        o.labelDelayIntervals = labelDelay
        o.primaryAccuracy = primaryAccuracy
        o.fixedMaxErrorRate = fixedMaxErrorRate
        o.fixedMaxLatencyP99Seconds = fixedMaxP99
        o.fixedMinAccuracy = fixedMinAccuracy
        o.fixedFailureLimit = fixedFailureLimit
        do {
            o.steps = try steps.split(separator: ",").map { part in
                guard let v = Double(String(part).filter { $0 != " " }) else {
                    throw Simulate.Failure(description: "--steps: \"\(part)\" is not a number")
                }
                return v
            }
            let report = try Simulate.run(o)
            print(json ? report.json : report.text, terminator: json ? "\n" : "")
        } catch let failure as Simulate.Failure {
            throw ValidationError(failure.description)
        }
    }
}
