using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Training;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Versions;

/// <summary>The version page offers the recipes a version holds, says what each fits, and copies one to the clipboard.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RecipesBrowserTests(BrowserFixture browser)
{
    [Fact]
    public async Task MlLead_OpensTheRecipes_AndCopiesTheAxolotlConfig()
    {
        var (projectId, datasetId) = await browser.App.CreateImportTargetAsync();
        for (var i = 0; i < 12; i++)
        {
            await browser.App.SeedExampleAsync(datasetId, new ExampleInput([new(MessageRole.User, $"hello {i}"), new(MessageRole.Assistant, "world")]));
        }

        var version = await browser.App.CutAllExamplesAsync(datasetId, TrainingTargets.AxolotlChat);
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await page.GotoAsync($"projects/{projectId}/versions/{version.Id}");
        await BrowserFixture.WaitForCircuitAsync(page);

        await page.GetByRole(AriaRole.Tab, new() { Name = "Training recipes" }).ClickAsync();
        var axolotl = page.Locator("[data-testid='recipe-recipe-axolotl.yaml']");
        await Assertions.Expect(axolotl).ToContainTextAsync("message_field_training: train");
        await Assertions.Expect(axolotl).ToContainTextAsync("the \"train\" field of each turn says which turns train");
        await Assertions.Expect(page.Locator("[data-testid='recipe-recipe-trl.py']")).ToContainTextAsync("from trl import SFTConfig, SFTTrainer");
        await Assertions.Expect(page.Locator("[data-testid='recipe-dataset_info.json']")).ToContainTextAsync("\"formatting\": \"sharegpt\"");
        await BrowserFixture.ScreenshotAsync(page, "version-recipes");

        await page.Locator("[data-testid='copy-recipe-axolotl.yaml']").ClickAsync();
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Copied recipe-axolotl.yaml");
        var copied = await page.EvaluateAsync<string>("navigator.clipboard.readText()");
        var expected = (await browser.App.RecipesOfAsync(version.Id)).Single(r => r.FileName == TrainerRecipes.AxolotlFile).Text;
        copied.ShouldBe(expected);
    }
}
