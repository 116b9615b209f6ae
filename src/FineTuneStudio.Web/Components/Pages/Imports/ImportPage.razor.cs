using FineTuneStudio.Core;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;

namespace FineTuneStudio.Web.Components.Pages.Imports;

public sealed partial class ImportPage
{
    private const int PreviewRows = 10;

    private CancellationTokenSource? _run;
    private IReadOnlyList<DatasetSummary> _datasets = [];
    private int _datasetsLoaded;
    private int? _datasetId;
    private string _format = "auto";
    private string _status = "draft";
    private DuplicatePolicy _duplicates = DuplicatePolicy.Skip;
    private InvalidRecordPolicy _invalid = InvalidRecordPolicy.Refuse;
    private StagedUpload? _upload;
    private bool _isCsv;
    private CsvPreview? _preview;
    private string? _mapSystem, _mapUser, _mapInput, _mapAssistant, _mapLabel, _mapTags;
    private bool _busy;
    private string? _busyText;
    private double _percent;
    private ImportResult? _result;
    private IReadOnlyList<string> _errors = [];
    private int _errorTotal;
    private DateTime _lastRender;
    private bool _creating;

    [Parameter] public int ProjectId { get; set; }

    [Inject] public required DatasetService Datasets { get; init; }
    [Inject] public required ImportService Imports { get; init; }
    [Inject] public required IOptionsMonitor<UploadLimitOptions> UploadLimits { get; init; }
    [Inject] public required ILogger<ImportPage> Logger { get; init; }
    [Inject] public required IJSRuntime Js { get; init; }

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private long MaxUploadBytes => UploadLimits.CurrentValue.MaxUploadBytes;

    private DatasetSummary? Dataset => _datasets.FirstOrDefault(d => d.Id == _datasetId);

    private bool CanRun => !_busy && _upload is not null && _datasetId is not null && (!_isCsv || !string.IsNullOrWhiteSpace(_mapUser));

    private static readonly string NoColumn = "";

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            _datasets = await Datasets.ListAsync(ProjectId, ComponentToken);
            _datasetId ??= _datasets.Count > 0 ? _datasets[0].Id : null;
        }
        catch (NotFoundException e)
        {
            ShowErrors(e);
        }
    }

    private async Task OnDatasetCreatedAsync(DatasetSummary created)
    {
        _creating = false;
        _datasets = await Datasets.ListAsync(ProjectId, ComponentToken);
        _datasetId = created.Id;
    }

    private async Task OnFileChosenAsync(InputFileChangeEventArgs e)
    {
        ClearOutcome();
        DeleteTempFile();
        _preview = null;
        _isCsv = false;
        var file = e.File;
        if (file.Size > MaxUploadBytes)
        {
            _errors = [$"{file.Name}: {ImportSettings.TooLargeMessage(MaxUploadBytes)}."];
            _errorTotal = 1;
            return;
        }

        _busy = true;
        _busyText = $"Uploading {file.Name}…";
        _percent = 0;
        try
        {
            _upload = await StagedUpload.CopyAsync(file, UploadLimits.CurrentValue, async percent =>
            {
                _percent = percent;
                await RenderNowAndThenAsync();
            }, ComponentToken);
            await DetectCsvAsync();
        }
        catch (Exception ex) when (ex is IOException or StudioValidationException)
        {
            Logger.LogWarning(ex, "Upload of an import file failed");
            _errors = [$"{file.Name}: the upload did not complete; choose the file again."];
            _errorTotal = 1;
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _busy = false;
            _busyText = null;
        }
    }

    private async Task OnFormatChangedAsync(string format)
    {
        _format = format;
        ClearOutcome();
        await DetectCsvAsync();
    }

    /// <summary>A CSV file (chosen, or detected because it does not start like JSON) needs the column mapping step.</summary>
    private async Task DetectCsvAsync()
    {
        if (_upload is null)
        {
            return;
        }

        await using var file = _upload.OpenRead();
        _isCsv = _format == "csv" || (_format == "auto" && !await ImportSettings.LooksLikeJsonAsync(file, ComponentToken));
        if (!_isCsv || _preview is not null)
        {
            return;
        }

        try
        {
            _preview = await new CsvExampleParser().PreviewAsync(file, PreviewRows, ComponentToken);
            var suggested = _preview.SuggestedMapping;
            (_mapSystem, _mapUser, _mapInput, _mapAssistant, _mapLabel, _mapTags) = (suggested.System, suggested.User, suggested.Input, suggested.Assistant, suggested.Label, suggested.Tags);
        }
        catch (StudioValidationException e)
        {
            ShowErrors(e);
        }
    }

    private Task DryRunAsync() => RunAsync(dryRun: true);

    private Task ImportAsync() => RunAsync(dryRun: false);

    /// <summary>The choice offered under a refusal: the same file again, its records with problems left out.</summary>
    private Task ImportSkippingInvalidAsync()
    {
        _invalid = InvalidRecordPolicy.Skip;
        return RunAsync(dryRun: false);
    }

    private async Task RunAsync(bool dryRun)
    {
        if (!CanRun)
        {
            return;
        }

        ClearOutcome();
        _busy = true;
        _busyText = dryRun ? "Checking the file…" : "Importing…";
        _percent = 0;
        _run = CancellationTokenSource.CreateLinkedTokenSource(ComponentToken);
        try
        {
            var mapping = _isCsv ? new CsvMapping(Blank(_mapUser), Blank(_mapAssistant), Blank(_mapSystem), Blank(_mapLabel), Blank(_mapTags), Blank(_mapInput)) : null;
            var options = ImportSettings.Parse(_isCsv ? "csv" : _format, _status, _duplicates.ToString(), null, dryRun) with
            {
                CsvMapping = mapping,
                MaxBytes = MaxUploadBytes,
                InvalidRecords = _invalid,
            };
            var actor = (await AuthenticationState).User.ToActor();
            // Progress<T> posts back to the circuit's context, so the bar can re-render from the handler.
            var progress = new Progress<ImportProgress>(OnProgress);
            await using var file = _upload!.OpenRead();
            var result = await Imports.ImportAsync(_datasetId!.Value, file, options, actor, progress, _run.Token);
            _result = result;
            if (!result.Succeeded)
            {
                _errors = result.Errors.Select(e => e.ToString()).ToList();
                _errorTotal = result.TotalErrors;
            }
            else if (!dryRun)
            {
                _datasets = await Datasets.ListAsync(ProjectId, ComponentToken);
                _datasetsLoaded++;
            }
        }
        catch (OperationCanceledException) when (!ComponentToken.IsCancellationRequested)
        {
            _errors = ["The import was cancelled; nothing was imported."];
            _errorTotal = 1;
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException or ConflictException)
        {
            ShowErrors(e);
        }
        finally
        {
            _run.Dispose();
            _run = null;
            _busy = false;
            _busyText = null;
        }
    }

    /// <summary>The file's records this import left out, copied from the upload as they were, saved by the browser.</summary>
    private async Task DownloadLeftOutAsync()
    {
        if (_result is not { LeftOutLines.Count: > 0 } result || _upload is null)
        {
            return;
        }

        try
        {
            await _upload.DownloadLeftOutAsync(Js, result.Format, result.LeftOutLines, ComponentToken);
        }
        catch (StudioValidationException e)
        {
            ShowErrors(e);
        }
    }

    private void Cancel() => _run?.Cancel();

    private void OnProgress(ImportProgress value)
    {
        _busyText = value.Phase switch
        {
            ImportPhase.Validating => $"Checking: {value.Records:N0} records read",
            ImportPhase.Writing => $"Writing: {value.Records:N0} examples saved",
            _ => "Finishing…",
        };
        // Checking is the first half of the bar, writing the second.
        var fraction = value.TotalBytes is > 0 ? Math.Min(1.0, (double)value.BytesRead / value.TotalBytes.Value) : 0;
        _percent = value.Phase switch { ImportPhase.Validating => 50 * fraction, ImportPhase.Writing => 50 + 50 * fraction, _ => 100 };
        _ = RenderNowAndThenAsync();
    }

    private async Task RenderNowAndThenAsync()
    {
        var now = DateTime.UtcNow;
        if (now - _lastRender > TimeSpan.FromMilliseconds(150))
        {
            _lastRender = now;
            await InvokeAsync(StateHasChanged);
        }
    }

    private string ResultText()
    {
        if (_result is not { Succeeded: true } result)
        {
            return "";
        }

        var skipped = (result.SkippedDuplicates == 1 ? "1 duplicate skipped" : $"{result.SkippedDuplicates:N0} duplicates skipped")
            + (result.InvalidRecords > 0 ? $", {ListText.Counted(result.InvalidRecords, "record")} with problems left out" : "");
        var examples = ListText.Counted(result.Imported, "example");
        return result.DryRun
            ? $"Dry run: {examples} would be imported, {skipped}. Nothing was changed."
            : $"Imported {examples}, {skipped}.";
    }

    private string SkipHint() => _result is { } result ? $"{result.ProblemCounts}. Fix the file and choose it again, or:" : "";

    private string ErrorSummary() => _errorTotal == 1 ? "1 problem found; nothing was imported." : $"{_errorTotal:N0} problems found; nothing was imported.";

    private IEnumerable<string> Headers => _preview?.Headers ?? [];

    private void ShowErrors(Exception e) => (_errors, _errorTotal) = ErrorText.From(e);

    private void ClearOutcome()
    {
        _result = null;
        _errors = [];
        _errorTotal = 0;
    }

    private static string? Blank(string? column) => string.IsNullOrWhiteSpace(column) ? null : column;

    private void DeleteTempFile()
    {
        _upload?.Dispose();
        _upload = null;
    }

    private IEnumerable<(string Label, string Value, EventCallback<string> Set)> MappingFields()
    {
        yield return ("System prompt", _mapSystem ?? NoColumn, EventCallback.Factory.Create<string>(this, v => _mapSystem = Blank(v)));
        yield return ("User message", _mapUser ?? NoColumn, EventCallback.Factory.Create<string>(this, v => _mapUser = Blank(v)));
        yield return ("Input / context", _mapInput ?? NoColumn, EventCallback.Factory.Create<string>(this, v => _mapInput = Blank(v)));
        yield return ("Assistant message", _mapAssistant ?? NoColumn, EventCallback.Factory.Create<string>(this, v => _mapAssistant = Blank(v)));
        yield return ("Label", _mapLabel ?? NoColumn, EventCallback.Factory.Create<string>(this, v => _mapLabel = Blank(v)));
        yield return ("Tags", _mapTags ?? NoColumn, EventCallback.Factory.Create<string>(this, v => _mapTags = Blank(v)));
    }

    private string RoleOf(string header)
    {
        bool Is(string? column) => string.Equals(column, header, StringComparison.OrdinalIgnoreCase);
        return Is(_mapSystem) ? "→ system prompt" : Is(_mapUser) ? "→ user message" : Is(_mapInput) ? "→ after the user message" : Is(_mapAssistant) ? "→ assistant message"
            : Is(_mapLabel) ? "→ label" : Is(_mapTags) ? "→ tags" : "not imported";
    }

    private static string Shorten(string cell) => cell.Length <= 120 ? cell : cell[..120] + "…";

    private static string Describe(TaskKind kind) => kind.ToString().ToLowerInvariant();

    protected override ValueTask OnDisposeAsync()
    {
        DeleteTempFile();
        return ValueTask.CompletedTask;
    }
}
