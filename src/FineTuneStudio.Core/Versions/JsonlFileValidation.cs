using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Versions;

/// <summary>Checks a JSONL file from outside (an upload, a file on disk) against a target, as a version's files are checked.</summary>
public static class JsonlFileValidation
{
    /// <summary>Validates an uploaded JSONL file against a target, optionally with another encoding or token limit.</summary>
    public static async Task<ValidationReport> ValidateAsync(Stream stream, TrainingTargetProfile target, string? encoding, int? maxTokens, CancellationToken cancellationToken)
    {
        if (maxTokens is { } limit)
        {
            if (limit <= 0)
            {
                throw new StudioValidationException("max-tokens", "The token limit must be a positive number.");
            }

            target = target with { TokenLimitPerExample = limit };
        }

        var counter = TokenCounter.For(string.IsNullOrWhiteSpace(encoding) ? target.Encoding : encoding);
        return await new JsonlValidator(target, counter).ValidateAsync(stream, cancellationToken);
    }
}
