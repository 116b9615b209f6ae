using FineTuneStudio.Core.Data;
using Microsoft.AspNetCore.DataProtection;

namespace FineTuneStudio.Web.Infrastructure;

public static class StudioDataProtection
{
    /// <summary>Shared by every instance: the same name isolates our payloads, the same keys read them.</summary>
    public const string ApplicationName = "FineTuneStudio";

    /// <summary>
    /// Keeps the keys that protect sign-in cookies and antiforgery tokens in the studio database, so
    /// a cookie issued by one instance is read by any other instance on the same database.
    /// </summary>
    public static IServiceCollection AddStudioDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToDbContext<StudioDbContext>();
        return services;
    }
}
