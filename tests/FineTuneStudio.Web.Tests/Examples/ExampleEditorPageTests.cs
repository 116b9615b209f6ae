using System.Security.Claims;
using Bunit;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Components.Pages.Examples;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using MudBlazor.Services;

namespace FineTuneStudio.Web.Tests.Examples;

/// <summary>The editor as a labeler sees it, over the real services of the test host.</summary>
[Collection(StudioAppCollection.Name)]
public sealed class ExampleEditorPageTests(StudioAppFactory app)
{
    [Fact]
    public async Task Labeler_PicksALabelOnSomeoneElsesExample_ItIsSavedAsTheirAnnotation_AndTheExampleKeepsItsLabel()
    {
        var dataset = await app.CreateUrgencyDatasetAsync();
        var example = await app.SeedExampleAsync(dataset.Id, StudioAppFactory.TicketInput("Checkout returns 500 for every customer", "critical"));
        var labelerId = await app.QueryAsync(db => db.Users.Where(u => u.Email == "labeler1@demo.local").Select(u => u.Id).SingleAsync());
        await using var ctx = new BunitContext();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        app.AddExampleEditorServicesTo(ctx.Services);
        var auth = ctx.AddAuthorization();
        auth.SetAuthorized("labeler1@demo.local");
        auth.SetRoles(StudioRoles.Labeler);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, labelerId));
        ctx.Render<MudPopoverProvider>();

        var page = ctx.Render<ExampleEditorPage>(p => p.Add(x => x.ProjectId, dataset.ProjectId).Add(x => x.ExampleId, example.Id));
        // The first render reads the example from the database; on a busy machine that takes longer than bUnit's 1 s default.
        page.WaitForElement("[data-testid=label-heading]", TimeSpan.FromSeconds(10)).TextContent.ShouldBe("Your label (saved as your annotation)");
        page.Find("input[disabled]").ShouldNotBeNull(); // tags (and split) are the reviewers'
        await page.FindAll("[data-testid=label-chips] .mud-chip").Single(c => c.TextContent.Contains("low", StringComparison.Ordinal)).ClickAsync(new MouseEventArgs());
        await page.Find("[data-testid=save]").ClickAsync(new MouseEventArgs());

        page.FindAll("[data-testid=error-text]").ShouldBeEmpty();
        var stored = await app.QueryAsync(db => db.Examples.Include(e => e.Annotations).SingleAsync(e => e.Id == example.Id));
        stored.Label.ShouldBe("critical");
        stored.Annotations.Select(a => (a.LabelerId, a.Label, a.Submitted)).ShouldBe([(labelerId, "low", false)]);
    }
}
