using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Unicode;
using FineTuneStudio.Core.Training;
using FineTuneStudio.Core.Versions;

namespace FineTuneStudio.Bench;

/// <summary>
/// Where validation's time goes, on one core: each phase of what the validator does to a line, timed by itself over the
/// whole train file (lines read once into memory first, so the reading is not counted). `step validate-profile FOLDER`.
/// </summary>
internal static class ValidationProfile
{
    public static async Task<string> RunAsync(string file)
    {
        var lines = new List<byte[]>();
        foreach (var line in File.ReadLines(file))
        {
            lines.Add(System.Text.Encoding.UTF8.GetBytes(line));
        }

        var tokens = TokenCounter.O200k;
        var strings = new List<string>();
        foreach (var line in lines)
        {
            using var document = JsonDocument.Parse(line);
            foreach (var message in document.RootElement.GetProperty("messages").EnumerateArray())
            {
                foreach (var property in message.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.String)
                    {
                        strings.Add(property.Value.GetString()!);
                    }
                }
            }
        }

        var phases = new List<(string Name, double Seconds)>
        {
            ("UTF-8 check", Time(() => lines.Count(l => Utf8.IsValid(l)))),
            ("SHA-256 per line", Time(() => lines.Sum(l => (long)SHA256.HashData(l)[0]))),
            ("JSON parse", Time(() => lines.Sum(l => { using var d = JsonDocument.Parse(l); return (long)d.RootElement.ValueKind; }))),
            ($"tokens of {strings.Count:N0} strings (CountTokens)", Time(() => strings.Sum(s => (long)tokens.Count(s)))),
            ("the same on both cores", Time(() => strings.AsParallel().Sum(s => (long)tokens.Count(s)))),
            ("the same, one tokenizer per thread", TimePerThread(strings)),
            ("tokens per line (parse + CountMessages)", Time(() => lines.Sum(l => { using var d = JsonDocument.Parse(l); return (long)tokens.CountMessages(d.RootElement.GetProperty("messages")); }))),
        };
        var validator = new JsonlValidator(TrainingTargets.OpenAiChatProfile);
        await using (var stream = File.OpenRead(file))
        {
            var watch = Stopwatch.StartNew();
            await validator.ValidateAsync(stream);
            phases.Add(("the whole validator (both cores, file read)", watch.Elapsed.TotalSeconds));
        }

        return string.Join("; ", phases.Select(p => $"{p.Name} {p.Seconds:0.00} s"));
    }

    private static double Time(Func<long> phase)
    {
        phase(); // warm: the tokenizer's cache and the JIT, as in a running server
        var watch = Stopwatch.StartNew();
        GC.KeepAlive(phase());
        return watch.Elapsed.TotalSeconds;
    }

    private static double TimePerThread(List<string> strings)
    {
        var watch = Stopwatch.StartNew();
        var second = Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForEncoding("o200k_base");
        Console.Error.WriteLine($"second tokenizer built in {watch.Elapsed.TotalMilliseconds:0} ms");
        var local = new ThreadLocal<Microsoft.ML.Tokenizers.Tokenizer>(() => Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForEncoding("o200k_base"));
        long Run() => strings.AsParallel().Sum(s => (long)local.Value!.CountTokens(s));
        Run();
        watch.Restart();
        GC.KeepAlive(Run());
        GC.KeepAlive(second);
        return watch.Elapsed.TotalSeconds;
    }
}
