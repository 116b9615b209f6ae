using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;

namespace FineTuneStudio.Web.Infrastructure;

public static class StudioAuthentication
{
    /// <summary>Chooses the API token handler when a Bearer header is present, else the sign-in cookie.</summary>
    public const string CookieOrTokenScheme = "CookieOrToken";

    public static IServiceCollection AddStudioAuthentication(this IServiceCollection services)
    {
        services.AddStudioDataProtection();
        services.AddCascadingAuthenticationState();
        services.AddMemoryCache();
        services.AddScoped<ProjectWall>();
        services.AddScoped<AuthenticationStateProvider, RevalidatingIdentityAuthenticationStateProvider>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = CookieOrTokenScheme;
                options.DefaultSignInScheme = IdentityConstants.ApplicationScheme;
            })
            .AddPolicyScheme(CookieOrTokenScheme, "Cookie or API token", options =>
                options.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                        ? ApiTokenAuthenticationHandler.SchemeName
                        : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();

        services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = "/account/login";
            options.LogoutPath = "/account/logout";
            options.AccessDeniedPath = "/account/access-denied";
            options.Cookie.Name = "fts.auth";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.SlidingExpiration = true;
            // Scripts calling the API get status codes, not the sign-in page.
            options.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
            options.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
        });

        services.AddIdentityCore<StudioUser>(StudioIdentity.Configure)
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<StudioDbContext>()
            .AddSignInManager<AuditingSignInManager>()
            .AddDefaultTokenProviders();
        // The cookie's security stamp is checked against the database every minute (Identity's default is
        // 30): a disabled user, a changed password or a changed role ends old sessions within a minute.
        services.AddOptions<StudioAccountOptions>().BindConfiguration(StudioAccountOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SecurityStampValidatorOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<StudioAccountOptions>>((o, accounts) => o.ValidationInterval = accounts.Value.SessionCheckInterval);

        services.AddAuthorization(options =>
        {
            foreach (var (policy, roles) in StudioPolicies.RolesByPolicy)
            {
                options.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireRole(roles));
            }

            // Every endpoint needs an account unless it says otherwise.
            options.FallbackPolicy = options.DefaultPolicy;
        });

        return services;
    }

    private static Task RedirectOrStatus(RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }
}
