using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Web.Tests.Imports;

[Collection(StudioAppCollection.Name)]
public sealed class ImportApiTests(StudioAppFactory app)
{
    private const string ThreeChats =
        "{\"messages\": [{\"role\": \"user\", \"content\": \"Where is my parcel?\"}, {\"role\": \"assistant\", \"content\": \"It left the depot today.\"}]}\n"
        + "{\"messages\": [{\"role\": \"user\", \"content\": \"Weather?\"}, {\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"c1\", \"type\": \"function\", \"function\": {\"name\": \"weather\", \"arguments\": \"{}\"}}]}, {\"role\": \"tool\", \"tool_call_id\": \"c1\", \"content\": \"sunny\"}], \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"weather\"}}]}\r\n"
        + "\r\n"
        + "{\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}, {\"role\": \"assistant\", \"content\": \"Hi there.\"}]}\n\n";

    [Fact]
    public async Task Import_MultipartJsonl_Returns200WithCountAndWritesTheExamples()
    {
        var (_, datasetId) = await app.CreateImportTargetAsync();
        var (client, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);

        var response = await StudioAppFactory.PostImportAsync(client, datasetId, "chats.jsonl", ThreeChats,
            new Dictionary<string, string> { ["format"] = "openai-chat", ["status"] = "submitted" });

        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        json.RootElement.GetProperty("imported").GetInt32().ShouldBe(3);
        json.RootElement.GetProperty("format").GetString().ShouldBe("Chat");
        (await app.ExampleCountAsync(datasetId)).ShouldBe(3);
        var statuses = await app.QueryAsync(db => db.Examples.Where(e => e.DatasetId == datasetId).Select(e => e.Status).Distinct().ToListAsync());
        statuses.ShouldBe([ExampleStatus.Submitted]);
        var tools = await app.QueryAsync(db => db.Examples.Where(e => e.DatasetId == datasetId && e.ToolsJson != null).Select(e => e.ToolsJson).SingleAsync());
        tools!.ShouldContain("\"weather\"");
    }

    [Fact]
    public async Task Import_SameFileTwice_SkipsEveryDuplicate_AndDryRunWritesNothing()
    {
        var (_, datasetId) = await app.CreateImportTargetAsync();
        var (client, _, _) = await app.TokenClientAsync(StudioRoles.Admin);
        await StudioAppFactory.PostImportAsync(client, datasetId, "chats.jsonl", ThreeChats).ShouldHaveStatusAsync(HttpStatusCode.OK);

        var again = await StudioAppFactory.PostImportAsync(client, datasetId, "chats.jsonl", ThreeChats, new Dictionary<string, string> { ["dryRun"] = "true", ["duplicates"] = "keep" });
        using (var json = JsonDocument.Parse(await again.Content.ReadAsStringAsync()))
        {
            // keep: all 3 would be imported again; dry run: none written.
            json.RootElement.GetProperty("imported").GetInt32().ShouldBe(3);
            json.RootElement.GetProperty("dryRun").GetBoolean().ShouldBeTrue();
        }

        var skip = await StudioAppFactory.PostImportAsync(client, datasetId, "chats.jsonl", ThreeChats);
        using (var json = JsonDocument.Parse(await skip.Content.ReadAsStringAsync()))
        {
            json.RootElement.GetProperty("imported").GetInt32().ShouldBe(0);
            json.RootElement.GetProperty("skippedDuplicates").GetInt32().ShouldBe(3);
        }

        (await app.ExampleCountAsync(datasetId)).ShouldBe(3);
    }

    [Fact]
    public async Task Import_MalformedLine_Is400NamingTheLineAndAddsNothing()
    {
        var (_, datasetId) = await app.CreateImportTargetAsync();
        var (client, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        // Line 1 is fine, line 2 is blank, line 3 has a number for content, line 4 is cut off.
        var file = "{\"messages\": [{\"role\": \"user\", \"content\": \"ok\"}]}\n\n"
            + "{\"messages\": [{\"role\": \"user\", \"content\": 42}]}\n"
            + "{\"messages\": [{\"role\": \"user\", \"content\": \"cut";

        var response = await StudioAppFactory.PostImportAsync(client, datasetId, "bad.jsonl", file);

        await response.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var problems = json.RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        problems.Count.ShouldBe(2);
        problems[0].ShouldBe("line 3: messages[0].content: must be a string, found a number");
        problems[1].ShouldStartWith("line 4: ");
        json.RootElement.GetProperty("errors_total").GetInt32().ShouldBe(2);
        (await app.ExampleCountAsync(datasetId)).ShouldBe(0);
    }

    [Fact]
    public async Task Import_SomeBadLines_400SaysWhatSkippingWouldDo_AndInvalidSkipImportsTheRest()
    {
        var (_, datasetId) = await app.CreateImportTargetAsync();
        var (client, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        var file = ThreeChats + "{\"messages\": [{\"role\": \"user\", \"content\": 42}]}\n{\"messages\": \"cut\n";

        var refused = await StudioAppFactory.PostImportAsync(client, datasetId, "bad.jsonl", file);

        await refused.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        using (var json = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()))
        {
            json.RootElement.GetProperty("records_with_problems").GetInt32().ShouldBe(2);
            json.RootElement.GetProperty("records_without_problems").GetInt32().ShouldBe(3);
            json.RootElement.GetProperty("hint").GetString()!.ShouldStartWith("2 records have problems and 3 have none; send invalid=skip");
        }

        (await app.ExampleCountAsync(datasetId)).ShouldBe(0);

        var skipped = await StudioAppFactory.PostImportAsync(client, datasetId, "bad.jsonl", file, new Dictionary<string, string> { ["invalid"] = "skip" });

        await skipped.ShouldHaveStatusAsync(HttpStatusCode.OK);
        using (var json = JsonDocument.Parse(await skipped.Content.ReadAsStringAsync()))
        {
            json.RootElement.GetProperty("imported").GetInt32().ShouldBe(3);
            json.RootElement.GetProperty("invalidRecords").GetInt32().ShouldBe(2);
            json.RootElement.GetProperty("leftOut").EnumerateArray().Select(e => e.GetProperty("line").GetInt32()).ShouldBe([6, 7]);
            // Every left-out record's line, not only the listed problems': a script cuts the rejects out of its file with them.
            json.RootElement.GetProperty("leftOutLines").EnumerateArray().Select(e => e.GetInt32()).ShouldBe([6, 7]);
        }

        (await app.ExampleCountAsync(datasetId)).ShouldBe(3);
    }

    [Fact]
    public async Task Import_GeminiTuningLines_BecomeChats_WithTheSystemInstructionFirst()
    {
        var (_, datasetId) = await app.CreateImportTargetAsync();
        var (client, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        const string file = """
            {"systemInstruction": {"role": "system", "parts": [{"text": "Answer in one sentence."}]}, "contents": [{"role": "user", "parts": [{"text": "When does the library open?"}]}, {"role": "model", "parts": [{"text": "At nine."}]}]}

            """;

        var response = await StudioAppFactory.PostImportAsync(client, datasetId, "vertex.jsonl", file, new Dictionary<string, string> { ["format"] = "gemini" });

        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        json.RootElement.GetProperty("format").GetString().ShouldBe("Gemini");
        var turns = await app.QueryAsync(db => db.Examples.Where(e => e.DatasetId == datasetId)
            .SelectMany(e => e.Messages).OrderBy(m => m.Position).Select(m => m.Role + ": " + m.Content).ToListAsync());
        turns.ShouldBe(["System: Answer in one sentence.", "User: When does the library open?", "Assistant: At nine."]);
    }

    [Fact]
    public async Task Import_CsvWithMapping_ImportsLabelsAndTags_AndPreviewSuggestsTheMapping()
    {
        var (_, datasetId) = await app.CreateImportTargetAsync(TaskKind.Classification, ["urgent", "routine"]);
        var (client, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        var csv = "ticket,category,labels\r\n\"Server down, all users\",Urgent,\"ops;night\"\r\n\"Please reset\nmy password\",routine,\r\n";

        var preview = await StudioAppFactory.PostImportAsync(client, datasetId, "tickets.csv", csv, path: "/preview");
        await preview.ShouldHaveStatusAsync(HttpStatusCode.OK);
        using (var json = JsonDocument.Parse(await preview.Content.ReadAsStringAsync()))
        {
            json.RootElement.GetProperty("headers").EnumerateArray().Select(h => h.GetString()).ShouldBe(["ticket", "category", "labels"]);
            json.RootElement.GetProperty("rows").GetArrayLength().ShouldBe(2);
            json.RootElement.GetProperty("suggestedMapping").GetProperty("label").GetString().ShouldBe("category");
        }

        var response = await StudioAppFactory.PostImportAsync(client, datasetId, "tickets.csv", csv,
            new Dictionary<string, string> { ["format"] = "csv", ["mapping"] = "user=ticket,label=category,tags=labels" });

        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var labels = await app.QueryAsync(db => db.Examples.Where(e => e.DatasetId == datasetId).OrderBy(e => e.Id).Select(e => e.Label).ToListAsync());
        // "Urgent" takes the dataset's spelling.
        labels.ShouldBe(["urgent", "routine"]);
    }

    [Fact]
    public async Task Import_HhRlhfTranscripts_BecomePreferencePairs_AndDollyCsvPreviewSuggestsContextAsTheInput()
    {
        var (_, pairsId) = await app.CreateImportTargetAsync(TaskKind.Preference);
        var (client, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        var hh = "{\"chosen\": \"\\n\\nHuman: Is it safe to eat raw cookie dough?\\n\\nAssistant: Raw flour and eggs can carry bacteria, so baked is safer.\", "
            + "\"rejected\": \"\\n\\nHuman: Is it safe to eat raw cookie dough?\\n\\nAssistant: Always.\"}\n";

        var response = await StudioAppFactory.PostImportAsync(client, pairsId, "train.jsonl", hh);

        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        using (var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()))
        {
            json.RootElement.GetProperty("format").GetString().ShouldBe("Preference");
        }

        var pair = await app.QueryAsync(db => db.Examples.Where(e => e.DatasetId == pairsId)
            .Select(e => new { Prompt = e.Messages.Single().Content, e.PreferredCompletion, e.RejectedCompletion }).SingleAsync());
        (pair.Prompt, pair.PreferredCompletion, pair.RejectedCompletion).ShouldBe(
            ("Is it safe to eat raw cookie dough?", "Raw flour and eggs can carry bacteria, so baked is safer.", "Always."));

        var (_, chatId) = await app.CreateImportTargetAsync();
        var dolly = "instruction,context,response,category\r\n\"When did it open?\",\"It opened in 1998.\",In 1998.,closed_qa\r\n";
        var preview = await StudioAppFactory.PostImportAsync(client, chatId, "dolly.csv", dolly, path: "/preview");
        await preview.ShouldHaveStatusAsync(HttpStatusCode.OK);
        using var suggested = JsonDocument.Parse(await preview.Content.ReadAsStringAsync());
        var mapping = suggested.RootElement.GetProperty("suggestedMapping");
        (mapping.GetProperty("user").GetString(), mapping.GetProperty("input").GetString(), mapping.GetProperty("assistant").GetString())
            .ShouldBe(("instruction", "context", "response"));
        var imported = await StudioAppFactory.PostImportAsync(client, chatId, "dolly.csv", dolly,
            new Dictionary<string, string> { ["format"] = "csv", ["mapping"] = "user=instruction,input=context,assistant=response" });
        await imported.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var user = await app.QueryAsync(db => db.Examples.Where(e => e.DatasetId == chatId).SelectMany(e => e.Messages).Where(m => m.Role == MessageRole.User).Select(m => m.Content).SingleAsync());
        user.ShouldBe("When did it open?\n\nIt opened in 1998.");
    }

    [Fact]
    public async Task Import_AsLabeler_Is403AndAddsNothing()
    {
        var (_, datasetId) = await app.CreateImportTargetAsync();
        var (client, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);

        var response = await StudioAppFactory.PostImportAsync(client, datasetId, "chats.jsonl", ThreeChats);

        await response.ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        (await app.ExampleCountAsync(datasetId)).ShouldBe(0);
    }

    [Fact]
    public async Task Import_PastTheUploadLimit_Is413WithAClearMessageAndAddsNothing()
    {
        var (_, datasetId) = await app.CreateImportTargetAsync();
        var (client, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        // ThreeChats is ~500 bytes; four copies pass a 1 KB limit but stay far below the 64 KB envelope allowance.
        var big = string.Concat(Enumerable.Repeat(ThreeChats, 4));

        HttpResponseMessage response;
        using (app.UploadLimit(1024))
        {
            response = await StudioAppFactory.PostImportAsync(client, datasetId, "big.jsonl", big);
        }

        await response.ShouldHaveStatusAsync(HttpStatusCode.RequestEntityTooLarge);
        var problem = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        problem.ShouldBe("The file is larger than the upload limit of 1 KB; split it into smaller files or import it with the fts command line.");
        (await app.ExampleCountAsync(datasetId)).ShouldBe(0);
    }

    [Fact]
    public async Task Import_UnknownFormatName_Is400NamingTheField()
    {
        var (_, datasetId) = await app.CreateImportTargetAsync();
        var (client, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);

        var response = await StudioAppFactory.PostImportAsync(client, datasetId, "chats.jsonl", ThreeChats, new Dictionary<string, string> { ["format"] = "xml" });

        await response.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("format: 'xml' is not a format");
        (await app.ExampleCountAsync(datasetId)).ShouldBe(0);
    }
}
