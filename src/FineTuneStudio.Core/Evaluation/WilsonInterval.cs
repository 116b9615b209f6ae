namespace FineTuneStudio.Core.Evaluation;

public sealed record ProportionInterval(int Successes, int Trials, double Rate, double Low, double High);

/// <summary>
/// Wilson score interval for a proportion: unlike the normal approximation it stays inside [0, 1]
/// and behaves at the small counts a human review produces.
/// </summary>
public static class WilsonInterval
{
    public const double Z95 = 1.959963984540054;

    public static ProportionInterval Compute(int successes, int trials, double z = Z95)
    {
        if (trials < 0 || successes < 0 || successes > trials)
        {
            throw new ArgumentOutOfRangeException(nameof(successes), "Successes must be between 0 and the number of trials.");
        }

        if (trials == 0)
        {
            return new ProportionInterval(0, 0, 0, 0, 1);
        }

        double n = trials;
        var p = successes / n;
        var z2 = z * z;
        var denominator = 1 + z2 / n;
        var centre = (p + z2 / (2 * n)) / denominator;
        var margin = z * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
        return new ProportionInterval(successes, trials, p, Math.Max(0, centre - margin), Math.Min(1, centre + margin));
    }
}
