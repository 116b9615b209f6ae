using System.Text;
using FineTuneStudio.Core.Evaluation;

namespace FineTuneStudio.Core.Tests.Evaluation;

/// <summary>
/// Training logs of the open trainers. Fixtures are written from the files the tools document: the Hugging Face
/// Trainer's trainer_state.json as TRL's SFTTrainer fills it (entropy, mean_token_accuracy, a NaN grad_norm as Python
/// writes it, the run summary last) and LLaMA-Factory's trainer_log.jsonl (current_steps, lr; with a BOM and CRLF).
/// </summary>
public sealed class TrainerLogParserTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", name));

    [Fact]
    public void TrainerState_MergesTrainAndEvalEntriesPerStep_AndSkipsTheRunSummary()
    {
        var log = TrainerLogParser.Parse(Fixture("trainer_state.json"));

        log.Format.ShouldBe(TrainerLogParser.HfTrainerState);
        log.Points.Select(p => p.Step).ShouldBe([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
        log.Points[1].ShouldBe(new CurvePoint(20, 2.2, 0.55, 1.9, 0.58, 1.0, 1.6e-05));
        // "loss": NaN (a diverged step as Python's json writes it) is a missing value, not an error.
        log.Points[4].ShouldBe(new CurvePoint(50, null, null, null, null, 2.5, 1.0e-05));
        // The summary's train_loss (1.49, a mean over the run) is not a point: step 100 keeps its own loss.
        log.Points[9].TrainLoss.ShouldBe(0.6);
    }

    [Fact]
    public void TrainerState_ValidationLossRisingThreeTimes_IsFlaggedAsOverfitting()
    {
        var verdict = OverfittingDetector.Detect(TrainerLogParser.Parse(Fixture("trainer_state.json")).Points);

        // Evaluations 1.9, 1.7, 1.8, 1.9, 2.0 at steps 20..100; mean training loss per window 2.3, 1.9, 1.4, 1.1, 0.7.
        // Rises at 60, 80 and 100 while training fell: overfitting since the evaluation at step 40, the best one.
        (verdict.Status, verdict.RisingSinceStep, verdict.BestValidStep, verdict.BestValidLoss).ShouldBe((CurveStatus.Overfitting, 40, 40, 1.7));
    }

    [Fact]
    public void LlamaFactoryLog_WithBomAndCrlf_ReadsCurrentStepsAndLr()
    {
        var log = TrainerLogParser.Parse(Fixture("trainer_log.jsonl"));

        log.Format.ShouldBe(TrainerLogParser.LlamaFactoryLog);
        log.Points.ShouldBe(
        [
            new CurvePoint(5, 1.9, null, null, null, 0.25, 4.5e-05),
            new CurvePoint(10, 1.5, null, 1.6, null, 0.5, 3.5e-05),
            new CurvePoint(15, 1.2, null, null, null, 0.75, 2.0e-05),
            new CurvePoint(20, 1.0, null, 1.4, null, 1.0, 5.0e-06),
        ]);
        OverfittingDetector.Detect(log.Points).Status.ShouldBe(CurveStatus.Healthy);
    }

    [Fact]
    public void ResultsCsv_StillReadsAsBefore()
    {
        var log = TrainerLogParser.Parse("step,train_loss,valid_loss\n1,2.0,\n2,1.5,1.7\n");

        log.Format.ShouldBe(TrainerLogParser.ResultsCsv);
        log.Points.ShouldBe([new CurvePoint(1, 2.0, null, null, null), new CurvePoint(2, 1.5, null, 1.7, null)]);
    }

    [Fact]
    public void BadEntries_AreNamedByEntryAndField_OrByLine()
    {
        var state = """{"log_history": [{"step": 10, "loss": 2.0}, {"loss": 1.9}, {"step": 30, "loss": "high"}]}""";
        var stateError = Should.Throw<StudioValidationException>(() => TrainerLogParser.Parse(state));
        stateError.Errors.Select(e => e.Field).ShouldBe(["log_history[1].step", "log_history[2].loss"]);

        var lines = "{\"current_steps\": 5, \"loss\": 1.0}\n{\"current_steps\": \"ten\"}\n{not json\n";
        var lineError = Should.Throw<StudioValidationException>(() => TrainerLogParser.Parse(lines));
        lineError.Errors.Select(e => (e.Field, e.Line)).ShouldBe([("current_steps", (int?)2), ("line", 3)]);

        Should.Throw<StudioValidationException>(() => TrainerLogParser.Parse("""{"model": "x"}""")).Errors.Single().Field.ShouldBe("log_history");
        Should.Throw<StudioValidationException>(() => TrainerLogParser.Parse("""{"log_history": []}""")).Errors.Single().Field.ShouldBe("file");
    }

    [Fact]
    public void NaNInsideAString_IsLeftAlone()
    {
        var log = TrainerLogParser.Parse("""{"log_history": [{"step": 1, "loss": 1.0, "note": "NaN and Infinity \" here"}, {"step": 2, "loss": -Infinity}]}""");

        log.Points.ShouldBe([new CurvePoint(1, 1.0, null, null, null), new CurvePoint(2, null, null, null, null)]);
    }

    [Fact]
    public void MangledLogs_NeverCrashTheParser()
    {
        // Fuzz-style: cut, duplicate and overwrite bytes of both fixtures; every outcome is points or a validation error.
        var random = new Random(20261204);
        var seeds = new[] { Fixture("trainer_state.json"), Fixture("trainer_log.jsonl"), "step,train_loss\n1,2\n", Fixture("validation_metrics.csv") };
        const string alphabet = "{}[]\",:0123456789.-eE NaNInfinity\\\n\r\tstep_loss";
        for (var i = 0; i < 3_000; i++)
        {
            var text = new StringBuilder(seeds[i % seeds.Length]);
            for (var edit = random.Next(1, 6); edit > 0 && text.Length > 0; edit--)
            {
                var at = random.Next(text.Length);
                switch (random.Next(3))
                {
                    case 0: text.Remove(at, Math.Min(random.Next(1, 20), text.Length - at)); break;
                    case 1: text.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                    default: text[at] = (char)random.Next(0, 0x10000); break; // lone surrogates too
                }
            }

            try
            {
                // Every other mangled file goes in beside Bedrock's training metrics, as one run of two files.
                _ = i % 2 == 0 ? TrainerLogParser.Parse(text.ToString()) : TrainerLogParser.Parse([("step_wise_training_metrics.csv", Fixture("step_wise_training_metrics.csv")), ("mangled", text.ToString())]);
            }
            catch (StudioValidationException)
            {
                // Refused with a message: what bad input should get.
            }
        }
    }

    [Fact]
    public void BedrockMetrics_TheTwoFilesOfOneJob_ReadAsOneCurve_WithEpochs()
    {
        var log = TrainerLogParser.Parse([("step_wise_training_metrics.csv", Fixture("step_wise_training_metrics.csv")), ("validation_metrics.csv", Fixture("validation_metrics.csv"))]);

        log.Format.ShouldBe(TrainerLogParser.BedrockMetrics);
        log.Points.Select(p => p.Step).ShouldBe(Enumerable.Range(0, 20));
        log.Points[0].ShouldBe(new CurvePoint(0, 2.40, null, null, null, 1));
        // Step 7 has both files' values: training loss 2.40 - 7 × 0.05 and the validation loss of epoch 2.
        log.Points[7].ShouldBe(new CurvePoint(7, 2.05, null, 1.60, null, 2));
        // Validation 1.90, 1.60, 1.70, 1.80, 1.95 at steps 3..19; mean training loss per window 2.325, 2.125, 1.925, 1.725, 1.525.
        // Rises at 11, 15 and 19 while training fell: overfitting since the evaluation at step 7, the best one.
        var verdict = OverfittingDetector.Detect(log.Points);
        (verdict.Status, verdict.RisingSinceStep, verdict.BestValidStep, verdict.BestValidLoss).ShouldBe((CurveStatus.Overfitting, 7, 7, 1.6));
    }

    [Fact]
    public void BedrockMetrics_TheTrainingFileAlone_IsACurveWithoutValidation()
    {
        var log = TrainerLogParser.Parse(Fixture("step_wise_training_metrics.csv"));

        (log.Format, log.Points.Count, log.Points[^1].TrainLoss, log.Points[^1].Epoch).ShouldBe((TrainerLogParser.BedrockMetrics, 20, 1.45, 5.0));
        OverfittingDetector.Detect(log.Points).Status.ShouldBe(CurveStatus.NoValidation);
    }

    [Fact]
    public void TwoFiles_ThatBothGiveALossAtOneStep_AreRefusedNamingBoth()
    {
        var training = Fixture("step_wise_training_metrics.csv");

        var refused = Should.Throw<StudioValidationException>(() => TrainerLogParser.Parse([("a.csv", training), ("b.csv", training)]));

        refused.TotalCount.ShouldBe(20);
        refused.Errors[0].ToString().ShouldBe("train_loss: Step 0 has a train_loss in both a.csv and b.csv: import files of one run together.");
    }

    [Fact]
    public void TwoFiles_ABadRow_IsNamedWithItsFileAndLine()
    {
        var refused = Should.Throw<StudioValidationException>(() => TrainerLogParser.Parse(
            [("step_wise_training_metrics.csv", Fixture("step_wise_training_metrics.csv")), ("validation_metrics.csv", "step_number,epoch_number,validation_loss\n3,1,1.9\n7,two,1.6\n")]));

        refused.Errors.Single().ToString().ShouldBe("validation_metrics.csv line 3: epoch_number: \"two\" is not a number of epochs.");
    }
}
