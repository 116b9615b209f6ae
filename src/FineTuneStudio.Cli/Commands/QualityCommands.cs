using System.CommandLine;
using System.Globalization;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Quality;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Cli.Commands;

public static class QualityCommands
{
    /// <summary>Analyses of at least this many examples report progress on stderr.</summary>
    private const int ProgressFromExamples = 10_000;

    /// <summary>The top-level commands of this feature.</summary>
    public static IEnumerable<Command> Build()
    {
        yield return Analyze();
        yield return Agreement();
        yield return Quality();
    }

    /// <summary><c>fts quality show</c>: the latest stored report, as the quality page shows it, without running a new analysis.</summary>
    private static Command Quality()
    {
        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "Dataset id or name", Required = true };
        var show = new Command("show", "Print a dataset's latest quality report (fts analyze runs a new one)") { project, dataset };
        show.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await DatasetsCommand.RequireAsync(services, await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct), parse.GetValue(dataset)!, ct);
            var latest = await services.GetRequiredService<QualityService>().LatestAsync(found.Id, ct)
                ?? throw new CliException($"--dataset: {found.Name} has no quality report yet; run fts analyze --project {parse.GetValue(project)} --dataset {parse.GetValue(dataset)}");
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(latest);
            }
            else
            {
                await WriteReportAsync(console, found.Name, latest);
            }

            return StudioCli.Success;
        });
        var quality = new Command("quality", "Stored quality reports of a dataset");
        quality.Subcommands.Add(show);
        return quality;
    }

    private static Command Analyze()
    {
        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "Dataset id or name", Required = true };
        var command = new Command("analyze", "Run the quality analysis of a dataset now, store it as a run and print the report") { project, dataset };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await DatasetsCommand.RequireAsync(services, await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct), parse.GetValue(dataset)!, ct);
            var json = parse.GetValue(GlobalOptions.Json);
            var progress = json ? null : StderrProgress.Tenths<QualityProgress>(console.Error,
                p => (p.Status == Core.Domain.QualityRunStatus.Running && p.Total >= ProgressFromExamples ? "analysing" : null, p.Processed, p.Total),
                (p, _) => $"analysing: {p.Processed}/{p.Total} examples");
            var result = await services.GetRequiredService<QualityJobRunner>().RunHereAsync(found.Id, Actor.Cli, progress, ct);
            if (json)
            {
                await console.WriteJsonAsync(result);
            }
            else
            {
                await WriteReportAsync(console, found.Name, result);
            }

            return StudioCli.Success;
        });
        return command;
    }

    private static async Task WriteReportAsync(CliConsole console, string datasetName, QualityResult result)
    {
        var report = result.Report;
        var o = console.Out;
        await o.WriteLineAsync($"{datasetName}: {report.ExamplesAnalyzed} examples analysed ({report.ExamplesSkipped} rejected left out), run {result.Run.Id} at {result.Run.CompletedAt:yyyy-MM-dd HH:mm:ss} UTC");
        await o.WriteLineAsync();
        if (report.Findings.Count == 0)
        {
            await o.WriteLineAsync("No findings.");
        }
        else
        {
            await console.WriteTableAsync(["FINDING", "SEVERITY", "EXAMPLES", "GROUPS", "TITLE", "EXAMPLE IDS"],
                report.Findings.Select(f => (IReadOnlyList<string>)[
                    f.Type.ToString(), f.Severity.ToString(), f.Count.ToString(CultureInfo.InvariantCulture),
                    f.GroupCount?.ToString(CultureInfo.InvariantCulture) ?? "", f.Title, IdList(f.ExampleIds, f.Count)]));
        }

        if (report.Tokens is { } t)
        {
            await o.WriteLineAsync();
            await o.WriteLineAsync(FormattableString.Invariant($"Tokens (o200k): total {t.Total:N0}, min {t.Min}, median {t.Median:0.#}, mean {t.Mean:0.#}, max {t.Max}"));
        }

        if (report.LabelBalance.Labels.Count > 0)
        {
            await o.WriteLineAsync();
            await console.WriteTableAsync(["LABEL", "EXAMPLES", "SHARE"],
                report.LabelBalance.Labels.Select(l => (IReadOnlyList<string>)[l.Label, l.Count.ToString(CultureInfo.InvariantCulture), l.Share.ToString("P1", CultureInfo.InvariantCulture)]));
        }

        if (report.Agreement is { } a)
        {
            await o.WriteLineAsync();
            await o.WriteLineAsync(FormattableString.Invariant($"Agreement: {a.Ratings} ratings by {a.Raters} labelers on {a.Items} examples ({a.ItemsWithTwoOrMoreRatings} with two or more)"));
            await o.WriteLineAsync($"  Krippendorff's alpha {Number(a.KrippendorffAlpha)} ({a.AlphaReliability?.ToString() ?? "undefined"}); Fleiss' kappa {Number(a.FleissKappa)}{(a.FleissBand is { } fb ? $" ({fb})" : "")}");
            await console.WriteTableAsync(["LABELER A", "LABELER B", "SHARED", "OBSERVED", "KAPPA", "READING"],
                a.Pairs.Select(p => (IReadOnlyList<string>)[p.RaterA, p.RaterB, p.SharedItems.ToString(CultureInfo.InvariantCulture),
                    p.ObservedAgreement.ToString("P0", CultureInfo.InvariantCulture), Number(p.Kappa), p.Band?.ToString() ?? ""]));
        }

        if (report.RatingAgreement is { } r)
        {
            await o.WriteLineAsync();
            await o.WriteLineAsync(FormattableString.Invariant($"Quality ratings (1-5): {r.Ratings} ratings by {r.Raters} labelers on {r.Items} examples ({r.ItemsWithTwoOrMoreRatings} with two or more)"));
            await o.WriteLineAsync($"  Krippendorff's alpha, ordinal {Number(r.KrippendorffAlpha)} ({r.AlphaReliability?.ToString() ?? "undefined"})");
        }

        if (report.Suggestions is { } s)
        {
            await o.WriteLineAsync();
            await o.WriteLineAsync(FormattableString.Invariant($"With suggestion vs without: {s.Accepted} of {s.WithSuggestion.Annotations} suggestions accepted ({Share(s.AcceptedShare)})"));
            await console.WriteTableAsync(["", "WITH SUGGESTION", "WITHOUT"],
                SuggestionRows(s.WithSuggestion).Zip(SuggestionRows(s.WithoutSuggestion), (w, n) => (IReadOnlyList<string>)[w.Name, w.Value, n.Value]));
        }

        if (result.Labelers.Count > 0)
        {
            await o.WriteLineAsync();
            await console.WriteTableAsync(["LABELER", "ANNOTATIONS", "MEDIAN SECONDS", "AGREES WITH FINAL"],
                result.Labelers.Select(l => (IReadOnlyList<string>)[l.Labeler, l.Annotations.ToString(CultureInfo.InvariantCulture),
                    l.MedianSeconds?.ToString("0.#", CultureInfo.InvariantCulture) ?? "", l.AgreementWithFinal?.ToString("P0", CultureInfo.InvariantCulture) ?? ""]));
        }
    }

    private static IEnumerable<(string Name, string Value)> SuggestionRows(SuggestionGroupFigures g) =>
    [
        ("annotations", g.Annotations.ToString(CultureInfo.InvariantCulture)),
        ("examples", g.Examples.ToString(CultureInfo.InvariantCulture)),
        ("kappa", Number(g.Agreement?.OverallKappa())),
        ("accuracy vs approved", g.Accuracy is null ? "-" : FormattableString.Invariant($"{Share(g.Accuracy)} of {g.ComparedWithReference}")),
    ];

    // Written out rather than "P0", whose invariant pattern puts a space before the sign.
    private static string Share(double? value) => value is { } v ? FormattableString.Invariant($"{v * 100:0}%") : "-";

    private static string IdList(IReadOnlyList<int> ids, int count)
    {
        var shown = string.Join(",", ids.Take(10));
        return count > 10 ? shown + ",..." : shown;
    }

    private static string Number(double? value) => value?.ToString("0.000", CultureInfo.InvariantCulture) ?? "undefined";

    private static Command Agreement()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "CSV file with the columns item,rater,label (an empty label is a missing rating)" };
        var metric = new Option<string>("--metric") { Description = "cohen (two raters), fleiss or krippendorff", Required = true };
        metric.AcceptOnlyFromAmong("cohen", "fleiss", "krippendorff");
        var level = new Option<string>("--level") { Description = "Krippendorff's measurement level: nominal, ordinal or interval", DefaultValueFactory = _ => "nominal" };
        level.AcceptOnlyFromAmong("nominal", "ordinal", "interval");
        var weights = new Option<string>("--weights") { Description = "Cohen's kappa weights for numeric ratings: none, linear or quadratic", DefaultValueFactory = _ => "none" };
        weights.AcceptOnlyFromAmong("none", "linear", "quadratic");
        var command = new Command("agreement", "Inter-rater agreement of a CSV of ratings: Cohen's kappa, Fleiss' kappa or Krippendorff's alpha") { file, metric, level, weights };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new CliException($"FILE: {path.FullName} does not exist");
            }

            AgreementCsvResult parsed;
            await using (var stream = path.OpenRead())
            {
                parsed = new AgreementCsvParser().Parse(stream, ct);
            }

            if (!parsed.Succeeded)
            {
                throw new StudioValidationException(parsed.Errors);
            }

            var result = AgreementMetric.Compute(parsed.Ratings,
                Enum.Parse<AgreementMetricKind>(parse.GetValue(metric)!, ignoreCase: true),
                Enum.Parse<MeasurementLevel>(parse.GetValue(level)!, ignoreCase: true),
                Enum.Parse<KappaWeighting>(parse.GetValue(weights)!, ignoreCase: true));
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(result);
            }
            else
            {
                var name = result.Metric switch
                {
                    AgreementMetricKind.Cohen => result.Weights == KappaWeighting.None ? "Cohen's kappa" : $"Cohen's kappa ({result.Weights!.Value.ToString().ToLowerInvariant()} weights)",
                    AgreementMetricKind.Fleiss => "Fleiss' kappa",
                    _ => $"Krippendorff's alpha ({result.Level!.Value.ToString().ToLowerInvariant()})",
                };
                await console.Out.WriteLineAsync($"{name}: {Number(result.Coefficient)}{(result.Reading is { } r ? $" ({r})" : "")}");
                await console.Out.WriteLineAsync(FormattableString.Invariant($"{result.Ratings} ratings, {result.Raters} raters, {result.Items} items"));
            }

            return StudioCli.Success;
        });
        return command;
    }
}
