using System.Security.Claims;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Web.Api;

namespace FineTuneStudio.Web.Components.Pages.Examples;

internal static class ExampleCallerFactory
{
    public static ExampleCaller For(ClaimsPrincipal user) => ExampleEndpoints.Caller(user);
}
