import Testing
import VigilHTTPClient
import VigilCore
@testable import VigilRuntime

struct RolloutConfigurationTests {
    @Test func aFullRolloutParses() throws {
        let yaml = """
        models: [{ name: fraud }]
        rollouts:
          - model: fraud
            champion: v3
            challenger: v4
            steps: [10, 50, 100]
            min_samples: 500
            min_step_duration: 5m
            alpha: 0.01
            auto: false
            salt: fraud-2026
            requests: logs
            guardrails:
              - { metric: error_rate, margin: 0.005 }
              - { metric: latency, quantile: 0.95 }
              - { metric: accuracy, margin: 0.01 }
              - { metric: drift, feature: amount, margin: 0.1 }
            primary: { metric: accuracy, min_effect: 0.02 }
        """
        let config = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
        let r = try #require(config.rollouts.first)
        #expect(r.model == "fraud" && r.champion == "v3" && r.challenger == "v4")
        #expect(r.steps == [10, 50, 100] && r.minSamples == 500 && r.minStepDurationMillis == 300_000)
        #expect(r.alpha == 0.01 && !r.automatic && r.salt == "fraud-2026" && r.requestSource == .logs)
        #expect(r.guardrails == [.init(metric: .errorRate, margin: 0.005), .init(metric: .latency(quantile: 0.95)),
                                 .init(metric: .quality(.accuracy), margin: 0.01), .init(metric: .drift(feature: "amount"), margin: 0.1)])
        #expect(r.primary == RolloutPrimary(metric: .quality(.accuracy), minimumEffect: 0.02))
    }

    @Test func defaults() throws {
        let config = try ConfigurationLoader.parse(yaml: "models: [{ name: m }]\nrollouts: [{ model: m, champion: a, challenger: b }]", file: "t.yaml")
        let r = try #require(config.rollouts.first)
        #expect(r.steps == [5, 10, 25, 50, 100] && r.alpha == 0.05 && r.automatic && r.salt == "m/b")
        #expect(r.guardrails == RolloutDefinition.defaultGuardrails && r.primary == nil && r.requestSource == .predictions)
    }

    @Test(arguments: [
        ("rollouts: [{ champion: a, challenger: b }]", "t.yaml:1:12: rollouts[0].model: is required"),
        ("rollouts: [{ model: x, champion: a, challenger: b }]", "rollouts[0].model: \"x\" is not under models:"),
        ("rollouts: [{ model: m, champion: a, challenger: a }]", "rollouts[0].challenger: must differ from the champion"),
        ("rollouts: [{ model: m, champion: a, challenger: b, steps: [10, 5] }]", "rollouts[0].steps[1]: steps must increase"),
        ("rollouts: [{ model: m, champion: a, challenger: b, steps: [10, x] }]", "rollouts[0].steps[1]: expected a percentage"),
        ("rollouts: [{ model: m, champion: a, challenger: b, guardrails: [{ metric: acuracy }] }]",
         "rollouts[0].guardrails[0].metric: must be one of error_rate, latency, accuracy, mae, estimated_accuracy, drift, got \"acuracy\"; did you mean \"accuracy\"?"),
        ("rollouts: [{ model: m, champion: a, challenger: b, guardrails: [{ metric: drift }] }]",
         "rollouts[0].guardrails[0].feature: is required for metric drift"),
        ("rollouts: [{ model: m, champion: a, challenger: b, guardrails: [{ metric: error_rate, quantile: 0.9 }] }]",
         "rollouts[0].guardrails[0].quantile: applies only to metric latency"),
        ("rollouts: [{ model: m, champion: a, challenger: b, primary: { metric: drift, feature: x } }]",
         "rollouts[0].primary.metric: drift cannot be a primary metric"),
        ("rollouts: [{ model: m, champion: a, challenger: b, alpha: 0.6 }]", "rollouts[0].alpha: must be between"),
        ("rollouts: [{ model: m, champion: a, challenger: b, requests: log }]",
         "rollouts[0].requests: must be one of predictions, logs, got \"log\"; did you mean \"logs\"?"),
        ("rollouts: [{ model: m, champion: a, challenger: b, canary: 5 }]", "rollouts[0].canary: unknown key"),
        ("rollouts: [{ model: m, champion: a, challenger: b }, { model: m, champion: a, challenger: c }]",
         "rollouts[1].model: a rollout for \"m\" is configured twice"),
    ])
    func errorsNameTheField(yaml: String, expected: String) {
        do {
            _ = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.contains(expected), "got: \(error.description)")
        }
    }
}

struct ActionConfigurationTests {
    @Test func actionsParse() throws {
        let yaml = """
        actions:
          alertmanager: { url: "http://127.0.0.1:9093/", resend_interval: 30s }
          webhooks:
            - { url: "https://deploy.example/hook", secret_file: hook.secret, timeout: 2s, max_attempts: 3 }
        """
        let config = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(config.actions.alertmanager?.url == "http://127.0.0.1:9093" && config.actions.alertmanager?.resendSeconds == 30)
        let hook = try #require(config.actions.webhooks.first)
        #expect(hook.url == "https://deploy.example/hook" && hook.secretFile == "hook.secret" && hook.timeoutSeconds == 2 && hook.maxAttempts == 3)
        #expect(try ConfigurationLoader.parse(yaml: "log: { level: info }", file: "t.yaml").actions == ActionSettings())
        let renamed = try ConfigurationLoader.parse(yaml: "fields: { model: ml_model, variant: arm }", file: "t.yaml")
        #expect(renamed.pipeline.fields.model == "ml_model" && renamed.pipeline.fields.variant == "arm")
    }

    @Test(arguments: [
        ("actions: { alertmanager: { resend_interval: 1m } }", "actions.alertmanager.url: is required"),
        ("actions: { alertmanager: { url: localhost:9093 } }", "actions.alertmanager.url: expected an http:// or https:// URL"),
        ("actions: { webhooks: [{ url: \"http://x/h\", max_attempts: 0 }] }", "actions.webhooks[0].max_attempts: must be between 1 and 100"),
        ("actions: { webhook: [] }", "actions.webhook: unknown key"),
    ])
    func errorsNameTheField(yaml: String, expected: String) {
        do {
            _ = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.contains(expected), "got: \(error.description)")
        }
    }
}

struct ControllerConfigurationTests {
    static let shared = "storage: { shared: { url: \"postgres://vigil@127.0.0.1:5432/vigil\" } }\nmodels: [{ name: m }]\n"

    @Test func controllerAndEvaluatorParse() throws {
        let yaml = Self.shared + """
        rollouts: [{ model: m, champion: a, challenger: b, evaluator: controller }]
        controller:
          prometheus:
            url: "https://prom.internal:9090/"
            username: vigil
            password_file: secrets/prom
            tls: { ca_file: ca.pem }
            timeout: 3s
          interval: 2s
          staleness: 20s
          lookback: 10m
        """
        let config = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(config.controllerEvaluated == ["m"])
        let c = try #require(config.controller)
        #expect(c.url == "https://prom.internal:9090")
        #expect(c.authentication == .basic(username: "vigil", password: .init(file: "secrets/prom")))
        #expect(c.tls.caFile == "ca.pem" && c.timeoutSeconds == 3 && c.intervalSeconds == 2)
        #expect(c.stalenessSeconds == 20 && c.lookbackSeconds == 600)
    }

    @Test func defaults() throws {
        let config = try ConfigurationLoader.parse(yaml: "controller: { prometheus: { url: \"http://p:9090\", bearer_token_file: t } }", file: "t.yaml")
        let c = try #require(config.controller)
        #expect(c.authentication == .bearer(.init(file: "t")))
        #expect(c.intervalSeconds == 5 && c.stalenessSeconds == 30 && c.lookbackSeconds == 300 && c.timeoutSeconds == 10)
        #expect(config.controllerEvaluated.isEmpty)
    }

    @Test(arguments: [
        ("controller: { interval: 5s }", "t.yaml:1:13: controller.prometheus: is required"),
        ("controller: { prometheus: { url: \"prom:9090\" } }", "t.yaml:1:34: controller.prometheus.url: expected an http:// or https:// URL"),
        ("controller: { prometheus: {} }", "controller.prometheus.url: is required"),
        ("controller: { prometheus: { url: \"http://p\", bearer_token_file: t, username: u } }",
         "controller.prometheus.bearer_token_file: use either bearer_token_file or username with password_file, not both"),
        ("controller: { prometheus: { url: \"http://p\", username: u } }", "controller.prometheus.username: needs password_file"),
        ("controller: { prometheus: { url: \"http://p\", password_file: p } }", "controller.prometheus.password_file: needs username"),
        ("controller: { prometheus: { url: \"http://p\", tls: { cert_file: c } } }", "t.yaml:1:64: controller.prometheus.tls.cert_file: cert_file and key_file go together"),
        ("controller: { prometheus: { url: \"http://p\" }, interval: 0s }", "controller.interval: must be between"),
        ("controller: { prometheus: { url: \"http://p\" }, staleness: soon }", "controller.staleness: expected a duration"),
        ("controller: { prometheus: { url: \"http://p\" }, stale: 5s }", "controller.stale: unknown key"),
        ("models: [{ name: m }]\nrollouts: [{ model: m, champion: a, challenger: b, evaluator: controller }]",
         "t.yaml:2:63: rollouts[0].evaluator: evaluator: controller needs storage.shared"),
        (shared + "rollouts: [{ model: m, champion: a, challenger: b, evaluator: boss }]",
         "rollouts[0].evaluator: must be one of agent, controller, got \"boss\""),
        (shared + "rollouts: [{ model: m, champion: a, challenger: b, evaluator: controller, guardrails: [{ metric: drift, feature: x }] }]",
         "rollouts[0].evaluator: evaluator: controller cannot read drift guardrails from Prometheus"),
    ])
    func errorsNameTheField(yaml: String, expected: String) {
        do {
            _ = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.contains(expected), "got: \(error.description)")
        }
    }
}
