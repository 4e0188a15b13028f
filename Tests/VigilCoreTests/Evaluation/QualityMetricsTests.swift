import Testing
@testable import VigilCore

@Suite struct QualityMetricsTests {
    @Test func rocAUCIsUndefinedForOneClass() {
        #expect(ProbabilisticMetrics.rocAUC(actual: [true, true], scores: [0.2, 0.9]) == nil)
    }

    @Test func rocAUCCountsTiesAsHalf() {
        #expect(ProbabilisticMetrics.rocAUC(actual: [false, true], scores: [0.5, 0.5]) == 0.5)
        #expect(ProbabilisticMetrics.rocAUC(actual: [false, true, true], scores: [0.1, 0.8, 0.4]) == 1.0)
    }

    @Test(arguments: [(0.0, 0), (0.05, 0), (0.1, 1), (0.95, 9), (1.0, 9)])
    func calibrationBins(score: Double, bin: Int) {
        #expect(ProbabilisticMetrics.calibrationBin(score, bins: 10) == bin)
    }

    @Test func confusionMatrixAddRemoveMerge() {
        var m = ConfusionMatrix()
        m.add(actual: "1", predicted: "0")
        m.add(actual: "1", predicted: "1", count: 3)
        m.remove(actual: "1", predicted: "1")
        #expect(m.count(actual: "1", predicted: "1") == 2)
        #expect(m.total == 3)
        var other = ConfusionMatrix(classes: ["2"])
        other.add(actual: "2", predicted: "1")
        m.merge(other)
        #expect(m.total == 4)
        #expect(m.predictedCount("1") == 3)
        #expect(m.actualCount("2") == 1)
        #expect(m.correct == 2)
    }

    @Test func slidingWindowByCountAndTime() {
        var w = SlidingWindow<Int>(capacity: 3, maxAgeMillis: 1000)
        #expect(w.append(1, at: 0).isEmpty)
        _ = w.append(2, at: 100)
        _ = w.append(3, at: 200)
        #expect(w.append(4, at: 300) == [1])
        #expect(w.elements == [2, 3, 4])
        #expect(w.evict(now: 1150) == [2])
        #expect(w.append(5, at: 1250) == [3])
        #expect(w.elements == [4, 5])
        for i in 0..<500 { _ = w.append(i, at: 2000) }
        #expect(w.elements == [497, 498, 499])
    }
}
