using System.Text;
using System.Text.Json;
using FineTuneStudio.Cli;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Cli;

public sealed class QualityCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-quality-cli-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    /// <summary>Wikipedia's Cohen example: A yes/B yes 20, yes/no 5, no/yes 10, no/no 15.</summary>
    private string WriteWikipediaCohenCsv()
    {
        var csv = new StringBuilder("item,rater,label\n");
        var item = 0;
        foreach (var (a, b, times) in new[] { ("yes", "yes", 20), ("yes", "no", 5), ("no", "yes", 10), ("no", "no", 15) })
        {
            for (var i = 0; i < times; i++)
            {
                item++;
                csv.Append($"i{item},A,{a}\ni{item},B,{b}\n");
            }
        }

        return Write("cohen.csv", csv.ToString());
    }

    [Fact]
    public async Task Agreement_Cohen_OnTheWikipediaExample_Prints04Fair()
    {
        var path = WriteWikipediaCohenCsv();

        var result = await RunAsync("agreement", path, "--metric", "cohen");

        // p_o = 35/50 = 0.7; p_e = 0.5·0.6 + 0.5·0.4 = 0.5; kappa = (0.7 - 0.5) / 0.5 = 0.4.
        result.ExitCode.ShouldBe(0, result.Error);
        result.Output.ShouldContain("Cohen's kappa: 0.400 (Fair)");
        result.Output.ShouldContain("100 ratings, 2 raters, 50 items");
    }

    [Fact]
    public async Task Agreement_Json_GivesTheCoefficientAndReading()
    {
        var path = WriteWikipediaCohenCsv();

        var result = await RunAsync("agreement", path, "--metric", "cohen", "--json");

        result.ExitCode.ShouldBe(0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        json.RootElement.GetProperty("coefficient").GetDouble().ShouldBe(0.4, 1e-9);
        json.RootElement.GetProperty("reading").GetString().ShouldBe("Fair");
        json.RootElement.GetProperty("metric").GetString().ShouldBe("Cohen");
    }

    [Fact]
    public async Task Agreement_CohenWithThreeRaters_Exits1WithAClearMessage()
    {
        var path = Write("three.csv", "item,rater,label\n1,A,x\n1,B,x\n1,C,y\n2,A,y\n2,B,y\n2,C,y\n");

        var result = await RunAsync("agreement", path, "--metric", "cohen");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("exactly two raters");
        result.Error.ShouldContain("fleiss or krippendorff");
    }

    [Fact]
    public async Task Agreement_BadRows_Exit1NamingTheLines()
    {
        var path = Write("bad.csv", "item,rater,label\n1,A,x\n,B,x\n2,,y\n");

        var result = await RunAsync("agreement", path, "--metric", "krippendorff");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("line 3: item:");
        result.Error.ShouldContain("line 4: rater:");
        result.Output.ShouldBeEmpty();
    }

    [Fact]
    public async Task Agreement_Krippendorff_WithMissingRatings_HandComputedNominal()
    {
        // Units: u1 (a, a), u2 (a, b), u3 (b, b, -) with a gap for C on u3 and C only on u1 (a).
        // Pairable values: u1 a,a,a (3); u2 a,b (2); u3 b,b (2). n = 7.
        // Observed coincidences: u1 a-a 6/(3-1) = 3; u2 a-b and b-a 1 each; u3 b-b 2/(2-1) = 2.
        // o_aa 3, o_ab 1, o_ba 1, o_bb 2; n_a 4, n_b 3. D_o = (1+1)/7; D_e = (4·3 + 3·4)/(7·6) = 24/42.
        // alpha = 1 - (2/7)/(24/42) = 1 - 0.5 = 0.5.
        var path = Write("alpha.csv", "item,rater,label\nu1,A,a\nu1,B,a\nu1,C,a\nu2,A,a\nu2,B,b\nu3,A,b\nu3,B,b\nu3,C,\n");

        var result = await RunAsync("agreement", path, "--metric", "krippendorff", "--json");

        result.ExitCode.ShouldBe(0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        json.RootElement.GetProperty("coefficient").GetDouble().ShouldBe(0.5, 1e-9);
        json.RootElement.GetProperty("reading").GetString().ShouldBe("Unreliable");
    }

    [Fact]
    public async Task Analyze_Json_PrintsTheReportAndStoresARun()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        await using (var db = Open())
        {
            var now = DateTime.UtcNow;
            var dataset = new Dataset { Name = "Tickets", Project = new Project { Name = "Triage", CreatedAt = now, UpdatedAt = now }, CreatedAt = now, UpdatedAt = now };
            foreach (var text in new[] { "Refund the order I placed on Monday please", "Refund the order I placed on Monday please", "Where is my parcel it is late" })
            {
                var example = new Example { Dataset = dataset, Status = ExampleStatus.Approved, CreatedAt = now, UpdatedAt = now, Version = Guid.NewGuid() };
                new ExampleContent([new MessageContent(MessageRole.User, text), new MessageContent(MessageRole.Assistant, "We are on it.")]).ApplyTo(example);
                db.Examples.Add(example);
            }

            await db.SaveChangesAsync();
        }

        var result = await RunAsync("analyze", "--db", DbPath, "--project", "Triage", "--dataset", "Tickets", "--json");

        result.ExitCode.ShouldBe(0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var report = json.RootElement.GetProperty("report");
        report.GetProperty("examplesAnalyzed").GetInt32().ShouldBe(3);
        var duplicate = report.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("type").GetString() == "ExactDuplicate");
        duplicate.GetProperty("count").GetInt32().ShouldBe(1);
        json.RootElement.GetProperty("isStale").GetBoolean().ShouldBeFalse();

        var human = await RunAsync("analyze", "--db", DbPath, "--project", "Triage", "--dataset", "Tickets");
        human.ExitCode.ShouldBe(0, human.Error);
        human.Output.ShouldContain("Tickets: 3 examples analysed");
        human.Output.ShouldContain("ExactDuplicate");

        await using var check = Open();
        (await check.QualityRuns.CountAsync(r => r.Status == QualityRunStatus.Completed)).ShouldBe(2);
        // The command line analysed under the dataset's claim and gave it back.
        (await check.JobLeases.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Analyze_UnknownDataset_Exits1NamingTheOption()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        await using (var db = Open())
        {
            db.Projects.Add(new Project { Name = "Triage", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        var result = await RunAsync("analyze", "--db", DbPath, "--project", "Triage", "--dataset", "Nope");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("--dataset");
    }

    [Fact]
    public async Task Analyze_WhileAnotherInstanceAnalysesTheDataset_Exits1_AndStartsNothing()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        await using (var db = Open())
        {
            var now = DateTime.UtcNow;
            var dataset = new Dataset { Name = "Tickets", Project = new Project { Name = "Triage", CreatedAt = now, UpdatedAt = now }, CreatedAt = now, UpdatedAt = now };
            db.Datasets.Add(dataset);
            await db.SaveChangesAsync();
            // A web instance is analysing the dataset: it holds the dataset's live claim.
            db.JobLeases.Add(new JobLease { Kind = "quality", Key = dataset.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), Owner = "web-1", Token = Guid.NewGuid(), AcquiredAt = now, ExpiresAt = now.AddMinutes(2) });
            await db.SaveChangesAsync();
        }

        var result = await RunAsync("analyze", "--db", DbPath, "--project", "Triage", "--dataset", "Tickets");

        result.ExitCode.ShouldBe(1, result.Output);
        result.Error.ShouldContain("running on another instance");
        await using var check = Open();
        (await check.QualityRuns.CountAsync()).ShouldBe(0);
        (await check.JobLeases.SingleAsync()).Owner.ShouldBe("web-1");
    }

    private StudioDbContext Open() =>
        new SqliteStudioDbContext(new DbContextOptionsBuilder<SqliteStudioDbContext>().UseSqlite(StudioDatabaseSettings.SqliteConnectionFor(DbPath)).Options);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
