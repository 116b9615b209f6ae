using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Hardening;

[Collection(BrowserCollection.Name)]
public sealed class HardeningBrowserTests(BrowserFixture browser)
{
    private const string Lead = "lead@demo.local";

    // Each payload would set window.__xss if it ran; none may.
    private const string ScriptPayload = "<script>window.__xss='script'</script>";
    private const string ImagePayload = "<img src=x onerror=\"window.__xss='img'\">";
    private const string LinkPayload = "[open the rules](javascript:window.__xss='link')";

    [Fact]
    public async Task StudioPages_RunUnderTheContentSecurityPolicy_WithNoViolation()
    {
        var projectId = await browser.App.TicketProjectIdAsync();
        var page = await browser.NewPageAsync();
        var violations = WatchForViolations(page);

        await page.GotoAsync("account/login");
        await page.FillAsync("#email", Lead);
        await page.FillAsync("#password", StudioAppFactory.DemoPassword);
        await page.ClickAsync("[data-testid=sign-in]");
        await BrowserFixture.WaitForCircuitAsync(page);

        foreach (var path in new[]
        {
            "", $"projects/{projectId}", $"projects/{projectId}/readiness", $"projects/{projectId}/quality", $"projects/{projectId}/versions",
            $"projects/{projectId}/feedback", $"projects/{projectId}/examples/import", $"projects/{projectId}/examples/review",
            $"projects/{projectId}/evaluation", $"projects/{projectId}/evaluation/runs", $"projects/{projectId}/evaluation/training",
            "account/profile", $"projects/{projectId}/examples",
        })
        {
            await page.GotoAsync(path);
            await BrowserFixture.WaitForCircuitAsync(page);
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        }

        // The circuit works under the policy: a client-side navigation renders the next page.
        await page.Locator("[data-testid=example-link]").First.ClickAsync();
        await page.Locator("[data-testid=editor-ready]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await BrowserFixture.ScreenshotAsync(page, "hardening-csp-editor");

        violations.ShouldBeEmpty();
    }

    [Fact]
    public async Task ApiReference_OpensUnderItsOwnPolicy()
    {
        var page = await browser.NewPageAsync();
        var violations = WatchForViolations(page);

        var response = await page.GotoAsync("api-docs");
        response!.Status.ShouldBe(200);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await BrowserFixture.ScreenshotAsync(page, "hardening-api-docs");

        violations.ShouldBeEmpty();
        (await page.ContentAsync()).ShouldContain("FineTuneStudio API");
    }

    [Fact]
    public async Task StoredPayloads_InNamesLabelsGuidelinesAndExamples_RenderAsText()
    {
        var projectId = await browser.App.CreateProjectAsync($"Triage {ImagePayload} {Guid.NewGuid():N}"[..60], "A project whose name is hostile.");
        var guidelines = $"# Rules\n\n{ScriptPayload}\n\n{ImagePayload}\n\nRead {LinkPayload} first.";
        var label = "urgent<img src=x onerror=\"window.__xss='label'\">";
        var dataset = await browser.App.CreateDatasetAsync(projectId,
            new DatasetInput($"Tickets {ScriptPayload}", TaskKind.Classification, "Classify the ticket.", guidelines, [label, "calm"], 1));
        var example = await browser.App.SeedExampleAsync(dataset.Id,
            new ExampleInput(
                [new MessageContent(MessageRole.System, "Classify the ticket."), new MessageContent(MessageRole.User, $"Help {ScriptPayload} {ImagePayload}"), new MessageContent(MessageRole.Assistant, label)],
                Label: label, Tags: ["<b onmouseover=\"window.__xss='tag'\">tag</b>"], Notes: ImagePayload));
        await browser.App.JoinDemoTeamAsync(projectId);

        var page = await browser.SignedInPageAsync(Lead);
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };

        foreach (var path in new[] { "", $"projects/{projectId}", $"projects/{projectId}/examples?dataset={dataset.Id}", $"projects/{projectId}/examples/{example.Id}" })
        {
            await page.GotoAsync(path);
            await BrowserFixture.WaitForCircuitAsync(page);
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await AssertInertAsync(page, path);
        }

        // The editor shows the guidelines, the label chips and the message text as written.
        await page.Locator("[data-testid=editor-ready]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var guidelinesText = await page.Locator("[data-testid=guidelines]").InnerTextAsync();
        guidelinesText.ShouldContain(ScriptPayload);
        guidelinesText.ShouldContain(ImagePayload);
        (await page.Locator("[data-testid=label-chips]").InnerTextAsync()).ShouldContain(label);
        (await page.Locator("textarea").EvaluateAllAsync<string[]>("els => els.map(e => e.value)")).ShouldContain($"Help {ScriptPayload} {ImagePayload}");

        // The Markdown link lost its javascript: target; clicking it runs nothing.
        var link = page.Locator("[data-testid=guidelines] a", new() { HasText = "open the rules" });
        if (await link.CountAsync() > 0)
        {
            ((await link.GetAttributeAsync("href")) ?? "").ShouldNotStartWith("javascript", Case.Insensitive);
            await link.ClickAsync();
        }

        await BrowserFixture.ScreenshotAsync(page, "hardening-xss-editor");
        await AssertInertAsync(page, "editor after clicking the link");
        dialogs.ShouldBeEmpty();
    }

    private static async Task AssertInertAsync(IPage page, string where)
    {
        (await page.EvaluateAsync<string?>("() => window.__xss ?? null")).ShouldBeNull($"a payload ran on {where}");
        // Markup from the data never became elements: no injected image, no injected script.
        (await page.EvaluateAsync<int>("() => document.querySelectorAll('img[src=\"x\"], [onerror], [onmouseover]').length")).ShouldBe(0, where);
        (await page.EvaluateAsync<int>("() => [...document.scripts].filter(s => s.textContent.includes('__xss')).length")).ShouldBe(0, where);
        (await page.Locator("body").InnerTextAsync()).ShouldContain("<img src=x onerror=", Case.Sensitive, $"the payload is shown as text on {where}");
    }

    private static List<string> WatchForViolations(IPage page)
    {
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Text.Contains("Content-Security-Policy", StringComparison.OrdinalIgnoreCase))
            {
                lock (violations)
                {
                    violations.Add(message.Text);
                }
            }
        };
        return violations;
    }
}
