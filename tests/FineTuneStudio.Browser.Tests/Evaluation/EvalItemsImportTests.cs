using System.Text;
using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Evaluation;

/// <summary>An ML lead brings an OpenAI Evals registry file whose answers have more than one spelling.</summary>
[Collection(BrowserCollection.Name)]
public sealed class EvalItemsImportTests(BrowserFixture browser)
{
    // As the registry's match evals write it: no ids, chat input, ideal a string or a list of acceptable answers.
    private const string Registry = """
        {"input": [{"role": "system", "content": "Answer with the city only."}, {"role": "user", "content": "Capital of Italy?"}], "ideal": ["Rome", "Roma"]}
        {"input": [{"role": "system", "content": "Answer with the city only."}, {"role": "user", "content": "Capital of Spain?"}], "ideal": "Madrid"}
        {"input": [{"role": "system", "content": "Answer with the city only."}, {"role": "user", "content": "Capital of Austria?"}], "ideal": ["Vienna", "Wien"]}
        """;

    [Fact]
    public async Task MlLead_ImportsRegistryLinesWithSeveralIdealAnswers_AndARunCountsEitherSpellingRight()
    {
        var (projectId, _) = await browser.App.CreateImportTargetAsync();
        var setId = await browser.App.CreateEmptyEvalSetAsync(projectId, "Capitals", ["normalised"]);
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{projectId}/evaluation/sets");
        await BrowserFixture.WaitForCircuitAsync(page);
        // The page names the shapes it reads, this one among them.
        await Assertions.Expect(page.Locator("[data-testid=item-shapes] li")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("[data-testid=item-shapes]")).ToContainTextAsync("GSM8K");
        await Assertions.Expect(page.Locator("[data-testid=item-shapes]")).ToContainTextAsync("an ideal list counts any of its answers right");
        await BrowserFixture.ScreenshotAsync(page, "evaluation-sets-file-shapes");

        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "capitals.jsonl", MimeType = "application/jsonl", Buffer = Encoding.UTF8.GetBytes(Registry),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("Added 3 items")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=set-table] tbody tr").First).ToContainTextAsync("Capitals");
        // The imported file is no longer shown as chosen, so it is not imported twice by mistake.
        (await page.Locator("input[type=file]").EvaluateAsync<int>("input => input.files.length")).ShouldBe(0);

        // Items are numbered by position; "roma" and "Wien" are right by the other spelling, "Barcelona" is not.
        var run = await browser.App.ImportRunAsync(setId, "Tuned v1", "id,output\n1,roma\n2,Barcelona\n3,Wien\n", "outputs.csv");
        await page.GotoAsync($"projects/{projectId}/evaluation/runs");
        await Assertions.Expect(page.Locator("[data-testid=output-shapes]")).ToContainTextAsync("sample N is item N + 1");
        await Assertions.Expect(page.Locator("[data-testid=output-shapes]")).ToContainTextAsync("--log_samples");
        await page.GotoAsync($"projects/{projectId}/evaluation/runs/{run}");
        var rows = page.Locator("[data-testid=result-table] tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("right");
        await Assertions.Expect(rows.Nth(0).Locator("[data-testid=also-accepted]")).ToHaveTextAsync("also right: Roma");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("wrong");
        await Assertions.Expect(rows.Nth(1).Locator("[data-testid=also-accepted]")).ToHaveCountAsync(0);
        await Assertions.Expect(rows.Nth(2).Locator("[data-testid=also-accepted]")).ToHaveTextAsync("also right: Wien");
        await BrowserFixture.ScreenshotAsync(page, "evaluation-run-several-answers");
    }

    [Fact]
    public async Task MlLead_ImportsAFileWithABadLine_IsRefused_ThenLeavesTheLineOutWithOneClick()
    {
        var (projectId, _) = await browser.App.CreateImportTargetAsync();
        var setId = await browser.App.CreateEmptyEvalSetAsync(projectId, "Tickets", ["exact"]);
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{projectId}/evaluation/sets");
        await BrowserFixture.WaitForCircuitAsync(page);
        // A Hugging Face export with one row whose schema is not an object.
        const string file = "{\"id\": \"t-1\", \"input\": \"Site down\", \"expected\": \"high\"}\n"
            + "{\"id\": \"t-2\", \"input\": \"Typo\", \"expected\": \"low\", \"schema\": \"[1]\"}\n"
            + "{\"id\": \"t-3\", \"input\": \"Invoices?\", \"expected\": \"normal\"}\n";

        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "tickets.jsonl", MimeType = "application/jsonl", Buffer = Encoding.UTF8.GetBytes(file) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=error-text]")).ToContainTextAsync("line 2");
        await Assertions.Expect(page.Locator("[data-testid=items-skip-hint]")).ToHaveTextAsync("1 line has problems and 2 have none. Fix the file and choose it again, or:");
        // The file stays chosen, so it can also be imported again as it is once fixed elsewhere.
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true })).ToBeEnabledAsync();
        await BrowserFixture.ScreenshotAsync(page, "evaluation-sets-import-refused");
        (await browser.App.QueryAsync(db => db.EvalItems.CountAsync(i => i.EvalSetId == setId))).ShouldBe(0);

        await page.Locator("[data-testid=items-skip-invalid]").ClickAsync();

        await Assertions.Expect(page.GetByText("Added 2 items; 1 line with problems left out")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=items-left-out]")).ToHaveTextAsync("Left out line 2: schema: The schema is not a JSON object.");
        await Assertions.Expect(page.Locator("[data-testid=items-skip-invalid]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=error-text]")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(page, "evaluation-sets-import-left-out");
        (await browser.App.QueryAsync(db => db.EvalItems.Where(i => i.EvalSetId == setId).OrderBy(i => i.Id).Select(i => i.ExternalId).ToListAsync())).ShouldBe(["t-1", "t-3"]);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task MlLead_ImportsTheDatasetsOwnTestFileAsAnEvalSet_AndTheCutFormCountsThoseConversationsOut()
    {
        var (projectId, datasetId) = await browser.App.CreateImportTargetAsync();
        var lines = Enumerable.Range(1, 30).Select(i =>
            $$"""{"messages": [{"role": "user", "content": "Order {{i}} arrived broken"}, {"role": "assistant", "content": "Sorry about order {{i}}: a replacement is on its way."}]}""").ToList();
        await browser.App.ImportApprovedAsync(datasetId, string.Join('\n', lines));
        // Three of the dataset's own lines, as a held-out chat file carries them (no ids, the answer last).
        await browser.App.CreateEvalSetAsync(projectId, "Held out", string.Join('\n', lines.Take(3)), ["normalised"]);
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));

        await page.GotoAsync($"projects/{projectId}/versions");
        await BrowserFixture.WaitForCircuitAsync(page);

        // 30 selected, 3 held out, 27 kept: 10% (3) for validation, 24 to train.
        await Assertions.Expect(page.Locator("[data-testid=cut-estimate]")).ToContainTextAsync("30 examples selected, 3 of them held out by an eval set, 24 to train");
        await BrowserFixture.ScreenshotAsync(page, "versions-estimate-held-out");
    }
}
