using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Projects;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Web.Tests.Support;

/// <summary>Intent helpers for account tests: users, memberships and tokens made by the services, as an admin would.</summary>
public partial class StudioAppFactory
{
    /// <summary>Creates a user with the given roles and password (no sign-in, no API call) and returns their id.</summary>
    public async Task<string> CreateUserAsync(string email, IReadOnlyCollection<string> roles, string password, string? displayName = null)
    {
        await using var scope = Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<AccountService>().CreateUserAsync(email, displayName, roles, password, Actor.System, default)).Id;
    }

    /// <summary>Makes the user a member of the project, with <paramref name="role"/> or (when null) their own role.</summary>
    public async Task AddMemberAsync(int projectId, string email, string? role = null)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<MembershipService>().AddAsync(projectId, email, role, Actor.System, default);
    }

    public async Task DisableUserAsync(string userId)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AccountService>().DisableAsync(userId, Actor.System, default);
    }

    /// <summary>A token made by the service, not through sign-in and the API, so neither rate limit is touched; returns its secret.</summary>
    public async Task<string> CreateTokenSecretAsync(string email, string name)
    {
        await using var scope = Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<StudioUser>>().FindByEmailAsync(email);
        var created = await scope.ServiceProvider.GetRequiredService<ApiTokenService>().CreateAsync(user!.Id, name, Actor.System, default);
        return created.Secret;
    }
}
