using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Web.Infrastructure;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FineTuneStudio.Web.Tests.Hardening;

/// <summary>
/// A request forged by another site carries the sign-in cookie and nothing else. Every route that changes
/// state must refuse it; the same call with the page's antiforgery token, or with an API token, goes through.
/// </summary>
[Collection(StudioAppCollection.Name)]
public sealed partial class ApiAntiforgeryTests(StudioAppFactory app)
{
    private const string Missing = "999999";

    [Fact]
    public async Task EveryStateChangingRoute_WithTheCookieButNoToken_IsRefused()
    {
        // An admin passes every policy, so nothing is refused for its role instead.
        using var cookie = await app.SignInCookieOnlyAsync(StudioAppFactory.Demo(StudioRoles.Admin));
        var routes = StateChangingRoutes(app.RouteEndpoints());
        routes.ShouldContain(r => r.Method == "POST" && r.Route == "/api/datasets/{id:int}/imports/");
        routes.ShouldContain(r => r.Method == "POST" && r.Route == "/api/eval-runs/{id:int}/cancel");
        routes.ShouldContain(r => r.Method == "POST" && r.Route == "/account/logout");
        routes.ShouldContain(r => r.Method == "POST" && r.Route == "/account/login");

        // Real objects (of a throwaway project), so the wall lets the admin through to the check; other ids name nothing.
        var objects = await app.CreateProjectWithOneOfEachAsync();
        var scopes = app.RouteEndpoints()
            .SelectMany(e => e.Metadata.GetOrderedMetadata<ProjectScopeMetadata>().Select(m => (Route: "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'), Scope: m)))
            .ToLookup(x => x.Route, x => x.Scope);
        var accepted = new List<string>();
        foreach (var (method, route) in routes)
        {
            var url = RouteParameter().Replace(route, m =>
                scopes[route].FirstOrDefault(s => s.Source == ScopeSource.Route && m.Value.StartsWith("{" + s.Parameter, StringComparison.Ordinal)) is { } scope
                    ? objects.IdOf(scope.Kind).ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : Missing).TrimStart('/');
            using var request = new HttpRequestMessage(new HttpMethod(method), url)
            {
                Content = route.StartsWith("/api/", StringComparison.Ordinal)
                    ? new StringContent("{}", Encoding.UTF8, "application/json")
                    : new FormUrlEncodedContent(new Dictionary<string, string>()),
            };
            var response = await cookie.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.BadRequest || (route.StartsWith("/api/", StringComparison.Ordinal) && !await IsAntiforgeryProblemAsync(response)))
            {
                accepted.Add($"{method} {route}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        accepted.ShouldBeEmpty("routes that took a cookie-only request (no antiforgery token) instead of refusing it");
    }

    [Fact]
    public async Task UploadAndBodylessPost_WithThePagesTokenInTheHeader_AreAccepted()
    {
        using var cookie = await app.SignInCookieOnlyAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        cookie.DefaultRequestHeaders.Add("RequestVerificationToken", await StudioAppFactory.PageAntiforgeryTokenAsync(cookie));
        var (_, datasetId) = await app.CreateImportTargetAsync(TaskKind.Chat);

        const string chat = "{\"messages\":[{\"role\":\"user\",\"content\":\"Is the API down?\"},{\"role\":\"assistant\",\"content\":\"Not right now.\"}]}\n";
        var import = await StudioAppFactory.PostImportAsync(cookie, datasetId, "one.jsonl", chat);
        await import.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var run = await cookie.PostAsync($"api/datasets/{datasetId}/quality/runs", null);
        await run.ShouldHaveStatusAsync(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task BodylessPost_WithAnApiTokenAndNoAntiforgeryToken_IsAccepted()
    {
        var (bearer, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using (bearer)
        {
            var (_, datasetId) = await app.CreateImportTargetAsync(TaskKind.Chat);
            var run = await bearer.PostAsync($"api/datasets/{datasetId}/quality/runs", null);
            await run.ShouldHaveStatusAsync(HttpStatusCode.Accepted);
        }
    }

    [Fact]
    public async Task CookieCall_WithAnotherUsersToken_IsRefused()
    {
        using var lead = await app.SignInCookieOnlyAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        using var admin = await app.SignInCookieOnlyAsync(StudioAppFactory.Demo(StudioRoles.Admin));
        lead.DefaultRequestHeaders.Add("RequestVerificationToken", await StudioAppFactory.PageAntiforgeryTokenAsync(admin));

        var response = await lead.PostAsJsonAsync("api/tokens", new { name = "forged" });

        await response.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await IsAntiforgeryProblemAsync(response)).ShouldBeTrue();
    }

    /// <summary>Every mapped route with a method that may change state; the circuit's own plumbing (/_blazor) excepted.</summary>
    private static List<(string Method, string Route)> StateChangingRoutes(IEnumerable<RouteEndpoint> endpoints) =>
        endpoints
            .Select(e => (Route: "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'), Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(e => !e.Route.StartsWith("/_", StringComparison.Ordinal))
            .SelectMany(e => e.Methods.Where(IsStateChanging).Select(m => (m, e.Route)))
            .Distinct()
            .OrderBy(r => r.Route, StringComparer.Ordinal)
            .ToList();

    private static bool IsStateChanging(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method) || HttpMethods.IsPatch(method);

    private static async Task<bool> IsAntiforgeryProblemAsync(HttpResponseMessage response)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            return problem.TryGetProperty("title", out var title) && title.GetString() == "Antiforgery token missing or invalid";
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}
