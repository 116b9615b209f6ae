using System.Globalization;
using System.Text.RegularExpressions;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Web.Components.Pages.Versions;

public sealed partial class VersionsPage
{
    private CancellationTokenSource? _cutCts;
    private IReadOnlyList<DatasetSummary> _datasets = [];
    private IReadOnlyList<VersionSummary> _versions = [];
    private int _datasetId;
    private int _diffOlder;
    private int _diffNewer;
    private string _target = TrainingTargets.OpenAiChat;
    private CutStatusFilter _status = CutStatusFilter.Approved;
    private double _validationShare = 0.1;
    private double _testShare;
    private int _seed = 42;
    private string _tags = "";
    private string _note = "";
    private bool _dropUnsupported;
    private bool _running;
    private CutProgress? _progress;
    private CutEstimate? _estimate;
    private IReadOnlyList<string> _errors = [];
    private IReadOnlyList<CutError> _cutErrors = [];
    private int _cutErrorTotal;
    private int? _previewExampleId;
    private string _previewTarget = TrainingTargets.OpenAiChat;
    private ExamplePreviewResult? _preview;
    private IReadOnlyList<string> _previewErrors = [];
    private IReadOnlyList<TrainingTargetProfile> _targets = TrainingTargets.All;

    [Parameter]
    public int ProjectId { get; set; }

    [Inject] public required DatasetService Datasets { get; init; }
    [Inject] public required VersionCatalog Catalog { get; init; }
    [Inject] public required VersionCutter Cutter { get; init; }
    [Inject] public required VersionPreview Preview { get; init; }
    [Inject] public required CutEstimates Estimates { get; init; }
    [Inject] public required TrainingTargetService TargetTable { get; init; }
    [Inject] public required ISnackbar Snackbar { get; init; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private TrainingTargetProfile SelectedTarget => TrainingTargetTable.Find(_targets, _target) ?? _targets[0];

    /// <summary>Live check of the shares, the same rule the service applies.</summary>
    private string? ShareError =>
        _validationShare < 0 || _testShare < 0 ? "Shares cannot be negative."
        : _validationShare + _testShare >= 1 ? "Validation and test together must stay below 1."
        : null;

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            _targets = await TargetTable.ProfilesAsync(ComponentToken);
            _datasets = await Datasets.ListAsync(ProjectId, ComponentToken);
            if (_datasets.Count > 0 && _datasets.All(d => d.Id != _datasetId))
            {
                await SelectDatasetAsync(_datasets[0].Id);
            }
        }
        catch (NotFoundException e)
        {
            _errors = [e.Message];
        }
    }

    private async Task SelectDatasetAsync(int datasetId)
    {
        _datasetId = datasetId;
        _cutErrors = [];
        _errors = [];
        _progress = null;
        await LoadVersionsAsync();
        await EstimateAsync();
    }

    /// <summary>The cost of the cut as the form stands, shown before anyone presses Cut.</summary>
    private async Task EstimateAsync()
    {
        if (_datasetId == 0 || ShareError is not null)
        {
            _estimate = null;
            return;
        }

        _estimate = await Estimates.EstimateAsync(_datasetId, _target, _status,
            _tags.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), _validationShare, _testShare, ComponentToken);
    }

    private static string EstimateText(CutEstimate e)
    {
        if (e.Examples == 0)
        {
            return "No example matches these filters yet.";
        }

        if (e.Examples == e.HeldOut)
        {
            return $"All {e.Examples:N0} examples these filters select are held out by an eval set, so nothing is left to train on.";
        }

        var tokens = e.MeanTokens is { } mean ? $"{mean:N0} tokens each (mean of the latest {e.Sampled:N0})" : "tokens unknown";
        var cost = e.Cost.EstimatedCost is { } usd
            ? $"about {usd.ToString("0.00", CultureInfo.InvariantCulture)} USD at {e.Cost.PricePerMillionTokens?.ToString("0.##", CultureInfo.InvariantCulture)} USD per million training tokens"
            : "no price is known for this target";
        var heldOut = e.HeldOut > 0 ? $", {e.HeldOut:N0} of them held out by an eval set" : "";
        return $"{e.Examples:N0} examples selected{heldOut}, {e.TrainExamples:N0} to train, {tokens}: {e.Cost.Epochs} epochs, {e.Cost.ChargedTokens:N0} charged tokens, {cost}.";
    }

    private async Task LoadVersionsAsync()
    {
        _versions = await Catalog.ListAsync(_datasetId, ComponentToken);
        if (_versions.Count >= 2)
        {
            _diffNewer = _versions[0].Id;
            _diffOlder = _versions[1].Id;
        }
    }

    private async Task CutAsync()
    {
        _errors = [];
        _cutErrors = [];
        _running = true;
        _progress = null;
        _cutCts = CancellationTokenSource.CreateLinkedTokenSource(ComponentToken);
        var token = _cutCts.Token;
        var progress = new Progress<CutProgress>(p =>
        {
            _progress = p;
            _ = InvokeAsync(StateHasChanged);
        });
        try
        {
            var actor = (await AuthenticationState).User.ToActor();
            var request = new CutRequest(_datasetId, _target, _status,
                _tags.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), _validationShare, _testShare, _seed, _note, _dropUnsupported);
            // Off the circuit's thread: tokenizing and hashing a large dataset must not freeze the page.
            var version = await Task.Run(() => Cutter.CutAsync(request, actor, progress, token), token);
            Snackbar.Add($"Version {version.Number} is sealed", Severity.Success);
            _progress = new CutProgress($"Version {version.Number} sealed: {version.Total:N0} examples.", 0, 0);
            _note = "";
            await LoadVersionsAsync();
        }
        catch (StudioValidationException e)
        {
            _progress = null;
            _cutErrors = e.Errors.Select(CutError.From).ToList();
            _cutErrorTotal = e.TotalCount;
        }
        catch (OperationCanceledException) when (!ComponentToken.IsCancellationRequested)
        {
            _progress = new CutProgress("Cancelled: no version was created.", 0, 0);
        }
        catch (Exception e) when (e is NotFoundException or ConflictException)
        {
            _progress = null;
            _errors = ErrorText.From(e).Errors;
        }
        finally
        {
            _running = false;
            _cutCts?.Dispose();
            _cutCts = null;
        }
    }

    private void Cancel() => _cutCts?.Cancel();

    private async Task PreviewAsync()
    {
        _previewErrors = [];
        _preview = null;
        if (_previewExampleId is not { } id)
        {
            _previewErrors = ["Enter an example id."];
            return;
        }

        try
        {
            var result = await Preview.PreviewAsync(id, _previewTarget, ComponentToken);
            if (result.ProjectId != ProjectId)
            {
                _previewErrors = [$"Example {id} belongs to another project."];
                return;
            }

            _preview = result;
        }
        catch (Exception e) when (e is NotFoundException or StudioValidationException)
        {
            _previewErrors = ErrorText.From(e).Errors;
        }
    }

    private static string PartName(TokenSegment s) => s.MessageIndex switch
    {
        TrainableTokenPreview.PreferredIndex => "preferred",
        TrainableTokenPreview.RejectedIndex => "rejected",
        var i => $"#{i + 1} {s.Role.ToString().ToLowerInvariant()}",
    };

    private static string Tokens(int count) => count == 1 ? "1 token" : $"{count:N0} tokens";

    private static string TrainHash(VersionSummary v) => v.Files.FirstOrDefault(f => f.Name == "train.jsonl")?.Sha256 ?? "";

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;

    /// <summary>One validator error, with the example it is about when the message names one.</summary>
    private sealed partial record CutError(int? ExampleId, string Text)
    {
        public static CutError From(InputError error)
        {
            var match = ExamplePrefix().Match(error.Field);
            return match.Success
                ? new CutError(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), error.ToString()[match.Length..])
                : new CutError(null, error.ToString());
        }

        [GeneratedRegex(@"^example (\d+)")]
        private static partial Regex ExamplePrefix();
    }
}
