using System.Text.Json;
using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Imports;

/// <summary>A team on Amazon Bedrock moving from Claude 3 Haiku to Nova: Claude's lines in through the import page, a bedrock-nova version out with its job body.</summary>
[Collection(BrowserCollection.Name)]
public sealed class BedrockToVersionTests(BrowserFixture browser)
{
    /// <summary>Bedrock's documented line for Claude 3 Haiku: a system prompt beside alternating turns of text.</summary>
    private static string ClaudeFile(int count) => string.Concat(Enumerable.Range(0, count).Select(i => JsonSerializer.Serialize(new
    {
        system = "You answer questions about the city library in one sentence.",
        messages = new[]
        {
            new { role = "user", content = $"Is branch {i} open on Sundays?" },
            new { role = "assistant", content = $"Branch {i} opens at noon on Sundays." },
        },
    }) + "\n"));

    [Fact]
    public async Task MlLead_ImportsClaudeLines_AndCutsANovaVersion_WithTheCustomizationJobBody()
    {
        var (projectId, datasetId) = await browser.App.CreateImportTargetAsync();
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await BrowserFixture.ImportApprovedOnThePageAsync(page, projectId, "bedrock-claude-train.jsonl", ClaudeFile(12), 12);

        await page.GotoAsync($"projects/{projectId}/versions");
        await BrowserFixture.WaitForCircuitAsync(page);
        await BrowserFixture.ChooseTargetAsync(page, "Amazon Nova on Amazon Bedrock");
        await Assertions.Expect(page.Locator("[data-testid=target-notice]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=cut-form]")).ToContainTextAsync("examples over 32,000 tokens are cut in training");
        // The heuristic would take 9 epochs for 11 training examples; Nova takes at most 5, and the estimate says so.
        await Assertions.Expect(page.Locator("[data-testid=cut-form]")).ToContainTextAsync("11 to train");
        await Assertions.Expect(page.Locator("[data-testid=cut-form]")).ToContainTextAsync(": 5 epochs,");
        await page.ClickAsync("[data-testid=cut-version]");
        await page.Locator("[data-testid=version-link-1]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "MlLead-bedrock-version");

        var versionId = await browser.App.QueryAsync(db => db.DatasetVersions.Where(v => v.DatasetId == datasetId).Select(v => v.Id).SingleAsync());
        await BrowserFixture.OpenRecipesAsync(page, projectId, versionId);
        var job = page.Locator("[data-testid='recipe-bedrock-customization-job.json']");
        await Assertions.Expect(job).ToContainTextAsync("\"baseModelIdentifier\": \"amazon.nova-micro-v1:0:128k\"");
        await Assertions.Expect(job).ToContainTextAsync("\"s3Uri\": \"s3://YOUR_BUCKET/imported-v1/train.jsonl\"");
        await Assertions.Expect(job).ToContainTextAsync("every assistant turn is trained");
        await Assertions.Expect(job).ToContainTextAsync("\"epochCount\": \"5\"");
        await Assertions.Expect(page.GetByText("5 epochs (the heuristic for 11 training examples, held to the most the target takes)")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "MlLead-bedrock-recipe");

        var recipes = await browser.App.RecipesOfAsync(versionId);
        recipes.Select(r => r.FileName).ShouldBe(["bedrock-customization-job.json"]);
        await page.Context.CloseAsync();
    }
}
