using System.Text;
using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Evaluation;

/// <summary>An ML lead imports a run's outputs from the Runs page.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RunImportTests(BrowserFixture browser)
{
    [Fact]
    public async Task MlLead_DoubleClicksImport_TheRunIsRecordedOnce()
    {
        var (projectId, _) = await browser.App.CreateImportTargetAsync();
        await browser.App.CreateEvalSetAsync(projectId, "Held-out", string.Join('\n', Enumerable.Range(1, 2_000)
            .Select(i => $$"""{"id": "t-{{i}}", "expected": "{{(i % 2 == 0 ? "high" : "low")}}", "input": "Ticket {{i}}: the export page times out"}""")), ["exact"]);
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{projectId}/evaluation/runs");
        await BrowserFixture.WaitForCircuitAsync(page);

        await page.Locator("input[data-testid=run-name], [data-testid=run-name] input").FillAsync("prompted");
        var outputs = "id,output\n" + string.Concat(Enumerable.Range(1, 2_000).Select(i => $"t-{i},{(i % 4 == 0 ? "low" : i % 2 == 0 ? "high" : "low")}\n"));
        await page.Locator("[data-testid=run-file]").SetInputFilesAsync(new FilePayload { Name = "outputs.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(outputs) });
        // The second click lands while the first is still uploading: the button is disabled and the page ignores it.
        await page.Locator("[data-testid=import-run]").DblClickAsync();

        var rows = page.Locator("[data-testid=run-table] tr", new() { HasText = "prompted" });
        await Assertions.Expect(rows).ToContainTextAsync("1500 / 2000");
        await Assertions.Expect(page.Locator("[data-testid=import-run-progress]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=error-text]")).ToHaveCountAsync(0);
        (await browser.App.RunNamesAsync(projectId)).ShouldBe(["prompted"]);
        await page.Context.CloseAsync();
    }
}
