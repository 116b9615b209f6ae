using System.Text.Json;
using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Imports;

/// <summary>A team moving its Gemini tuning data: Vertex AI lines in through the import page, a vertex-gemini version out with its job body.</summary>
[Collection(BrowserCollection.Name)]
public sealed class GeminiToVersionTests(BrowserFixture browser)
{
    /// <summary>Vertex's documented line: a system instruction, a function call and its result, the answer, the declarations.</summary>
    private static string GeminiFile(int count) => string.Concat(Enumerable.Range(0, count).Select(i => JsonSerializer.Serialize(new
    {
        systemInstruction = new { parts = new[] { new { text = "You answer order questions." } } },
        contents = new object[]
        {
            new { role = "user", parts = new[] { new { text = $"Where is order A-{i}?" } } },
            new { role = "model", parts = new[] { new { functionCall = new { name = "get_order", args = new { id = $"A-{i}" } } } } },
            new { role = "user", parts = new[] { new { functionResponse = new { name = "get_order", response = new { status = $"shipped {i}" } } } } },
            new { role = "model", parts = new[] { new { text = $"Order A-{i} has shipped." } } },
        },
        tools = new[] { new { functionDeclarations = new[] { new { name = "get_order", description = "Look up an order", parameters = new { type = "object", properties = new { id = new { type = "string" } } } } } } },
    }) + "\n"));

    [Fact]
    public async Task MlLead_ImportsVertexLines_AndCutsAGeminiVersion_WithTheTuningJobBody()
    {
        var (projectId, datasetId) = await browser.App.CreateImportTargetAsync();
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await BrowserFixture.ImportApprovedOnThePageAsync(page, projectId, "vertex-train.jsonl", GeminiFile(12), 12);

        await page.GotoAsync($"projects/{projectId}/versions");
        await BrowserFixture.WaitForCircuitAsync(page);
        await BrowserFixture.ChooseTargetAsync(page, "Gemini on Vertex AI");
        // Vertex is open for new jobs: no wind-down notice, and its own limit per example.
        await Assertions.Expect(page.Locator("[data-testid=target-notice]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=cut-form]")).ToContainTextAsync("examples over 131,072 tokens are cut in training");
        await page.ClickAsync("[data-testid=cut-version]");
        await page.Locator("[data-testid=version-link-1]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "MlLead-gemini-version");

        var versionId = await browser.App.QueryAsync(db => db.DatasetVersions.Where(v => v.DatasetId == datasetId).Select(v => v.Id).SingleAsync());
        await BrowserFixture.OpenRecipesAsync(page, projectId, versionId);
        var job = page.Locator("[data-testid='recipe-vertex-tuning-job.json']");
        await Assertions.Expect(job).ToContainTextAsync("\"trainingDatasetUri\": \"gs://YOUR_BUCKET/imported-v1/train.jsonl\"");
        await Assertions.Expect(job).ToContainTextAsync("every model turn is trained");
        await Assertions.Expect(page.Locator("[data-testid='recipe-recipe-trl.py']")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(page, "MlLead-gemini-recipe");

        var recipes = await browser.App.RecipesOfAsync(versionId);
        recipes.Select(r => r.FileName).ShouldBe(["vertex-tuning-job.json"]);
        await page.Context.CloseAsync();
    }
}
