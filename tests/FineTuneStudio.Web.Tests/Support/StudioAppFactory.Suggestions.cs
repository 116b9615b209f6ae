using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Suggestions;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Web.Tests.Support;

public partial class StudioAppFactory
{
    /// <summary>Suggests a label for an example as a predictions file from "model.jsonl" would.</summary>
    public Task<SuggestionResult> SuggestLabelAsync(int datasetId, int exampleId, string label) =>
        Services.GetRequiredService<LabelSuggestionService>().ImportAsync(datasetId, $$"""{"example_id": {{exampleId}}, "label": "{{label}}"}""", "model.jsonl", Actor.System, default);
}
