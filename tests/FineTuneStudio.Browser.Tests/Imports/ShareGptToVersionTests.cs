using System.Text.Json;
using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Imports;

/// <summary>A ShareGPT tool-calling file from upload to versions: kept whole where the target carries tools, refused once where it does not.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ShareGptToVersionTests(BrowserFixture browser)
{
    /// <summary>ShareGPT as LLaMA-Factory documents it: function_call and observation turns, tools as a JSON string.</summary>
    private static string ShareGptFile(int count)
    {
        var tools = JsonSerializer.Serialize(new[]
        {
            new { name = "get_order", description = "Look up an order", parameters = new { type = "object", properties = new { id = new { type = "string" } }, required = new[] { "id" } } },
        });
        var lines = Enumerable.Range(0, count).Select(i => JsonSerializer.Serialize(new
        {
            conversations = new object[]
            {
                new { from = "human", value = $"Where is order A-{i}?" },
                new { from = "function_call", value = JsonSerializer.Serialize(new { name = "get_order", arguments = new { id = $"A-{i}" } }) },
                new { from = "observation", value = $"{{\"status\": \"shipped {i}\"}}" },
                new { from = "gpt", value = $"Order A-{i} has shipped." },
            },
            system = "You answer order questions.",
            tools,
        }));
        return "\uFEFF" + string.Join("\r\n", lines) + "\r\n";
    }

    [Fact]
    public async Task MlLead_ImportsShareGpt_ThenPromptCompletionIsRefusedOnce_AndOpenAiChatKeepsTheTools()
    {
        var (projectId, datasetId) = await browser.App.CreateImportTargetAsync();
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await BrowserFixture.ImportApprovedOnThePageAsync(page, projectId, "orders.jsonl", ShareGptFile(12), 12);
        var toolTurns = await browser.App.QueryAsync(db => db.ExampleMessages.CountAsync(m => db.Examples.Any(e => e.Id == m.ExampleId && e.DatasetId == datasetId) && m.Role == FineTuneStudio.Core.Domain.MessageRole.Tool));
        toolTurns.ShouldBe(12);

        await page.GotoAsync($"projects/{projectId}/versions");
        await BrowserFixture.WaitForCircuitAsync(page);
        await BrowserFixture.ChooseTargetAsync(page, "Hugging Face prompt / completion");
        await page.ClickAsync("[data-testid=cut-version]");
        var errors = page.Locator("[data-testid=cut-errors]");
        await Assertions.Expect(errors).ToContainTextAsync("12 examples");
        await Assertions.Expect(errors).ToContainTextAsync("tool definitions, which hf-prompt-completion cannot carry");
        await BrowserFixture.ScreenshotAsync(page, "MlLead-cut-refused-tools");
        (await browser.App.QueryAsync(db => db.DatasetVersions.CountAsync(v => v.DatasetId == datasetId))).ShouldBe(0);

        await BrowserFixture.ChooseTargetAsync(page, "OpenAI chat");
        await page.ClickAsync("[data-testid=cut-version]");
        await page.Locator("[data-testid=version-link-1]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "MlLead-sharegpt-version");
        var manifest = await browser.App.QueryAsync(db => db.DatasetVersions.Where(v => v.DatasetId == datasetId).Select(v => v.ManifestJson).SingleAsync());
        using var json = JsonDocument.Parse(manifest);
        (json.RootElement.GetProperty("counts").GetProperty("train").GetInt32() + json.RootElement.GetProperty("counts").GetProperty("validation").GetInt32()).ShouldBe(12);
        await page.Context.CloseAsync();
    }
}
