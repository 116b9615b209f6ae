using System.Text.Json;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>Latency and token figures of a run, over the items that have them (imported runs have none).</summary>
public sealed record RunUsage(int Items, int Failed, int Timed, double? MeanLatencyMs, int? MedianLatencyMs, int? MaxLatencyMs, long PromptTokens, long CompletionTokens)
{
    public static RunUsage From(IReadOnlyList<EvalResultView> results)
    {
        var latencies = results.Where(r => r.LatencyMs is not null).Select(r => r.LatencyMs!.Value).Order().ToList();
        int? median = latencies.Count == 0 ? null
            : latencies.Count % 2 == 1 ? latencies[latencies.Count / 2]
            : (int)Math.Round((latencies[latencies.Count / 2 - 1] + latencies[latencies.Count / 2]) / 2.0, MidpointRounding.AwayFromZero);
        return new RunUsage(
            results.Count,
            results.Count(r => r.Failed),
            latencies.Count,
            latencies.Count == 0 ? null : Math.Round(latencies.Average(), 1),
            median,
            latencies.Count == 0 ? null : latencies[^1],
            results.Sum(r => (long)(r.PromptTokens ?? 0)),
            results.Sum(r => (long)(r.CompletionTokens ?? 0)));
    }
}

/// <summary>One turn of an eval item's input, for display.</summary>
public sealed record EvalInputTurn(string Role, string Content)
{
    /// <summary>Reads an item's stored <c>[{role, content}]</c>; anything unreadable is shown as one user turn.</summary>
    public static IReadOnlyList<EvalInputTurn> Parse(string inputJson)
    {
        try
        {
            using var document = JsonDocument.Parse(inputJson);
            if (document.RootElement.ValueKind == JsonValueKind.Array)
            {
                return document.RootElement.EnumerateArray()
                    .Select(m => new EvalInputTurn(
                        m.TryGetProperty("role", out var role) ? role.GetString() ?? "user" : "user",
                        m.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String ? content.GetString()! : content.ToString()))
                    .ToList();
            }
        }
        catch (JsonException)
        {
            // Fall through: show the raw text.
        }

        return [new EvalInputTurn("user", inputJson)];
    }
}
