using System.Globalization;
using System.Text.Json;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>
/// The record file <c>oaieval</c> (OpenAI Evals) writes for a run: a <c>{"spec"}</c> line, one event per line
/// (<c>run_id</c>, <c>event_id</c>, <c>sample_id</c>, <c>type</c>, <c>data</c>) and a <c>{"final_report"}</c> line.
/// The model's answer is a <c>sampling</c> event. Its <c>sample_id</c> (<c>name.split.N</c>) ends in the sample's
/// place in the samples file counted from 0, so sample N is item N + 1 of a set imported from that file without ids.
/// </summary>
internal static class OaievalLog
{
    public const string Sampling = "sampling";

    /// <summary>"sampling" for a sampling event, "" for the other lines of the log, null for a line that is not oaieval's.</summary>
    public static string? Kind(JsonElement line)
    {
        if (line.TryGetProperty("run_id", out _) && line.TryGetProperty("sample_id", out _) && line.TryGetProperty("type", out var type))
        {
            return type.ValueKind == JsonValueKind.String && type.GetString() == Sampling ? Sampling : "";
        }

        using var properties = line.EnumerateObject();
        return properties.Take(2).Select(p => p.Name).ToList() is ["spec"] or ["final_report"] ? "" : null;
    }

    public static EvalOutputInput? Output(EvalFileParser.Row row, JsonElement line, EvalFileParser.ErrorList errors)
    {
        var sampleId = line.GetProperty("sample_id");
        var text = sampleId.ValueKind == JsonValueKind.String ? sampleId.GetString()! : "";
        if (!int.TryParse(text.AsSpan(text.LastIndexOf('.') + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index == int.MaxValue)
        {
            errors.Add("sample_id", $"The sample_id \"{EvalFileParser.Clip(text)}\" does not end in the sample's number, as oaieval writes it (\"name.split.3\").", row.Line);
            return null;
        }

        if (!line.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object || !data.TryGetProperty("sampled", out var sampled))
        {
            errors.Add("data.sampled", "The sampling event has no sampled answer.", row.Line);
            return null;
        }

        // Completion functions record a list of completions, one per sample drawn; the first is the answer.
        var answer = sampled.ValueKind switch
        {
            JsonValueKind.String => sampled.GetString(),
            JsonValueKind.Array when sampled.GetArrayLength() > 0 && sampled[0].ValueKind == JsonValueKind.String => sampled[0].GetString(),
            _ => null,
        };
        if (answer is null)
        {
            errors.Add("data.sampled", "The sampled answer must be a text or a list of texts.", row.Line);
            return null;
        }

        return new EvalOutputInput((index + 1).ToString(CultureInfo.InvariantCulture), answer, row.Line)
        {
            NumberedBy = $"oaieval's sample {index}", Asked = Question(data), AskedField = "data.prompt",
        };
    }

    /// <summary>What the sample asked: the prompt's text, or its last user turn's; null when it logged neither.</summary>
    private static string? Question(JsonElement data) => data.TryGetProperty("prompt", out var prompt) ? prompt.ValueKind switch
    {
        JsonValueKind.String => prompt.GetString(),
        JsonValueKind.Array => prompt.EnumerateArray().Where(IsUserText).Select(m => m.GetProperty("content").GetString()).LastOrDefault(),
        _ => null,
    } : null;

    private static bool IsUserText(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object
        && message.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String && role.GetString() == "user"
        && message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String;
}
