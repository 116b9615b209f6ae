using System.Security.Claims;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace FineTuneStudio.Web.Components.Account;

public sealed partial class ProfilePage
{
    private IReadOnlyList<ApiTokenSummary> _tokens = [];
    private IReadOnlyList<string> _errors = [];
    private IReadOnlyList<string> _roles = [];
    private ClaimsPrincipal _user = new();
    private string _userName = "";
    private string _newName = "";
    private string? _secret;
    private bool _busy;
    private int _days = ApiTokenService.DefaultLifetimeDays;

    [Inject] public required ApiTokenService Tokens { get; init; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _user = (await AuthenticationState).User;
        _userName = _user.Identity?.Name ?? "";
        _roles = _user.FindAll(ClaimTypes.Role).Select(c => c.Value).Order().ToList();
        await LoadAsync();
    }

    private async Task LoadAsync() => _tokens = await Tokens.ListAsync(_user.UserId()!, ComponentToken);

    private async Task CreateAsync()
    {
        _busy = true;
        _errors = [];
        try
        {
            var created = await Tokens.CreateAsync(_user.UserId()!, _newName, _user.ToActor(), ComponentToken, _days);
            _secret = created.Secret;
            _newName = "";
            await LoadAsync();
        }
        catch (StudioValidationException e)
        {
            _errors = ErrorText.From(e).Errors;
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task RevokeAsync(int id)
    {
        await Tokens.RevokeAsync(_user.UserId()!, id, _user.ToActor(), ComponentToken);
        _secret = null;
        await LoadAsync();
    }
}
