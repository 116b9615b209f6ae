using System.Text.Json.Nodes;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Quality;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Tests.Suggestions;

/// <summary>
/// Eight approved examples, each labeled by Ann and Bob. Examples 1-4 were labeled with the suggestion "a" on screen,
/// 5-8 without one. Worked out by hand:
///
/// | example | approved | suggested | Ann | Bob |
/// |---|---|---|---|---|
/// | 1 | a | a | a | a |
/// | 2 | a | a | a | a |
/// | 3 | b | a | a | a |
/// | 4 | b | a | a | b |
/// | 5 | a | – | a | a |
/// | 6 | b | – | b | b |
/// | 7 | a | – | a | b |
/// | 8 | b | – | b | b |
///
/// With: accepted 7 of 8 (Bob's b on 4 is the one override); accuracy (2 + 3) / 8 = 0.625. Fleiss' kappa, two
/// ratings per example: P̄ = (1 + 1 + 1 + 0) / 4 = 0.75; p(a) = 7/8, p(b) = 1/8, Pe = 49/64 + 1/64 = 0.78125;
/// kappa = (0.75 − 0.78125) / (1 − 0.78125) = −1/7 ≈ −0.142857: agreeing by following the suggestion is chance level.
/// Without: accuracy (4 + 3) / 8 = 0.875. P̄ = (1 + 1 + 0 + 1) / 4 = 0.75; p(a) = 3/8, p(b) = 5/8,
/// Pe = 9/64 + 25/64 = 0.53125; kappa = 0.21875 / 0.46875 = 7/15 ≈ 0.466667.
/// </summary>
public sealed class SuggestionComparisonTests : IAsyncLifetime
{
    private readonly ManualClock _clock = new(Seed.DefaultNow);
    private TestDatabase _database = null!;
    private QualityService _quality = null!;
    private int _datasetId;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _quality = new QualityService(_database, _clock, Options.Create(new QualityThresholds()));
        var seed = new Seed(_database);
        var dataset = await seed.DatasetAsync("Triage", "Tickets", "a", "b");
        _datasetId = dataset.DatasetId;
        (string Approved, string? Suggested, string Ann, string Bob)[] rows =
        [
            ("a", "a", "a", "a"), ("a", "a", "a", "a"), ("b", "a", "a", "a"), ("b", "a", "a", "b"),
            ("a", null, "a", "a"), ("b", null, "b", "b"), ("a", null, "a", "b"), ("b", null, "b", "b"),
        ];
        var ids = await seed.ExamplesAsync(_datasetId, ExampleStatus.Approved, rows.Select((r, i) => Seed.Chat($"ticket number {i + 1} about something", "", r.Approved)));
        await using var db = _database.CreateDbContext();
        db.Users.AddRange(new StudioUser { Id = "ann", UserName = "ann@test", Email = "ann@test", DisplayName = "Ann" },
            new StudioUser { Id = "bob", UserName = "bob@test", Email = "bob@test", DisplayName = "Bob" });
        for (var i = 0; i < rows.Length; i++)
        {
            foreach (var (labeler, label) in new[] { ("ann", rows[i].Ann), ("bob", rows[i].Bob) })
            {
                var annotation = Annotation.Start(labeler, _clock.UtcNow);
                annotation.ExampleId = ids[i];
                annotation.RecordShownSuggestion(rows[i].Suggested, rows[i].Suggested is null ? null : "eval run 1");
                annotation.Record(label, null, null, "", 10, submit: true, _clock.UtcNow);
                db.Annotations.Add(annotation);
            }
        }

        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task RunAsync_AnnotationsWithAndWithoutASuggestion_AreComparedSideBySide()
    {
        var result = await _quality.RunAsync(_datasetId, new Auditing.Actor("lead", "Lead"), null, CancellationToken.None);

        var s = result.Report.Suggestions.ShouldNotBeNull();
        (s.Accepted, s.AcceptedShare).ShouldBe((7, 0.875));
        (s.WithSuggestion.Annotations, s.WithSuggestion.Examples, s.WithSuggestion.ComparedWithReference).ShouldBe((8, 4, 8));
        s.WithSuggestion.Accuracy.ShouldBe(0.625);
        s.WithSuggestion.Agreement!.FleissKappa!.Value.ShouldBe(-1.0 / 7, 1e-9);
        s.WithSuggestion.Agreement.OverallKappa()!.Value.ShouldBe(-1.0 / 7, 1e-9);
        (s.WithoutSuggestion.Annotations, s.WithoutSuggestion.Examples).ShouldBe((8, 4));
        s.WithoutSuggestion.Accuracy.ShouldBe(0.875);
        s.WithoutSuggestion.Agreement!.OverallKappa()!.Value.ShouldBe(7.0 / 15, 1e-9);
    }

    [Fact]
    public async Task LatestAsync_AReportStoredBeforeTheComparisonExisted_StillLoads()
    {
        await _quality.RunAsync(_datasetId, new Auditing.Actor("lead", "Lead"), null, CancellationToken.None);
        await using (var db = _database.CreateDbContext())
        {
            var run = db.QualityRuns.Single();
            var json = JsonNode.Parse(run.ReportJson)!;
            json["report"]!.AsObject().Remove("suggestions").ShouldBeTrue();
            run.ReportJson = json.ToJsonString();
            await db.SaveChangesAsync();
        }

        var latest = await _quality.LatestAsync(_datasetId, CancellationToken.None);

        latest!.Report.Suggestions.ShouldBeNull();
        latest.Report.ExamplesAnalyzed.ShouldBe(8);
    }

    [Fact]
    public void OverallKappa_WithoutFleiss_WeighsThePairsBySharedItems()
    {
        var summary = new AgreementSummary(3, 3, 6, 3, null, null, null, null,
        [
            new PairAgreement("a", "b", 1, 1, 1.0, null),
            new PairAgreement("a", "c", 3, 0.5, 0.2, null),
        ]);

        // (1 × 1.0 + 3 × 0.2) / 4 = 0.4
        summary.OverallKappa()!.Value.ShouldBe(0.4, 1e-12);
    }
}
