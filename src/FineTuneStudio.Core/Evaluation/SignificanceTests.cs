namespace FineTuneStudio.Core.Evaluation;

/// <summary>
/// McNemar's test on paired right/wrong outcomes. <paramref name="RightToWrong"/> are regressions
/// (right in the baseline, wrong in the candidate), <paramref name="WrongToRight"/> are fixes.
/// </summary>
public sealed record McNemarResult(int RightToWrong, int WrongToRight, double ExactPValue, double ChiSquare, double ChiSquarePValue)
{
    public int Discordant => RightToWrong + WrongToRight;

    /// <summary>The exact test when few items disagree, the χ² approximation otherwise.</summary>
    public double PValue => Discordant < 25 ? ExactPValue : ChiSquarePValue;
}

public sealed record BootstrapInterval(double MeanDifference, double Low, double High, int Iterations, int Seed);

public static class SignificanceTests
{
    public static McNemarResult McNemar(int rightToWrong, int wrongToRight)
    {
        if (rightToWrong < 0 || wrongToRight < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rightToWrong), "Counts cannot be negative.");
        }

        var n = rightToWrong + wrongToRight;
        if (n == 0)
        {
            return new McNemarResult(0, 0, 1, 0, 1);
        }

        // Exact: two-sided binomial test of the smaller count against n trials with p = 1/2.
        var k = Math.Min(rightToWrong, wrongToRight);
        var tail = 0.0;
        for (var i = 0; i <= k; i++)
        {
            tail += Math.Exp(LogChoose(n, i) - n * Math.Log(2));
        }

        var exact = Math.Min(1, 2 * tail);
        var diff = Math.Max(0, Math.Abs(rightToWrong - wrongToRight) - 1);
        var chi = (double)diff * diff / n;
        return new McNemarResult(rightToWrong, wrongToRight, exact, chi, ChiSquareOneDfUpperTail(chi));
    }

    /// <summary>
    /// Percentile bootstrap interval for the mean of paired differences (candidate − baseline per
    /// item). The seed makes the interval reproducible.
    /// </summary>
    public static BootstrapInterval BootstrapMeanDifference(IReadOnlyList<double> differences, int seed, int iterations = 2000, double confidence = 0.95)
    {
        if (differences.Count == 0)
        {
            return new BootstrapInterval(0, 0, 0, 0, seed);
        }

        var random = new Random(seed);
        var means = new double[iterations];
        var n = differences.Count;
        for (var b = 0; b < iterations; b++)
        {
            var sum = 0.0;
            for (var i = 0; i < n; i++)
            {
                sum += differences[random.Next(n)];
            }

            means[b] = sum / n;
        }

        Array.Sort(means);
        var alpha = (1 - confidence) / 2;
        return new BootstrapInterval(differences.Average(), Percentile(means, alpha), Percentile(means, 1 - alpha), iterations, seed);
    }

    /// <summary>P(χ²₁ ≥ x) = erfc(√(x/2)).</summary>
    public static double ChiSquareOneDfUpperTail(double x) => x <= 0 ? 1 : Erfc(Math.Sqrt(x / 2));

    /// <summary>Complementary error function (Chebyshev fit, relative error below 1.2e-7).</summary>
    public static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1 / (1 + 0.5 * z);
        var r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
            t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
            t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }

    /// <summary>The q-quantile of sorted values, interpolated linearly between ranks.</summary>
    public static double Percentile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = (int)Math.Ceiling(position);
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
    }

    private static double LogChoose(int n, int k)
    {
        var result = 0.0;
        for (var i = 1; i <= k; i++)
        {
            result += Math.Log(n - k + i) - Math.Log(i);
        }

        return result;
    }
}
