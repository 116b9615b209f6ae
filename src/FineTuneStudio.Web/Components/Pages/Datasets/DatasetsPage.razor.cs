using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace FineTuneStudio.Web.Components.Pages.Datasets;

/// <summary>An ML lead's list of the project's datasets: create, edit, archive and restore.</summary>
public sealed partial class DatasetsPage
{
    private IReadOnlyList<DatasetSummary> _datasets = [];
    private bool _showArchived;
    private bool _form;
    private DatasetSummary? _editing;
    private bool _busy;
    private IReadOnlyList<string> _errors = [];
    private int _errorTotal;

    [Parameter] public int ProjectId { get; set; }

    [Inject] public required DatasetService Datasets { get; init; }
    [Inject] public required ISnackbar Snackbar { get; init; }
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override async Task OnParametersSetAsync() => (_errors, _errorTotal) = await TryAsync(LoadAsync);

    private async Task LoadAsync() => _datasets = await Datasets.ListAsync(ProjectId, _showArchived, ComponentToken);

    private async Task ShowArchivedAsync(bool show)
    {
        _showArchived = show;
        (_errors, _errorTotal) = await TryAsync(LoadAsync);
    }

    private void StartCreate() => (_form, _editing) = (true, null);

    private void StartEdit(DatasetSummary dataset) => (_form, _editing) = (true, dataset);

    private void CloseForm() => (_form, _editing) = (false, null);

    private async Task OnSavedAsync(DatasetSummary saved)
    {
        Snackbar.Add(_editing is null ? $"Created dataset '{saved.Name}'." : $"Saved dataset '{saved.Name}'.", Severity.Success);
        CloseForm();
        (_errors, _errorTotal) = await TryAsync(LoadAsync);
    }

    private async Task SetArchivedAsync(DatasetSummary dataset, bool archive)
    {
        _busy = true;
        (_errors, _errorTotal) = await TryAsync(async () =>
        {
            var actor = (await AuthenticationState).User.ToActor();
            _ = archive ? await Datasets.ArchiveAsync(dataset.Id, actor, ComponentToken) : await Datasets.RestoreAsync(dataset.Id, actor, ComponentToken);
            Snackbar.Add(archive ? $"Archived '{dataset.Name}'; its versions stay downloadable." : $"Restored '{dataset.Name}'.", Severity.Info);
            await LoadAsync();
        });
        _busy = false;
    }
}
