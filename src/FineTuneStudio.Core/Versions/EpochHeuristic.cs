namespace FineTuneStudio.Core.Versions;

/// <summary>
/// The published default-epochs rule for hosted fine-tuning: 3 epochs, raised for small datasets so
/// the model sees at least ~100 examples in total (at most 25 epochs), lowered for large ones so it
/// sees at most ~25,000 (at least 1). Integer division, as published.
/// </summary>
public static class EpochHeuristic
{
    public const int DefaultEpochs = 3;
    public const int MinTargetExamples = 100;
    public const int MaxTargetExamples = 25_000;
    public const int MaxDefaultEpochs = 25;
    public const int MinDefaultEpochs = 1;

    public static int Epochs(int exampleCount)
    {
        if (exampleCount <= 0)
        {
            return 0;
        }

        if (exampleCount * DefaultEpochs < MinTargetExamples)
        {
            return Math.Min(MaxDefaultEpochs, MinTargetExamples / exampleCount);
        }

        if ((long)exampleCount * DefaultEpochs > MaxTargetExamples)
        {
            return Math.Max(MinDefaultEpochs, MaxTargetExamples / exampleCount);
        }

        return DefaultEpochs;
    }

    /// <summary>The heuristic's epochs held to the most the target takes (Bedrock's Nova 5, Claude 3 Haiku 10).</summary>
    public static int Epochs(int exampleCount, Training.TrainingTargetProfile target) =>
        target.MaxEpochs is { } most ? Math.Min(Epochs(exampleCount), most) : Epochs(exampleCount);
}
