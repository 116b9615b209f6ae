using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Tests.Evaluation;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Evaluation;

[Collection(BrowserCollection.Name)]
public sealed class GenerateRunTests(BrowserFixture browser)
{
    private const string Endpoint = "browser-fake";

    private static ILocator Field(IPage page, string testId) => page.Locator($"input[data-testid={testId}], [data-testid={testId}] input").First;

    [Fact]
    public async Task Lead_GeneratesARun_WatchesProgress_CancelsIt_AndSeesTheFailedItemWithItsError()
    {
        var (projectId, _) = await browser.App.CreateGenerationSetAsync(items: 8);
        // Tickets 1-5 answer at once (ticket 3 with a 500 every time); 6-8 hang like a slow model.
        await using var server = ScriptedChatServer.Start((text, _) =>
        {
            var n = int.Parse(text["ticket ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            return n == 3 ? FakeReply.Status(500) : n <= 5 ? FakeReply.Text(n % 2 == 1 ? "high" : "low", 30, 1) : FakeReply.Hang;
        });
        browser.App.AddGenerationEndpoint(server.BaseUrl, name: Endpoint);
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));

        await page.GotoAsync($"projects/{projectId}/evaluation/runs");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Field(page, "generate-name").FillAsync("Small model, first try");
        await Field(page, "generate-name").PressAsync("Tab");
        (await Field(page, "generate-model").InputValueAsync()).ShouldBe("fake-model");
        await page.ClickAsync("[data-testid=generate-run]");

        var count = page.Locator("[data-testid=generation-count]");
        await Assertions.Expect(count).ToHaveTextAsync("5 / 8 items · 1 failed");
        await Assertions.Expect(page.Locator("[data-testid=generation-progress]")).ToContainTextAsync("Generating \"Small model, first try\"");
        await BrowserFixture.ScreenshotAsync(page, "evaluation-generate-progress");

        await page.ClickAsync("[data-testid=generation-cancel]");
        await Assertions.Expect(page.Locator("[data-testid=generation-progress]")).ToHaveCountAsync(0);
        var row = page.Locator("[data-testid=run-table] tr").Filter(new() { HasText = "Small model, first try" });
        await Assertions.Expect(row).ToContainTextAsync("Cancelled");
        await Assertions.Expect(row).ToContainTextAsync(Endpoint);
        await BrowserFixture.ScreenshotAsync(page, "evaluation-generate-cancelled");

        await row.Locator("[data-testid=run-link]").ClickAsync();
        await page.WaitForURLAsync("**/evaluation/runs/*");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=run-error]")).ToContainTextAsync("cancelled after 5 of 8 items");
        await page.ClickAsync("[data-testid=filter-failed]");
        var failed = page.Locator("[data-testid=result-table] tbody tr");
        await Assertions.Expect(failed).ToHaveCountAsync(1);
        await Assertions.Expect(failed.First).ToContainTextAsync("t3");
        await Assertions.Expect(failed.First.Locator("[data-testid=result-error]")).ToContainTextAsync("HTTP 500");
        await BrowserFixture.ScreenshotAsync(page, "evaluation-run-failed-items");
    }

    [Fact]
    public async Task Lead_MakesAnEvalSetFromSelectedExamples_GeneratesARun_AndReadsItItemByItem()
    {
        var (projectId, datasetId) = await browser.App.CreateFeedbackProjectAsync(approvedExamples: 6);
        // Every example expects "high"; the model says "low" for shop 1.
        await using var server = ScriptedChatServer.Start((text, _) => FakeReply.Text(text.Contains("shop 1 ", StringComparison.Ordinal) ? "low" : "high", 40, 2));
        browser.App.AddGenerationEndpoint(server.BaseUrl, name: Endpoint);
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));

        await page.GotoAsync($"projects/{projectId}/examples?dataset={datasetId}");
        await BrowserFixture.WaitForCircuitAsync(page);
        var boxes = page.Locator("[data-testid=example-table] tbody input[type=checkbox]");
        await Assertions.Expect(boxes).ToHaveCountAsync(6);
        for (var i = 0; i < 3; i++)
        {
            await boxes.Nth(i).CheckAsync();
        }

        await page.ClickAsync("[data-testid=bulk-eval-set]");
        await page.WaitForURLAsync("**/evaluation/sets?**");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=chosen-summary]")).ToContainTextAsync("3 example(s) of Urgency chosen");
        await Field(page, "set-name").FillAsync("Shops held-out");
        await Field(page, "set-name").PressAsync("Tab");
        await page.ClickAsync("[data-testid=create-set]");
        var setRow = page.Locator("[data-testid=set-table] tr").Filter(new() { HasText = "Shops held-out" });
        await Assertions.Expect(setRow).ToContainTextAsync("3");
        await BrowserFixture.ScreenshotAsync(page, "evaluation-set-from-examples");

        await page.GotoAsync($"projects/{projectId}/evaluation/runs");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Field(page, "generate-name").FillAsync("Shop answers");
        await Field(page, "generate-name").PressAsync("Tab");
        await page.ClickAsync("[data-testid=generate-run]");
        var row = page.Locator("[data-testid=run-table] tr").Filter(new() { HasText = "Shop answers" });
        await Assertions.Expect(row).ToContainTextAsync("Completed");
        await Assertions.Expect(row).ToContainTextAsync("2 / 3");

        await row.Locator("[data-testid=run-link]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=result-table] tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("[data-testid=run-tokens]")).ToContainTextAsync("126"); // 3 × (40 + 2)
        await Assertions.Expect(page.Locator("[data-testid=run-tokens]")).ToContainTextAsync("120 prompt + 6 completion");
        await Assertions.Expect(page.Locator("[data-testid=run-main-metric]")).ToContainTextAsync("2 of 3 right");
        var shop1 = page.Locator("[data-testid=result-table] tbody tr").Filter(new() { HasText = "shop 1 " });
        await Assertions.Expect(shop1).ToContainTextAsync("wrong");
        await Assertions.Expect(shop1).ToContainTextAsync("40 + 2");
        await BrowserFixture.ScreenshotAsync(page, "evaluation-run-results");
    }

    [Fact]
    public async Task Lead_ResumesARunWhoseInstanceStopped_AndOnlyTheMissingItemsAreGenerated()
    {
        var (projectId, setId) = await browser.App.CreateGenerationSetAsync(items: 4);
        await using var server = ScriptedChatServer.Start((text, _) => FakeReply.Text(text.EndsWith('1') || text.EndsWith('3') ? "high" : "low", 30, 1));
        browser.App.AddGenerationEndpoint(server.BaseUrl, name: Endpoint);
        // This instance would pick the run up by itself within two minutes; here a person does it.
        browser.App.ChangeSetting("Studio:Evaluation:Generation:ResumeOrphanedRuns", "false");
        try
        {
            var runId = await browser.App.StartGenerationRunAsync(setId, "Interrupted run", Endpoint, "fake-model");
            // What an instance that crashed after t1 and t2 leaves: Running, two results, a lease that ran out.
            await browser.App.MarkRunStoppedWithItsInstanceAsync(runId, setId, [("t1", "high"), ("t2", "low")]);

            var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
            await page.GotoAsync($"projects/{projectId}/evaluation/runs");
            await BrowserFixture.WaitForCircuitAsync(page);
            var count = page.Locator("[data-testid=generation-count]");
            await Assertions.Expect(count).ToHaveTextAsync("stopped with its instance · 2 / 4 items done");
            await BrowserFixture.ScreenshotAsync(page, "evaluation-run-resumable");

            await page.ClickAsync("[data-testid=generation-resume]");

            var row = page.Locator("[data-testid=run-table] tr").Filter(new() { HasText = "Interrupted run" });
            await Assertions.Expect(row).ToContainTextAsync("Completed");
            await Assertions.Expect(row).ToContainTextAsync("4 / 4");
            await BrowserFixture.ScreenshotAsync(page, "evaluation-run-resumed");
            server.TotalRequests.ShouldBe(2);
            server.RequestsFor("ticket 1").ShouldBe(0);
        }
        finally
        {
            browser.App.ChangeSetting("Studio:Evaluation:Generation:ResumeOrphanedRuns", "true");
        }
    }
}
