using System.Text.Json;
using FineTuneStudio.Cli;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Cli;

public sealed class ImportCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-cli-import-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    private string WriteFile(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    private const string Tickets =
        "text,urgency,team\n"
        + "\"Checkout fails, every card\",critical,payments\n"
        + "\"Typo on the about page\",low,web\n"
        + "\"Invoices are late\",normal,\"billing;finance\"\n";

    [Fact]
    public async Task Import_IntoNewProjectAndDataset_CreatesBothAndSaysSo()
    {
        var file = WriteFile("tickets.csv", Tickets);

        var result = await RunAsync("import", file, "--db", DbPath, "--project", "Helpdesk", "--dataset", "Urgency", "--map", "user=text,label=urgency,tags=team", "--status", "approved");

        result.ExitCode.ShouldBe(0, result.Error);
        result.Output.ShouldContain("created project 'Helpdesk'");
        // Labels in the order the file first names them.
        result.Output.ShouldContain("created dataset 'Urgency' (classification with 3 labels)");
        result.Output.ShouldContain("  critical\t1\n  low\t1\n  normal\t1\n");
        result.Output.TrimEnd().ShouldEndWith("imported 3 examples");
        await using var db = Open();
        var dataset = await db.Datasets.SingleAsync();
        (dataset.Name, dataset.TaskKind).ShouldBe(("Urgency", TaskKind.Classification));
        var examples = await db.Examples.OrderBy(e => e.Id).ToListAsync();
        examples.Select(e => e.Status).Distinct().ShouldBe([ExampleStatus.Approved]);
        examples.Select(e => e.Source).Distinct().ShouldBe([ExampleSource.CsvImport]);
        examples[2].Tags.ShouldBe(["billing", "finance"]);
    }

    [Fact]
    public async Task Import_WithSomeBadRecords_Exits1OfferingInvalidSkip_WhichImportsTheRestAndListsTheLeftOutLines()
    {
        // Line 2 has a number for content; lines 1 and 3 are fine.
        var file = WriteFile("chat.jsonl",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n{\"messages\": [{\"role\": \"user\", \"content\": 42}]}\n{\"messages\": [{\"role\": \"user\", \"content\": \"bye\"}]}\n");

        var refused = await RunAsync("import", file, "--db", DbPath, "--project", "Fresh", "--dataset", "Chats");

        refused.ExitCode.ShouldBe(1);
        refused.Error.ShouldContain("1 record has problems and 2 have none; fix the file, or pass --invalid skip to import the 2 records without problems and leave the others out");
        refused.Error.ShouldContain("line 2: messages[0].content: must be a string, found a number");

        var skipped = await RunAsync("import", file, "--db", DbPath, "--project", "Fresh", "--dataset", "Chats", "--invalid", "skip");

        skipped.ExitCode.ShouldBe(0, skipped.Error);
        skipped.Error.ShouldContain("left out line 2: messages[0].content: must be a string, found a number");
        skipped.Output.TrimEnd().ShouldEndWith("imported 2 examples, left out 1 record with problems");
        await using var db = Open();
        (await db.Examples.CountAsync()).ShouldBe(2);

        var usage = await RunAsync("import", file, "--db", DbPath, "--project", "Fresh", "--dataset", "Chats", "--invalid", "ignore");
        usage.ExitCode.ShouldBe(2);
    }

    [Fact]
    public async Task Import_WithRejects_CopiesTheLeftOutCsvRecordsToAFile_ThatImportsOnceFixed()
    {
        // Line 3 has a stray field (a comma not quoted); the record on lines 4-5 is quoted across a line break and fine.
        var file = WriteFile("help.csv", "question,answer\nHow do I reset?,Use the link\nWhere is it?,Here, and here\n\"When,\nexactly?\",Now\n");
        var rejects = Path.Combine(_folder, "rejects.csv");

        var usage = await RunAsync("import", file, "--db", DbPath, "--project", "Help", "--dataset", "Answers", "--map", "user=question,assistant=answer", "--rejects", rejects);
        usage.ExitCode.ShouldBe(2);
        usage.Error.ShouldContain("--rejects: only an import that leaves records out (--invalid skip) has rejects to write");

        var skipped = await RunAsync("import", file, "--db", DbPath, "--project", "Help", "--dataset", "Answers", "--map", "user=question,assistant=answer",
            "--invalid", "skip", "--rejects", rejects);

        skipped.ExitCode.ShouldBe(0, skipped.Error);
        skipped.Error.ShouldContain($"wrote 1 left-out record to {rejects}");
        (await File.ReadAllTextAsync(rejects)).ShouldBe("sep=,\nquestion,answer\nWhere is it?,Here, and here\n");
        // Fixed by quoting the answer, the rejects file imports on its own.
        await File.WriteAllTextAsync(rejects, "sep=,\nquestion,answer\nWhere is it?,\"Here, and here\"\n");
        var fixedUp = await RunAsync("import", rejects, "--db", DbPath, "--project", "Help", "--dataset", "Answers", "--map", "user=question,assistant=answer");
        fixedUp.ExitCode.ShouldBe(0, fixedUp.Error);
        await using var db = Open();
        (await db.Examples.CountAsync()).ShouldBe(3);
        File.Exists(rejects + ".partial").ShouldBeFalse();
    }

    [Fact]
    public async Task Import_PreferenceFile_CreatesAPreferenceDataset_AndAgainIntoTheSameDatasetSkipsDuplicates()
    {
        var file = WriteFile("pairs.jsonl",
            "{\"prompt\": \"Say hi\", \"chosen\": \"Hello!\", \"rejected\": \"What.\"}\n{\"prompt\": \"Say bye\", \"chosen\": \"Goodbye!\", \"rejected\": \"No.\"}\n");

        var first = await RunAsync("import", file, "--db", DbPath, "--project", "Tone", "--dataset", "Pairs");
        first.ExitCode.ShouldBe(0, first.Error);
        first.Output.ShouldContain("(preference)");

        var second = await RunAsync("import", file, "--db", DbPath, "--project", "Tone", "--dataset", "Pairs", "--json");
        second.ExitCode.ShouldBe(0, second.Error);
        using var json = JsonDocument.Parse(second.Output);
        json.RootElement.GetProperty("imported").GetInt32().ShouldBe(0);
        json.RootElement.GetProperty("skippedDuplicates").GetInt32().ShouldBe(2);
        json.RootElement.GetProperty("createdDataset").GetBoolean().ShouldBeFalse();
        await using var db = Open();
        (await db.Examples.CountAsync()).ShouldBe(2);
    }

    [Fact]
    public async Task Import_WithErrors_Exits1ListingEveryLine_AndLeavesNothingBehind()
    {
        // Line 2 has no messages key, line 3 is not JSON, line 4 has a bad role.
        var file = WriteFile("chat.jsonl",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n{\"messages\": null}\n{oops\n{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}\n");

        var result = await RunAsync("import", file, "--db", DbPath, "--project", "Fresh", "--dataset", "Chats", "--format", "openai-chat");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("line 2: messages: is missing");
        result.Error.ShouldContain("line 3: ");
        result.Error.ShouldContain("line 4: messages[0].role: 'robot' is not a role");
        result.Output.ShouldNotContain("imported");
        await using var db = Open();
        (await db.Examples.CountAsync()).ShouldBe(0);
        (await db.Projects.CountAsync()).ShouldBe(0);
        (await db.Datasets.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Import_DryRun_CountsAndChangesNothing()
    {
        var file = WriteFile("tickets.csv", Tickets);

        var result = await RunAsync("import", file, "--db", DbPath, "--project", "Helpdesk", "--dataset", "Urgency", "--map", "user=text,label=urgency", "--dry-run");

        result.ExitCode.ShouldBe(0, result.Error);
        result.Output.ShouldContain("would create project 'Helpdesk'");
        result.Output.ShouldContain("dry run: would import 3 examples; nothing was changed");
        await using var db = Open();
        (await db.Projects.CountAsync()).ShouldBe(0);
        (await db.Examples.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Import_DryRunOfABadFileIntoANewProject_SaysNothingWasChanged()
    {
        var file = WriteFile("tickets.csv", "text,urgency\nServer down, all users,urgent\n");

        var result = await RunAsync("import", file, "--db", DbPath, "--project", "Helpdesk", "--dataset", "Urgency", "--map", "user=text,label=urgency", "--dry-run");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("line 2: file: the row has 3 fields but the header has 2; a field that holds a comma needs double quotes around it");
        result.Error.ShouldContain("dry run: nothing was changed");
        result.Error.ShouldNotContain("removed again");
        await using var db = Open();
        (await db.Projects.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Import_HuggingFaceTextRows_MakeAClassificationDataset_AndIndicesAgainstNamedLabelsAreExplained()
    {
        var rows = WriteFile("banking.jsonl", """
            {"text": "My card has not arrived yet", "label": 11, "label_text": "card_arrival"}
            {"text": "Why was I charged for a cash withdrawal?", "label": 17, "label_text": "cash_withdrawal_charge"}
            {"text": "Still no card after two weeks", "label": 11, "label_text": "card_arrival"}
            """);
        var indices = WriteFile("indices.jsonl", """
            {"text": "Where is my card?", "label": 11}
            """);

        var created = await RunAsync("import", rows, "--db", DbPath, "--project", "Bank", "--dataset", "Intents");
        var refused = await RunAsync("import", indices, "--db", DbPath, "--project", "Bank", "--dataset", "Intents");

        created.ExitCode.ShouldBe(0, created.Error);
        created.Output.ShouldContain("created dataset 'Intents' (classification with 2 labels)");
        created.Output.ShouldContain("imported 3 examples");
        refused.ExitCode.ShouldBe(1);
        refused.Error.ShouldContain("line 1: label: '11' is not one of the dataset's labels (card_arrival, cash_withdrawal_charge); a number is a Hugging Face class index");
        await using var db = Open();
        (await db.Examples.OrderBy(e => e.Id).Select(e => e.Label).ToListAsync()).ShouldBe(["card_arrival", "cash_withdrawal_charge", "card_arrival"]);
    }

    [Fact]
    public async Task Import_CsvWithoutMap_ColumnsGuessedFromTheHeader_SaidOnStderrWithWhatIsLeftOut()
    {
        var file = WriteFile("alpaca.csv",
            "instruction,input,output,source\n"
            + "\"Translate to French.\",\"Good morning\",Bonjour,web\n"
            + "\"Name a colour.\",,Red.,web\n");

        var result = await RunAsync("import", file, "--db", DbPath, "--project", "Words", "--dataset", "Translate");

        result.ExitCode.ShouldBe(0, result.Error);
        result.Error.ShouldContain("columns mapped from the header: user=instruction,input=input,assistant=output; not imported: source (choose others with --map)");
        await using var db = Open();
        var turns = await db.Examples.OrderBy(e => e.Id).Select(e => e.Messages.OrderBy(m => m.Position).Select(m => m.Content).ToList()).ToListAsync();
        turns.ShouldBe([["Translate to French.\n\nGood morning", "Bonjour"], ["Name a colour.", "Red."]]);
    }

    [Fact]
    public async Task Import_CsvWithoutMapWhoseHeaderNamesNoMessage_Exits1NamingTheHeader()
    {
        var file = WriteFile("pairs.csv", "premise,hypothesis\nA cat sleeps.,An animal rests.\n");

        var result = await RunAsync("import", file, "--db", DbPath, "--project", "P", "--dataset", "D");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("--map: no column of the header (premise, hypothesis) reads as the user's message");
        File.Exists(DbPath).ShouldBeFalse("the file is refused before the database is opened");
    }

    [Fact]
    public async Task Import_MapNamingAMissingColumn_Exits1NamingIt()
    {
        var file = WriteFile("tickets.csv", Tickets);

        var result = await RunAsync("import", file, "--db", DbPath, "--project", "Helpdesk", "--dataset", "Urgency", "--map", "user=body,assistant=reply");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("line 1: mapping.user: the file has no column named 'body'");
        result.Error.ShouldContain("line 1: mapping.assistant: the file has no column named 'reply'");
    }

    [Theory]
    [InlineData("--map", "user")]
    [InlineData("--map", "body=text")]
    public async Task Import_MalformedMap_Exits1NamingTheMapping(string option, string value)
    {
        var file = WriteFile("tickets.csv", Tickets);

        var result = await RunAsync("import", file, "--db", DbPath, "--project", "P", "--dataset", "D", option, value);

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("mapping");
    }

    [Fact]
    public async Task Import_UnknownFormat_IsAUsageError()
    {
        var file = WriteFile("tickets.csv", Tickets);

        var result = await RunAsync("import", file, "--db", DbPath, "--project", "P", "--dataset", "D", "--format", "xml");

        result.ExitCode.ShouldBe(2);
    }

    private StudioDbContext Open() =>
        StudioDbContextOptions.Create(new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(DbPath)));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
