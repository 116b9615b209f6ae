using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Cli;

/// <summary>
/// Shows the warnings Core logs about the settings themselves (an old key still in use) on stderr, as
/// <c>warning: ...</c>; everything else the CLI says itself.
/// </summary>
internal sealed class CliWarningLoggerProvider(TextWriter error) : ILoggerProvider
{
    private const string SettingsCategory = "FineTuneStudio.Core.Settings.";

    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith(SettingsCategory, StringComparison.Ordinal) ? new WarningLogger(error) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class WarningLogger(TextWriter error) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                error.WriteLine($"warning: {formatter(state, exception)}");
            }
        }
    }
}
