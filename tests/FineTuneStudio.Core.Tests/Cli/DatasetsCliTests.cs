using System.Text.Json;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Cli;

/// <summary>An ML lead's dataset upkeep from the command line: label guides, archive and restore.</summary>
public sealed class DatasetsCliTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-cli-datasets-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    public async Task InitializeAsync()
    {
        var create = await RunAsync("datasets", "create", "--db", DbPath, "--project", "Helpdesk", "--name", "Urgency", "--task", "classification",
            "--labels", "urgent,normal,low");
        create.ExitCode.ShouldBe(0, create.Error);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Update_WithLabelGuides_StoresDescriptionAndExamplePerLabel()
    {
        var update = await RunAsync("datasets", "update", "--db", DbPath, "--project", "Helpdesk", "--dataset", "Urgency",
            "--label-guide", "urgent=Money or safety at stake today|My card was charged twice", "--label-guide", "low=Can wait a week");
        update.ExitCode.ShouldBe(0, update.Error);
        var again = await RunAsync("datasets", "update", "--db", DbPath, "--project", "Helpdesk", "--dataset", "Urgency", "--label-guide", "low=Nice to have");
        again.ExitCode.ShouldBe(0, again.Error);

        var shown = await RunAsync("datasets", "show", "--db", DbPath, "--project", "Helpdesk", "--dataset", "Urgency", "--json");
        var guides = JsonDocument.Parse(shown.Output).RootElement.GetProperty("labelGuides");
        guides.GetProperty("urgent").GetProperty("description").GetString().ShouldBe("Money or safety at stake today");
        guides.GetProperty("urgent").GetProperty("example").GetString().ShouldBe("My card was charged twice");
        guides.GetProperty("low").GetProperty("description").GetString().ShouldBe("Nice to have");
    }

    [Theory]
    [InlineData("critical=Not a label", "labelGuides.critical")]
    [InlineData("no equals sign", "--label-guide")]
    public async Task Update_WithBadLabelGuide_ExitsOneNamingTheField(string guide, string field)
    {
        var update = await RunAsync("datasets", "update", "--db", DbPath, "--project", "Helpdesk", "--dataset", "Urgency", "--label-guide", guide);

        update.ExitCode.ShouldBe(1);
        update.Error.ShouldContain(field);
    }

    [Fact]
    public async Task ArchiveThenRestore_TakesTheDatasetOutOfTheListAndBack()
    {
        var archive = await RunAsync("datasets", "archive", "Urgency", "--db", DbPath, "--project", "Helpdesk");
        archive.ExitCode.ShouldBe(0, archive.Error);
        archive.Output.ShouldContain("archived dataset 'Urgency'");

        (await RunAsync("datasets", "list", "--db", DbPath, "--project", "Helpdesk")).Output.ShouldNotContain("Urgency");
        (await RunAsync("datasets", "list", "--db", DbPath, "--project", "Helpdesk", "--include-archived")).Output.ShouldContain("Urgency (archived)");

        var restore = await RunAsync("datasets", "restore", "Urgency", "--db", DbPath, "--project", "Helpdesk");
        restore.ExitCode.ShouldBe(0, restore.Error);
        (await RunAsync("datasets", "list", "--db", DbPath, "--project", "Helpdesk")).Output.ShouldContain("Urgency");
    }

    [Fact]
    public async Task Archive_WithoutDataset_IsAUsageError() =>
        (await RunAsync("datasets", "archive", "--db", DbPath, "--project", "Helpdesk")).ExitCode.ShouldBe(2);
}
