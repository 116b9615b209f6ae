using System.Text;
using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Evaluation;

/// <summary>An ML lead drops a trainer_state.json on the training page and sees the curve judged.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TrainingLogBrowserTests(BrowserFixture browser)
{
    // The log_history of a run that overfits: validation loss 1.9, 1.7, 1.8, 1.9, 2.0 while training loss falls.
    private const string TrainerState = """
        {"global_step": 100, "log_history": [
          {"epoch": 0.5, "learning_rate": 1.8e-05, "loss": 2.4, "step": 10}, {"epoch": 1.0, "learning_rate": 1.6e-05, "loss": 2.2, "step": 20},
          {"epoch": 1.0, "eval_loss": 1.9, "step": 20}, {"epoch": 1.5, "loss": 2.0, "step": 30}, {"epoch": 2.0, "loss": 1.8, "step": 40},
          {"epoch": 2.0, "eval_loss": 1.7, "step": 40}, {"epoch": 2.5, "loss": NaN, "step": 50}, {"epoch": 3.0, "loss": 1.4, "step": 60},
          {"epoch": 3.0, "eval_loss": 1.8, "step": 60}, {"epoch": 3.5, "loss": 1.2, "step": 70}, {"epoch": 4.0, "loss": 1.0, "step": 80},
          {"epoch": 4.0, "eval_loss": 1.9, "step": 80}, {"epoch": 4.5, "loss": 0.8, "step": 90}, {"epoch": 5.0, "loss": 0.6, "step": 100},
          {"epoch": 5.0, "eval_loss": 2.0, "step": 100}, {"epoch": 5.0, "step": 100, "train_loss": 1.49, "train_runtime": 100.3}
        ]}
        """;

    [Fact]
    public async Task MlLead_ImportsATrainerState_AndSeesOverfittingFromStep40()
    {
        var (projectId, _) = await browser.App.CreateImportTargetAsync();
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{projectId}/evaluation/training");
        await BrowserFixture.WaitForCircuitAsync(page);

        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "trainer_state.json", MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes(TrainerState),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=overfitting-banner]")).ToContainTextAsync("from step 40");
        await Assertions.Expect(page.Locator("[data-testid=curve-caption]")).ToContainTextAsync("10 steps, 5 epochs");
        await Assertions.Expect(page.Locator("[data-testid=curve-caption]")).ToContainTextAsync("trainer_state.json");
        await BrowserFixture.ScreenshotAsync(page, "training-trainer-state");
    }

    [Fact]
    public async Task MlLead_ChoosesBedrocksTwoMetricsFilesTogether_AndSeesOneCurveJudged()
    {
        var (projectId, _) = await browser.App.CreateImportTargetAsync();
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{projectId}/evaluation/training");
        await BrowserFixture.WaitForCircuitAsync(page);
        // Training loss 2.40 falling by 0.05 a step over 20 steps, 4 a epoch; validation 1.90, 1.60, 1.70, 1.80, 1.95 at each epoch's last step.
        var training = "step_number,epoch_number,training_loss,perplexity\n"
            + string.Concat(Enumerable.Range(0, 20).Select(i => FormattableString.Invariant($"{i},{i / 4 + 1},{2.40 - 0.05 * i:0.00},{Math.Exp(2.40 - 0.05 * i):0.0000}\n")));
        const string validation = "step_number,epoch_number,validation_loss,perplexity\n3,1,1.90,6.6859\n7,2,1.60,4.9530\n11,3,1.70,5.4739\n15,4,1.80,6.0496\n19,5,1.95,7.0287\n";

        await page.Locator("[data-testid=training-file]").SetInputFilesAsync(new[]
        {
            new FilePayload { Name = "step_wise_training_metrics.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(training) },
            new FilePayload { Name = "validation_metrics.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(validation) },
        });
        await page.ClickAsync("[data-testid=import-training]");

        await Assertions.Expect(page.Locator("[data-testid=overfitting-banner]")).ToContainTextAsync("from step 7");
        await Assertions.Expect(page.Locator("[data-testid=curve-caption]")).ToContainTextAsync("20 steps, 5 epochs");
        await Assertions.Expect(page.Locator("[data-testid=curve-caption]")).ToContainTextAsync("Bedrock metrics CSV");
        await BrowserFixture.ScreenshotAsync(page, "training-bedrock-metrics");
        await page.Context.CloseAsync();
    }
}
