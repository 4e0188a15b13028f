import ArgumentParser
import VigilRuntime

/// The column options shared by `vigil evaluate` and `vigil profile build`: which columns are the label,
/// prediction, score and segment, and which are not features.
struct ColumnRoleOptions: ParsableArguments {
    @Option(name: .customLong("label-column"), help: "Column with the true label.")
    var labelColumn: String?

    @Option(name: .customLong("prediction-column"), help: "Column with the predicted class or value.")
    var predictionColumn: String?

    @Option(name: .customLong("score-column"), help: "Column with the positive-class probability (binary).")
    var scoreColumn: String?

    @Option(name: .customLong("segment-column"), help: "Column whose values define slices (not a feature).")
    var segmentColumn: String?

    @Option(name: .customLong("ignore-column"), help: "A column that is not a feature (id, timestamp); repeatable.")
    var ignoreColumns: [String] = []

    @Option(name: .customLong("positive-class"), help: "The positive class of a binary classifier.")
    var positiveClass = "1"

    var roles: DatasetRoles {
        DatasetRoles(labelColumn: labelColumn, predictionColumn: predictionColumn, scoreColumn: scoreColumn,
                     segmentColumn: segmentColumn, ignoredColumns: ignoreColumns, positiveClass: positiveClass)
    }
}
