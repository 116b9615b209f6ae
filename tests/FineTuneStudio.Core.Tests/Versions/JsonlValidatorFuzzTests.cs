using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Training;
using static FineTuneStudio.Core.Tests.Support.FuzzInputs;

namespace FineTuneStudio.Core.Tests.Versions;

/// <summary>
/// Hostile lines, generated deterministically, between valid ones: each must give an error on its own line number,
/// never an exception and never an error on a neighbour.
/// </summary>
public sealed class JsonlValidatorFuzzTests
{
    private const int Seed = 20261202;

    private static readonly TrainingTargetProfile Chat = TrainingTargets.OpenAiChatProfile with { MinimumExamples = 1 };

    private const string Valid =
        """{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi","name":"ann"},{"role":"assistant","content":"Hello","weight":1}]}""";

    private const string ValidWithTools =
        """{"messages":[{"role":"system","content":"Look orders up."},{"role":"user","content":"Where is 7?"},"""
        + """{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"id\":7}"}}]},"""
        + """{"role":"tool","content":"shipped","tool_call_id":"call_1"},{"role":"assistant","content":"It has shipped.","weight":1}]"""
        + ""","tools":[{"type":"function","function":{"name":"lookup","parameters":{}}}],"parallel_tool_calls":false}""";

    private static string ChatWith(string content) =>
        $$"""{"messages":[{"role":"user","content":"{{content}}"},{"role":"assistant","content":"ok"}]}""";

    /// <summary>Hostile lines by name, the same on every run.</summary>
    public static IReadOnlyDictionary<string, byte[]> Hostile { get; } = BuildHostile();

    private static Dictionary<string, byte[]> BuildHostile()
    {
        var deep = 10_000;
        var lines = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["lone high surrogate in content"] = Utf8(ChatWith(@"\ud800")),
            ["lone low surrogate in content"] = Utf8(ChatWith(@"before \udc00 after")),
            ["reversed surrogates in content"] = Utf8(ChatWith(@"\udc00\ud800")),
            ["lone surrogate in role"] = Utf8("""{"messages":[{"role":"\ud800","content":"x"},{"role":"assistant","content":"ok"}]}"""),
            ["lone surrogate in a key"] = Utf8("""{"\udbff":1,"messages":[{"role":"user","content":"x"},{"role":"assistant","content":"ok"}]}"""),
            ["lone surrogate in tool arguments"] = Utf8(ValidWithTools.Replace(@"{\""id\"":7}", @"\udc00")),
            ["lone surrogate in prompt"] = Utf8("""{"prompt":"\ud800","completion":"ok"}"""),
            ["lone surrogate in preference input"] = Utf8("""{"input":{"messages":[{"role":"user","content":"\udc00\ud800"}]},"preferred_output":[{"role":"assistant","content":"a"}],"non_preferred_output":[{"role":"assistant","content":"b"}]}"""),
            ["lone surrogate in chosen"] = Utf8("""{"prompt":[{"role":"user","content":"q"}],"chosen":[{"role":"assistant","content":"\ud834"}],"rejected":[{"role":"assistant","content":"b"}]}"""),
            ["invalid UTF-8 continuation"] = Concat(Utf8(ChatWith("caf")), [0xC3, 0x28]),
            ["invalid UTF-8 inside a string"] = Concat(Utf8("""{"messages":[{"role":"user","content":"a"""), [0xFF, 0xFE], Utf8("""b"},{"role":"assistant","content":"ok"}]}""")),
            ["overlong UTF-8"] = Concat(Utf8("""{"messages":[{"role":"user","content":"""), [(byte)'"', 0xC0, 0xAF, (byte)'"'], Utf8("""},{"role":"assistant","content":"ok"}]}""")),
            ["UTF-8 encoded surrogate"] = Concat(Utf8("""{"messages":[{"role":"user","content":"""), [(byte)'"', 0xED, 0xA0, 0x80, (byte)'"'], Utf8("""},{"role":"assistant","content":"ok"}]}""")),
            ["arrays nested 10,000 deep"] = Utf8(new string('[', deep) + new string(']', deep)),
            ["objects nested 10,000 deep"] = Utf8(string.Concat(Enumerable.Repeat("""{"a":""", deep)) + "1" + new string('}', deep)),
            ["messages nested 10,000 deep"] = Utf8("""{"messages":""" + new string('[', deep) + new string(']', deep) + "}"),
            ["unclosed nesting 10,000 deep"] = Utf8(new string('{', 1) + string.Concat(Enumerable.Repeat("""["a",""", deep))),
            ["byte order mark mid-file"] = Concat([0xEF, 0xBB, 0xBF], Utf8(Valid)),
            ["raw NUL in a string"] = Concat(Utf8("""{"messages":[{"role":"user","content":"a"""), [0x00], Utf8("""b"},{"role":"assistant","content":"ok"}]}""")),
            ["UTF-16 text"] = Encoding.Unicode.GetBytes(Valid),
            ["only NUL bytes"] = new byte[64],
            ["escaped NUL in role"] = Utf8("""{"messages":[{"role":"user\u0000","content":"x"},{"role":"assistant","content":"ok"}]}"""),
            ["10 MB line"] = Utf8(ChatWith(new string('a', 10 * 1024 * 1024))),
            ["weight 2"] = Utf8(Valid.Replace("\"weight\":1", "\"weight\":2")),
            ["weight -1"] = Utf8(Valid.Replace("\"weight\":1", "\"weight\":-1")),
            ["weight 1.5"] = Utf8(Valid.Replace("\"weight\":1", "\"weight\":1.5")),
            ["weight 1e400"] = Utf8(Valid.Replace("\"weight\":1", "\"weight\":1e400")),
            ["weight beyond Int64"] = Utf8(Valid.Replace("\"weight\":1", "\"weight\":99999999999999999999999")),
            ["weight -0 on the only answer"] = Utf8(Valid.Replace("\"weight\":1", "\"weight\":-0")),
            ["duplicate messages key"] = Utf8(Valid[..^1] + ",\"messages\":[]}"),
            ["duplicate role key"] = Utf8(Valid.Replace("{\"role\":\"user\",", "{\"role\":\"user\",\"role\":\"assistant\",")),
            ["duplicate key in a tool"] = Utf8(ValidWithTools.Replace("""{"name":"lookup","parameters":{}}""", """{"name":"lookup","name":"other","parameters":{}}""")),
            ["not JSON at all"] = Utf8("messages: hello"),
            ["truncated line"] = Utf8(Valid[..(Valid.Length / 2)]),
            ["a bare array"] = Utf8("[1,2,3]"),
            ["a bare string"] = Utf8("\"hello\""),
        };

        var random = new Random(Seed);
        foreach (var (name, line) in WrongTypes())
        {
            lines[name] = Utf8(line);
        }

        // Byte flips: only flips that make the line unreadable are kept, so each one must be reported.
        var sources = new[] { Utf8(Valid), Utf8(ValidWithTools) };
        var flips = 0;
        for (var attempt = 0; flips < 150 && attempt < 10_000; attempt++)
        {
            var bytes = (byte[])sources[attempt % 2].Clone();
            for (var n = random.Next(1, 4); n > 0; n--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            if (!bytes.Contains((byte)'\n') && !IsReadableJson(bytes))
            {
                lines[$"byte flip {++flips}"] = bytes;
            }
        }

        return lines;
    }

    /// <summary>Every field of the tool-calling line replaced by each JSON type it must not have.</summary>
    private static IEnumerable<(string Name, string Line)> WrongTypes()
    {
        JsonNode?[] wrong = [JsonValue.Create(7), JsonValue.Create("text"), JsonValue.Create(true), null, new JsonArray(), new JsonObject()];
        foreach (var path in Paths(ValidWithTools))
        {
            foreach (var value in wrong)
            {
                var root = JsonNode.Parse(ValidWithTools)!;
                var (parent, key) = Locate(root, path);
                var current = key is int i ? parent[i] : parent[(string)key];
                if (KindOf(current) == KindOf(value))
                {
                    continue;
                }

                var copy = value?.DeepClone();
                if (key is int index)
                {
                    parent[index] = copy;
                }
                else
                {
                    parent[(string)key] = copy;
                }

                yield return ($"{path} as {KindOf(value)}", root.ToJsonString());
            }
        }
    }

    private static (JsonNode Parent, object Key) Locate(JsonNode root, string path)
    {
        var parts = System.Text.RegularExpressions.Regex.Matches(path, @"[^.\[\]]+|\[\d+\]").Select(m => m.Value).ToList();
        var node = root;
        for (var i = 0; i < parts.Count - 1; i++)
        {
            node = parts[i].StartsWith('[') ? node[int.Parse(parts[i][1..^1])]! : node[parts[i]]!;
        }

        var last = parts[^1];
        return last.StartsWith('[') ? (node, int.Parse(last[1..^1])) : (node, last);
    }

    private static string KindOf(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "array",
        JsonObject => "object",
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            _ => "boolean",
        },
    };

    private static bool IsReadableJson(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowDuplicateProperties = false });
            return System.Text.Unicode.Utf8.IsValid(bytes) && !bytes.Contains((byte)0);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static TheoryData<string> HostileNames() => [.. Hostile.Keys];

    private static async Task<ValidationReport> ValidateAsync(TrainingTargetProfile target, params byte[][] lines)
    {
        using var stream = new MemoryStream(lines.SelectMany(l => l.Append((byte)'\n')).ToArray());
        return await new JsonlValidator(target, maxListedIssues: 100_000).ValidateAsync(stream);
    }

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task ValidateAsync_HostileLineBetweenValidOnes_ReportsItOnItsOwnLine(string name)
    {
        var report = await ValidateAsync(Chat, Utf8(Valid), Utf8(ValidWithTools), Hostile[name], Utf8(Valid));

        report.Errors.ShouldContain(e => e.Line == 3, $"{name}: {string.Join(" | ", report.Errors)}");
        report.Errors.Where(e => e.Line != 3).ShouldBeEmpty(name);
        report.LineCount.ShouldBe(4);
    }

    [Fact]
    public async Task ValidateAsync_EveryHostileLineForEveryTarget_ReportsEachOnItsLineWithoutThrowing()
    {
        var names = Hostile.Keys.Where(n => !n.StartsWith("10 MB", StringComparison.Ordinal)).ToList();
        foreach (var target in TrainingTargets.All)
        {
            var report = await ValidateAsync(target, [.. names.Select(n => Hostile[n])]);

            for (var i = 0; i < names.Count; i++)
            {
                // Weights and field types are rules of some targets only (hf-messages ignores weight); the rest breaks any target.
                if (!names[i].StartsWith("weight", StringComparison.Ordinal) && !names[i].Contains(" as ", StringComparison.Ordinal))
                {
                    report.Errors.ShouldContain(e => e.Line == i + 1, $"{target.Key}: {names[i]}");
                }
            }

            report.Errors.ShouldAllBe(e => e.Line == null || (e.Line >= 1 && e.Line <= names.Count));
        }
    }

    [Theory]
    [InlineData("lone high surrogate in content", "messages[0].content")]
    [InlineData("reversed surrogates in content", "messages[0].content")]
    [InlineData("lone surrogate in role", "messages[0].role")]
    [InlineData("lone surrogate in tool arguments", "messages[2].tool_calls[0].function.arguments")]
    public async Task ValidateAsync_LoneSurrogate_NamesTheField(string name, string field)
    {
        var report = await ValidateAsync(Chat, Hostile[name]);

        report.Errors.ShouldContain(e => e.Line == 1 && e.Field == field && e.Message.Contains("surrogate"));
    }

    [Theory]
    [InlineData("arrays nested 10,000 deep")]
    [InlineData("objects nested 10,000 deep")]
    [InlineData("messages nested 10,000 deep")]
    public async Task ValidateAsync_DeepNesting_SaysHowDeepIsAllowed(string name)
    {
        var report = await ValidateAsync(Chat, Hostile[name]);

        report.Errors.Where(e => e.Line != null).ShouldHaveSingleItem().Message.ShouldContain($"nested deeper than {JsonlValidator.MaxDepth} levels");
    }

    [Fact]
    public async Task ValidateAsync_DuplicateKey_NamesTheKeyAndWhere()
    {
        var report = await ValidateAsync(Chat, Hostile["duplicate role key"]);

        report.Errors.Where(e => e.Line != null).ShouldHaveSingleItem().Message.ShouldContain("the key 'role' twice in messages[1]");
    }

    [Fact]
    public async Task ValidateAsync_ByteOrderMarkOnALaterLine_SaysFilesWereJoined()
    {
        var report = await ValidateAsync(Chat, Utf8(Valid), Hostile["byte order mark mid-file"]);

        report.Errors.Where(e => e.Line != null).ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            e => e.Line.ShouldBe(2),
            e => e.Message.ShouldContain("byte order mark"));
    }

    [Fact]
    public async Task ValidateAsync_ChatFileAsPreference_SummarisesTheWholeFileProblemOnce()
    {
        var lines = Enumerable.Range(0, 3000).Select(_ => Utf8(Valid)).ToArray();

        var report = await ValidateAsync(TrainingTargets.HfPreferenceProfile, lines);

        report.Errors.Count.ShouldBeLessThan(10);
        report.ErrorCount.ShouldBe(report.Errors.Count);
        report.Errors.ShouldContain(e => e.Line == null && e.Field == "chosen" && e.Message == "Every line (3,000 of 3,000): Missing chosen.");
    }

    [Fact]
    public async Task ValidateAsync_ProblemOnAllButOneLine_StaysListedPerLine()
    {
        var lines = Enumerable.Range(0, 20).Select(i => Utf8(i == 7 ? ValidWithTools.Replace(",\"parallel_tool_calls\":false", "") : ValidWithTools.Replace("false", "1"))).ToArray();

        var report = await ValidateAsync(Chat, lines);

        report.ErrorCount.ShouldBe(19);
        report.Errors.ShouldAllBe(e => e.Line != null && e.Field == "parallel_tool_calls");
    }
}
