using System.Security.Claims;
using FineTuneStudio.Core.Auditing;

namespace FineTuneStudio.Web.Infrastructure;

public static class ClaimsPrincipalExtensions
{
    public static Actor ToActor(this ClaimsPrincipal user) =>
        new(user.FindFirstValue(ClaimTypes.NameIdentifier), user.Identity?.Name ?? "anonymous");

    public static string? UserId(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier);
}
