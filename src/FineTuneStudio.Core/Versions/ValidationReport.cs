namespace FineTuneStudio.Core.Versions;

/// <summary>One finding on a JSONL file. Line is 1-based; null for findings about the whole file.</summary>
public sealed record ValidationIssue(int? Line, string Field, string Message)
{
    public InputError ToInputError() => new(Field, Message, Line);

    public override string ToString() => Line is { } line ? $"line {line}: {Field}: {Message}" : $"{Field}: {Message}";
}

/// <summary>The outcome of validating one JSONL file against a training target.</summary>
public sealed record ValidationReport(
    string Target,
    int LineCount,
    int ExampleCount,
    IReadOnlyList<ValidationIssue> Errors,
    int ErrorCount,
    IReadOnlyList<ValidationIssue> Warnings,
    int WarningCount,
    TokenStats Tokens,
    int OverTokenLimitCount,
    TrainingCostEstimate Cost)
{
    public bool IsValid => ErrorCount == 0;

    /// <summary>Errors counted but not listed (the list is capped), for "… and N more errors".</summary>
    public int UnlistedErrorCount => Math.Max(0, ErrorCount - Errors.Count);

    /// <summary>Warnings counted but not listed.</summary>
    public int UnlistedWarningCount => Math.Max(0, WarningCount - Warnings.Count);

    public int Epochs => Cost.Epochs;

    public long BilledTokens => Cost.BilledTokens;

    public long ChargedTokens => Cost.ChargedTokens;

    public decimal? EstimatedCost => Cost.EstimatedCost;

    /// <summary>Throws the listed errors, for callers that must refuse an invalid file.</summary>
    public void ThrowIfInvalid()
    {
        if (!IsValid)
        {
            throw new StudioValidationException(Errors.Select(e => e.ToInputError()).ToList(), ErrorCount);
        }
    }
}
