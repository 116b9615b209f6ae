using System.Text.Json;
using System.Text.Json.Nodes;

namespace FineTuneStudio.Bench;

/// <summary>The generated chat file rewritten as HH-RLHF transcripts and as Dolly instruction records, line for line.</summary>
internal static class ShapeFiles
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<(string Shape, string Path)> Write(string chatFile, string folder)
    {
        var hh = Path.Combine(folder, "hh-rlhf.jsonl");
        var dolly = Path.Combine(folder, "dolly.jsonl");
        using (var hhWriter = new StreamWriter(hh))
        using (var dollyWriter = new StreamWriter(dolly))
        {
            foreach (var line in File.ReadLines(chatFile))
            {
                var turns = JsonNode.Parse(line)!["messages"]!.AsArray()
                    .Where(m => m!["content"] is JsonValue && (string?)m["role"] is "user" or "assistant")
                    .Select(m => ((string)m!["role"]!, (string)m["content"]!)).ToList();
                if (turns.Count < 2 || turns[^1].Item1 != "assistant")
                {
                    continue;
                }

                var transcript = string.Concat(turns.Take(turns.Count - 1).Select(t => $"\n\n{(t.Item1 == "user" ? "Human" : "Assistant")}: {t.Item2}"));
                hhWriter.WriteLine(JsonSerializer.Serialize(new
                {
                    chosen = $"{transcript}\n\nAssistant: {turns[^1].Item2}",
                    rejected = $"{transcript}\n\nAssistant: I cannot help with that.",
                }, Relaxed));
                dollyWriter.WriteLine(JsonSerializer.Serialize(new
                {
                    instruction = turns[^2].Item2,
                    context = "",
                    response = turns[^1].Item2,
                    category = "classification",
                }, Relaxed));
            }
        }

        return [("openai-chat", chatFile), ("hh-rlhf", hh), ("dolly", dolly)];
    }
}
