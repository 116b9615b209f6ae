using System.Text.Json;
using FineTuneStudio.Cli;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Projects;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Tests.Support.CliRun;
using FineTuneStudio.Core.Tests.Support;

namespace FineTuneStudio.Core.Tests.Cli;

public sealed class CliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-cli-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    [Fact]
    public async Task Migrate_OnNewFile_CreatesTheDatabase()
    {
        var result = await RunAsync("migrate", "--db", DbPath);

        result.ExitCode.ShouldBe(0, result.Error);
        result.Output.ShouldContain("database is up to date");
        File.Exists(DbPath).ShouldBeTrue();
    }

    [Fact]
    public async Task ProjectsList_OnMissingFile_Exits1AndNamesTheFile()
    {
        var result = await RunAsync("projects", "list", "--db", DbPath);

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain(DbPath);
        result.Error.ShouldContain("fts migrate");
        File.Exists(DbPath).ShouldBeFalse();
    }

    [Fact]
    public async Task UsersAdd_ThenListAsJson_ShowsTheUserWithRoles()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);

        var added = await RunAsync("users", "add", "--db", DbPath, "--email", "kim@example.test", "--role", "Labeler", "--role", "mllead", "--password", "long-enough-1");
        added.ExitCode.ShouldBe(0, added.Error);
        added.Output.ShouldContain("added kim@example.test (Labeler, MlLead)");

        var listed = await RunAsync("users", "list", "--db", DbPath, "--json");
        using var json = JsonDocument.Parse(listed.Output);
        var user = json.RootElement.EnumerateArray().Single();
        user.GetProperty("email").GetString().ShouldBe("kim@example.test");
        user.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldBe(["Labeler", "MlLead"]);
    }

    [Fact]
    public async Task UsersAdd_WithUnknownRole_Exits1NamingTheRoleAndAddsNobody()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);

        var result = await RunAsync("users", "add", "--db", DbPath, "--email", "kim@example.test", "--role", "Owner", "--password", "long-enough-1");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("role: 'Owner' is not a role");
        (await RunAsync("users", "list", "--db", DbPath, "--json")).Output.Trim().ShouldBe("[]");
    }

    [Theory]
    [InlineData("users", "add", "--email", "x@example.test")]
    [InlineData("no-such-command")]
    [InlineData("projects", "list", "--provider", "oracle")]
    public async Task UsageErrors_Exit2(params string[] args)
    {
        var result = await RunAsync(args);
        result.ExitCode.ShouldBe(2);
        result.Error.ShouldContain("error:");
    }

    [Fact]
    public async Task PostgresProvider_WithoutConnection_IsAUsageError()
    {
        var result = await RunAsync("projects", "list", "--provider", "postgres");
        result.ExitCode.ShouldBe(2);
        result.Error.ShouldContain("--connection");
    }

    [Fact]
    public async Task ProjectsAndDatasetsList_ShowWhatTheServicesCreated()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        var settings = new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(DbPath));
        var factory = new SettingsDbContextFactory(settings);
        var clock = TimeProvider.System;
        var project = await new ProjectService(factory, clock).CreateAsync(new ProjectInput("Refunds", null), Actor.System, default);
        await new Core.Datasets.DatasetService(factory, clock).CreateAsync(project.Id, new Core.Datasets.DatasetInput("Requests", Domain.TaskKind.Chat), Actor.System, default);

        var projects = await RunAsync("projects", "list", "--db", DbPath, "--json");
        using (var json = JsonDocument.Parse(projects.Output))
        {
            json.RootElement.EnumerateArray().Single().GetProperty("name").GetString().ShouldBe("Refunds");
        }

        var datasets = await RunAsync("datasets", "list", "--db", DbPath, "--project", "Refunds");
        datasets.ExitCode.ShouldBe(0, datasets.Error);
        datasets.Output.ShouldContain("Requests");
        datasets.Output.ShouldContain("Chat");

        var missing = await RunAsync("datasets", "list", "--db", DbPath, "--project", "Nope");
        missing.ExitCode.ShouldBe(1);
        missing.Error.ShouldContain("--project: no project with id or name 'Nope'");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
