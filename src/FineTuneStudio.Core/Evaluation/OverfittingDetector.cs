namespace FineTuneStudio.Core.Evaluation;

public sealed record CurvePoint(int Step, double? TrainLoss, double? TrainAccuracy, double? ValidLoss, double? ValidAccuracy,
    double? Epoch = null, double? LearningRate = null);

public enum CurveStatus { NoValidation, Healthy, Overfitting }

public sealed record OverfittingVerdict(CurveStatus Status, int? RisingSinceStep, int? BestValidStep, double? BestValidLoss, string Message)
{
    public bool Overfitting => Status == CurveStatus.Overfitting;
}

/// <summary>
/// Flags overfitting when validation loss rises at <c>k</c> consecutive evaluations while training
/// loss keeps falling over the same span. Training loss is noisy per step, so it is averaged over the
/// steps between two evaluations before comparing.
/// </summary>
public static class OverfittingDetector
{
    public const int DefaultRises = 3;

    public static OverfittingVerdict Detect(IEnumerable<CurvePoint> points, int rises = DefaultRises)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rises, 1);
        var all = points.OrderBy(p => p.Step).ToList();
        var evals = all.Where(p => p.ValidLoss is not null).ToList();
        if (evals.Count == 0)
        {
            return new OverfittingVerdict(CurveStatus.NoValidation, null, null, null, "The file has no validation loss, so overfitting cannot be judged.");
        }

        var best = evals.MinBy(p => p.ValidLoss!.Value)!;

        // Mean training loss over (previous evaluation, this evaluation]; the first window starts at the beginning.
        var trainAtEval = new double?[evals.Count];
        for (var i = 0; i < evals.Count; i++)
        {
            var from = i == 0 ? int.MinValue : evals[i - 1].Step;
            var window = all.Where(p => p.Step > from && p.Step <= evals[i].Step && p.TrainLoss is not null).Select(p => p.TrainLoss!.Value).ToList();
            trainAtEval[i] = window.Count == 0 ? null : window.Average();
        }

        var run = 0;
        for (var i = 1; i < evals.Count; i++)
        {
            var validRose = evals[i].ValidLoss > evals[i - 1].ValidLoss;
            var trainFell = trainAtEval[i] is { } now && trainAtEval[i - 1] is { } before && now < before;
            run = validRose && trainFell ? run + 1 : 0;
            if (run >= rises)
            {
                var since = evals[i - run].Step;
                return new OverfittingVerdict(CurveStatus.Overfitting, since, best.Step, best.ValidLoss,
                    $"Validation loss rose at {run} evaluations in a row from step {since} while training loss kept falling: the model is memorising the training set. The best checkpoint is around step {best.Step}.");
            }
        }

        return new OverfittingVerdict(CurveStatus.Healthy, null, best.Step, best.ValidLoss,
            $"No sign of overfitting: validation loss did not rise {rises} evaluations in a row while training loss fell. Lowest validation loss at step {best.Step}.");
    }
}
