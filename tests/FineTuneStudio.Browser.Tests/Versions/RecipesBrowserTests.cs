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
        await BrowserFixture.OpenRecipesAsync(page, projectId, version.Id);
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

    [Fact]
    public async Task MlLead_SeesWhichCurveAndScoreAVersionProduced_OnTheVersionPageAndTheDashboard()
    {
        var (projectId, datasetId) = await browser.App.CreateImportTargetAsync();
        for (var i = 0; i < 12; i++)
        {
            await browser.App.SeedExampleAsync(datasetId, new ExampleInput([new(MessageRole.User, $"hello {i}"), new(MessageRole.Assistant, "world")]));
        }

        var version = await browser.App.CutAllExamplesAsync(datasetId, TrainingTargets.HfMessages);
        var setId = await browser.App.CreateEvalSetAsync(projectId, "Held-out", """
            {"id": "a", "expected": "high", "label": "high", "input": "slow for everyone"}
            {"id": "b", "expected": "low", "label": "low", "input": "typo"}
            {"id": "c", "expected": "normal", "label": "normal", "input": "export invoices"}
            {"id": "d", "expected": "critical", "label": "critical", "input": "payments fail"}
            """, ["exact", "accuracy"]);
        // Baseline right on a and b (50%); the model trained on the version right on a, b and d (75%).
        await browser.App.ImportRunOfVersionAsync(setId, "prompted", "id,output\na,high\nb,low\nc,high\nd,high\n", "baseline.csv", null, baseline: true);
        await browser.App.ImportRunOfVersionAsync(setId, "tuned", "id,output\na,high\nb,low\nc,low\nd,critical\n", "tuned.csv", version.Id);
        // Validation loss 1.9, 1.7, 1.8 at epochs 1, 2, 3: lowest at epoch 2 and not rising three times, so healthy.
        await browser.App.ImportTrainingLogAsync(projectId, version.Id, "qwen-lora", """
            {"log_history": [{"epoch": 1.0, "loss": 2.2, "step": 20}, {"epoch": 1.0, "eval_loss": 1.9, "step": 20},
             {"epoch": 2.0, "loss": 1.8, "step": 40}, {"epoch": 2.0, "eval_loss": 1.7, "step": 40},
             {"epoch": 3.0, "loss": 1.4, "step": 60}, {"epoch": 3.0, "eval_loss": 1.8, "step": 60}]}
            """);
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));

        await page.GotoAsync($"projects/{projectId}/versions/{version.Id}");
        await BrowserFixture.WaitForCircuitAsync(page);
        const string expected = "Trained on Imported v1: validation loss lowest at epoch 2 (step 40), no sign of overfitting; 75.0% accuracy against the baseline's 50.0%.";
        await Assertions.Expect(page.Locator("[data-testid=lineage]")).ToContainTextAsync(expected);
        await BrowserFixture.ScreenshotAsync(page, "version-lineage");

        await page.GotoAsync($"projects/{projectId}/evaluation");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator($"[data-testid=lineage-{version.Id}]")).ToContainTextAsync(expected);
        await BrowserFixture.ScreenshotAsync(page, "dashboard-lineage");
    }
}
