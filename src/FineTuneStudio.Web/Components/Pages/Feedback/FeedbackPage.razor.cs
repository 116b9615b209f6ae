using System.Globalization;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Feedback;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;
using FineTuneStudio.Core.Imports;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;

namespace FineTuneStudio.Web.Components.Pages.Feedback;

public sealed partial class FeedbackPage
{
    private const int PageSize = 25;
    private IReadOnlyList<string> _errors = [];
    private int _errorTotal;
    private bool _busy;
    private string? _importMessage;
    private string? _importHint;
    private bool _skipInvalid;
    private IReadOnlyList<InputError> _leftOut = [];
    private string? _leftOutMore;
    private StagedUpload? _upload;
    private LogImportResult? _logResult;
    private RetrainingStatus? _retraining;
    private int? _cadenceDays;
    private double? _threshold;
    private DriftResult? _drift;
    private DriftChoices _choices = new([], null, null);
    private int? _datasetId;
    private int? _version;
    private int _windowDays;
    private List<ChartSeries<double>> _weekSeries = [];
    private List<ChartSeries<double>> _volumeSeries = [];
    private string[] _weekLabels = [];
    private LogPage _logs = new([], 0);
    private HashSet<LogRow> _selected = [];
    private int? _minRating;
    private int? _maxRating;
    private DateTime? _from;
    private DateTime? _to;
    private bool _noNeighbour;
    private bool _notPromoted = true;
    private DriftCluster? _cluster;
    private string _template = "";
    private string _seeds = "";
    private int _count = 5;

    /// <summary>Opening the page with any of these (e.g. from the Overview's drift alert) shows that drift report straight away.</summary>
    [SupplyParameterFromQuery(Name = "dataset")] public int? DatasetQuery { get; set; }
    [SupplyParameterFromQuery(Name = "version")] public int? VersionQuery { get; set; }
    /// <summary>Only the requests logged in this many days up to today.</summary>
    [SupplyParameterFromQuery(Name = "days")] public int? DaysQuery { get; set; }

    [Inject] public required TrafficLogs Logs { get; init; }

    [Inject] public required DriftReports Drift { get; init; }

    [Inject] public required LogPromotion Promotion { get; init; }

    [Inject] public required SyntheticDrafts Synthetic { get; init; }

    [Inject] public required RetrainingSchedule Retraining { get; init; }
    [Inject] public required TimeProvider Clock { get; init; }
    [Inject] public required ISnackbar Snackbar { get; init; }
    [Inject] public required IOptionsMonitor<UploadLimitOptions> UploadLimits { get; init; }
    [Inject] public required IJSRuntime Js { get; init; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private IReadOnlyList<int> Versions => _choices.Datasets.FirstOrDefault(d => d.DatasetId == _datasetId)?.Versions ?? [];

    private string DatasetName => _choices.Datasets.FirstOrDefault(d => d.DatasetId == _datasetId)?.Name ?? "the dataset";

    protected override Task OnParametersSetAsync() => RunAsync(async () =>
    {
        _choices = await Drift.DriftChoicesAsync(ProjectId, ComponentToken);
        _datasetId = _choices.Datasets.Any(d => d.DatasetId == DatasetQuery) ? DatasetQuery : _choices.DefaultDatasetId;
        _version = VersionQuery is { } v && Versions.Contains(v) ? v : null;
        _windowDays = DaysQuery is > 0 and <= 3650 ? DaysQuery.Value : 0;
        await LoadRetrainingAsync();
        await LoadLogsAsync();
        if ((DatasetQuery ?? VersionQuery ?? DaysQuery) is not null && _datasetId is not null)
        {
            await AnalyzeCoreAsync();
        }
    });

    private void DatasetChanged(int? datasetId)
    {
        _datasetId = datasetId;
        _version = null;
        _drift = null;
    }

    private string ChecklistHref(RetrainingStep step) => step switch
    {
        RetrainingStep.NewExamples => $"projects/{ProjectId}/examples?status=Approved" + (_datasetId is { } d ? $"&dataset={d}" : ""),
        RetrainingStep.Evaluation => $"projects/{ProjectId}/evaluation",
        _ => $"projects/{ProjectId}/versions",
    };

    private async Task LoadRetrainingAsync()
    {
        _retraining = await Retraining.RetrainingDueAsync(ProjectId, ComponentToken);
        _cadenceDays ??= _retraining.CadenceDays;
    }

    private async Task LoadLogsAsync()
    {
        var filter = new LogFilter
        {
            MinRating = _minRating,
            MaxRating = _maxRating,
            From = _from is { } f ? DateTime.SpecifyKind(f.Date, DateTimeKind.Utc) : null,
            To = _to is { } t ? DateTime.SpecifyKind(t.Date.AddDays(1), DateTimeKind.Utc) : null,
            NotPromotedOnly = _notPromoted,
            NoNeighbourInVersion = _noNeighbour ? _version ?? 0 : null,
            DriftDatasetId = _datasetId,
            // The cluster as shown, from the report on the page (whatever window it covered).
            Ids = _cluster?.LogIds,
        };
        _logs = await Logs.ListLogsAsync(ProjectId, filter, 0, PageSize, ComponentToken);
        _selected = [];
    }

    /// <summary>The chosen log is kept for the page's session: imported again leaving lines out, or its left-out lines copied out.</summary>
    private async Task ImportAsync(InputFileChangeEventArgs e) => await RunAsync(async () =>
    {
        ClearImport();
        _upload?.Dispose();
        _upload = null;
        _upload = await StagedUpload.CopyAsync(e.File, UploadLimits.CurrentValue, _ => Task.CompletedTask, ComponentToken);
        await ImportStagedAsync();
    });

    /// <summary>The choice offered under a refusal: the same file again, its lines with problems left out.</summary>
    private Task ImportLeavingThemOutAsync() => RunAsync(async () =>
    {
        _skipInvalid = true;
        ClearImport();
        await ImportStagedAsync();
    });

    private async Task ImportStagedAsync()
    {
        var upload = _upload!;
        LogImportResult result;
        await using (var stream = upload.OpenRead())
        {
            result = await Logs.ImportLogsAsync(ProjectId, stream, await ActorAsync(), ComponentToken, skipInvalid: _skipInvalid);
        }

        _logResult = result;
        if (result.CanSkipInvalid)
        {
            _importHint = $"{upload.Name}: {result.ProblemCounts}. Fix the file and choose it again, or:";
        }

        result.EnsureSucceeded();
        var leftOut = result.InvalidRecords > 0 ? $", {ListText.Counted(result.InvalidRecords, "line")} with problems left out" : "";
        _importMessage = $"{upload.Name}: {ListText.Counted(result.Imported, "request")} imported, {result.SkippedDuplicates} already present, {result.WithPersonalData} flagged for likely personal data{leftOut}.";
        (_leftOut, _leftOutMore) = (result.LeftOut, ListText.MoreLine(result.LeftOut.Count, result.TotalLeftOut, "problems"));
        await LoadRetrainingAsync();
        await LoadLogsAsync();
    }

    private void ClearImport() => (_importMessage, _importHint, _leftOut, _leftOutMore, _logResult) = (null, null, [], null, null);

    /// <summary>The log's left-out lines as they were, to fix and import again.</summary>
    private Task DownloadLeftOutAsync() => RunAsync(async () =>
    {
        if (_logResult is { LeftOutLines.Count: > 0 } result && _upload is not null)
        {
            await _upload.DownloadLeftOutAsync(Js, ImportFormat.Auto, result.LeftOutLines, ComponentToken);
        }
    });

    private Task AnalyzeAsync() => RunAsync(AnalyzeCoreAsync);

    private async Task AnalyzeCoreAsync()
    {
        DateTime? since = _windowDays > 0 ? DateTime.SpecifyKind(Clock.GetUtcNow().UtcDateTime.Date, DateTimeKind.Utc).AddDays(-_windowDays) : null;
        _drift = await Drift.DriftAsync(ProjectId, _datasetId, _version, since, ComponentToken);
        var weeks = _drift.Report.Weeks;
        _weekLabels = weeks.Select(w => w.WeekStart.ToString("MMM d", CultureInfo.InvariantCulture)).ToArray();
        _weekSeries =
        [
            // Percent rather than 0-1: the chart's axis ticks are whole numbers.
            Series("Length shift (KS) %", weeks.Select(w => 100 * w.TokenKs)),
            Series("Unseen terms %", weeks.Select(w => 100 * w.UnseenTermShare)),
            Series("Term divergence (JS) %", weeks.Select(w => 100 * w.TermDivergence)),
            Series("No near neighbour %", weeks.Select(w => 100 * w.NoNeighbourShare)),
            Series("Threshold %", weeks.Select(_ => 100 * _drift.Report.Threshold)),
        ];
        _volumeSeries = [Series("Logged requests", weeks.Select(w => (double)w.Logs))];
    }

    private static ChartSeries<double> Series(string name, IEnumerable<double> values) =>
        new() { Name = name, Data = new ChartData<double>(values.ToList()) };

    private Task ShowClusterAsync(DriftCluster cluster) => RunAsync(async () =>
    {
        _cluster = cluster;
        await LoadLogsAsync();
    });

    private Task ClearClusterAsync(MudChip<string> chip) => RunAsync(async () =>
    {
        _cluster = null;
        await LoadLogsAsync();
    });

    private Task SearchAsync() => RunAsync(async () =>
    {
        _cluster = null;
        await LoadLogsAsync();
    });

    private Task PromoteAsync() => RunAsync(async () =>
    {
        var result = await Promotion.PromoteAsync(ProjectId, new PromoteRequest { DatasetId = _datasetId, Filter = new LogFilter { Ids = _selected.Select(r => r.Id).ToList() } },
            await ActorAsync(), ComponentToken);
        Snackbar.Add($"{result.Promoted} Draft examples created{(result.AlreadyPromoted > 0 ? $"; {result.AlreadyPromoted} were promoted before" : "")}.", Severity.Success);
        await LoadLogsAsync();
    });

    private Task SaveSettingsAsync() => RunAsync(async () =>
    {
        await Retraining.SetRetrainingSettingsAsync(ProjectId, _cadenceDays, _threshold, await ActorAsync(), ComponentToken);
        Snackbar.Add("Retraining settings saved.", Severity.Success);
        await LoadRetrainingAsync();
    });

    private Task GenerateAsync() => RunAsync(async () =>
    {
        var seeds = new List<int>();
        foreach (var part in _seeds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, CultureInfo.InvariantCulture, out var id))
            {
                throw new FineTuneStudio.Core.StudioValidationException("seeds", $"'{part}' is not an example id");
            }

            seeds.Add(id);
        }

        var result = await Synthetic.GenerateSyntheticAsync(ProjectId, new SyntheticRequest { Template = _template, SeedExampleIds = seeds, Count = _count },
            await ActorAsync(), ComponentToken);
        Snackbar.Add($"{result.Created} synthetic drafts added by {result.Model}.", Severity.Success);
    });

    private async Task<FineTuneStudio.Core.Auditing.Actor> ActorAsync() => (await AuthenticationState).User.ToActor();

    private async Task RunAsync(Func<Task> action)
    {
        _busy = true;
        try
        {
            await action();
            _errors = [];
            _errorTotal = 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            (_errors, _errorTotal) = ErrorsFor(e);
        }
        finally
        {
            _busy = false;
        }
    }

    protected override ValueTask OnDisposeAsync()
    {
        _upload?.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..160] + "…";
}
