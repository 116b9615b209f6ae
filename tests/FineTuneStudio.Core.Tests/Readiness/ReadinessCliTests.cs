using System.Text.Json;
using FineTuneStudio.Cli;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Readiness;
using Microsoft.EntityFrameworkCore;
using Q = FineTuneStudio.Core.Readiness.ReadinessQuestionIds;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Readiness;

public sealed class ReadinessCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-readiness-cli-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    [Fact]
    public async Task Questionnaire_Json_ListsEveryQuestion()
    {
        var result = await RunAsync("readiness", "questionnaire", "--json");

        result.ExitCode.ShouldBe(0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        json.RootElement.GetProperty("questions").GetArrayLength().ShouldBe(ReadinessQuestionnaire.Questions.Count);
        json.RootElement.GetProperty("dimensions").GetArrayLength().ShouldBe(7);
    }

    [Fact]
    public async Task Evaluate_WithoutProject_PrintsVerdictScoresAndBlockersAndNeedsNoDatabase()
    {
        var file = WriteAnswers(ReadinessAnswerSets.Ready().With($$"""{"{{Q.RetrainingOwner}}": "nobody"}"""));

        var text = await RunAsync("readiness", "evaluate", "--answers", file, "--db", DbPath);
        var json = await RunAsync("readiness", "evaluate", "--answers", file, "--json", "--db", DbPath);

        text.ExitCode.ShouldBe(0, text.Error);
        text.Output.ShouldContain("verdict: ");
        text.Output.ShouldContain("overall score: ");
        text.Output.ShouldContain("blockers:");
        json.ExitCode.ShouldBe(0, json.Error);
        using var doc = JsonDocument.Parse(json.Output);
        var expected = new ReadinessScorer().Score(ReadinessAnswerSets.Ready().With($$"""{"{{Q.RetrainingOwner}}": "nobody"}"""));
        doc.RootElement.GetProperty("verdict").GetString().ShouldBe(expected.Verdict.ToString());
        doc.RootElement.GetProperty("overallScore").GetInt32().ShouldBe(expected.OverallScore);
        doc.RootElement.GetProperty("blockers").EnumerateArray().Select(b => b.GetProperty("questionId").GetString()).ShouldContain(Q.RetrainingOwner);
        File.Exists(DbPath).ShouldBeFalse();
    }

    [Fact]
    public async Task Evaluate_WithBadAnswer_Exits1NamingTheQuestion()
    {
        var file = WriteAnswers(ReadinessAnswerSets.Ready().With($$"""{"{{Q.EvalSet}}": "maybe"}"""));

        var result = await RunAsync("readiness", "evaluate", "--answers", file);

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain($"error: {Q.EvalSet}: 'maybe' is not an option");
        result.Output.ShouldBeEmpty();
    }

    [Fact]
    public async Task Evaluate_WithProject_UsesItsEvidenceAndStoresNothing()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        var options = new DbContextOptionsBuilder<SqliteStudioDbContext>().UseSqlite($"Data Source={DbPath}").Options;
        await using (var db = new SqliteStudioDbContext(options))
        {
            var project = new Project { Name = "Refunds" };
            var dataset = new Dataset { Project = project, Name = "Requests" };
            for (var i = 0; i < 7; i++)
            {
                dataset.Examples.Add(new Example { Status = ExampleStatus.Approved, ContentHash = $"h{i}" });
            }

            db.Datasets.Add(dataset);
            await db.SaveChangesAsync();
        }

        var result = await RunAsync("readiness", "evaluate", "--answers", WriteAnswers(ReadinessAnswerSets.Ready()), "--project", "Refunds", "--json", "--db", DbPath);

        result.ExitCode.ShouldBe(0, result.Error);
        using var doc = JsonDocument.Parse(result.Output);
        doc.RootElement.GetProperty("evidence").GetProperty("approvedExamples").GetInt32().ShouldBe(7);
        doc.RootElement.GetProperty("estimate").GetProperty("examplesNow").GetInt32().ShouldBe(7); // the answer said 800
        await using (var db = new SqliteStudioDbContext(options))
        {
            (await db.Assessments.CountAsync()).ShouldBe(0);
        }
    }

    private string WriteAnswers(Dictionary<string, JsonElement> answers)
    {
        var path = Path.Combine(_folder, $"answers-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(answers));
        return path;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
