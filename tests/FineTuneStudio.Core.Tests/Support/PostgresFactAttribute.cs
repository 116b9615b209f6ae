namespace FineTuneStudio.Core.Tests.Support;

/// <summary>
/// A test that needs the PostgreSQL server that scripts/test.sh starts (FTS_TEST_POSTGRES holds an
/// admin connection string). Outside CI a missing server skips the test; in CI it fails it, so a
/// broken server set-up can never pass silently.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public const string Variable = "FTS_TEST_POSTGRES";

    public PostgresFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)) && !IsCi)
        {
            Skip = $"{Variable} is not set; scripts/test.sh starts PostgreSQL and sets it.";
        }
    }

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable(Variable) ?? throw new InvalidOperationException($"{Variable} is not set: scripts/test.sh starts PostgreSQL for the tests.");
}
