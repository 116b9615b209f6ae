using System.Security.Claims;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Examples;

namespace FineTuneStudio.Web.Infrastructure;

public static class ClaimsPrincipalExtensions
{
    public static Actor ToActor(this ClaimsPrincipal user) =>
        new(user.FindFirstValue(ClaimTypes.NameIdentifier), user.Identity?.Name ?? "anonymous");

    /// <summary>Who asks the example service, and whether they may review: the same for the API and the pages.</summary>
    public static ExampleCaller ToExampleCaller(this ClaimsPrincipal user) =>
        new(user.ToActor(), StudioPolicies.Allows(StudioPolicies.Review, user.FindAll(ClaimTypes.Role).Select(c => c.Value)));

    public static string? UserId(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier);

    /// <summary>Whose memberships a project list keeps: the user's own, or none for admins, who see every project.</summary>
    public static string? MemberFilter(this ClaimsPrincipal user) =>
        user.IsInRole(StudioRoles.Admin) ? null : user.UserId() ?? "";

    /// <summary>Whether the caller authenticated with an API token rather than by signing in.</summary>
    public static bool ViaToken(this ClaimsPrincipal user) => user.HasClaim(c => c.Type == ApiTokenAuthenticationHandler.ViaTokenClaim);

    /// <summary>
    /// Routes that mint credentials or change a password need a person who signed in: a leaked
    /// token must not be able to make more tokens or take the account over.
    /// </summary>
    public static RouteHandlerBuilder RequireSignedInSession(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter(async (context, next) => context.HttpContext.User.ViaToken()
            ? TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                detail: "This needs a signed-in session: sign in on the web and do it from your profile page (an API token cannot do it).")
            : await next(context));
}
