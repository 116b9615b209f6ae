using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Tests.Evaluation;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Web.Tests.Suggestions;

[Collection(StudioAppCollection.Name)]
public sealed class SuggestionApiTests(StudioAppFactory app)
{
    /// <summary>A fresh urgency dataset (critical, high, normal, low) with the tickets given, as drafts; their ids.</summary>
    private async Task<(int DatasetId, int[] Ids)> TicketsAsync(params string[] texts)
    {
        var dataset = await app.CreateUrgencyDatasetAsync(requiredAnnotations: 1);
        var ids = new List<int>();
        foreach (var text in texts)
        {
            ids.Add((await app.SeedExampleAsync(dataset.Id, StudioAppFactory.TicketInput(text))).Id);
        }

        return (dataset.Id, [.. ids]);
    }

    [Fact]
    public async Task Import_AsLead_StoresSuggestions_ThatTheLabelerReadsAndTheirAnnotationKeeps()
    {
        var (datasetId, ids) = await TicketsAsync("the site is down", "typo on the about page");
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        var (labeler, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);
        using var _ = lead;
        using var __ = labeler;
        using var form = StudioAppFactory.FileForm("model.jsonl", $$"""{"example_id": {{ids[0]}}, "label": "critical", "confidence": 0.93}""");

        var response = await lead.PostAsync($"api/datasets/{datasetId}/suggestions/import", form);

        await response.ShouldSucceedAsync();
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        result.GetProperty("stored").GetInt32().ShouldBe(1);
        var suggestion = await labeler.GetFromJsonAsync<JsonElement>($"api/examples/{ids[0]}/suggestion");
        suggestion.GetProperty("label").GetString().ShouldBe("critical");
        suggestion.GetProperty("source").GetString().ShouldBe("file model.jsonl");
        suggestion.GetProperty("confidence").GetDouble().ShouldBe(0.93);
        await labeler.GetAsync($"api/examples/{ids[1]}/suggestion").ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        await app.SaveAnnotationAsAsync(StudioAppFactory.Demo(StudioRoles.Labeler), ids[0], new AnnotationInput("high", Submit: true));
        var kept = await app.QueryAsync(db => db.Annotations.Where(a => a.ExampleId == ids[0]).Select(a => new { a.Label, a.SuggestedLabel, a.SuggestionSource }).SingleAsync());
        kept.ShouldBe(new { Label = (string?)"high", SuggestedLabel = (string?)"critical", SuggestionSource = (string?)"file model.jsonl" });
    }

    [Fact]
    public async Task Import_ABadLine_Is400NamingLineAndField_AndALabelerMayNotImport()
    {
        var (datasetId, ids) = await TicketsAsync("the site is down");
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        var (labeler, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);
        using var _ = lead;
        using var __ = labeler;
        using var bad = StudioAppFactory.FileForm("model.csv", $"example_id,label\n{ids[0]},urgentish\n");
        using var good = StudioAppFactory.FileForm("model.csv", $"example_id,label\n{ids[0]},low\n");

        var response = await lead.PostAsync($"api/datasets/{datasetId}/suggestions/import", bad);
        var forbidden = await labeler.PostAsync($"api/datasets/{datasetId}/suggestions/import", good);

        await response.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        var body = await response.Content.ReadAsStringAsync();
        body.ShouldContain("urgentish");
        body.ShouldContain("label");
        await forbidden.ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        (await app.QueryAsync(db => db.LabelSuggestions.CountAsync(s => s.ExampleId == ids[0]))).ShouldBe(0);
    }

    [Fact]
    public async Task FromEndpoint_AsksTheScriptedEndpoint_AndCountsAnswersThatAreNoLabel()
    {
        var (datasetId, ids) = await TicketsAsync("the site is down", "what colour is the logo");
        await using var server = ScriptedChatServer.Start((text, _) => FakeReply.Text(text == "the site is down" ? "critical" : "purple"));
        var endpoint = app.AddGenerationEndpoint(server.BaseUrl);
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;

        var response = await lead.PostAsJsonAsync($"api/datasets/{datasetId}/suggestions/from-endpoint", new { endpoint });

        await response.ShouldSucceedAsync();
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        (result.GetProperty("stored").GetInt32(), result.GetProperty("notALabel").GetInt32()).ShouldBe((1, 1));
        (await app.QueryAsync(db => db.LabelSuggestions.Where(s => ids.Contains(s.ExampleId)).Select(s => s.Label).ToListAsync())).ShouldBe(["critical"]);
    }

    [Fact]
    public async Task FromRun_ARunOfTheDemoProjectsEvalSet_MatchesNothingInAFreshDataset_AndAnUnknownRunIs404()
    {
        var (datasetId, _) = await TicketsAsync("a ticket no eval item has");
        var demo = await app.DemoEvaluationAsync();
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;

        var response = await lead.PostAsync($"api/datasets/{datasetId}/suggestions/from-run/{demo.BaselineRunId}", null);
        var missing = await lead.PostAsync($"api/datasets/{datasetId}/suggestions/from-run/987654", null);

        await response.ShouldSucceedAsync();
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        result.GetProperty("stored").GetInt32().ShouldBe(0);
        result.GetProperty("unmatched").GetInt32().ShouldBeGreaterThan(0);
        await missing.ShouldHaveStatusAsync(HttpStatusCode.NotFound);
    }
}
