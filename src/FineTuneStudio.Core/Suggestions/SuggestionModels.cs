namespace FineTuneStudio.Core.Suggestions;

/// <summary>The suggestion an example has now, as the editor and the API show it.</summary>
public sealed record SuggestionView(int ExampleId, string Label, string Source, double? Confidence, DateTime CreatedAt);

/// <summary>One predicted label for one example, as read from a file, an eval run or an endpoint.</summary>
/// <param name="Line">The file line it came from; null when it did not come from a file.</param>
public sealed record Prediction(int ExampleId, string Label, double? Confidence, int? Line = null);

/// <summary>What an import of suggestions did. Each stored suggestion replaced the example's earlier one.</summary>
/// <param name="Stored">Suggestions stored (new or replacing).</param>
/// <param name="NotALabel">Outputs or answers that are none of the dataset's labels (dropped).</param>
/// <param name="Unmatched">Eval items no example of the dataset matches (runs only).</param>
/// <param name="Failed">Eval items without an output, or endpoint requests that failed.</param>
/// <param name="Cancelled">True when an endpoint batch was cancelled; what was answered before is kept.</param>
public sealed record SuggestionResult(int DatasetId, string Source, int Stored, int NotALabel = 0, int Unmatched = 0, int Failed = 0, bool Cancelled = false);

/// <summary>Asks a configured endpoint to suggest labels for the dataset's queue.</summary>
/// <param name="Endpoint">A name under Studio:Evaluation:Generation:Endpoints.</param>
/// <param name="Model">The model to ask; the endpoint's first listed model when empty.</param>
/// <param name="Limit">At most this many examples in this batch (null: the whole queue).</param>
public sealed record EndpointSuggestionRequest(string Endpoint, string? Model = null, int? Limit = null);

/// <summary>How far an endpoint batch is.</summary>
public sealed record SuggestionProgress(int Done, int Total, int NotALabel, int Failed);
