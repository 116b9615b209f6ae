using System.Globalization;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Quality;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace FineTuneStudio.Web.Components.Pages.Quality;

public sealed partial class QualityPage
{
    private const int MaxIdsShown = 40;
    private const int MaxGroupsShown = 8;

    private IReadOnlyList<DatasetSummary> _datasets = [];
    private int _datasetId;
    private QualityResult? _latest;
    private QualityProgress? _running;
    private bool _loaded;
    private bool _interactive;
    private bool _busy;
    private IReadOnlyList<string> _errors = [];
    private int _errorTotal;
    private IReadOnlyList<string> _raters = [];
    private List<ChartSeries<double>> _lengthSeries = [];
    private string[] _lengthLabels = [];
    private List<ChartSeries<double>> _labelSeries = [];
    // MudChart ticks every 20 by default, which flattens small counts into the floor: about five ticks over the tallest bar.
    private BarChartOptions _lengthAxis = new();
    private BarChartOptions _labelAxis = new();
    private string[] _labelLabels = [];

    [Parameter] public int ProjectId { get; set; }

    [Inject] public required DatasetService Datasets { get; init; }
    [Inject] public required QualityJobRunner Runner { get; init; }
    [Inject] public required QualityService Quality { get; init; }

    [Inject] public required QualityFixes Fixes { get; init; }
    [Inject] public required ISnackbar Snackbar { get; init; }

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            _datasets = await Datasets.ListAsync(ProjectId, ComponentToken);
            if (_datasets.All(d => d.Id != _datasetId))
            {
                _datasetId = _datasets.Count > 0 ? _datasets[0].Id : 0;
            }

            await LoadAsync();
        }
        catch (Exception e) when (e is NotFoundException or StudioValidationException)
        {
            ShowError(e);
        }

        _loaded = true;
    }

    protected override void OnInitialized() => Runner.Changed += OnRunnerChanged;

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            // Buttons work only once the circuit is connected; enabling them now also tells tests the page is live.
            _interactive = true;
            StateHasChanged();
        }
    }

    private async Task SelectDatasetAsync(int datasetId)
    {
        _datasetId = datasetId;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _errors = [];
        if (_datasetId == 0)
        {
            _latest = null;
            _running = null;
            return;
        }

        var overview = await Runner.OverviewAsync(_datasetId, ComponentToken);
        _latest = overview.Latest;
        _running = overview.Running;
        BuildViews();
    }

    private void BuildViews()
    {
        if (_latest is null)
        {
            return;
        }

        var report = _latest.Report;
        _raters = report.Agreement is { } a
            ? a.Pairs.SelectMany(p => new[] { p.RaterA, p.RaterB }).Distinct().Order(StringComparer.Ordinal).ToList()
            : [];
        _lengthLabels = report.LengthHistogram.Select(b => $"{b.From}–{b.To - 1}").ToArray();
        _lengthSeries = [new ChartSeries<double> { Name = "Examples", Data = new ChartData<double>(report.LengthHistogram.Select(b => (double)b.Count).ToList()) }];
        _lengthAxis = new BarChartOptions { YAxisTicks = TickFor(report.LengthHistogram.Select(b => b.Count).DefaultIfEmpty(0).Max()) };
        var labels = report.LabelBalance.Labels;
        _labelLabels = labels.Select(l => l.Label).ToArray();
        _labelSeries = [new ChartSeries<double> { Name = "Examples", Data = new ChartData<double>(labels.Select(l => (double)l.Count).ToList()) }];
        _labelAxis = new BarChartOptions { YAxisTicks = TickFor(labels.Select(l => l.Count).DefaultIfEmpty(0).Max()) };
    }

    private async Task RunAsync()
    {
        try
        {
            var actor = (await AuthenticationState).User.ToActor();
            _running = await Runner.StartAsync(_datasetId, actor, ComponentToken);
            _errors = [];
        }
        catch (Exception e) when (e is NotFoundException or StudioValidationException or ConflictException)
        {
            ShowError(e);
        }
    }

    private void Cancel() => Runner.Cancel(_datasetId);

    private void OnRunnerChanged(QualityProgress progress)
    {
        if (progress.DatasetId != _datasetId || ComponentToken.IsCancellationRequested)
        {
            return;
        }

        _ = InvokeAsync(async () =>
        {
            try
            {
                if (progress.Status == QualityRunStatus.Running)
                {
                    _running = progress;
                }
                else
                {
                    _running = null;
                    if (progress.Status == QualityRunStatus.Completed)
                    {
                        Snackbar.Add("Analysis finished", Severity.Success);
                    }
                    else
                    {
                        var run = await Quality.GetRunAsync(progress.DatasetId, progress.RunId, ComponentToken);
                        Snackbar.Add(run.Error ?? "The analysis stopped.", Severity.Warning);
                    }

                    await LoadAsync();
                }

                StateHasChanged();
            }
            catch (OperationCanceledException)
            {
                // The page was closed while the update was on its way.
            }
        });
    }

    private static string? ActionFor(QualityFinding finding) => finding.Type switch
    {
        FindingType.ExactDuplicate or FindingType.NearDuplicate when finding.Groups is { Count: > 0 } => "Reject the copies (keep the first of each group)",
        FindingType.ConflictingAnswers when finding.ExampleIds.Count > 0 => "Send to adjudication",
        FindingType.SystemPromptDrift or FindingType.MissingSystemPrompt when finding.ExampleIds.Count > 0 => "Apply the canonical system prompt",
        _ => null,
    };

    private async Task ApplyAsync(QualityFinding finding)
    {
        _busy = true;
        try
        {
            var actor = (await AuthenticationState).User.ToActor();
            var changed = finding.Type switch
            {
                FindingType.ExactDuplicate or FindingType.NearDuplicate => await Fixes.RejectDuplicatesAsync(_datasetId,
                    finding.Groups!.SelectMany(g => g.Skip(1)).ToList(), null, actor, ComponentToken),
                FindingType.ConflictingAnswers => await Fixes.SendToAdjudicationAsync(_datasetId, finding.ExampleIds, actor, ComponentToken),
                _ => await Fixes.ApplyCanonicalPromptAsync(_datasetId, finding.ExampleIds, actor, ComponentToken),
            };
            Snackbar.Add($"{changed} examples changed. Run the analysis again to see the effect.", Severity.Success);
            await LoadAsync();
        }
        catch (Exception e) when (e is NotFoundException or StudioValidationException or ConflictException)
        {
            ShowError(e);
        }
        finally
        {
            _busy = false;
        }
    }

    private void ShowError(Exception e) => (_errors, _errorTotal) = ErrorText.From(e);

    /// <summary>
    /// A list cut at the report's cap links by finding type instead of by ids, so the example list
    /// shows every example the run stored for it.
    /// </summary>
    private static bool IsCut(QualityFinding finding) => finding.ExampleIds.Count >= new QualityOptions().MaxListedIds;

    private string FilteredHref(QualityFinding finding) => IsCut(finding)
        ? $"projects/{ProjectId}/examples?dataset={_datasetId}&finding={finding.Type}"
        : $"projects/{ProjectId}/examples?dataset={_datasetId}&ids={string.Join(",", finding.ExampleIds)}";

    private string FilteredText(QualityFinding finding) => IsCut(finding)
        ? "Open all examples with this finding in the list"
        : $"Open {Plural(finding.ExampleIds.Count, "example")} in the list";

    private string ExampleHref(int id) => $"projects/{ProjectId}/examples/{id}";

    /// <summary>Whether the thresholds shown are the run's own, and whether the next run would use others.</summary>
    private string ThresholdsNote(QualityResult latest) => latest.Report.Thresholds switch
    {
        null => "This run was stored before runs recorded their thresholds; these are the current settings.",
        { } used when used != Quality.Thresholds => "Stored with this run. The settings have changed since; the next run uses the new values.",
        _ => "Stored with this run; they are also the current settings (the Quality section of appsettings.json).",
    };

    private FindingTrend? TrendOf(FindingType type) => _latest?.Trend.FirstOrDefault(t => t.Type == type);

    private string TrendText(FindingType type) => TrendOf(type)?.Change switch
    {
        null => "",
        0 => "→ same",
        > 0 and var up => $"▲ {up}",
        var down => $"▼ {-down}",
    };

    private string TrendClass(FindingType type) => TrendOf(type)?.Change switch
    {
        > 0 => "trend trend-up",
        < 0 => "trend trend-down",
        _ => "trend",
    };

    private string TrendTitle(FindingType type) => TrendOf(type) is { PreviousCount: { } before } ? $"{before} in the previous run" : "no earlier run to compare with";

    private static PairAgreement? PairOf(AgreementSummary agreement, string a, string b) =>
        agreement.Pairs.FirstOrDefault(p => (p.RaterA == a && p.RaterB == b) || (p.RaterA == b && p.RaterB == a));

    private static string HeatStyle(AgreementBand? band) => band switch
    {
        AgreementBand.Poor => "background:#c62828;color:#fff",
        AgreementBand.Slight => "background:#ef6c00;color:#fff",
        AgreementBand.Fair => "background:#f9a825;color:#000",
        AgreementBand.Moderate => "background:#fff176;color:#000",
        AgreementBand.Substantial => "background:#9ccc65;color:#000",
        AgreementBand.AlmostPerfect => "background:#2e7d32;color:#fff",
        _ => "background:#eeeeee",
    };

    private static string BandRange(AgreementBand band) => band switch
    {
        AgreementBand.Poor => "below 0: poor",
        AgreementBand.Slight => "0–0.20 slight",
        AgreementBand.Fair => "0.21–0.40 fair",
        AgreementBand.Moderate => "0.41–0.60 moderate",
        AgreementBand.Substantial => "0.61–0.80 substantial",
        _ => "0.81–1 almost perfect",
    };

    private static string CountCaption(QualityFinding finding)
    {
        var noun = finding.Type == FindingType.ExactDuplicate ? (finding.Count == 1 ? "extra copy" : "extra copies") : (finding.Count == 1 ? "example" : "examples");
        return finding.GroupCount is { } groups ? $"{noun} in {Plural(groups, "group")}" : noun;
    }

    private static string Plural(int count, string noun) => ListText.Counted(count, noun);

    private static string BandName(AgreementBand? band) => band switch
    {
        null => "undefined",
        AgreementBand.AlmostPerfect => "almost perfect",
        var b => b.Value.ToString().ToLowerInvariant(),
    };

    private static string Number(double? value) => value?.ToString("0.000", CultureInfo.InvariantCulture) ?? "undefined";

    private static string Time(DateTime? utc) => utc is { } t ? t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "—";

    private static string ProgressText(QualityProgress p) => p.Total > 0
        ? $"Analysing: {p.Processed:N0} of {p.Total:N0} examples read"
        : "Analysis starting…";

    private static double ProgressPercent(QualityProgress p) => p.Total > 0 ? 100.0 * p.Processed / p.Total : 0;

    protected override ValueTask OnDisposeAsync()
    {
        Runner.Changed -= OnRunnerChanged;
        return ValueTask.CompletedTask;
    }

    private static int TickFor(int highest) => Math.Max(1, (int)Math.Ceiling(highest / 5.0));
}
