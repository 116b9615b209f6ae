using System.Security.Cryptography;
using System.Text.Json;
using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Versions;

[Collection(BrowserCollection.Name)]
public sealed class VersionsBrowserTests(BrowserFixture browser)
{
    [Fact]
    public async Task MlLead_CutsAVersion_DownloadsTrainJsonl_AndItsSha256MatchesTheManifest()
    {
        var projectId = await browser.App.QueryAsync(db => db.Projects.Where(p => p.Name == "Support ticket triage").Select(p => p.Id).SingleAsync());
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));

        await page.GotoAsync($"projects/{projectId}/versions");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=target-notice]")).ToContainTextAsync("6 January 2027");
        // The cost shows before the cut, and follows the form.
        var estimate = page.Locator("[data-testid=cut-estimate]");
        await Assertions.Expect(estimate).ToContainTextAsync("examples selected");
        await Assertions.Expect(estimate).ToContainTextAsync("USD per million training tokens");
        var before = await estimate.TextContentAsync();
        await page.Locator("input[data-testid=validation-share], [data-testid=validation-share] input").FillAsync("0.5");
        await page.Locator("input[data-testid=validation-share], [data-testid=validation-share] input").BlurAsync();
        await Assertions.Expect(estimate).Not.ToHaveTextAsync(before!);
        await BrowserFixture.ScreenshotAsync(page, "versions-cut-estimate");
        await page.Locator("input[data-testid=validation-share], [data-testid=validation-share] input").FillAsync("0.1");
        await page.Locator("input[data-testid=validation-share], [data-testid=validation-share] input").BlurAsync();
        await Assertions.Expect(estimate).ToHaveTextAsync(before!);
        await page.ClickAsync("[data-testid=cut-version]");
        await page.Locator("[data-testid=version-link-1]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "versions-after-cut");

        // A second cut with another seed, to have something to compare.
        await page.Locator("input[data-testid=seed], [data-testid=seed] input").FillAsync("7");
        await page.Locator("input[data-testid=seed], [data-testid=seed] input").BlurAsync();
        await page.ClickAsync("[data-testid=cut-version]");
        await page.Locator("[data-testid=version-link-2]").WaitForAsync();

        await page.Locator("input[data-testid=preview-example], [data-testid=preview-example] input").FillAsync(
            (await browser.App.QueryAsync(db => db.Examples.Where(e => e.Dataset!.ProjectId == projectId).OrderBy(e => e.Id).Select(e => e.Id).FirstAsync())).ToString());
        await page.ClickAsync("[data-testid=preview-button]");
        await page.Locator("[data-testid=preview-table]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "versions-preview");

        await page.ClickAsync("[data-testid=diff-link]");
        await Assertions.Expect(page.Locator("[data-testid=page-title]")).ToHaveTextAsync("v1 → v2");
        await BrowserFixture.ScreenshotAsync(page, "versions-diff");

        await page.GotoAsync($"projects/{projectId}/versions");
        await BrowserFixture.WaitForCircuitAsync(page);
        await page.ClickAsync("[data-testid=version-link-1]");
        await page.Locator("[data-testid=file-table]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "version-detail");

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid='download-train.jsonl']"));
        var path = await download.PathAsync();
        var actual = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path)));

        var manifestJson = await browser.App.QueryAsync(db => db.DatasetVersions.Where(v => v.Number == 1 && v.Dataset!.ProjectId == projectId).Select(v => v.ManifestJson).SingleAsync());
        using var manifest = JsonDocument.Parse(manifestJson);
        var expected = manifest.RootElement.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "train.jsonl").GetProperty("sha256").GetString();
        actual.ShouldBe(expected);
        await Assertions.Expect(page.Locator("[data-testid='sha-train.jsonl']")).ToHaveTextAsync(expected!);

        await page.Context.CloseAsync();
    }
}
