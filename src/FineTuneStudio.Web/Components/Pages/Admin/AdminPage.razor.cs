using FineTuneStudio.Core.Training;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Core.Readiness;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace FineTuneStudio.Web.Components.Pages.Admin;

public sealed partial class AdminPage
{
    private IReadOnlyList<UserSummary> _users = [];
    private IReadOnlyList<ProjectSummary> _projects = [];
    private IReadOnlyList<AuditLog.AuditEntry> _audit = [];
    private IReadOnlyList<string> _errors = [];
    private string _email = "";
    private string _displayName = "";
    private string _password = "";
    private string _role = StudioRoles.Labeler;
    private IReadOnlyList<TrainingTargetView> _targets = [];
    private TargetEdit? _targetEdit;
    private IReadOnlyList<string> _targetErrors = [];
    private (string Email, string Password)? _newPassword;

    [Inject] public required IServiceScopeFactory ScopeFactory { get; init; }
    [Inject] public required ProjectService Projects { get; init; }
    [Inject] public required AuditReader Audit { get; init; }
    [Inject] public required ISnackbar Snackbar { get; init; }
    [Inject] public required TrainingTargetService TargetTable { get; init; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override Task OnInitializedAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        // AccountService wraps Identity's scoped stores: one scope per operation, like a DbContext.
        await using (var scope = ScopeFactory.CreateAsyncScope())
        {
            _users = await scope.ServiceProvider.GetRequiredService<AccountService>().ListAsync(ComponentToken);
        }

        _projects = await Projects.ListAsync(ComponentToken);
        _audit = await Audit.RecentAsync(200, null, ComponentToken);
        _targets = await TargetTable.ListAsync(ComponentToken);
    }

    private void EditTarget(TrainingTargetView target)
    {
        _targetErrors = [];
        _targetEdit = new TargetEdit
        {
            Key = target.Key,
            Name = target.Name,
            MinExamples = target.MinExamples,
            TokenLimitPerExample = target.TokenLimitPerExample,
            PricePerMillionTokens = target.PricePerMillionTokens,
            Status = target.Status,
            ClosesOn = target.ClosesOn?.ToDateTime(TimeOnly.MinValue),
            Notice = target.Notice,
            Alternatives = target.Alternatives,
        };
    }

    private void NewTarget()
    {
        _targetErrors = [];
        _targetEdit = new TargetEdit { IsNew = true, Format = TrainingTargets.OpenAiChat, MinExamples = 10, TokenLimitPerExample = 65_536 };
    }

    private async Task SaveTargetAsync()
    {
        if (_targetEdit is not { } edit)
        {
            return;
        }

        try
        {
            var actor = (await AuthenticationState).User.ToActor();
            var input = new TrainingTargetInput(edit.Name, edit.MinExamples, edit.TokenLimitPerExample, edit.PricePerMillionTokens, edit.Status,
                edit.ClosesOn is { } d ? DateOnly.FromDateTime(d) : null, edit.Notice, edit.Alternatives);
            var saved = edit.IsNew
                ? await TargetTable.AddAsync(new TrainingTargetNew(edit.Key, edit.Format, input.Name, input.MinExamples, input.TokenLimitPerExample,
                    input.PricePerMillionTokens, input.Status, input.ClosesOn, input.Notice, input.Alternatives), actor, ComponentToken)
                : await TargetTable.UpdateAsync(edit.Key, input, actor, ComponentToken);
            Snackbar.Add($"Saved {saved.Key}", Severity.Success);
            _targetEdit = null;
            await LoadAsync();
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException)
        {
            _targetErrors = ErrorText.From(e).Errors;
        }
    }

    /// <summary>The form state of the training target being edited.</summary>
    private sealed class TargetEdit
    {
        /// <summary>A target being added: its key and format can still be chosen.</summary>
        public bool IsNew { get; init; }
        public string Key { get; set; } = "";
        public string Format { get; set; } = "";
        public string Name { get; set; } = "";
        public int MinExamples { get; set; }
        public int TokenLimitPerExample { get; set; }
        public double PricePerMillionTokens { get; set; }
        public string Status { get; set; } = TrainingTargetService.Available;
        public DateTime? ClosesOn { get; set; }
        public string Notice { get; set; } = "";
        public string Alternatives { get; set; } = "";
    }

    private async Task CreateUserAsync()
    {
        try
        {
            var actor = (await AuthenticationState).User.ToActor();
            await using var scope = ScopeFactory.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<AccountService>().CreateUserAsync(_email, _displayName, [_role], _password, actor, ComponentToken);
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
            await scope.ServiceProvider.GetRequiredService<AccountService>().SetRolesAsync(userId, (roles ?? []).OfType<string>().ToList(), actor, ComponentToken);
            Snackbar.Add("Roles saved", Severity.Success);
        }
        catch (StudioValidationException e)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }

        await LoadAsync();
    }

    private Task DisableAsync(UserSummary user) => ChangeUserAsync(user, (accounts, actor) => accounts.DisableAsync(user.Id, actor, ComponentToken),
        $"Disabled {user.Email}: their tokens are revoked and open sessions end within a minute");

    private Task EnableAsync(UserSummary user) => ChangeUserAsync(user, (accounts, actor) => accounts.EnableAsync(user.Id, actor, ComponentToken),
        $"Enabled {user.Email}; they create new tokens if they need them");

    private Task ResetPasswordAsync(UserSummary user) => ChangeUserAsync(user, async (accounts, actor) =>
    {
        _newPassword = (user.Email, await accounts.ResetPasswordAsync(user.Id, actor, ComponentToken));
    }, null);

    private async Task ChangeUserAsync(UserSummary user, Func<AccountService, Actor, Task> change, string? done)
    {
        try
        {
            var actor = (await AuthenticationState).User.ToActor();
            await using (var scope = ScopeFactory.CreateAsyncScope())
            {
                await change(scope.ServiceProvider.GetRequiredService<AccountService>(), actor);
            }

            if (done is not null)
            {
                Snackbar.Add(done, Severity.Success);
            }
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException)
        {
            Snackbar.Add($"{user.Email}: {e.Message}", Severity.Error);
        }

        await LoadAsync();
    }
}
