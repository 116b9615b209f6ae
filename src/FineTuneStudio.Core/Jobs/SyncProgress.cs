namespace FineTuneStudio.Core.Jobs;

/// <summary>
/// Reports synchronously on the caller's thread (unlike <see cref="Progress{T}"/>, which posts to a context), so
/// the background runners and the command line see every step in order and at once.
/// </summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
