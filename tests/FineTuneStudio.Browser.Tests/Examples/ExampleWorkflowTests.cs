using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Training;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Examples;

[Collection(BrowserCollection.Name)]
public sealed class ExampleWorkflowTests(BrowserFixture browser)
{
    private Task<string> UserIdAsync(string email) => browser.App.QueryAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());

    [Fact]
    public async Task Labeler_WorksTheQueueWithTheKeyboardOnly_AndSubmitsThree()
    {
        var dataset = await browser.App.CreateUrgencyDatasetAsync(requiredAnnotations: 1);
        var ids = new List<int>();
        foreach (var text in new[] { "Payments fail for all users", "Typo on the pricing page", "Export is slow for big accounts" })
        {
            ids.Add((await browser.App.SeedExampleAsync(dataset.Id, StudioAppFactory.TicketInput(text))).Id);
        }

        var page = await browser.SignedInPageAsync("labeler1@demo.local");
        await page.GotoAsync($"projects/{dataset.ProjectId}/examples/queue?dataset={dataset.Id}");
        await page.Locator("[data-testid=queue-ready]").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        // Labels are critical, high, normal, low: keys 1, 3 and 4.
        var keys = new[] { "1", "3", "4" };
        for (var i = 0; i < 3; i++)
        {
            await Assertions.Expect(page.Locator("[data-testid=queue-example]")).ToContainTextAsync($"Example {ids[i]} ");
            await page.Keyboard.PressAsync(keys[i]);
            if (i == 0)
            {
                await BrowserFixture.ScreenshotAsync(page, "examples-queue");
            }

            await page.Keyboard.PressAsync("Control+Enter");
        }

        await page.Locator("[data-testid=queue-empty]").WaitForAsync();
        var labelerId = await UserIdAsync("labeler1@demo.local");
        var annotations = await browser.App.QueryAsync(db => db.Annotations.Where(a => ids.Contains(a.ExampleId)).OrderBy(a => a.ExampleId)
            .Select(a => new { a.Label, a.Submitted, a.LabelerId }).ToListAsync());
        annotations.Select(a => a.Label).ShouldBe(["critical", "normal", "low"]);
        annotations.ShouldAllBe(a => a.Submitted && a.LabelerId == labelerId);
    }

    [Fact]
    public async Task Lead_SearchesABroadTerm_SeesMoreThanTheCap_AndPagesInIdOrder()
    {
        var dataset = await browser.App.CreateUrgencyDatasetAsync();
        var ids = new List<int>();
        for (var i = 0; i < BrowserAppFactory.SearchCountCap + 5; i++)
        {
            ids.Add((await browser.App.SeedExampleAsync(dataset.Id, StudioAppFactory.TicketInput($"Webhook {i} fires twice"))).Id);
        }

        await browser.App.SeedExampleAsync(dataset.Id, StudioAppFactory.TicketInput("Printer jammed"));
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{dataset.ProjectId}/examples?dataset={dataset.Id}");
        await BrowserFixture.WaitForCircuitAsync(page);
        await page.Locator("input[data-testid=example-search], [data-testid=example-search] input").FillAsync("WEBHOOK");

        var capped = page.Locator("[data-testid=search-capped]");
        await Assertions.Expect(capped).ToContainTextAsync($"More than {BrowserAppFactory.SearchCountCap} examples match");
        await Assertions.Expect(page.Locator(".mud-table-pagination-caption").Last).ToContainTextAsync($"of more than {BrowserAppFactory.SearchCountCap}");
        // The first page lists the first matches by id.
        await Assertions.Expect(page.Locator("[data-testid=example-link]").First).ToHaveTextAsync(ids[0].ToString(System.Globalization.CultureInfo.InvariantCulture));
        await BrowserFixture.ScreenshotAsync(page, "examples-search-capped");

        // A narrower search is counted exactly and the note goes away.
        await page.Locator("input[data-testid=example-search], [data-testid=example-search] input").FillAsync("Webhook 7 ");
        await Assertions.Expect(page.Locator("[data-testid=example-link]")).ToHaveCountAsync(1);
        await Assertions.Expect(capped).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Reviewer_ResolvesADisagreement()
    {
        var dataset = await browser.App.CreateUrgencyDatasetAsync(requiredAnnotations: 2);
        var example = await browser.App.SeedExampleAsync(dataset.Id, StudioAppFactory.TicketInput("The whole site is down since 9:00"));
        foreach (var (email, label) in new[] { ("labeler1@demo.local", "critical"), ("labeler2@demo.local", "high") })
        {
            await browser.App.SaveAnnotationAsAsync(email, example.Id, new AnnotationInput(label, Rating: 4, Submit: true, SecondsSpent: 25));
        }

        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{dataset.ProjectId}/examples/review?dataset={dataset.Id}");
        await page.Locator("[data-testid=review-ready]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.Locator("[data-testid=annotations-side-by-side] tbody tr")).ToHaveCountAsync(2);
        await BrowserFixture.ScreenshotAsync(page, "examples-review");

        await page.ClickAsync("[data-testid=adjudicate-critical]");
        await page.Locator("[data-testid=review-empty]").WaitForAsync();

        var stored = await browser.App.QueryAsync(db => db.Examples.SingleAsync(e => e.Id == example.Id));
        stored.Status.ShouldBe(ExampleStatus.Approved);
        stored.Label.ShouldBe("critical");

        // The list and the editor of the demo dataset, for the record.
        var demoDataset = await browser.App.QueryAsync(db => db.Datasets.Where(d => d.Name == "Ticket urgency").Select(d => new { d.Id, d.ProjectId }).SingleAsync());
        await page.GotoAsync($"projects/{demoDataset.ProjectId}/examples?dataset={demoDataset.Id}");
        await page.Locator("[data-testid=example-link]").First.WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "examples-list");
        await page.Locator("[data-testid=example-link]").First.ClickAsync();
        await page.Locator("[data-testid=editor-ready]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.Locator("[data-testid=message]").First).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "examples-editor");
        await page.Keyboard.PressAsync("?");
        await page.Locator("[data-testid=shortcut-help]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "examples-editor-help");
    }

    [Fact]
    public async Task Lead_WritesAToolCallAndItsResultInTheEditor_AndTheSavedExampleExportsValid()
    {
        var (projectId, datasetId) = await browser.App.CreateImportTargetAsync();
        var example = await browser.App.SeedExampleAsync(datasetId, new ExampleInput(
            [new MessageContent(MessageRole.User, "Where is order 7?"), new MessageContent(MessageRole.Assistant, "Let me look it up.")]));
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{projectId}/examples/{example.Id}");
        await page.Locator("[data-testid=editor-ready]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var turns = page.Locator("[data-testid=message]");

        // The assistant's first turn calls a tool and is not trained on; a tool result and the final answer follow.
        await turns.Nth(1).Locator("[data-testid=message-tool-calls] textarea, textarea[data-testid=message-tool-calls]").FillAsync(
            """[{"id": "call_7", "type": "function", "function": {"name": "lookup_order", "arguments": "{\"id\": 7}"}}]""");
        await turns.Nth(1).Locator("input[data-testid=message-train], [data-testid=message-train] input").UncheckAsync();
        await page.ClickAsync("[data-testid=add-tool-turn]");
        await turns.Nth(2).Locator("[data-testid=message-content] textarea, textarea[data-testid=message-content]").FillAsync("{\"status\": \"shipped\"}");
        await page.ClickAsync("[data-testid=add-assistant-turn]");
        await turns.Nth(3).Locator("[data-testid=message-content] textarea, textarea[data-testid=message-content]").FillAsync("Order 7 has shipped.");
        var tools = page.Locator("[data-testid=example-tools] textarea, textarea[data-testid=example-tools]");
        await tools.FillAsync("""[{"type": "function", "function": {"name": "lookup_order", "parameters": {"type": "string"}}}]""");
        await Assertions.Expect(page.Locator(".mud-input-helper-text.mud-input-error", new() { HasText = "function.parameters" })).ToBeVisibleAsync();

        // Saved before the result says which call it answers: refused, naming the turn and the call to choose.
        await tools.FillAsync("""[{"type": "function", "function": {"name": "lookup_order", "parameters": {"type": "object", "properties": {"id": {"type": "integer"}}}}}]""");
        await page.ClickAsync("[data-testid=save]");
        await Assertions.Expect(page.Locator("[data-testid=error-text]")).ToContainTextAsync("choose the call this result answers (call_7)");

        await turns.Nth(2).Locator("[data-testid=message-tool-call-id]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "call_7 (lookup_order)" }).ClickAsync();
        await BrowserFixture.ScreenshotAsync(page, "examples-editor-tools");
        await page.ClickAsync("[data-testid=save]");
        await Assertions.Expect(page.Locator("[data-testid=error-text]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText(new System.Text.RegularExpressions.Regex(@"^saved \d\d:\d\d"))).ToBeVisibleAsync();

        var stored = await browser.App.QueryAsync(db => db.Examples.Include(e => e.Messages).SingleAsync(e => e.Id == example.Id));
        var content = ExampleContent.FromEntity(stored);
        content.Messages.Select(m => (m.Role, m.ToolCallId, m.Weight)).ShouldBe([
            (MessageRole.User, null, null), (MessageRole.Assistant, null, 0), (MessageRole.Tool, "call_7", null), (MessageRole.Assistant, null, null),
        ]);
        content.ToolsJson!.ShouldContain("\"lookup_order\"");

        // What the editor wrote exports as a valid OpenAI chat line: tool call, its answer by id, tools and weights.
        var line = new JsonlExampleWriter(TrainingTargets.OpenAiChatProfile).ToLine(content);
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(line + "\n"));
        var report = await new JsonlValidator(TrainingTargets.OpenAiChatProfile with { MinimumExamples = 1 }).ValidateAsync(stream);
        report.Errors.ShouldBeEmpty();
        line.ShouldContain("\"tool_call_id\":\"call_7\"");
    }
}
