using System.Text;

namespace FineTuneStudio.Core.Readiness;

/// <summary>A submitted assessment as a Markdown report: the report writer's document plus the target warning and the measurements.</summary>
public sealed class ReadinessReports(Assessments assessments)
{
    public async Task<ReadinessReport> ReportAsync(int projectId, int assessmentId, CancellationToken cancellationToken)
    {
        var detail = await assessments.GetAsync(projectId, assessmentId, cancellationToken);
        if (detail.Evaluation is not { } evaluation)
        {
            throw new StudioValidationException("assessment", "A draft has no report yet; submit it first.");
        }

        var markdown = ReportMarkdown(detail.ProjectName, detail.Summary.SubmittedAt ?? detail.Summary.CreatedAt, evaluation);
        var fileName = FormattableString.Invariant($"readiness-{Slug(detail.ProjectName)}-{assessmentId}.md");
        return new ReadinessReport(fileName, markdown);
    }

    /// <summary>The report writer's document with the target warning and the raw measurements added before the next steps.</summary>
    public static string ReportMarkdown(string projectName, DateTime assessedAtUtc, ReadinessEvaluation evaluation)
    {
        var markdown = new ReadinessReportWriter().ToMarkdown(projectName, assessedAtUtc, evaluation.Result, evaluation.Estimate);
        var extra = new StringBuilder();
        if (evaluation.TargetWarning is { } warning)
        {
            extra.Append("## Training target warning\n\n").Append(warning.Text).Append('\n');
            if (warning.Alternatives.Length > 0)
            {
                extra.Append('\n').Append(warning.Alternatives).Append('\n');
            }

            extra.Append('\n');
        }

        var measured = ReadinessEvidenceText.MeasuredLines(evaluation.Evidence);
        extra.Append("## Measured in the project\n\n");
        extra.Append(measured.Count == 0 ? "Nothing measured: the project has no examples or evaluation sets yet.\n" : string.Concat(measured.Select(m => $"- {m.Label}: {m.Value}\n")));
        extra.Append('\n');

        var at = markdown.IndexOf("## Next steps", StringComparison.Ordinal);
        return at < 0 ? markdown + "\n" + extra : markdown.Insert(at, extra.ToString());
    }

    private static string Slug(string name)
    {
        var sb = new StringBuilder();
        foreach (var ch in name.ToLowerInvariant())
        {
            sb.Append(char.IsAsciiLetterOrDigit(ch) ? ch : '-');
        }

        var slug = string.Join('-', sb.ToString().Split('-', StringSplitOptions.RemoveEmptyEntries));
        return slug.Length == 0 ? "project" : slug[..Math.Min(slug.Length, 60)];
    }
}
