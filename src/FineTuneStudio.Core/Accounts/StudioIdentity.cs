using System.ComponentModel.DataAnnotations;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Accounts;

/// <summary><c>Studio:Accounts</c> in appsettings.json.</summary>
public sealed class StudioAccountOptions
{
    public const string Section = "Studio:Accounts";

    /// <summary>
    /// How often a sign-in cookie and an open tab are checked against the account (disabled, password,
    /// role or membership changed). Identity's default is 30 minutes; the product promises a minute.
    /// </summary>
    [Range(0, 60, ErrorMessage = Section + ":SessionCheckSeconds must be from 0 to 60.")]
    public int SessionCheckSeconds { get; set; } = 60;

    public TimeSpan SessionCheckInterval => TimeSpan.FromSeconds(Math.Clamp(SessionCheckSeconds, 0, 60));
}

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
