using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;

namespace FineTuneStudio.Web.Components.Pages.Evaluation;

public sealed partial class EvalSetsPage : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private IReadOnlyList<EvalSetSummary> _sets = [];
    private IReadOnlyList<string> _errors = [];
    private int _total;
    private string _name = "";
    private string _description = "";
    private IReadOnlyCollection<string> _metrics = [EvalMetrics.Exact, EvalMetrics.Normalised];
    private int? _setId;
    private IBrowserFile? _file;

    [Parameter] public int ProjectId { get; set; }

    [Inject] private EvaluationService Evaluation { get; set; } = default!;

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override Task OnParametersSetAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        _sets = await Evaluation.ListSetsAsync(ProjectId, _cts.Token);
        _setId ??= _sets.Count > 0 ? _sets[0].Id : null;
    }

    private async Task CreateAsync()
    {
        try
        {
            var created = await Evaluation.CreateSetAsync(ProjectId, new EvalSetInput(_name, _description, _metrics.ToList()), (await AuthenticationState).User.ToActor(), _cts.Token);
            Snackbar.Add($"Created \"{created.Name}\"", Severity.Success);
            (_errors, _total, _name, _description, _setId) = ([], 0, "", "", created.Id);
            await LoadAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            (_errors, _total) = ErrorText.From(e);
        }
    }

    private async Task ImportAsync()
    {
        try
        {
            if (_setId is not { } setId || _file is null)
            {
                throw new Core.StudioValidationException("file", "choose an eval set and a file");
            }

            await using var stream = _file.OpenReadStream(EvalFileParser.MaxFileBytes, _cts.Token);
            var text = await EvalFileParser.ReadTextAsync(stream, _cts.Token);
            var count = await Evaluation.ImportItemsAsync(setId, text, _file.Name, (await AuthenticationState).User.ToActor(), _cts.Token);
            Snackbar.Add($"Added {count} items", Severity.Success);
            (_errors, _total, _file) = ([], 0, null);
            await LoadAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            (_errors, _total) = ErrorText.From(e);
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _cts.Dispose();
    }
}
