using FineTuneStudio.Core;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace FineTuneStudio.Web.Components.Pages.Admin;

public sealed partial class AdminPage : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private IReadOnlyList<UserSummary> _users = [];
    private IReadOnlyList<ProjectSummary> _projects = [];
    private IReadOnlyList<AuditLog.AuditEntry> _audit = [];
    private IReadOnlyList<string> _errors = [];
    private string _email = "";
    private string _displayName = "";
    private string _password = "";
    private string _role = StudioRoles.Labeler;

    [Inject] private IServiceScopeFactory ScopeFactory { get; set; } = default!;
    [Inject] private ProjectService Projects { get; set; } = default!;
    [Inject] private IDbContextFactory<StudioDbContext> DbFactory { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override Task OnInitializedAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        // AccountService wraps Identity's scoped stores: one scope per operation, like a DbContext.
        await using (var scope = ScopeFactory.CreateAsyncScope())
        {
            _users = await scope.ServiceProvider.GetRequiredService<AccountService>().ListAsync(_cts.Token);
        }

        _projects = await Projects.ListAsync(_cts.Token);
        _audit = await AuditLog.RecentAsync(DbFactory, 200, null, _cts.Token);
    }

    private async Task CreateUserAsync()
    {
        try
        {
            var actor = (await AuthenticationState).User.ToActor();
            await using var scope = ScopeFactory.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<AccountService>().CreateUserAsync(_email, _displayName, [_role], _password, actor, _cts.Token);
            Snackbar.Add($"Added {_email}", Severity.Success);
            _email = _displayName = _password = "";
            _errors = [];
            await LoadAsync();
        }
        catch (StudioValidationException e)
        {
            _errors = ErrorText.From(e).Errors;
        }
    }

    private async Task SetRolesAsync(string userId, IEnumerable<string?>? roles)
    {
        try
        {
            var actor = (await AuthenticationState).User.ToActor();
            await using var scope = ScopeFactory.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<AccountService>().SetRolesAsync(userId, (roles ?? []).OfType<string>().ToList(), actor, _cts.Token);
            Snackbar.Add("Roles saved", Severity.Success);
        }
        catch (StudioValidationException e)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }

        await LoadAsync();
    }

    public void Dispose()
    {
        _cts.Cancel();
        _cts.Dispose();
    }
}
