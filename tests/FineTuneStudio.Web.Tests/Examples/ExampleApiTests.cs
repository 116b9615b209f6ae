using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Web.Tests.Examples;

[Collection(StudioAppCollection.Name)]
public sealed class ExampleApiTests(StudioAppFactory app)
{
    [Fact]
    public async Task List_DemoDataset_PagesAndFiltersOnTheServer()
    {
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        var datasetId = await app.QueryAsync(db => db.Datasets.Where(d => d.Name == "Ticket urgency").Select(d => d.Id).SingleAsync());
        var critical = await app.QueryAsync(db => db.Examples.CountAsync(e => e.DatasetId == datasetId && e.Label == "critical"));

        var page = (await lead.GetFromJsonAsync<ExamplePage>($"api/datasets/{datasetId}/examples?label=critical&pageSize=7&page=1"))!;

        page.Total.ShouldBe(critical);
        page.Items.Count.ShouldBe(Math.Min(7, critical - 7));
        page.Items.ShouldAllBe(r => r.Label == "critical");
        page.Items.Select(r => r.Id).ShouldBeInOrder();
    }

    [Fact]
    public async Task Labeler_CannotApproveRejectOrBulkEdit()
    {
        var dataset = await app.CreateUrgencyDatasetAsync();
        var (labeler, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);
        using var _ = labeler;
        var example = await StudioAppFactory.CreateExampleAsync(labeler, dataset.Id, "Login page is slow");

        await labeler.PostAsJsonAsync($"api/examples/{example.Id}/review", new ReviewInput(ReviewAction.Approve)).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await labeler.PostAsJsonAsync($"api/datasets/{dataset.Id}/examples/bulk", new BulkInput([example.Id], BulkAction.Approve)).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await labeler.GetAsync($"api/datasets/{dataset.Id}/disagreements").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        (await app.QueryAsync(db => db.Examples.SingleAsync(e => e.Id == example.Id))).Status.ShouldBe(ExampleStatus.Draft);

        var (owner, _, _) = await app.TokenClientAsync(StudioRoles.ProductOwner);
        using (owner)
        {
            await owner.GetAsync($"api/examples/{example.Id}").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        }

        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using (lead)
        {
            var approved = await lead.PostAsJsonAsync($"api/examples/{example.Id}/review", new ReviewInput(ReviewAction.Approve, Version: example.Version));
            await approved.ShouldHaveStatusAsync(HttpStatusCode.OK);
            (await approved.Content.ReadFromJsonAsync<ExampleDetail>())!.Status.ShouldBe(ExampleStatus.Approved);
        }
    }

    [Fact]
    public async Task Put_StaleVersion_Is409WithBothVersions_AndNothingIsOverwritten()
    {
        var dataset = await app.CreateUrgencyDatasetAsync();
        var (labeler, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = labeler;
        using var __ = lead;
        var loaded = await StudioAppFactory.CreateExampleAsync(labeler, dataset.Id, "Invoices are wrong");

        var first = await lead.PutAsJsonAsync($"api/examples/{loaded.Id}", ExampleInput.From(loaded) with { Notes = "lead's note" });
        await first.ShouldHaveStatusAsync(HttpStatusCode.OK);

        var stale = await labeler.PutAsJsonAsync($"api/examples/{loaded.Id}", ExampleInput.From(loaded) with { Notes = "labeler's note" });

        await stale.ShouldHaveStatusAsync(HttpStatusCode.Conflict);
        stale.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        using var problem = JsonDocument.Parse(await stale.Content.ReadAsStringAsync());
        problem.RootElement.GetProperty("current").GetProperty("notes").GetString().ShouldBe("lead's note");
        problem.RootElement.GetProperty("yours").GetProperty("notes").GetString().ShouldBe("labeler's note");
        (await app.QueryAsync(db => db.Examples.SingleAsync(e => e.Id == loaded.Id))).Notes.ShouldBe("lead's note");

        var withoutVersion = await labeler.PutAsJsonAsync($"api/examples/{loaded.Id}", ExampleInput.From(loaded) with { Version = null });
        await withoutVersion.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Put_LabelerChangingLabelSplitOrTags_Is400NamingEachField_UnchangedEditsStillSave()
    {
        var dataset = await app.CreateUrgencyDatasetAsync();
        var (labeler, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = labeler;
        using var __ = lead;
        var imported = await StudioAppFactory.CreateExampleAsync(lead, dataset.Id, "Checkout returns 500 for every customer", "critical");

        var relabelled = await labeler.PutAsJsonAsync($"api/examples/{imported.Id}",
            ExampleInput.From(imported) with { Label = "low", Split = SplitPin.Train, Tags = ["mine"] });

        await relabelled.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        using (var problem = JsonDocument.Parse(await relabelled.Content.ReadAsStringAsync()))
        {
            problem.RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldBe(["label", "split", "tags"]);
            problem.RootElement.GetProperty("errors").GetProperty("label")[0].GetString().ShouldBe(ExampleCuration.RefusedMessage);
        }

        var stored = await app.QueryAsync(db => db.Examples.SingleAsync(e => e.Id == imported.Id));
        (stored.Label, stored.Split, stored.Tags.Count).ShouldBe(("critical", SplitPin.Auto, 0));

        // Everything else is still the labeler's to fix, as long as label, split and tags go back as loaded.
        var noted = await labeler.PutAsJsonAsync($"api/examples/{imported.Id}", ExampleInput.From(imported) with { Notes = "customer on the phone" });
        await noted.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var afterNote = (await noted.Content.ReadFromJsonAsync<ExampleDetail>())!;
        (afterNote.Notes, afterNote.Label).ShouldBe(("customer on the phone", "critical"));

        // The labeler's own draft is still theirs to label while they write it.
        var own = await StudioAppFactory.CreateExampleAsync(labeler, dataset.Id, "Typo on the pricing page");
        await labeler.PutAsJsonAsync($"api/examples/{own.Id}", ExampleInput.From(own) with { Label = "low" }).ShouldHaveStatusAsync(HttpStatusCode.OK);

        // Reviewers keep the power.
        var byLead = await lead.PutAsJsonAsync($"api/examples/{imported.Id}", ExampleInput.From(afterNote) with { Label = "high", Split = SplitPin.Test, Tags = ["vip"] });
        await byLead.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var final = (await byLead.Content.ReadFromJsonAsync<ExampleDetail>())!;
        (final.Label, final.Split, final.Tags.Single()).ShouldBe(("high", SplitPin.Test, "vip"));
    }

    [Fact]
    public async Task Annotations_LabelerSeesOthersOnlyAfterSubmittingOwn()
    {
        var dataset = await app.CreateUrgencyDatasetAsync();
        using var first = await app.SignInAsync("labeler1@demo.local");
        using var second = await app.SignInAsync("labeler2@demo.local");
        var example = await StudioAppFactory.CreateExampleAsync(first, dataset.Id, "Checkout returns 500 for every customer");

        await second.PutAsJsonAsync($"api/examples/{example.Id}/annotations/mine", new AnnotationInput("critical", Comment: "outage", SecondsSpent: 30, Submit: true))
            .ShouldHaveStatusAsync(HttpStatusCode.OK);

        // Before submitting: no trace of labeler2's judgement anywhere labeler1 can look.
        var beforeAnnotations = await first.GetStringAsync($"api/examples/{example.Id}/annotations");
        var beforeExample = await first.GetStringAsync($"api/examples/{example.Id}");
        var beforeQueue = await first.GetStringAsync($"api/datasets/{dataset.Id}/queue/next");
        beforeAnnotations.ShouldBe("[]");
        beforeExample.ShouldNotContain("outage");
        beforeQueue.ShouldNotContain("outage");
        JsonDocument.Parse(beforeExample).RootElement.GetProperty("annotations").GetArrayLength().ShouldBe(0);
        using var queue = JsonDocument.Parse(beforeQueue);
        queue.RootElement.GetProperty("example").GetProperty("id").GetInt32().ShouldBe(example.Id);
        queue.RootElement.GetProperty("example").GetProperty("annotations").GetArrayLength().ShouldBe(0);
        queue.RootElement.GetProperty("mine").ValueKind.ShouldBe(JsonValueKind.Null);

        await first.PutAsJsonAsync($"api/examples/{example.Id}/annotations/mine", new AnnotationInput("high", SecondsSpent: 20, Submit: true))
            .ShouldHaveStatusAsync(HttpStatusCode.OK);
        var after = (await first.GetFromJsonAsync<List<AnnotationView>>($"api/examples/{example.Id}/annotations"))!;
        after.Select(a => a.Label).Order().ShouldBe(["critical", "high"]);

        // Two required, and they disagree: the example waits for the reviewer.
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using (lead)
        {
            var disagreements = (await lead.GetFromJsonAsync<List<Disagreement>>($"api/datasets/{dataset.Id}/disagreements"))!;
            disagreements.Select(d => d.Example.Id).ShouldBe([example.Id]);
            var adjudicated = await lead.PostAsJsonAsync($"api/examples/{example.Id}/review",
                new ReviewInput(ReviewAction.Adjudicate, Label: "critical", Version: disagreements.Single().Example.Version));
            (await adjudicated.Content.ReadFromJsonAsync<ExampleDetail>())!.Label.ShouldBe("critical");
        }
    }

    [Fact]
    public async Task ReviewAndBulkApproval_OfAnExampleChangedSinceItWasLoaded_Are409_AndApproveNothing()
    {
        var dataset = await app.CreateUrgencyDatasetAsync();
        var (labeler, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = labeler;
        using var __ = lead;
        var seen = await StudioAppFactory.CreateExampleAsync(labeler, dataset.Id, "Invoices are wrong");
        var other = await StudioAppFactory.CreateExampleAsync(labeler, dataset.Id, "Export is slow");
        // The reviewer has the list open; the labeler edits one of the examples.
        await labeler.PutAsJsonAsync($"api/examples/{seen.Id}", ExampleInput.From(seen) with { Notes = "actually a refund request" }).ShouldSucceedAsync();

        var review = await lead.PostAsJsonAsync($"api/examples/{seen.Id}/review", new ReviewInput(ReviewAction.Approve, Version: seen.Version));
        var bulk = await lead.PostAsJsonAsync($"api/datasets/{dataset.Id}/examples/bulk",
            new BulkInput([seen.Id, other.Id], BulkAction.Approve, Versions: new Dictionary<int, Guid> { [seen.Id] = seen.Version, [other.Id] = other.Version }));

        await review.ShouldHaveStatusAsync(HttpStatusCode.Conflict);
        using (var problem = JsonDocument.Parse(await review.Content.ReadAsStringAsync()))
        {
            problem.RootElement.GetProperty("detail").GetString().ShouldBe($"Example {seen.Id} was changed by someone else since it was opened.");
            problem.RootElement.GetProperty("current").GetProperty("notes").GetString().ShouldBe("actually a refund request");
        }

        await bulk.ShouldHaveStatusAsync(HttpStatusCode.Conflict);
        (await bulk.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()
            .ShouldBe($"Someone changed example {seen.Id} since you loaded the list; nothing was changed. Reload the list, check them and try again.");
        (await app.QueryAsync(db => db.Examples.Where(e => e.DatasetId == dataset.Id).Select(e => e.Status).ToListAsync())).ShouldAllBe(s => s == ExampleStatus.Draft);

        // Without the version seen, nothing is decided either.
        var blindReview = await lead.PostAsJsonAsync($"api/examples/{seen.Id}/review", new ReviewInput(ReviewAction.Approve));
        await blindReview.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await blindReview.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("version")[0].GetString()
            .ShouldBe("send the version of the example you reviewed, so a change made since is never approved unseen");
        var blindBulk = await lead.PostAsJsonAsync($"api/datasets/{dataset.Id}/examples/bulk", new BulkInput([seen.Id], BulkAction.Reject, Reason: "dup"));
        await blindBulk.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await blindBulk.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("versions")[0].GetString()
            .ShouldBe($"send the version you loaded of every example to approve or reject; missing for {seen.Id}");

        // Reloaded, the reviewer decides on what is stored.
        var reloaded = await StudioAppFactory.LoadExampleAsync(lead, seen.Id);
        await lead.PostAsJsonAsync($"api/examples/{seen.Id}/review", new ReviewInput(ReviewAction.Approve, Version: reloaded.Version)).ShouldHaveStatusAsync(HttpStatusCode.OK);
        await lead.PostAsJsonAsync($"api/datasets/{dataset.Id}/examples/bulk",
            new BulkInput([other.Id], BulkAction.Approve, Versions: new Dictionary<int, Guid> { [other.Id] = other.Version })).ShouldHaveStatusAsync(HttpStatusCode.OK);
        (await app.QueryAsync(db => db.Examples.Where(e => e.DatasetId == dataset.Id).Select(e => e.Status).ToListAsync())).ShouldAllBe(s => s == ExampleStatus.Approved);
    }

    [Fact]
    public async Task Queue_EmptyQueue_Is204()
    {
        var dataset = await app.CreateUrgencyDatasetAsync();
        var (labeler, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);
        using var _ = labeler;
        await labeler.GetAsync($"api/datasets/{dataset.Id}/queue/next").ShouldHaveStatusAsync(HttpStatusCode.NoContent);
    }
}
