using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Jobs;

/// <summary>How far a leased background run (a generated eval run, a judge run) has come: what a progress bar shows.</summary>
public interface IRunProgress
{
    int RunId { get; }
    EvalRunStatus Status { get; }
    int Done { get; }
    int Total { get; }
    int Failed { get; }
    string? Error { get; }

    /// <summary>Pending or Running, but no instance holds the run: the one working on it stopped. It can be resumed.</summary>
    bool Orphaned { get; }

    double Percent { get; }

    /// <summary>Still to come: Pending or Running.</summary>
    bool IsActive => Status is EvalRunStatus.Pending or EvalRunStatus.Running;
}
