using FineTuneStudio.Core;
using Microsoft.AspNetCore.Components;

namespace FineTuneStudio.Web.Components.Shared;

/// <summary>
/// What every stateful page shares: a token cancelled when the component goes away, so its
/// queries stop with the circuit, and one way to turn an exception into errors shown in place.
/// </summary>
public abstract class StudioComponentBase : ComponentBase, IAsyncDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private ILogger? _logger;

    protected StudioComponentBase() => ComponentToken = _cts.Token;

    [Inject] public required ILoggerFactory LoggerFactory { get; init; }

    /// <summary>Cancelled when the component is disposed; pass it to every service call.</summary>
    protected CancellationToken ComponentToken { get; }

    private ILogger Logger => _logger ??= LoggerFactory.CreateLogger(GetType());

    /// <summary>
    /// The errors to show for an exception: Core's expected ones as they always were; anything else
    /// is logged under a short id that the message repeats, so a user can quote it.
    /// </summary>
    protected (IReadOnlyList<string> Errors, int Total) ErrorsFor(Exception exception)
    {
        if (exception is StudioValidationException or NotFoundException or ConflictException or ForbiddenException)
        {
            return ErrorText.From(exception);
        }

        var errorId = Guid.NewGuid().ToString("N")[..8];
        Logger.LogError(exception, "Unexpected error {ErrorId} in {Component}", errorId, GetType().Name);
        return ([$"Something went wrong; the error was logged with id {errorId}."], 1);
    }

    /// <summary>Runs a user's action; returns no errors when it worked, else those to show (see <see cref="ErrorsFor"/>).</summary>
    protected async Task<(IReadOnlyList<string> Errors, int Total)> TryAsync(Func<Task> action)
    {
        try
        {
            await action();
            return ([], 0);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return ErrorsFor(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _cts.Cancel();
        await OnDisposeAsync();
        _cts.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>What a component lets go of besides its token: event handlers, JS modules.</summary>
    protected virtual ValueTask OnDisposeAsync() => ValueTask.CompletedTask;
}
