using System.Collections.Concurrent;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>
/// Generates runs in the background of this app instance. Progress is observable through
/// <see cref="Changed"/> and <see cref="Current"/>, so a page can be closed and reopened while a run goes on.
/// </summary>
public sealed class EvalGenerationRunner(EvalGenerationService generation, ILogger<EvalGenerationRunner> logger) : IDisposable
{
    private readonly ConcurrentDictionary<int, Job> _jobs = new();
    private readonly CancellationTokenSource _shutdown = new();

    /// <summary>Raised on every finished item and when a run ends; handlers must be quick and thread-safe.</summary>
    public event Action<GenerationProgress>? Changed;

    /// <summary>The progress of a run this instance is generating, if any.</summary>
    public GenerationProgress? Current(int runId) => _jobs.TryGetValue(runId, out var job) ? job.Progress : null;

    /// <summary>Progress from this instance when it runs the job, else from the database.</summary>
    public async Task<GenerationProgress> ProgressAsync(int runId, CancellationToken cancellationToken) =>
        Current(runId) ?? await generation.GetProgressAsync(runId, cancellationToken);

    /// <summary>Records a Pending run and starts generating it in the background.</summary>
    public async Task<EvalRunSummary> StartAsync(int setId, GenerateRunRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var run = await generation.CreateAsync(setId, request, actor, cancellationToken);
        Start(run.Id, actor);
        return run;
    }

    /// <summary>Starts generating a Pending run (e.g. one left by an instance that stopped before claiming it).</summary>
    public void Start(int runId, Actor actor)
    {
        var job = new Job(CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token));
        if (!_jobs.TryAdd(runId, job))
        {
            job.Cancellation.Dispose();
            return;
        }

        job.Progress = new GenerationProgress(runId, EvalRunStatus.Pending, 0, 0, 0, null);
        job.Task = Task.Run(() => ExecuteAsync(runId, actor, job), CancellationToken.None);
    }

    /// <summary>Stops a run here, or marks it Cancelled for the instance that works on it. False when it had already ended.</summary>
    public async Task<bool> CancelAsync(int runId, Actor actor, CancellationToken cancellationToken)
    {
        if (_jobs.TryGetValue(runId, out var job))
        {
            try
            {
                await job.Cancellation.CancelAsync();
                await generation.RecordCancelAsync(runId, actor, cancellationToken);
                return true;
            }
            catch (ObjectDisposedException)
            {
                // The run ended between the look-up and the cancel.
                return false;
            }
        }

        return await generation.RequestCancelAsync(runId, actor, cancellationToken);
    }

    /// <summary>Waits for a run this instance is generating (tests and the command line).</summary>
    public Task WaitAsync(int runId) => _jobs.TryGetValue(runId, out var job) && job.Task is { } task ? task : Task.CompletedTask;

    private async Task ExecuteAsync(int runId, Actor actor, Job job)
    {
        var progress = new Reporter(p =>
        {
            job.Progress = p;
            if (p.Status is not (EvalRunStatus.Running or EvalRunStatus.Pending))
            {
                _jobs.TryRemove(runId, out _);
            }

            Changed?.Invoke(p);
        });
        try
        {
            if (!await generation.ExecuteAsync(runId, actor, progress, job.Cancellation.Token))
            {
                logger.LogInformation("Eval run {RunId} was not pending any more; another instance has it or it was cancelled", runId);
            }
        }
        catch (OperationCanceledException)
        {
            logger.LogInformation("Eval run {RunId} was cancelled before it started", runId);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Eval run {RunId} failed", runId);
        }
        finally
        {
            _jobs.TryRemove(runId, out _);
            job.Cancellation.Dispose();
        }
    }

    public void Dispose()
    {
        _shutdown.Cancel();
        _shutdown.Dispose();
    }

    private sealed class Job(CancellationTokenSource cancellation)
    {
        public CancellationTokenSource Cancellation { get; } = cancellation;
        public GenerationProgress Progress { get; set; } = null!;
        public Task? Task { get; set; }
    }

    /// <summary>Reports synchronously on the caller's thread (unlike Progress&lt;T&gt;, which posts to a context).</summary>
    private sealed class Reporter(Action<GenerationProgress> report) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => report(value);
    }
}
