using System.Text;
using System.Text.Json;
using FineTuneStudio.Cli;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Cli;

/// <summary>
/// Text + label files, the shape of public intent sets (a text column, a category column, dozens to hundreds of
/// classes), from the spreadsheet to a training file: labels inferred without a cap, answers rendered from the label.
/// </summary>
public sealed class ClassificationCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-cli-classes-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    private static string LabelName(int i) => $"intent_{i:D3}";

    /// <summary>
    /// An intent CSV as such sets are published: a BOM, CRLF line ends, quoted fields with commas, quotes and line
    /// breaks inside; row i carries label i mod <paramref name="labels"/>.
    /// </summary>
    private string WriteIntentCsv(int rows, int labels)
    {
        var text = new StringBuilder("\uFEFFtext,category\r\n");
        for (var i = 0; i < rows; i++)
        {
            var body = i % 97 == 0 ? $"\"My card, number {i}, says \"\"declined\"\"\nand then stops\"" : $"How do I sort out request {i}?";
            text.Append(body).Append(',').Append(LabelName(i % labels)).Append("\r\n");
        }

        var path = Path.Combine(_folder, $"intents-{rows}-{labels}.csv");
        File.WriteAllText(path, text.ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }

    [Fact]
    public async Task Import_IntentCsvWith77Labels_KeepsEveryLabel_AndEveryChatTargetExportsTheLabelAsTheAnswer()
    {
        var csv = WriteIntentCsv(rows: 2_003, labels: 77);

        var import = await RunAsync("import", csv, "--db", DbPath, "--project", "Bank", "--dataset", "Intents", "--map", "user=text,label=category", "--status", "approved");

        import.ExitCode.ShouldBe(0, import.Error);
        import.Output.ShouldContain("created dataset 'Intents' (classification with 77 labels)");
        import.Output.ShouldContain("imported 2003 examples");
        await using (var db = Open())
        {
            (await db.Datasets.SingleAsync()).Labels.ShouldBe(Enumerable.Range(0, 77).Select(LabelName).ToList());
        }

        foreach (var target in new[] { "openai-chat", "hf-messages", "hf-prompt-completion", "axolotl-chat" })
        {
            var output = Path.Combine(_folder, target);
            var export = await RunAsync("export", "--db", DbPath, "--project", "Bank", "--dataset", "Intents", "--target", target, "--out", output, "--validation", "0.1");
            export.ExitCode.ShouldBe(0, $"{target}: {export.Error}");

            var lines = File.ReadAllLines(Path.Combine(output, "train.jsonl")).Concat(File.ReadAllLines(Path.Combine(output, "validation.jsonl"))).ToList();
            lines.Count.ShouldBe(2_003, target);
            var answers = lines.Select(line => LastAssistantText(JsonDocument.Parse(line).RootElement)).ToList();
            answers.Distinct().Order(StringComparer.Ordinal).ToList().ShouldBe(Enumerable.Range(0, 77).Select(LabelName).ToList(), target);
        }

        // Row 0 has a comma, quotes and a line break in its text; the export keeps it whole.
        var first = File.ReadAllLines(Path.Combine(_folder, "openai-chat", "train.jsonl")).Concat(File.ReadAllLines(Path.Combine(_folder, "openai-chat", "validation.jsonl")))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("messages"))
            .Single(m => m[0].GetProperty("content").GetString()!.StartsWith("My card, number 0,", StringComparison.Ordinal));
        first[0].GetProperty("content").GetString().ShouldBe("My card, number 0, says \"declined\"\nand then stops");
        first[1].GetProperty("content").GetString().ShouldBe(LabelName(0));
    }

    [Fact]
    public async Task Import_DryRunWith1000Labels_PrintsEveryLabelWithItsCount_AndWritesNothing()
    {
        var csv = WriteIntentCsv(rows: 3_000, labels: 1_000);

        var result = await RunAsync("import", csv, "--db", DbPath, "--project", "Bank", "--dataset", "Intents", "--map", "user=text,label=category", "--dry-run");

        result.ExitCode.ShouldBe(0, result.Error);
        result.Output.ShouldContain("would create dataset 'Intents' (classification with 1000 labels)");
        // 3,000 rows over 1,000 labels: three each, every one listed.
        for (var i = 0; i < 1_000; i++)
        {
            result.Output.ShouldContain($"  {LabelName(i)}\t3\n");
        }

        result.Output.ShouldContain("dry run: would import 3000 examples");
        await using var db = Open();
        (await db.Datasets.CountAsync()).ShouldBe(0);
        (await db.Projects.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Import_ChatFileWhereOneRecordCarriesALabel_MakesAChatDatasetKeepingTheLabel()
    {
        var file = Path.Combine(_folder, "chat.jsonl");
        File.WriteAllText(file, """
            {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}], "label": "greeting"}
            {"messages": [{"role": "user", "content": "Bye"}, {"role": "assistant", "content": "Goodbye!"}]}

            """);

        var result = await RunAsync("import", file, "--db", DbPath, "--project", "Chat", "--dataset", "Talk");

        result.ExitCode.ShouldBe(0, result.Error);
        result.Output.ShouldContain("created dataset 'Talk' (chat)");
        await using var db = Open();
        (await db.Examples.Select(e => e.Label).Where(l => l != null).SingleAsync()).ShouldBe("greeting");
    }

    [Fact]
    public async Task DatasetsCreate_WithLabelsFileAndJsonAnswers_ThenImportAndExport_WritesTheJsonAnswer()
    {
        var labelsFile = Path.Combine(_folder, "labels.txt");
        File.WriteAllLines(labelsFile, ["# the urgency classes", "critical", "", "normal", "low"]);

        var create = await RunAsync("datasets", "create", "--db", DbPath, "--project", "Helpdesk", "--name", "Urgency", "--task", "classification",
            "--labels-file", labelsFile, "--answer", "json", "--answer-template", "urgency");

        create.ExitCode.ShouldBe(0, create.Error);
        create.Output.ShouldContain("created project 'Helpdesk'");
        create.Output.ShouldContain("created dataset 'Urgency'");
        create.Output.ShouldContain("""the model learns, for 'critical': {"urgency":"critical"}""");

        var csv = Path.Combine(_folder, "tickets.csv");
        File.WriteAllText(csv, "text,urgency\n\"Checkout fails, every card\",critical\nTypo on the about page,LOW\nInvoices are late,normal\n");
        var import = await RunAsync("import", csv, "--db", DbPath, "--project", "Helpdesk", "--dataset", "Urgency", "--map", "user=text,label=urgency", "--status", "approved");
        import.ExitCode.ShouldBe(0, import.Error);

        var output = Path.Combine(_folder, "out");
        var export = await RunAsync("export", "--db", DbPath, "--project", "Helpdesk", "--dataset", "Urgency", "--target", "hf-messages", "--out", output, "--validation", "0");
        export.ExitCode.ShouldBe(0, export.Error);
        var answers = File.ReadAllLines(Path.Combine(output, "train.jsonl")).Select(l => LastAssistantText(JsonDocument.Parse(l).RootElement)).Order(StringComparer.Ordinal).ToList();
        // "LOW" takes the dataset's spelling of the label.
        answers.ShouldBe(["""{"urgency":"critical"}""", """{"urgency":"low"}""", """{"urgency":"normal"}"""]);
    }

    [Fact]
    public async Task DatasetsCreate_PerLabelAnswersMissingOne_Exits1NamingIt_AndCreatesNothing()
    {
        var answers = Path.Combine(_folder, "answers.json");
        File.WriteAllText(answers, """{"critical": "Escalate to the on-call engineer now.", "low": "Add it to the backlog."}""");

        var result = await RunAsync("datasets", "create", "--db", DbPath, "--project", "Helpdesk", "--name", "Urgency", "--task", "classification",
            "--labels", "critical,normal,low", "--answer", "per-label", "--answers-file", answers);

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("labelAnswers: 1 label(s) have no answer text: normal");
        await using var db = Open();
        (await db.Projects.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task DatasetsCreate_LabelsAndLabelsFileTogether_IsAUsageError()
    {
        var file = Path.Combine(_folder, "labels.txt");
        File.WriteAllText(file, "a\nb\n");

        var result = await RunAsync("datasets", "create", "--db", DbPath, "--project", "P", "--name", "D", "--task", "classification", "--labels", "a,b", "--labels-file", file);

        result.ExitCode.ShouldBe(2);
    }

    [Fact]
    public async Task DatasetsCreate_TemplateWithoutPlaceholder_Exits1()
    {
        var result = await RunAsync("datasets", "create", "--db", DbPath, "--project", "P", "--name", "D", "--task", "classification",
            "--labels", "a,b", "--answer", "template", "--answer-template", "Urgency");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("answerTemplate: a template needs {label}");
    }

    /// <summary>The text of the last assistant turn of a line in any chat shape (messages, or prompt / completion).</summary>
    private static string LastAssistantText(JsonElement line)
    {
        var turns = line.TryGetProperty("messages", out var messages) ? messages : line.GetProperty("completion");
        return turns.EnumerateArray().Last(m => m.GetProperty("role").GetString() == "assistant").GetProperty("content").GetString()!;
    }

    private StudioDbContext Open() =>
        StudioDbContextOptions.Create(new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(DbPath)));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
