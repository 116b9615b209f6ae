using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Tests.Imports;
using Parquet.Schema;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Cli;

/// <summary>
/// A new user's own files, in the shapes public sets are published in, go in with <c>fts import</c> (format detected)
/// and come out with <c>fts export</c> as a validated version for every target that can carry them; every other
/// target refuses with one message, and where only a droppable feature is in the way, <c>--drop-unsupported</c>
/// cuts the version and its manifest says how many examples lost what.
/// </summary>
public sealed class BringYourOwnDataCliTests(BringYourOwnDataCliTests.ImportedSets sets) : IClassFixture<BringYourOwnDataCliTests.ImportedSets>
{
    public const int Records = 40;

    /// <summary>Every 4th record of the tool file has no tool definitions: 30 of 40 have them.</summary>
    public const int WithTools = 30;

    public enum Outcome
    {
        /// <summary>The target carries the set as it is.</summary>
        Cuts,
        /// <summary>The target cannot take the set's shape (no preference pairs for a preference target).</summary>
        Refuses,
        /// <summary>The target refuses a feature that <c>--drop-unsupported</c> may leave out.</summary>
        CutsWithDrop,
    }

    public static TheoryData<string, string, Outcome, string> Pairs()
    {
        var data = new TheoryData<string, string, Outcome, string>();
        // (set, target, outcome, the error's field or the dropped feature)
        data.Add("sharegpt-tools", "openai-chat", Outcome.Cuts, "");
        data.Add("sharegpt-tools", "openai-dpo", Outcome.Refuses, "preference_pairs");
        data.Add("sharegpt-tools", "hf-messages", Outcome.Cuts, "");
        data.Add("sharegpt-tools", "hf-prompt-completion", Outcome.CutsWithDrop, "tools");
        data.Add("sharegpt-tools", "hf-preference", Outcome.Refuses, "preference_pairs");
        data.Add("sharegpt-tools", "axolotl-chat", Outcome.Cuts, "");
        data.Add("sharegpt-preference", "openai-chat", Outcome.CutsWithDrop, "preference_pairs");
        data.Add("sharegpt-preference", "openai-dpo", Outcome.Cuts, "");
        data.Add("sharegpt-preference", "hf-messages", Outcome.CutsWithDrop, "preference_pairs");
        data.Add("sharegpt-preference", "hf-prompt-completion", Outcome.CutsWithDrop, "preference_pairs");
        data.Add("sharegpt-preference", "hf-preference", Outcome.Cuts, "");
        data.Add("sharegpt-preference", "axolotl-chat", Outcome.CutsWithDrop, "preference_pairs");
        foreach (var set in new[] { "parquet-messages", "parquet-classlabel", "label-studio" })
        {
            data.Add(set, "openai-chat", Outcome.Cuts, "");
            data.Add(set, "openai-dpo", Outcome.Refuses, "preference_pairs");
            data.Add(set, "hf-messages", Outcome.Cuts, "");
            data.Add(set, "hf-prompt-completion", Outcome.Cuts, "");
            data.Add(set, "hf-preference", Outcome.Refuses, "preference_pairs");
            data.Add(set, "axolotl-chat", Outcome.Cuts, "");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task Export_OwnDataToEveryTarget_CutsWhatFits_RefusesTheRestWithOneMessage(string set, string target, Outcome outcome, string feature)
    {
        var output = sets.OutFolder(set, target);

        var export = await Export(set, target, output);

        if (outcome == Outcome.Cuts)
        {
            export.ExitCode.ShouldBe(0, export.Error);
            LinesOf(output).Count.ShouldBe(Records);
            return;
        }

        export.ExitCode.ShouldBe(1);
        export.Output.ShouldBeEmpty();
        var error = export.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldHaveSingleItem();
        error.ShouldStartWith($"error: {feature}: ");
        error.ShouldContain(target);
        Directory.Exists(output).ShouldBeFalse();
        if (outcome == Outcome.Refuses)
        {
            error.ShouldContain("no preference pair");
            return;
        }

        error.ShouldContain("--drop-unsupported");
        var dropped = sets.OutFolder(set, target + "-dropped");
        var retry = await Export(set, target, dropped, "--drop-unsupported");
        retry.ExitCode.ShouldBe(0, retry.Error);
        LinesOf(dropped).Count.ShouldBe(Records);
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dropped, "manifest.json")));
        var lost = manifest.RootElement.GetProperty("dropped");
        lost.EnumerateObject().Select(p => p.Name).ShouldBe([feature]);
        lost.GetProperty(feature).GetInt32().ShouldBe(feature == "tools" ? WithTools : Records);
        manifest.RootElement.GetProperty("duplicates_after_drop").GetInt32().ShouldBe(0);
    }

    [Theory]
    [InlineData("openai-chat")]
    [InlineData("hf-messages")]
    [InlineData("axolotl-chat")]
    public async Task Export_ShareGptToolFile_KeepsToolDefinitionsCallsAndObservations(string target)
    {
        var output = sets.OutFolder("sharegpt-tools", target + "-tools");

        var export = await Export("sharegpt-tools", target, output);

        export.ExitCode.ShouldBe(0, export.Error);
        var lines = LinesOf(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var withTools = lines.Where(l => l.TryGetProperty("tools", out _)).ToList();
        withTools.Count.ShouldBe(WithTools);
        withTools.ShouldAllBe(l => l.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString()!.StartsWith("get_weather_", StringComparison.Ordinal));
        foreach (var line in lines)
        {
            var messages = line.GetProperty("messages").EnumerateArray().ToList();
            messages[0].GetProperty("role").GetString().ShouldBe("system");
            var call = messages.Single(m => m.TryGetProperty("tool_calls", out _)).GetProperty("tool_calls")[0];
            call.GetProperty("function").GetProperty("name").GetString().ShouldStartWith("get_weather_");
            JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement.GetProperty("city").GetString().ShouldNotBeNullOrEmpty();
            var observation = messages.Single(m => m.GetProperty("role").GetString() == "tool");
            observation.GetProperty("tool_call_id").GetString().ShouldBe(call.GetProperty("id").GetString());
            messages[^1].GetProperty("role").GetString().ShouldBe("assistant");
        }
    }

    [Fact]
    public async Task Export_ShareGptPreferenceToOpenAiDpo_KeepsBothCompletions()
    {
        var output = sets.OutFolder("sharegpt-preference", "openai-dpo-pairs");

        var export = await Export("sharegpt-preference", "openai-dpo", output);

        export.ExitCode.ShouldBe(0, export.Error);
        var line = LinesOf(output).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(l => l.GetProperty("input").GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("content").GetString() == "Name colour number 7."));
        line.GetProperty("preferred_output")[0].GetProperty("content").GetString().ShouldBe("Blue, shade 7.");
        line.GetProperty("non_preferred_output")[0].GetProperty("content").GetString().ShouldBe("Seven.");
    }

    [Theory]
    [InlineData("parquet-classlabel", "positive")]
    [InlineData("label-studio", "positive")]
    public async Task Export_LabelledSet_TrainsTheLabelOrTheAnnotatorsAnswer(string set, string someLabel)
    {
        var output = sets.OutFolder(set, "hf-messages-answers");

        var export = await Export(set, "hf-messages", output);

        export.ExitCode.ShouldBe(0, export.Error);
        var answers = LinesOf(output).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString()).ToList();
        answers.ShouldContain(someLabel);
        if (set == "label-studio")
        {
            // Tasks with a textarea answer keep it; the others learn their choice.
            answers.Count(a => a!.StartsWith("Sorry about order ", StringComparison.Ordinal)).ShouldBe(Records / 2);
        }
    }

    private Task<(int ExitCode, string Output, string Error)> Export(string set, string target, string output, params string[] extra) =>
        RunAsync(["export", "--db", sets.DbPath, "--project", "Own", "--dataset", set, "--target", target, "--out", output, "--validation", "0.1", .. extra]);

    private static List<string> LinesOf(string output)
    {
        var train = File.ReadAllLines(Path.Combine(output, "train.jsonl"));
        var validation = File.ReadAllLines(Path.Combine(output, "validation.jsonl"));
        validation.Length.ShouldBe(Records / 10);
        return [.. train, .. validation];
    }

    /// <summary>The five files, written once and imported into one database, one dataset each.</summary>
    public sealed class ImportedSets : IAsyncLifetime
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("fts-cli-byod-").FullName;
        private int _outputs;

        public string DbPath => Path.Combine(_folder, "studio.db");

        public string OutFolder(string set, string target) => Path.Combine(_folder, "out", $"{set}-{target}-{Interlocked.Increment(ref _outputs)}");

        public async Task InitializeAsync()
        {
            var files = new Dictionary<string, string>
            {
                ["sharegpt-tools"] = WriteText("tools.jsonl", ShareGptTools(), bom: true),
                ["sharegpt-preference"] = WriteText("preference.jsonl", ShareGptPreference(), bom: false),
                ["parquet-messages"] = await WriteParquetMessagesAsync(),
                ["parquet-classlabel"] = await WriteParquetClassLabelAsync(),
                ["label-studio"] = WriteText("export.json", LabelStudio(), bom: false),
            };
            foreach (var (set, file) in files)
            {
                var import = await RunAsync("import", file, "--db", DbPath, "--project", "Own", "--dataset", set, "--status", "approved");
                import.ExitCode.ShouldBe(0, $"{set}: {import.Error}");
                import.Output.ShouldContain($"imported {Records} examples");
            }
        }

        private string WriteText(string name, string text, bool bom)
        {
            var path = Path.Combine(_folder, name);
            File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: bom));
            return path;
        }

        /// <summary>
        /// LLaMA-Factory's tool-calling ShareGPT: a system turn, human / function_call / observation / gpt turns, a
        /// second question on every 5th record, <c>tools</c> as a JSON string; CRLF line ends.
        /// </summary>
        private static string ShareGptTools()
        {
            var text = new StringBuilder();
            for (var i = 0; i < Records; i++)
            {
                var tool = $"get_weather_{i % 3}";
                var call = JsonSerializer.Serialize(new { name = tool, arguments = new { city = $"City {i}" } });
                var turns = new List<object>
                {
                    new { from = "system", value = $"You are weather bot {i}." },
                    new { from = "human", value = $"Weather in City {i}?" },
                    new { from = "function_call", value = call },
                    new { from = "observation", value = $$"""{"temp": {{i}}}""" },
                    new { from = "gpt", value = $"{i} °C in City {i}." },
                };
                if (i % 5 == 0)
                {
                    turns.Add(new { from = "human", value = "Thanks!" });
                    turns.Add(new { from = "gpt", value = "You are welcome." });
                }

                var record = new Dictionary<string, object> { ["conversations"] = turns };
                if (i % 4 != 3)
                {
                    record["tools"] = JsonSerializer.Serialize(new[]
                    {
                        new { name = tool, description = "Weather for a city", parameters = new { type = "object", properties = new { city = new { type = "string" } }, required = new[] { "city" } } },
                    });
                }

                text.Append(JsonSerializer.Serialize(record)).Append("\r\n");
            }

            return text.ToString();
        }

        /// <summary>LLaMA-Factory's ranking data: the conversation as the prompt, chosen and rejected as turns or strings.</summary>
        private static string ShareGptPreference()
        {
            var text = new StringBuilder();
            for (var i = 0; i < Records; i++)
            {
                var conversation = new List<object> { new { from = "human", value = $"Name colour number {i}." } };
                if (i % 2 == 1)
                {
                    conversation.Insert(0, new { from = "system", value = "Answer briefly." });
                }

                object chosen = i % 3 == 0 ? $"Blue, shade {i}." : new { from = "gpt", value = $"Blue, shade {i}." };
                object rejected = i % 3 == 0 ? "Seven." : new { from = "gpt", value = "Seven." };
                text.Append(JsonSerializer.Serialize(new { conversations = conversation, chosen, rejected })).Append('\n');
            }

            return text.ToString();
        }

        /// <summary>A Label Studio JSON export: half the tasks answered in a textarea, every one labelled with a choice.</summary>
        private static string LabelStudio()
        {
            var tasks = new List<object>();
            for (var i = 0; i < Records; i++)
            {
                var result = new List<object>
                {
                    new { from_name = "sentiment", to_name = "text", type = "choices", value = new { choices = new[] { i % 2 == 0 ? "negative" : "positive" } } },
                };
                if (i % 2 == 0)
                {
                    result.Add(new { from_name = "reply", to_name = "text", type = "textarea", value = new { text = new[] { $"Sorry about order {i}." } } });
                }

                tasks.Add(new
                {
                    id = i + 1,
                    data = new { text = $"Order {i} was {(i % 2 == 0 ? "late again" : "right on time")}." },
                    annotations = new[] { new { id = 100 + i, result, was_cancelled = false, created_at = "2024-05-01T10:00:00.000000Z", completed_by = 3 } },
                    predictions = Array.Empty<object>(),
                    project = 7,
                });
            }

            return JsonSerializer.Serialize(tasks, new JsonSerializerOptions { WriteIndented = true });
        }

        private async Task<string> WriteParquetMessagesAsync()
        {
            var rows = Enumerable.Range(0, Records)
                .Select(i => i % 4 == 0
                    ? ParquetFixture.Conversation(("system", "Be brief."), ("user", $"{i}+1?"), ("assistant", $"{i + 1}"))
                    : ParquetFixture.Conversation(("user", $"{i}+2?"), ("assistant", $"{i + 2}"), ("user", "And doubled?"), ("assistant", $"{(i + 2) * 2}")))
                .ToList();
            await using var parquet = await ParquetFixture.WriteAsync(ParquetFixture.MessagesSchema, rows, rowGroupSize: 16);
            return await SaveAsync("train-00000-of-00001.parquet", parquet);
        }

        private async Task<string> WriteParquetClassLabelAsync()
        {
            var schema = new ParquetSchema(new DataField<string>("text"), new DataField<long>("label"));
            var rows = Enumerable.Range(0, Records).Select(i => ParquetFixture.Row(("text", $"Review {i}: {(i % 2 == 0 ? "dull" : "loved it")}"), ("label", (long)(i % 2)))).ToList();
            await using var parquet = await ParquetFixture.WriteAsync(schema, rows, metadata: new Dictionary<string, string> { ["huggingface"] = ParquetFixture.ClassLabelMetadata });
            return await SaveAsync("reviews-00000-of-00001.parquet", parquet);
        }

        private async Task<string> SaveAsync(string name, Stream content)
        {
            var path = Path.Combine(_folder, name);
            await using var file = File.Create(path);
            await content.CopyToAsync(file);
            return path;
        }

        public Task DisposeAsync()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_folder, recursive: true);
            return Task.CompletedTask;
        }
    }
}
