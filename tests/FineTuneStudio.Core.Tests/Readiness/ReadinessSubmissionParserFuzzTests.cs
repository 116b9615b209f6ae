using System.Text.Json;
using System.Text.Json.Nodes;
using FineTuneStudio.Core.Readiness;
using FineTuneStudio.Core.Training;
using static FineTuneStudio.Core.Tests.Support.FuzzInputs;
using Q = FineTuneStudio.Core.Readiness.ReadinessQuestionIds;

namespace FineTuneStudio.Core.Tests.Readiness;

/// <summary>
/// Hostile questionnaire submissions generated from a fixed seed, taken the CLI's way: the file is read by
/// <see cref="JsonDocument"/> (whose <see cref="JsonException"/> the CLI reports with its line), then parsed and
/// evaluated. Past the JSON reader only <see cref="StudioValidationException"/> may come out, every error names a
/// field the submission has (or one of its four documented fields), and a clearly broken submission yields an error.
/// </summary>
public class ReadinessSubmissionParserFuzzTests
{
    private const int Seed = 20251205;
    private static readonly DateTime Now = new(2025, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly IReadOnlyList<TrainingTargetView> Targets = TrainingTargetService.CatalogDefaults(Now);
    private static readonly string[] SubmissionFields = ["answers", "targetKey", "averageTokensPerExample", "inferencePricePerMillionInputTokens"];

    private static readonly string Wrapped = $$"""
        {
          "answers": {
            "{{Q.TaskScope}}": "narrow",
            "{{Q.TaskNature}}": ["output_format", "narrow_high_volume"],
            "{{Q.HighQualityExamples}}": 800,
            "{{Q.EvidenceLinks}}": "https://wiki.example.test/prompt-experiments",
            "{{Q.TrainingTarget}}": "hosted-small",
            "{{Q.EvalSetSize}}": null
          },
          "targetKey": "openai-chat",
          "averageTokensPerExample": 500,
          "inferencePricePerMillionInputTokens": 0.15
        }
        """;

    private static readonly string Plain = JsonSerializer.Serialize(ReadinessAnswerSets.Ready());

    public enum Expect
    {
        Any,
        Fail,
        Succeed,
    }

    public sealed record Case(string Kind, byte[] Bytes, Expect Expect);

    private static IEnumerable<Case> Cases()
    {
        var random = new Random(Seed);
        var wrapped = Utf8(Wrapped);

        foreach (var (name, template) in new[] { ("wrapped", Wrapped), ("plain", Plain) })
        {
            var bytes = Utf8(template);
            yield return new Case($"{name} template", bytes, Expect.Succeed);
            yield return new Case($"{name} with a UTF-8 BOM", [.. Bom, .. bytes], Expect.Succeed);
            yield return new Case($"{name} with CRLF line ends", Utf8(template.ReplaceLineEndings("\r\n")), Expect.Succeed);
            yield return new Case($"{name} with empty lines", Utf8(template.Replace(",", ",\n\n\r\n", StringComparison.Ordinal)), Expect.Succeed);

            // Any cut of a JSON object before its closing brace is not JSON.
            for (var cut = 0; cut < bytes.Length; cut += 3)
            {
                yield return new Case($"{name} truncated at {cut}", bytes[..cut], Expect.Fail);
            }

            for (var i = 0; i < 15; i++)
            {
                yield return new Case($"{name} with NUL inserted", InsertAt(bytes, random.Next(bytes.Length + 1), [0x00]), Expect.Fail);
                yield return new Case($"{name} with invalid UTF-8 inserted", InsertAt(bytes, random.Next(bytes.Length + 1), InvalidUtf8[random.Next(InvalidUtf8.Length)]), Expect.Fail);
                yield return new Case($"{name} with a lone surrogate escape", Utf8(template.Insert(StringStart(template, random), SurrogateEscapes[random.Next(SurrogateEscapes.Length)])), Expect.Fail);
            }
        }

        for (var i = 0; i < 150; i++)
        {
            yield return new Case("byte flips", FlipBytes(random, wrapped), Expect.Any);
        }

        foreach (var empty in new[] { "", " ", "\r\n", "\0" })
        {
            yield return new Case($"empty file {Shorten(empty)}", Utf8(empty), Expect.Fail);
        }

        yield return new Case("only a BOM", Bom, Expect.Fail);

        foreach (var root in new[] { "[]", "42", "\"x\"", "null", "true", "[{}]", "1e999", "{} {}", "{\"a\": 1} x" })
        {
            yield return new Case($"root {root}", Utf8(root), Expect.Fail);
        }

        yield return new Case("no answers", Utf8("{}"), Expect.Succeed);
        yield return new Case("empty answers", Utf8("""{"answers": {}}"""), Expect.Succeed);

        foreach (var answers in new[] { "42", "\"x\"", "[]", "null", "true", "[{}]" })
        {
            yield return new Case($"answers {answers}", Utf8(WithField(Wrapped, "answers", answers)), Expect.Fail);
        }

        foreach (var (field, values) in new (string, string[])[]
                 {
                     ("targetKey", ["42", "true", "[]", "{}", "\"no-such-target\"", "\"\\ud800\"", "\"openai-chat\\udc00\"", "[\"openai-chat\"]"]),
                     ("averageTokensPerExample", ["\"500\"", "1.5", "1e999", "-1e999", "99999999999999999999", "2147483648", "-1", "0", "2000000", "true", "[]", "{}", "\"NaN\"", "[500]"]),
                     ("inferencePricePerMillionInputTokens", ["\"0.15\"", "1e999", "-1e999", "-1", "200000", "true", "[]", "{}", "\"NaN\"", "\"Infinity\"", "[0.15]"]),
                 })
        {
            foreach (var value in values)
            {
                yield return new Case($"{field} {value}", Utf8(WithField(Wrapped, field, value)), Expect.Fail);
            }
        }

        foreach (var (field, value) in new[]
                 {
                     ("targetKey", "null"), ("targetKey", "\"\""), ("targetKey", "\"  \""), ("targetKey", "\"OPENAI-CHAT\""), ("targetKey", "\" openai-chat \""),
                     ("averageTokensPerExample", "null"), ("averageTokensPerExample", "1"), ("averageTokensPerExample", "1000000"),
                     ("inferencePricePerMillionInputTokens", "null"), ("inferencePricePerMillionInputTokens", "0"), ("inferencePricePerMillionInputTokens", "100000"),
                     ("inferencePricePerMillionInputTokens", "1e-400"), ("inferencePricePerMillionInputTokens", "7"),
                 })
        {
            yield return new Case($"{field} {value}", Utf8(WithField(Wrapped, field, value)), Expect.Succeed);
        }

        yield return new Case("unknown field", Utf8(WithField(Wrapped, "target", "\"openai-chat\"")), Expect.Fail);
        yield return new Case("unknown question", Utf8(WithAnswer(Plain, "no.such.question", "\"x\"")), Expect.Fail);
        yield return new Case("question id in another case", Utf8(WithAnswer(Plain, Q.TaskScope.ToUpperInvariant(), "\"narrow\"")), Expect.Fail);
        yield return new Case("escaped question id", Utf8(Wrapped.Replace(Q.TaskScope, Q.TaskScope.Replace(".", "\\u002e", StringComparison.Ordinal), StringComparison.Ordinal)), Expect.Succeed);

        // The same question twice cannot be two answers; the same wrapper field twice is the JSON reader's last-one-wins.
        yield return new Case("question answered twice", Utf8(Wrapped.Replace("\"narrow\",", "\"narrow\", \"" + Q.TaskScope + "\": \"broad\",", StringComparison.Ordinal)), Expect.Fail);
        yield return new Case("question answered twice, plain", Utf8(Plain.Replace("{", "{\"" + Q.TaskScope + "\": \"narrow\", ", StringComparison.Ordinal)), Expect.Fail);
        yield return new Case("question answered twice alike", Utf8(Wrapped.Replace("\"narrow\",", "\"narrow\", \"" + Q.TaskScope + "\": \"narrow\",", StringComparison.Ordinal)), Expect.Fail);
        yield return new Case("question answered twice, once escaped", Utf8(Wrapped.Replace("\"narrow\",", "\"narrow\", \"" + Q.TaskScope.Replace(".", "\\u002e", StringComparison.Ordinal) + "\": \"broad\",", StringComparison.Ordinal)), Expect.Fail);
        yield return new Case("targetKey twice", Utf8(Wrapped.Replace("\"targetKey\"", "\"targetKey\": 42, \"targetKey\"", StringComparison.Ordinal)), Expect.Any);
        yield return new Case("answers twice", Utf8(Wrapped.Replace("\"targetKey\"", "\"answers\": 42, \"targetKey\"", StringComparison.Ordinal)), Expect.Any);

        foreach (var key in new[] { "\\ud800", "\\udc00", "task.scope\\udfff" })
        {
            yield return new Case($"question id {key}", Utf8(WithAnswer(Plain, key, "\"narrow\"", rawKey: true)), Expect.Fail);
            yield return new Case($"question id {key}, wrapped", Utf8(WithAnswer(Wrapped, key, "\"narrow\"", rawKey: true)), Expect.Fail);
            yield return new Case($"wrapper field {key}", Utf8(Wrapped.Replace("\"targetKey\"", $"\"{key}\": 1, \"targetKey\"", StringComparison.Ordinal)), Expect.Fail);
        }

        foreach (var depth in new[] { 60, 65, 1000, 10_000 })
        {
            var nested = new string('[', depth) + new string(']', depth);
            yield return new Case($"an answer {depth} arrays deep", Utf8(WithAnswer(Wrapped, Q.TaskNature, nested)), Expect.Fail);
            yield return new Case($"an answer {depth} unclosed arrays deep", Utf8(WithAnswer(Wrapped, Q.TaskNature, new string('[', depth))), Expect.Fail);
            yield return new Case($"targetKey {depth} objects deep", Utf8(WithField(Wrapped, "targetKey", string.Concat(Enumerable.Repeat("{\"a\": ", depth)) + "1" + new string('}', depth))), Expect.Fail);
        }

        foreach (var question in ReadinessQuestionnaire.Questions)
        {
            foreach (var value in AnswerValues(question))
            {
                yield return new Case($"{question.Id} = {Shorten(value)}", Utf8(WithAnswer(Plain, question.Id, value)), Acceptable(question, value) ? Expect.Succeed : Expect.Fail);
            }
        }
    }

    [Fact]
    public void Parse_HostileSubmissions_OnlyValidationErrorsNamingTheirFields()
    {
        var failures = new List<string>();
        var count = 0;
        var parsed = 0;
        foreach (var item in Cases())
        {
            count++;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(new MemoryStream(item.Bytes));
            }
            catch (JsonException)
            {
                if (item.Expect == Expect.Succeed)
                {
                    failures.Add($"{item.Kind}: a valid submission is not JSON — {Shorten(Decode(item.Bytes))}");
                }

                continue;
            }
            catch (Exception ex)
            {
                failures.Add($"{item.Kind}: the JSON reader threw {ex.GetType().Name}, which the CLI does not catch: {ex.Message}");
                continue;
            }

            parsed++;
            using (document)
            {
                failures.AddRange(Check(item, document.RootElement).Select(problem => $"{item.Kind}: {problem} — {Shorten(Decode(item.Bytes))}"));
            }
        }

        count.ShouldBeGreaterThan(1800);
        // Most cases must get past the JSON reader, so the parser itself is what is being tried.
        parsed.ShouldBeGreaterThan(500);
        failures.ShouldBeEmpty(string.Join("\n", failures.Take(30)));
    }

    private static IEnumerable<string> Check(Case item, JsonElement root)
    {
        IReadOnlyList<InputError> errors;
        try
        {
            var submission = ReadinessSubmissionParser.Parse(root);
            ReadinessEvaluator.Evaluate(submission, new ReadinessEvidence(), Targets, DateOnly.FromDateTime(Now));
            errors = [];
        }
        catch (StudioValidationException ex)
        {
            errors = ex.Errors;
            if (errors.Count == 0)
            {
                return ["a validation error without errors"];
            }
        }
        catch (Exception ex)
        {
            return [$"threw {ex.GetType().Name}: {ex.Message}"];
        }

        var fields = new HashSet<string>(SubmissionFields, StringComparer.Ordinal);
        AddNames(root, fields);
        var problems = errors.Where(e => !fields.Contains(e.Field)).Select(e => $"the error \"{e}\" names a field the submission does not have").ToList();
        switch (item.Expect)
        {
            case Expect.Fail when errors.Count == 0:
                problems.Add("no error");
                break;
            case Expect.Succeed when errors.Count > 0:
                problems.Add($"errors on a valid submission: {string.Join("; ", errors.Take(5))}");
                break;
        }

        return problems;
    }

    /// <summary>Values of every JSON type and a few edges of the question's own type.</summary>
    private static IEnumerable<string> AnswerValues(ReadinessQuestion question)
    {
        string[] common =
        [
            "null", "42", "-1", "0", "1.5", "1e999", "-1e999", "99999999999999999999", "\"NaN\"", "\"Infinity\"", "\"x\"", "\"\"", "true", "[]", "{}",
            "[1]", "[\"x\"]", "[null]", "\"\\ud800\"", "\"ok\\udc00\"", "[\"\\udbff\"]", "\"\\u0000\"", JsonSerializer.Serialize(new string('x', ReadinessQuestion.MaxTextLength + 1)),
        ];
        foreach (var value in common)
        {
            yield return value;
        }

        if (question.Options.Count > 0)
        {
            var first = JsonSerializer.Serialize(question.Options[0].Id);
            yield return first;
            yield return $"[{first}]";
            yield return $"[{first}, {first}]";
            yield return $"[{first}, 1]";
            yield return JsonSerializer.Serialize(question.Options[0].Id.ToUpperInvariant() + "_");
        }

        if (question.Min is { } min && question.Max is { } max)
        {
            yield return JsonSerializer.Serialize(min);
            yield return JsonSerializer.Serialize(max);
            yield return JsonSerializer.Serialize(max + 1);
            yield return JsonSerializer.Serialize(min - 1);
            yield return JsonSerializer.Serialize(max.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (question.AnswerType == ReadinessAnswerType.FreeText)
        {
            yield return JsonSerializer.Serialize(new string('y', ReadinessQuestion.MaxTextLength));
        }
    }

    /// <summary>What the questionnaire accepts for the question, worked out here independently of the validator.</summary>
    private static bool Acceptable(ReadinessQuestion question, string json)
    {
        var value = JsonNode.Parse(json);
        if (value is null)
        {
            return true;
        }

        // A lone surrogate has no UTF-8 form: it cannot be stored as an answer.
        if (json.Contains("\\ud", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var kind = value.GetValueKind();
        return question.AnswerType switch
        {
            ReadinessAnswerType.SingleChoice => kind == JsonValueKind.String && question.FindOption(value.GetValue<string>()) is not null,
            ReadinessAnswerType.MultipleChoice => value is JsonArray array && array.All(o => o?.GetValueKind() == JsonValueKind.String && question.FindOption(o.GetValue<string>()) is not null)
                                                  && array.Select(o => o!.GetValue<string>()).Distinct().Count() == array.Count,
            ReadinessAnswerType.Number => kind == JsonValueKind.Number && double.TryParse(json, System.Globalization.CultureInfo.InvariantCulture, out var number)
                                          && double.IsFinite(number) && number >= question.Min && number <= question.Max,
            ReadinessAnswerType.FreeText => kind == JsonValueKind.String && value.GetValue<string>().Length <= ReadinessQuestion.MaxTextLength,
            _ => false,
        };
    }

    private static void AddNames(JsonElement element, HashSet<string> names)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    try
                    {
                        names.Add(property.Name);
                    }
                    catch (InvalidOperationException)
                    {
                        // A name with a lone surrogate escape cannot be read; no error can name it either.
                    }

                    AddNames(property.Value, names);
                }

                break;
            case JsonValueKind.Array:
                foreach (var child in element.EnumerateArray())
                {
                    AddNames(child, names);
                }

                break;
        }
    }

    /// <summary>The wrapped submission with a wrapper field set to raw JSON text (added if it is not there).</summary>
    private static string WithField(string template, string field, string json)
    {
        var root = JsonNode.Parse(template)!.AsObject();
        root[field] = "__value__";
        return root.ToJsonString().Replace("\"__value__\"", json, StringComparison.Ordinal);
    }

    /// <summary>
    /// The submission with one answer set to raw JSON text (which may be text the JSON reader refuses: too deep, unclosed);
    /// <paramref name="rawKey"/> writes the key as given, escapes and all.
    /// </summary>
    private static string WithAnswer(string template, string questionId, string json, bool rawKey = false)
    {
        var root = JsonNode.Parse(template)!.AsObject();
        var answers = root["answers"] as JsonObject ?? root;
        answers[rawKey ? "__key__" : questionId] = "__value__";
        return root.ToJsonString().Replace("\"__key__\"", $"\"{questionId}\"", StringComparison.Ordinal).Replace("\"__value__\"", json, StringComparison.Ordinal);
    }

    /// <summary>A position just after the opening quote of a random string value or key.</summary>
    private static int StringStart(string json, Random random)
    {
        var quotes = Enumerable.Range(0, json.Length).Where(i => json[i] == '"' && (i == 0 || json[i - 1] != '\\')).Where((_, n) => n % 2 == 0).ToList();
        return quotes[random.Next(quotes.Count)] + 1;
    }
}
