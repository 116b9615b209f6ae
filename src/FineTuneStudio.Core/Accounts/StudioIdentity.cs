using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Accounts;

public static class StudioIdentity
{
    public const int MaxFailedSignIns = 5;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(5);

    public static void Configure(IdentityOptions options)
    {
        options.User.RequireUniqueEmail = true;
        options.SignIn.RequireConfirmedAccount = false;
        options.Password.RequiredLength = 8;
        options.Password.RequireNonAlphanumeric = false;
        options.Password.RequireUppercase = false;
        options.Lockout.AllowedForNewUsers = true;
        options.Lockout.MaxFailedAccessAttempts = MaxFailedSignIns;
        options.Lockout.DefaultLockoutTimeSpan = LockoutDuration;
    }

    /// <summary>User and role stores over the studio database, without any web sign-in machinery (the CLI uses this).</summary>
    public static IdentityBuilder AddStudioIdentityStores(this IServiceCollection services) =>
        services.AddIdentityCore<StudioUser>(Configure)
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<StudioDbContext>();
}
