using FineTuneStudio.Core.Training;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FineTuneStudio.Core.Readiness;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Cli.Commands;

public static class ReadinessCommands
{
    /// <summary>The top-level commands of this feature.</summary>
    public static IEnumerable<Command> Build()
    {
        var readiness = new Command("readiness", "The readiness questionnaire and its verdict");
        readiness.Subcommands.Add(BuildQuestionnaire());
        readiness.Subcommands.Add(BuildEvaluate());
        yield return readiness;
    }

    private static Command BuildQuestionnaire()
    {
        var command = new Command("questionnaire", "Print the questions with their ids, answer types, options and help");
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(new
                {
                    dimensions = Enum.GetValues<ReadinessDimension>().Select(d => new { dimension = d, title = ReadinessReportWriter.DimensionTitle(d), weight = ReadinessRules.Weights[d] }),
                    questions = ReadinessQuestionnaire.Questions,
                });
                return StudioCli.Success;
            }

            foreach (var group in ReadinessQuestionnaire.Questions.GroupBy(q => q.Dimension))
            {
                await console.Out.WriteLineAsync($"== {ReadinessReportWriter.DimensionTitle(group.Key)} ==");
                foreach (var q in group)
                {
                    await console.Out.WriteLineAsync($"{q.Id} ({Describe(q)})");
                    await console.Out.WriteLineAsync($"  {q.Text}");
                    foreach (var o in q.Options)
                    {
                        await console.Out.WriteLineAsync($"    {o.Id}: {o.Text}");
                    }
                }

                await console.Out.WriteLineAsync();
            }

            return StudioCli.Success;
        });
        return command;
    }

    private static Command BuildEvaluate()
    {
        var answers = new Option<FileInfo>("--answers") { Description = "JSON file: answers keyed by question id, or {\"answers\": {...}, \"targetKey\": ...}", Required = true };
        var project = new Option<string?>("--project") { Description = "Project id or name whose own data is used as evidence" };
        var command = new Command("evaluate", "Score answers and print the verdict; stores nothing") { answers, project };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            var file = parse.GetValue(answers)!;
            if (!file.Exists)
            {
                throw new CliException($"--answers: file not found: {file.FullName}");
            }

            ReadinessSubmission submission;
            try
            {
                await using var stream = file.OpenRead();
                using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
                submission = ReadinessSubmissionParser.Parse(doc.RootElement);
            }
            catch (JsonException e)
            {
                throw new CliException($"--answers: {file.Name} is not valid JSON (line {e.LineNumber + 1}): {e.Message}");
            }

            ReadinessEvaluation evaluation;
            string? projectName = null;
            if (parse.GetValue(project) is { } idOrName)
            {
                await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
                var found = await ProjectsCommand.RequireAsync(services, idOrName, ct);
                projectName = found.Name;
                evaluation = await services.GetRequiredService<Assessments>().EvaluateAsync(submission, found.Id, ct);
            }
            else
            {
                // Without a project no database is needed: the seed table of training targets is used.
                var now = DateTime.UtcNow;
                evaluation = ReadinessEvaluator.Evaluate(submission, new ReadinessEvidence(), TrainingTargetService.CatalogDefaults(now), DateOnly.FromDateTime(now));
            }

            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(new
                {
                    project = projectName,
                    verdict = evaluation.Result.Verdict,
                    verdictTitle = ReadinessReportWriter.VerdictTitle(evaluation.Result.Verdict),
                    overallScore = evaluation.Result.OverallScore,
                    explanation = evaluation.Result.VerdictExplanation,
                    dimensionScores = evaluation.Result.DimensionScores,
                    reasons = evaluation.Result.Reasons,
                    blockers = evaluation.Result.Blockers,
                    nextSteps = evaluation.Result.NextSteps,
                    evidence = evaluation.Evidence,
                    evidenceUses = evaluation.Result.EvidenceUses,
                    estimate = evaluation.Estimate,
                    targetWarning = evaluation.TargetWarning,
                });
                return StudioCli.Success;
            }

            await WriteTextAsync(console, evaluation, projectName);
            return StudioCli.Success;
        });
        return command;
    }

    private static async Task WriteTextAsync(CliConsole console, ReadinessEvaluation evaluation, string? projectName)
    {
        var r = evaluation.Result;
        var o = console.Out;
        if (projectName is not null)
        {
            await o.WriteLineAsync($"project: {projectName}");
        }

        await o.WriteLineAsync($"verdict: {ReadinessReportWriter.VerdictTitle(r.Verdict)} ({r.Verdict})");
        await o.WriteLineAsync($"overall score: {r.OverallScore} / 100");
        await o.WriteLineAsync(r.VerdictExplanation);
        await o.WriteLineAsync();
        await console.WriteTableAsync(["DIMENSION", "SCORE", "WEIGHT"],
            r.DimensionScores.Select(d => (IReadOnlyList<string>)[ReadinessReportWriter.DimensionTitle(d.Dimension), d.Score.ToString(CultureInfo.InvariantCulture), d.Weight + "%"]));
        await o.WriteLineAsync();
        await o.WriteLineAsync("blockers:");
        if (r.Blockers.Count == 0)
        {
            await o.WriteLineAsync("  none");
        }

        foreach (var b in r.Blockers)
        {
            await o.WriteLineAsync($"  - {b.Text} [{b.QuestionId}]");
        }

        await o.WriteLineAsync("reasons:");
        foreach (var reason in r.Reasons)
        {
            var effect = reason.Kind switch
            {
                ReadinessReasonKind.Gate => "gate",
                ReadinessReasonKind.Limit => "limit",
                _ => reason.Points.ToString("+0;-0;0", CultureInfo.InvariantCulture),
            };
            await o.WriteLineAsync($"  {effect,5}  {reason.QuestionId}: {reason.Text}");
        }

        foreach (var use in r.EvidenceUses)
        {
            await o.WriteLineAsync($"measured: {use.QuestionId}: {use.Explanation}");
        }

        await o.WriteLineAsync("next steps:");
        foreach (var step in r.NextSteps)
        {
            await o.WriteLineAsync($"  {step.Order}. {step.Text} ({step.Area})");
        }

        await o.WriteLineAsync($"break-even ({evaluation.Estimate.TargetName}): {evaluation.Estimate.BreakEven.Summary}");
        if (evaluation.TargetWarning is { } warning)
        {
            await o.WriteLineAsync($"warning: {warning.Text} {warning.Alternatives}".TrimEnd());
        }
    }

    private static string Describe(ReadinessQuestion q) => q.AnswerType switch
    {
        ReadinessAnswerType.Number => string.Create(CultureInfo.InvariantCulture, $"number {q.Min}–{q.Max} {q.Unit}").TrimEnd(),
        ReadinessAnswerType.SingleChoice => "one option",
        ReadinessAnswerType.MultipleChoice => "several options",
        _ => "text",
    };
}
