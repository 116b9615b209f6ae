using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Jobs;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>
/// Generates runs in the background of this app instance, and resumes runs an instance that stopped left behind
/// (see <see cref="LeasedRunRunner{TProgress}"/>).
/// </summary>
public sealed class EvalGenerationRunner(EvalGenerationService generation, ILogger<EvalGenerationRunner> logger)
    : LeasedRunRunner<GenerationProgress>(p => p.Status is EvalRunStatus.Running or EvalRunStatus.Pending, logger)
{
    /// <summary>Records a Pending run and starts generating it in the background.</summary>
    public async Task<EvalRunSummary> StartAsync(int setId, GenerateRunRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var run = await generation.CreateAsync(setId, request, actor, cancellationToken);
        Start(run.Id, actor);
        return run;
    }

    protected override string Noun => "Eval run";

    protected override string Done => "generated";

    protected override string LeaseKind => EvalGenerationService.LeaseKind;

    protected override bool PicksUpOrphans => generation.ResumesOrphanedRuns;

    protected override GenerationProgress Pending(int runId) => new(runId, EvalRunStatus.Pending, 0, 0, 0, null);

    protected override GenerationProgress Resumed(GenerationProgress stored) => stored with { Orphaned = false };

    protected override Task<GenerationProgress> StoredProgressAsync(int runId, CancellationToken cancellationToken) => generation.GetProgressAsync(runId, cancellationToken);

    protected override Task<bool> ExecutePendingAsync(int runId, Actor actor, IProgress<GenerationProgress> progress, CancellationToken instanceStopping, CancellationToken cancellationToken) =>
        generation.ExecuteAsync(runId, actor, progress, instanceStopping, cancellationToken);

    protected override Task<JobLeaseHandle> ClaimOrphanAsync(int runId, Actor actor, CancellationToken cancellationToken) => generation.ClaimOrphanAsync(runId, actor, cancellationToken);

    protected override Task ExecuteClaimedAsync(JobLeaseHandle claim, Actor actor, IProgress<GenerationProgress> progress, CancellationToken instanceStopping, CancellationToken cancellationToken) =>
        generation.GenerateClaimedAsync(claim, actor, progress, instanceStopping, cancellationToken);

    protected override Task RecordCancelAsync(int runId, Actor actor, CancellationToken cancellationToken) => generation.RecordCancelAsync(runId, actor, cancellationToken);

    protected override Task<bool> RequestCancelAsync(int runId, Actor actor, CancellationToken cancellationToken) => generation.RequestCancelAsync(runId, actor, cancellationToken);

    protected override Task<IReadOnlyList<int>> OrphansAsync(CancellationToken cancellationToken) => generation.OrphanedRunIdsAsync(cancellationToken);
}
