using System.Security.Claims;
using Bunit;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Components.Pages.Examples;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using MudBlazor.Services;

namespace FineTuneStudio.Web.Tests.Suggestions;

[Collection(StudioAppCollection.Name)]
public sealed class SuggestedLabelEditorTests(StudioAppFactory app)
{
    [Fact]
    public async Task Editor_ALabelerWithoutALabel_SeesTheSuggestedChipPreselected_AndAcceptingSubmitsItWithTheSuggestion()
    {
        var dataset = await app.CreateUrgencyDatasetAsync(requiredAnnotations: 1);
        var example = await app.SeedExampleAsync(dataset.Id, StudioAppFactory.TicketInput("Checkout returns 500 for every customer"));
        await app.SuggestLabelAsync(dataset.Id, example.Id, "critical");
        var labelerId = await app.QueryAsync(db => db.Users.Where(u => u.Email == "labeler2@demo.local").Select(u => u.Id).SingleAsync());
        await using var ctx = new BunitContext();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        app.AddExampleEditorServicesTo(ctx.Services);
        var auth = ctx.AddAuthorization();
        auth.SetAuthorized("labeler2@demo.local");
        auth.SetRoles(StudioRoles.Labeler);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, labelerId));
        ctx.Render<MudPopoverProvider>();

        var page = ctx.Render<ExampleEditorPage>(p => p.Add(x => x.ProjectId, dataset.ProjectId).Add(x => x.ExampleId, example.Id));
        // The page loads over the real database; bUnit's 1-second default was too short on a busy 2-core CI run.
        page.WaitForElement("[data-testid=suggestion]", TimeSpan.FromSeconds(10));
        var selected = page.Find("[data-testid=label-chips] .mud-chip-selected");
        selected.TextContent.ShouldContain("critical · suggested (file model.jsonl)");
        await page.Find("[data-testid=suggestion-accept]").ClickAsync(new MouseEventArgs());

        page.FindAll("[data-testid=error-text]").ShouldBeEmpty();
        var stored = await app.QueryAsync(db => db.Annotations.Where(a => a.ExampleId == example.Id).Select(a => new { a.LabelerId, a.Label, a.Submitted, a.SuggestedLabel }).SingleAsync());
        stored.ShouldBe(new { LabelerId = labelerId, Label = (string?)"critical", Submitted = true, SuggestedLabel = (string?)"critical" });
        // Once the labeler has a label of their own, the suggestion is no longer offered.
        page.WaitForAssertion(() => page.FindAll("[data-testid=suggestion]").ShouldBeEmpty(), TimeSpan.FromSeconds(10));
    }
}
