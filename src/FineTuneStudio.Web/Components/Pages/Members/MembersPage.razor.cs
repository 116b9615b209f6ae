using FineTuneStudio.Core;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace FineTuneStudio.Web.Components.Pages.Members;

public sealed partial class MembersPage
{
    private IReadOnlyList<ProjectMemberSummary> _members = [];
    private IReadOnlyList<string> _errors = [];
    private bool _loaded;
    private bool _canManage;
    private string _email = "";
    private string? _role;

    [Parameter] public int ProjectId { get; set; }
    [Inject] public required IServiceScopeFactory ScopeFactory { get; init; }
    [Inject] public required ISnackbar Snackbar { get; init; }
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        var user = (await AuthenticationState).User;
        _canManage = StudioPolicies.Allows(StudioPolicies.ManageProjects, user.FindAll(System.Security.Claims.ClaimTypes.Role).Select(c => c.Value));
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        // MembershipService wraps Identity's scoped stores: one scope per operation.
        await using var scope = ScopeFactory.CreateAsyncScope();
        _members = await scope.ServiceProvider.GetRequiredService<MembershipService>().ListAsync(ProjectId, ComponentToken);
        _loaded = true;
    }

    private async Task AddAsync(string email, string? role)
    {
        try
        {
            var actor = (await AuthenticationState).User.ToActor();
            await using (var scope = ScopeFactory.CreateAsyncScope())
            {
                var member = await scope.ServiceProvider.GetRequiredService<MembershipService>().AddAsync(ProjectId, email, role, actor, ComponentToken);
                Snackbar.Add($"{member.Email} works here as {member.Role}", Severity.Success);
            }

            _email = "";
            _role = null;
            _errors = [];
            await LoadAsync();
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException)
        {
            _errors = ErrorText.From(e).Errors;
        }
    }

    private async Task RemoveAsync(string email)
    {
        try
        {
            var actor = (await AuthenticationState).User.ToActor();
            await using (var scope = ScopeFactory.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<MembershipService>().RemoveAsync(ProjectId, email, actor, ComponentToken);
            }

            Snackbar.Add($"Removed {email}", Severity.Success);
            await LoadAsync();
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException)
        {
            _errors = ErrorText.From(e).Errors;
        }
    }
}
