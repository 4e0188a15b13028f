import Testing
@testable import VigilRuntime

/// `server.metrics.created_samples`: off by default, read as a boolean, wrong types and unknown keys
/// named with file, line, column and path.
struct MetricsConfigurationTests {
    @Test(arguments: [
        ("", false),
        ("server: { listen: \"127.0.0.1:9750\" }\n", false),
        ("server:\n  metrics: {}\n", false),
        ("server:\n  metrics:\n    created_samples: true\n", true),
        ("server:\n  metrics:\n    created_samples: false\n", false),
        ("server: { metrics: { created_samples: yes } }\n", true),
    ])
    func createdSamplesSwitch(yaml: String, expected: Bool) throws {
        let config = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(config.server.metrics.createdSamples == expected)
    }

    @Test func defaultIsOff() throws {
        #expect(try ConfigurationLoader.load(path: nil).server.metrics.createdSamples == false)
    }

    @Test(arguments: [
        ("server:\n  metrics:\n    created_samples: sometimes\n",
         "t.yaml:3:22: server.metrics.created_samples: expected true or false, got \"sometimes\""),
        ("server:\n  metrics:\n    created_samples: [true]\n",
         "t.yaml:3:22: server.metrics.created_samples: expected true or false"),
        ("server:\n  metrics:\n    created_sample: true\n",
         "t.yaml:3:5: server.metrics.created_sample: unknown key \"created_sample\"; did you mean \"created_samples\"?"),
        ("server:\n  metrics: true\n", "t.yaml:2:12: server.metrics: expected a mapping"),
    ])
    func wrongValuesAreNamed(yaml: String, expected: String) {
        do {
            _ = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
            Issue.record("expected an error containing: \(expected)")
        } catch {
            #expect(error.description.contains(expected), "got: \(error.description)")
        }
    }
}
