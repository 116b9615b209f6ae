using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Tests.Support;

namespace FineTuneStudio.Core.Tests.Evaluation;

/// <summary>
/// An eval set through Vertex AI's batch prediction for Gemini: out as <c>{"request": generateContent body}</c> lines,
/// back from the job's predictions file, whose lines echo the request beside the <c>response</c> (or a <c>status</c>
/// naming the error) and carry no id. Line shapes follow Vertex's documentation of batch prediction from Cloud Storage.
/// </summary>
public sealed class VertexBatchTests
{
    private static readonly Actor Lead = HeldOutSets.Lead;
    private readonly ManualClock _clock = new(new DateTime(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc));

    private const string Items = """
        {"id": "a", "expected": "high", "label": "high", "input": [{"role": "system", "content": "Label the urgency."}, {"role": "user", "content": "The site is slow for everyone"}]}
        {"id": "b", "expected": "low", "label": "low", "input": "Typo on the pricing page"}
        {"id": "c", "expected": "normal", "label": "normal", "input": [{"role": "user", "content": "Invoices?"}, {"role": "assistant", "content": "Which ones?"}, {"role": "user", "content": "All of them"}]}
        """;

    private Task<(TestDatabase Database, int SetId)> ArrangeAsync(string items = Items) => HeldOutSets.CreateAsync(_clock, items);

    private static async Task<string[]> ExportAsync(TestDatabase database, int setId, int? maxTokens = null)
    {
        using var buffer = new MemoryStream();
        await new EvalSetExport(database).WriteAsync(setId, EvalSetExport.VertexGeminiFormat, model: null, "Answer with one word.", 0, buffer, default, maxTokens);
        return Encoding.UTF8.GetString(buffer.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>A predictions line as Vertex writes it: the status (empty when it went well), the request sent, the generateContent response.</summary>
    private static string Prediction(string requestLine, params object[] parts) => JsonSerializer.Serialize(new
    {
        status = "",
        processed_time = "2026-12-07T09:12:44.021+00:00",
        request = JsonDocument.Parse(requestLine).RootElement.GetProperty("request"),
        response = new
        {
            candidates = new[] { new { content = new { role = "model", parts }, finishReason = "STOP", avgLogprobs = -0.05 } },
            usageMetadata = new { promptTokenCount = 14, candidatesTokenCount = 1, totalTokenCount = 15 },
            modelVersion = "gemini-2.5-flash",
        },
    });

    [Fact]
    public async Task Requests_AreGenerateContentBodies_SystemAsInstruction_AssistantAsModel()
    {
        var (database, setId) = await ArrangeAsync();
        await using var _ = database;

        var lines = await ExportAsync(database, setId, maxTokens: 64);

        lines.Length.ShouldBe(3);
        lines[0].ShouldBe("""{"request":{"contents":[{"role":"user","parts":[{"text":"The site is slow for everyone"}]}],"systemInstruction":{"parts":[{"text":"Label the urgency."}]},"generationConfig":{"maxOutputTokens":64,"temperature":0}}}""");
        // Item b has no system turn of its own: it gets the one given for such items.
        lines[1].ShouldContain("""systemInstruction":{"parts":[{"text":"Answer with one word."}]}""");
        lines[2].ShouldContain("""[{"role":"user","parts":[{"text":"Invoices?"}]},{"role":"model","parts":[{"text":"Which ones?"}]},{"role":"user","parts":[{"text":"All of them"}]}]""");
        EvalSetExport.FileName(7, "vertex-gemini").ShouldBe("eval-set-7-vertex-gemini-batch-input.jsonl");
    }

    [Fact]
    public async Task Predictions_OutOfOrder_WithAFailedRow_AndThoughts_ImportAsARunOfTheSet()
    {
        var (database, setId) = await ArrangeAsync();
        await using var _ = database;
        var requests = await ExportAsync(database, setId);
        // Vertex keeps no order; row b failed (its status names the error, no response); a thinking model's thought is not its answer.
        var failed = JsonSerializer.Serialize(new { status = "Bad Request: {\"error\": {\"code\": 400}}", processed_time = "2026-12-07T09:12:45Z", request = JsonDocument.Parse(requests[1]).RootElement.GetProperty("request") });
        var predictions = string.Join("\r\n",
            Prediction(requests[2], new { text = "urgent?", thought = true }, new { text = "nor" }, new { text = "mal" }),
            failed,
            Prediction(requests[0], new { text = "critical" }));

        var run = await new EvalRuns(database, _clock).ImportRunAsync(setId, new EvalRunInput("gemini flash"), predictions, "predictions.jsonl", Lead, default);

        // c right ("nor" + "mal"), a wrong, b failed: 1 of 3.
        (run.Summary!.Correct, run.Summary.Failed).ShouldBe((1, 1));
        run.Summary.Metrics["accuracy"].ShouldBe(0.3333);
    }

    [Fact]
    public async Task APrediction_ForARequestNoItemAsks_IsRefusedNamingTheLine_AndSavesNothing()
    {
        var (database, setId) = await ArrangeAsync();
        await using var _ = database;
        var requests = await ExportAsync(database, setId);
        var other = """{"request":{"contents":[{"role":"user","parts":[{"text":"Something else entirely"}]}]}}""";
        var predictions = Prediction(requests[0], new { text = "high" }) + "\n" + Prediction(other, new { text = "low" }) + "\n" + Prediction(requests[0], new { text = "low" });
        var runs = new EvalRuns(database, _clock);

        var twice = await Should.ThrowAsync<StudioValidationException>(() => runs.ImportRunAsync(setId, new EvalRunInput("gemini"), predictions, "predictions.jsonl", Lead, default));
        twice.Errors.Single().ToString().ShouldBe("line 3: request: The same request was already answered on line 1.");

        var unknown = await Should.ThrowAsync<StudioValidationException>(() => runs.ImportRunAsync(setId, new EvalRunInput("gemini"), string.Join('\n', predictions.Split('\n')[..2]), "predictions.jsonl", Lead, default));
        unknown.Errors.Single().ToString().ShouldBe("line 2: request: No item of this set asks this request: generate from an export of this set.");
        await using var db = database.CreateDbContext();
        db.EvalRuns.Count(r => r.EvalSetId == setId).ShouldBe(0);
    }

    [Fact]
    public async Task TwoItemsAskingTheSame_UnderDifferentSystemPrompts_CannotBeToldApart_AndSayWhich()
    {
        var (database, setId) = await ArrangeAsync("""
            {"id": "terse", "expected": "high", "input": [{"role": "system", "content": "One word."}, {"role": "user", "content": "Server down"}]}
            {"id": "polite", "expected": "high", "input": [{"role": "system", "content": "Be polite."}, {"role": "user", "content": "Server down"}]}
            """);
        await using var _ = database;
        var requests = await ExportAsync(database, setId);

        var refused = await Should.ThrowAsync<StudioValidationException>(() => new EvalRuns(database, _clock).ImportRunAsync(setId, new EvalRunInput("gemini"),
            Prediction(requests[0], new { text = "high" }), "predictions.jsonl", Lead, default));

        refused.Errors.Single().ToString().ShouldBe("line 1: request: Items \"terse\", \"polite\" ask the same; the request cannot tell which it answers.");
    }

    [Fact]
    public async Task GeminiApiBatch_KeysEachRequest_AndItsResultsComeBackByKey_InAnyOrder()
    {
        var (database, setId) = await ArrangeAsync();
        await using var _ = database;
        await using var db = database.CreateDbContext();
        var ids = db.EvalItems.Where(i => i.EvalSetId == setId).ToDictionary(i => i.ExternalId, i => i.Id);
        using var buffer = new MemoryStream();
        await new EvalSetExport(database).WriteAsync(setId, EvalSetExport.GeminiBatchFormat, model: null, null, null, buffer, default, 16);
        var lines = Encoding.UTF8.GetString(buffer.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        lines[1].ShouldBe($$$$"""{"key":"{{{{BedrockRecordIds.Of(ids["b"])}}}}","request":{"contents":[{"role":"user","parts":[{"text":"Typo on the pricing page"}]}],"generationConfig":{"maxOutputTokens":16}}}""");
        // The results file names each key beside its response (no request echoed); b failed with an error.
        string Result(string item, string answer) => JsonSerializer.Serialize(new
        {
            key = BedrockRecordIds.Of(ids[item]),
            response = new { candidates = new[] { new { content = new { role = "model", parts = new[] { new { text = answer } } }, finishReason = "STOP" } } },
        });
        var results = string.Join('\n', Result("c", "normal"), $$$"""{"key": "{{{BedrockRecordIds.Of(ids["b"])}}}", "error": {"code": 400, "message": "Request contains an invalid argument."}}""", Result("a", "high"));

        var run = await new EvalRuns(database, _clock).ImportRunAsync(setId, new EvalRunInput("gemini api"), results, "results.jsonl", Lead, default);

        (run.Summary!.Correct, run.Summary.Failed).ShouldBe((2, 1));
        var foreign = await Should.ThrowAsync<StudioValidationException>(() => new EvalRuns(database, _clock).ImportRunAsync(setId, new EvalRunInput("gemini api"),
            Result("a", "high").Replace(BedrockRecordIds.Of(ids["a"]), "EVI99999999"), "results.jsonl", Lead, default));
        foreign.Errors.Single().ToString().ShouldBe("line 1: key: The key \"EVI99999999\" names no item of this set: generate from an export of this set.");
    }
}
