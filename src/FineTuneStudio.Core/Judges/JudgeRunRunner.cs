using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Jobs;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Core.Judges;

/// <summary>
/// Judge runs in the background of this app instance, and the runs a stopped instance left (see
/// <see cref="LeasedRunRunner{TProgress}"/>).
/// </summary>
public sealed class JudgeRunRunner(JudgeRuns runs, JudgeRunExecutor executor, EvalEndpointCatalog endpoints, ILogger<JudgeRunRunner> logger)
    : LeasedRunRunner<JudgeRunProgress>(p => p.Status is EvalRunStatus.Running or EvalRunStatus.Pending, logger)
{
    /// <summary>Records a Pending run and starts judging it in the background.</summary>
    public async Task<JudgeRunSummary> StartAsync(JudgeRunRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var run = await runs.CreateAsync(request, actor, cancellationToken);
        Start(run.Id, actor);
        return run;
    }

    protected override string Noun => "Judge run";

    protected override string Done => "judged";

    protected override string LeaseKind => JudgeRuns.LeaseKind;

    protected override bool PicksUpOrphans => endpoints.Options.ResumeOrphanedRuns;

    protected override JudgeRunProgress Pending(int runId) => new(runId, EvalRunStatus.Pending, 0, 0, 0, null);

    protected override JudgeRunProgress Resumed(JudgeRunProgress stored) => stored with { Orphaned = false };

    protected override Task<JudgeRunProgress> StoredProgressAsync(int runId, CancellationToken cancellationToken) => runs.GetProgressAsync(runId, cancellationToken);

    protected override Task<bool> ExecutePendingAsync(int runId, Actor actor, IProgress<JudgeRunProgress> progress, CancellationToken instanceStopping, CancellationToken cancellationToken) =>
        executor.ExecuteAsync(runId, actor, progress, instanceStopping, cancellationToken);

    protected override Task<JobLeaseHandle> ClaimOrphanAsync(int runId, Actor actor, CancellationToken cancellationToken) => executor.ClaimOrphanAsync(runId, actor, cancellationToken);

    protected override Task ExecuteClaimedAsync(JobLeaseHandle claim, Actor actor, IProgress<JudgeRunProgress> progress, CancellationToken instanceStopping, CancellationToken cancellationToken) =>
        executor.JudgeClaimedAsync(claim, actor, progress, instanceStopping, cancellationToken);

    protected override Task RecordCancelAsync(int runId, Actor actor, CancellationToken cancellationToken) => runs.RecordCancelAsync(runId, actor, cancellationToken);

    protected override Task<bool> RequestCancelAsync(int runId, Actor actor, CancellationToken cancellationToken) => runs.RequestCancelAsync(runId, actor, cancellationToken);

    protected override Task<IReadOnlyList<int>> OrphansAsync(CancellationToken cancellationToken) => runs.OrphanedRunIdsAsync(cancellationToken);
}
