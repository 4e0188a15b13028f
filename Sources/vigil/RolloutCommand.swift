import ArgumentParser
import VigilRuntime

extension RolloutCLI.Verb: ExpressibleByArgument {}

/// `vigil rollout VERB [MODEL]`: release managers' commands over the agent's control API.
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "See and steer rollouts: list, status, start, promote, rollback, pause, resume.",
        discussion: """
            Reading needs a token with the viewer role, acting one with release-manager. Every action needs \
            --reason, which goes to the audit log; repeating an action that already holds is harmless and says so. \
            Exit status: 0 done (or already so), 1 refused or failed, 2 usage. See docs/rollouts.md.
            """)

    @Argument(help: "list, status, start, promote, rollback, pause or resume.") var verb: RolloutCLI.Verb
    @Argument(help: "The model whose rollout to show or steer.") var model: String?
    @Option(help: "Why (required for actions; recorded in the audit log).") var reason: String?
    @Option(help: "The agent's address.") var server = "http://127.0.0.1:9750"
    @Option(name: .customLong("token-file"), help: "A file holding the bearer token.") var tokenFile: String?
    @Option(name: .customLong("ca-file"), help: "CA certificate to verify an https server with.") var caFile: String?
    @Flag(help: "Print the API's JSON.") var json = false
    @Flag(help: "With status: the PromQL behind each metric of a controller-decided rollout and what it returned (ask the controller's --server).") var explain = false

    func run() async throws {
        let result = await RolloutCLI.run(.init(verb: verb, model: model, reason: reason, server: server,
                                                tokenFile: tokenFile, caFile: caFile, json: json, explain: explain))
        if !result.stdout.isEmpty { print(result.stdout, terminator: "") }
        if !result.stderr.isEmpty { VigilRuntime.writeStandardError(result.stderr) }
        if result.status != 0 { throw ExitCode(result.status) }
    }
}
