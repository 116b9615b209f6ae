using System.Text.Json;
using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Evaluation;

/// <summary>
/// An ML lead scores a Nova model through Bedrock's batch inference and a Gemini model through Vertex AI's batch
/// prediction: the set out as records or requests from the Eval sets page, the job's output in as a run.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class BedrockBatchRunTests(BrowserFixture browser)
{
    [Fact]
    public async Task MlLead_DownloadsTheSetAsNovaRecordsAndVertexRequests_AndImportsWhatEachJobWroteAsARun()
    {
        var (projectId, _) = await browser.App.CreateImportTargetAsync();
        await browser.App.CreateEvalSetAsync(projectId, "Held-out", """
            {"id": "a", "expected": "high", "label": "high", "input": "The site is slow for everyone"}
            {"id": "b", "expected": "low", "label": "low", "input": "Typo on the pricing page"}
            {"id": "c", "expected": "normal", "label": "normal", "input": "How do I export my invoices?"}
            {"id": "d", "expected": "critical", "label": "critical", "input": "Payments fail for all customers"}
            """, ["exact", "accuracy"]);
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));

        await page.GotoAsync($"projects/{projectId}/evaluation/sets");
        await BrowserFixture.WaitForCircuitAsync(page);
        var form = page.Locator("[data-testid=export-set-form]");
        // The OpenAI-style batch names its model: no download until one is given.
        await Assertions.Expect(form.Locator("[data-testid=export-set]")).ToBeDisabledAsync();
        await page.Locator("[data-testid=export-format]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Bedrock batch inference, Nova" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=export-model]")).ToHaveCountAsync(0);
        await page.Locator("input[data-testid=export-max-tokens], [data-testid=export-max-tokens] input").FillAsync("64");
        await page.Locator("input[data-testid=export-max-tokens], [data-testid=export-max-tokens] input").BlurAsync();
        await BrowserFixture.ScreenshotAsync(page, "MlLead-eval-set-bedrock-export");
        var download = await page.RunAndWaitForDownloadAsync(() => form.Locator("[data-testid=export-set]").ClickAsync());

        download.SuggestedFilename.ShouldEndWith("-bedrock-nova-batch-input.jsonl");
        var records = await File.ReadAllLinesAsync((await download.PathAsync())!);

        // Beside the records, the job's request body that points at them, and what to replace before sending it.
        await Assertions.Expect(page.Locator("[data-testid=export-job-notes]")).ToContainTextAsync($"Upload {download.SuggestedFilename} to s3://YOUR_BUCKET/");
        await Assertions.Expect(page.Locator("[data-testid=export-job-notes]")).ToContainTextAsync("This set has 4 items: Bedrock's quotas ask for at least 100 records");
        var job = await page.RunAndWaitForDownloadAsync(() => form.Locator("[data-testid=export-job]").ClickAsync());
        job.SuggestedFilename.ShouldEndWith("-bedrock-nova-batch-job.json");
        var body = JsonDocument.Parse(await File.ReadAllTextAsync((await job.PathAsync())!)).RootElement;
        body.GetProperty("modelId").GetString().ShouldBe("amazon.nova-micro-v1:0");
        body.GetProperty("inputDataConfig").GetProperty("s3InputDataConfig").GetProperty("s3Uri").GetString().ShouldEndWith("/input/" + download.SuggestedFilename);
        await page.Locator("[data-testid=export-set-form]").ScrollIntoViewIfNeededAsync();
        await BrowserFixture.ScreenshotAsync(page, "MlLead-eval-set-bedrock-job");

        // Vertex's requests carry the answer cap too, but there is no Bedrock job to write for them.
        await page.Locator("[data-testid=export-format]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Vertex AI batch prediction, Gemini" }).ClickAsync();
        await Assertions.Expect(form.Locator("[data-testid=export-job]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=export-job-notes]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=export-max-tokens]")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "MlLead-eval-set-vertex-export");
        var vertex = await page.RunAndWaitForDownloadAsync(() => form.Locator("[data-testid=export-set]").ClickAsync());
        vertex.SuggestedFilename.ShouldEndWith("-vertex-gemini-batch-input.jsonl");
        JsonDocument.Parse((await File.ReadAllLinesAsync((await vertex.PathAsync())!))[0]).RootElement.GetProperty("request")
            .GetProperty("generationConfig").GetProperty("maxOutputTokens").GetInt32().ShouldBe(64);
        records.Length.ShouldBe(4);
        // What Bedrock's job writes back, out of order: right on a, b and d (3 of 4).
        var answers = new Dictionary<string, string> { ["The site is slow for everyone"] = "high", ["Typo on the pricing page"] = "low", ["How do I export my invoices?"] = "low", ["Payments fail for all customers"] = "critical" };
        var output = string.Join('\n', records.Reverse().Select(line =>
        {
            var record = JsonDocument.Parse(line).RootElement;
            var input = record.GetProperty("modelInput");
            input.GetProperty("inferenceConfig").GetProperty("maxTokens").GetInt32().ShouldBe(64);
            var question = input.GetProperty("messages")[0].GetProperty("content")[0].GetProperty("text").GetString()!;
            return JsonSerializer.Serialize(new
            {
                recordId = record.GetProperty("recordId").GetString(),
                modelInput = input,
                modelOutput = new { output = new { message = new { role = "assistant", content = new[] { new { text = answers[question] } } } }, stopReason = "end_turn" },
            });
        }));

        await page.GotoAsync($"projects/{projectId}/evaluation/runs");
        await BrowserFixture.WaitForCircuitAsync(page);
        await page.Locator("input[data-testid=run-name], [data-testid=run-name] input").FillAsync("nova micro");
        await page.Locator("[data-testid=run-file]").SetInputFilesAsync(new FilePayload
        {
            Name = download.SuggestedFilename + ".out", MimeType = "application/octet-stream", Buffer = System.Text.Encoding.UTF8.GetBytes(output),
        });
        await page.ClickAsync("[data-testid=import-run]");

        var row = page.Locator("[data-testid=run-table] tr", new() { HasText = "nova micro" });
        await Assertions.Expect(row).ToContainTextAsync("3 / 4");
        await Assertions.Expect(row).ToContainTextAsync("75");
        await BrowserFixture.ScreenshotAsync(page, "MlLead-bedrock-run");

        // Vertex's predictions echo each request instead of an id, in no order: a thinking model's thought is not its
        // answer, and a row with only a status failed. Right on a and b, wrong on c, d failed: 2 of 4.
        var predictions = (await File.ReadAllLinesAsync((await vertex.PathAsync())!)).Reverse().Select(line =>
        {
            var request = JsonDocument.Parse(line).RootElement.GetProperty("request");
            var question = request.GetProperty("contents")[0].GetProperty("parts")[0].GetProperty("text").GetString()!;
            return question == "Payments fail for all customers"
                ? JsonSerializer.Serialize(new { status = "Bad Request: {\"error\": {\"code\": 400}}", processed_time = "2026-12-08T09:12:45Z", request })
                : JsonSerializer.Serialize(new
                {
                    status = "",
                    processed_time = "2026-12-08T09:12:44.021+00:00",
                    request,
                    response = new
                    {
                        candidates = new[] { new { content = new { role = "model", parts = new object[] { new { text = "The customer sounds calm.", thought = true }, new { text = answers[question] } } }, finishReason = "STOP" } },
                        modelVersion = "gemini-2.5-flash",
                    },
                });
        });
        await page.Locator("input[data-testid=run-name], [data-testid=run-name] input").FillAsync("gemini flash");
        await page.Locator("[data-testid=run-file]").SetInputFilesAsync(new FilePayload
        {
            Name = "predictions.jsonl", MimeType = "application/jsonl", Buffer = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', predictions)),
        });
        await page.ClickAsync("[data-testid=import-run]");

        var gemini = page.Locator("[data-testid=run-table] tr", new() { HasText = "gemini flash" });
        await Assertions.Expect(gemini).ToContainTextAsync("2 / 4");
        await Assertions.Expect(gemini).ToContainTextAsync("50");
        // The imported file is no longer shown as chosen: the form is ready for the next run.
        (await page.Locator("[data-testid=run-file]").EvaluateAsync<int>("input => input.files.length")).ShouldBe(0);
        await BrowserFixture.ScreenshotAsync(page, "MlLead-vertex-run");
        await page.Context.CloseAsync();
    }
}
