using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;
using FineTuneStudio.Core.Imports;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Components.Pages.Evaluation;

public sealed partial class TrainingPage
{
    private IReadOnlyList<TrainingMetricsSummary> _list = [];
    private TrainingCurve? _curve;
    private int? _selected;
    private List<ChartSeries<double>> _loss = [];
    private List<ChartSeries<double>> _accuracy = [];
    private string[] _labels = [];
    // MudChart ticks every 20 units by default, which flattens a loss between 0 and 3 into the floor.
    private LineChartOptions _lossAxis = new();
    private readonly LineChartOptions _accuracyAxis = new() { YAxisTicks = 10, YAxisFormat = "0" };
    private IReadOnlyList<string> _errors = [];
    private int _total;
    private string _name = "";
    /// <summary>The files of one training run: a log, or Bedrock's training and validation metrics.</summary>
    private IReadOnlyList<IBrowserFile> _files = [];

    private const int MaxFiles = 2;
    private int? _versionId;
    private IReadOnlyList<(int Id, string Label)> _versions = [];

    [Parameter] public int ProjectId { get; set; }

    [Inject] public required TrainingCurveService Training { get; init; }
    [Inject] public required DatasetService Datasets { get; init; }
    [Inject] public required VersionCatalog Catalog { get; init; }

    [Inject] public required IOptionsMonitor<UploadLimitOptions> UploadLimits { get; init; }

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        _list = await Training.ListAsync(ProjectId, ComponentToken);
        await SelectAsync(_list.Count > 0 ? _list[0].Id : null);
        // The versions a log can say it was trained on, newest first.
        var versions = new List<(int, string)>();
        foreach (var dataset in await Datasets.ListAsync(ProjectId, ComponentToken))
        {
            versions.AddRange((await Catalog.ListAsync(dataset.Id, ComponentToken)).OrderByDescending(v => v.Number).Select(v => (v.Id, $"{dataset.Name} v{v.Number} ({v.Target})")));
        }

        _versions = versions;
    }

    private async Task SelectAsync(int? id)
    {
        _selected = id;
        _curve = id is { } value ? await Training.GetAsync(value, ComponentToken) : null;
        if (_curve is null)
        {
            return;
        }

        var points = _curve.Points;
        // Label about ten steps so the axis stays readable on long runs.
        var every = Math.Max(1, points.Count / 10);
        _labels = points.Select((p, i) => i % every == 0 ? p.Step.ToString() : "").ToArray();
        _loss = [Series("training loss", points.Select(p => p.TrainLoss)), Series("validation loss", points.Select(p => p.ValidLoss))];
        var highest = points.Select(p => Math.Max(p.TrainLoss ?? 0, p.ValidLoss ?? 0)).DefaultIfEmpty(1).Max();
        // Ticks are whole units here: about five of them over the highest loss.
        _lossAxis = new LineChartOptions { YAxisTicks = Math.Max(1, (int)Math.Ceiling(highest / 5)), YAxisFormat = "0" };
        _accuracy = [];
        if (points.Any(p => p.TrainAccuracy is not null || p.ValidAccuracy is not null))
        {
            // In percent, so the whole-unit ticks can mark every ten points.
            _accuracy = [Series("training accuracy %", points.Select(p => p.TrainAccuracy * 100)), Series("validation accuracy %", points.Select(p => p.ValidAccuracy * 100))];
        }
    }

    /// <summary>Validation is logged every few steps: carry the last value forward so the line has no holes.</summary>
    private static ChartSeries<double> Series(string name, IEnumerable<double?> values)
    {
        double? last = null;
        var filled = values.Select(v => last = v ?? last).ToList();
        return new ChartSeries<double> { Name = name, Data = new ChartData<double>(filled) };
    }

    private async Task ImportAsync()
    {
        try
        {
            if (_files.Count == 0)
            {
                return;
            }

            var logs = new List<(string FileName, string Text)>();
            foreach (var file in _files)
            {
                await using var stream = PageUploads.Open(file, UploadLimits.CurrentValue, ComponentToken);
                logs.Add((file.Name, await EvalFileParser.ReadTextAsync(stream, ComponentToken)));
            }

            var name = string.IsNullOrWhiteSpace(_name) ? Path.GetFileNameWithoutExtension(_files[0].Name) : _name;
            var created = await Training.ImportAsync(ProjectId, name, _versionId, logs, (await AuthenticationState).User.ToActor(), ComponentToken);
            (_errors, _total, _name, _files) = ([], 0, "", []);
            _list = await Training.ListAsync(ProjectId, ComponentToken);
            await SelectAsync(created.Id);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            (_errors, _total) = ErrorsFor(e);
        }
    }

    private static string FormatName(string format) => format switch
    {
        TrainerLogParser.HfTrainerState => "trainer_state.json",
        TrainerLogParser.LlamaFactoryLog => "LLaMA-Factory trainer_log.jsonl",
        TrainerLogParser.BedrockMetrics => "Bedrock metrics CSV",
        _ => "results CSV",
    };
}
