using System.Net;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Http;

namespace FineTuneStudio.Web.Tests.Hardening;

/// <summary>
/// Every API endpoint and every page, with the rule that guards it. A new endpoint or page without a
/// line here fails the test, so nobody ships a route without deciding who may call it.
/// </summary>
[Collection(StudioAppCollection.Name)]
public sealed class EndpointMatrixTests(StudioAppFactory app)
{
    private const string Anonymous = "anonymous";
    private const string SignedIn = "signed-in";
    private const string View = StudioPolicies.ViewProjects;
    private const string ViewReadiness = StudioPolicies.ViewReadiness;
    private const string Assess = StudioPolicies.AssessReadiness;
    private const string Label = StudioPolicies.Label;
    private const string Review = StudioPolicies.Review;
    private const string Curate = StudioPolicies.Curate;
    private const string ViewEvaluation = StudioPolicies.ViewEvaluation;
    private const string Evaluate = StudioPolicies.Evaluate;
    private const string JudgeBlindPairs = StudioPolicies.JudgeBlindPairs;
    private const string Manage = StudioPolicies.ManageProjects;
    private const string Administer = StudioPolicies.Administer;

    /// <summary>Route → the policies that must all pass ("signed-in": any account; "anonymous": open).</summary>
    private static readonly Dictionary<string, string> Expected = new()
    {
        // Open to everybody: sign-in, errors, health and the API description.
        ["PAGE /account/login"] = Anonymous,
        ["PAGE /error"] = Anonymous,
        ["PAGE /not-found"] = Anonymous,
        ["ANY /health"] = Anonymous,
        ["GET /openapi/{documentName}.json"] = Anonymous,
        ["GET /api-docs/{documentName?}"] = Anonymous,
        ["GET /api-docs/scalar.js"] = Anonymous,
        ["GET /api-docs/scalar.aspnetcore.js"] = Anonymous,
        ["GET /api-docs/favicon.svg"] = Anonymous,
        // Files that are not static assets of the build: only for signed-in users.
        ["GET /{**path:file}"] = SignedIn,
        ["HEAD /{**path:file}"] = SignedIn,
        ["POST /account/logout"] = SignedIn,

        // Pages.
        ["PAGE /"] = View,
        ["PAGE /account/access-denied"] = SignedIn,
        ["PAGE /account/profile"] = SignedIn,
        ["PAGE /admin"] = Administer,
        ["PAGE /projects/{ProjectId:int}"] = View,
        ["PAGE /projects/{ProjectId:int}/readiness"] = ViewReadiness,
        ["PAGE /projects/{ProjectId:int}/readiness/assess"] = Assess,
        ["PAGE /projects/{ProjectId:int}/readiness/{AssessmentId:int}"] = ViewReadiness,
        ["PAGE /projects/{ProjectId:int}/readiness/{AssessmentId:int}/report"] = ViewReadiness,
        ["PAGE /projects/{ProjectId:int}/examples"] = Label,
        ["PAGE /projects/{ProjectId:int}/examples/{ExampleId:int}"] = Label,
        ["PAGE /projects/{ProjectId:int}/examples/new"] = Label,
        ["PAGE /projects/{ProjectId:int}/examples/queue"] = Label,
        ["PAGE /projects/{ProjectId:int}/examples/review"] = Review,
        ["PAGE /projects/{ProjectId:int}/examples/import"] = Review,
        ["PAGE /projects/{ProjectId:int}/datasets"] = Manage,
        ["PAGE /projects/{ProjectId:int}/quality"] = Curate,
        ["PAGE /projects/{ProjectId:int}/versions"] = Curate,
        ["PAGE /projects/{ProjectId:int}/versions/{VersionId:int}"] = Curate,
        ["PAGE /projects/{ProjectId:int}/versions/{A:int}/diff/{B:int}"] = Curate,
        ["PAGE /projects/{ProjectId:int}/feedback"] = Curate,
        ["PAGE /projects/{ProjectId:int}/evaluation"] = ViewEvaluation,
        ["PAGE /projects/{ProjectId:int}/evaluation/sets"] = ViewEvaluation,
        ["PAGE /projects/{ProjectId:int}/evaluation/runs"] = ViewEvaluation,
        ["PAGE /projects/{ProjectId:int}/evaluation/runs/{RunId:int}"] = ViewEvaluation,
        ["PAGE /projects/{ProjectId:int}/evaluation/compare"] = ViewEvaluation,
        ["PAGE /projects/{ProjectId:int}/evaluation/reviews"] = ViewEvaluation,
        ["PAGE /projects/{ProjectId:int}/evaluation/reviews/{ComparisonId:int}"] = JudgeBlindPairs,
        ["PAGE /projects/{ProjectId:int}/reviews"] = JudgeBlindPairs,
        ["PAGE /projects/{ProjectId:int}/evaluation/training"] = ViewEvaluation,
        ["PAGE /projects/{ProjectId:int}/evaluation/judges"] = ViewEvaluation,
        ["PAGE /projects/{ProjectId:int}/evaluation/judges/{JudgeId:int}"] = ViewEvaluation,
        ["PAGE /projects/{ProjectId:int}/evaluation/judges/runs/{JudgeRunId:int}"] = ViewEvaluation,
        ["PAGE /projects/{ProjectId:int}/members"] = View,

        // Account.
        ["GET /api/me"] = SignedIn,
        ["GET /api/tokens"] = SignedIn,
        ["POST /api/tokens"] = SignedIn,
        ["DELETE /api/tokens/{id:int}"] = SignedIn,

        // Admin.
        ["GET /api/users"] = Administer,
        ["POST /api/users"] = Administer,
        ["PUT /api/users/{id}/roles"] = Administer,
        ["POST /api/users/{id}/disable"] = Administer,
        ["POST /api/users/{id}/enable"] = Administer,
        ["POST /api/users/{id}/password-reset"] = Administer,
        ["GET /api/admin/tokens"] = Administer,
        ["DELETE /api/admin/tokens/{id:int}"] = Administer,
        ["POST /api/me/password"] = SignedIn,
        ["GET /api/audit"] = Administer,

        // Projects and datasets: everyone reads, ML leads and admins change.
        ["GET /api/projects/"] = View,
        ["GET /api/projects/{id:int}"] = View,
        ["POST /api/projects/"] = $"{View} + {Manage}",
        ["PUT /api/projects/{id:int}"] = $"{View} + {Manage}",
        ["DELETE /api/projects/{id:int}"] = $"{View} + {Administer}",
        ["GET /api/projects/{id:int}/members/"] = View,
        ["PUT /api/projects/{id:int}/members/{email}"] = $"{View} + {Manage}",
        ["DELETE /api/projects/{id:int}/members/{email}"] = $"{View} + {Manage}",
        ["GET /api/datasets/"] = View,
        ["GET /api/datasets/{id:int}"] = View,
        ["POST /api/datasets/"] = $"{View} + {Manage}",
        ["PUT /api/datasets/{id:int}"] = $"{View} + {Manage}",
        ["DELETE /api/datasets/{id:int}"] = $"{View} + {Manage}",
        ["POST /api/datasets/{id:int}/archive"] = $"{View} + {Manage}",
        ["POST /api/datasets/{id:int}/restore"] = $"{View} + {Manage}",

        // Readiness.
        ["GET /api/readiness/questionnaire"] = ViewReadiness,
        ["GET /api/projects/{id:int}/assessments/"] = ViewReadiness,
        ["POST /api/projects/{id:int}/assessments/"] = $"{Assess} + {ViewReadiness}",
        ["GET /api/projects/{id:int}/assessments/{aid:int}"] = ViewReadiness,
        ["GET /api/projects/{id:int}/assessments/compare"] = ViewReadiness,
        ["GET /api/projects/{id:int}/assessments/{aid:int}/report.md"] = ViewReadiness,
        ["GET /api/training-targets/"] = ViewReadiness,
        ["PUT /api/training-targets/{key}"] = $"{Administer} + {ViewReadiness}",
        ["POST /api/training-targets/"] = $"{Administer} + {ViewReadiness}",

        // Examples: labelers write; reviewers approve, adjudicate and bulk-edit.
        ["GET /api/datasets/{datasetId:int}/examples"] = Label,
        ["POST /api/datasets/{datasetId:int}/examples"] = Label,
        ["GET /api/datasets/{datasetId:int}/queue/next"] = Label,
        ["GET /api/datasets/{datasetId:int}/disagreements"] = $"{Label} + {Review}",
        ["POST /api/datasets/{datasetId:int}/examples/bulk"] = $"{Label} + {Review}",
        ["GET /api/examples/{id:int}/"] = Label,
        ["PUT /api/examples/{id:int}/"] = Label,
        ["DELETE /api/examples/{id:int}/"] = Label,
        ["GET /api/examples/{id:int}/annotations"] = Label,
        ["PUT /api/examples/{id:int}/annotations/mine"] = Label,
        ["POST /api/examples/{id:int}/review"] = $"{Label} + {Review}",

        // Import.
        ["POST /api/datasets/{id:int}/imports/"] = Review,
        ["POST /api/datasets/{id:int}/imports/preview"] = Review,

        // Quality, versions, feedback: curators.
        ["GET /api/datasets/{id:int}/quality/"] = Curate,
        ["POST /api/datasets/{id:int}/quality/runs"] = Curate,
        ["POST /api/datasets/{id:int}/suggestions/from-run/{runId:int}"] = Curate,
        ["POST /api/datasets/{id:int}/suggestions/import"] = Curate,
        ["POST /api/datasets/{id:int}/suggestions/from-endpoint"] = Curate,
        ["GET /api/examples/{id:int}/suggestion"] = Label,
        ["GET /api/datasets/{id:int}/quality/runs/{runId:int}"] = Curate,
        ["POST /api/datasets/{id:int}/quality/actions/reject-duplicates"] = Curate,
        ["POST /api/datasets/{id:int}/quality/actions/adjudicate"] = Curate,
        ["POST /api/datasets/{id:int}/quality/actions/apply-canonical-prompt"] = Curate,
        ["GET /api/datasets/{id:int}/versions"] = Curate,
        ["POST /api/datasets/{id:int}/versions"] = Curate,
        ["GET /api/versions/{id:int}"] = Curate,
        ["GET /api/versions/{id:int}/files/{name}"] = Curate,
        ["GET /api/versions/{id:int}/zip"] = Curate,
        ["GET /api/versions/{a:int}/diff/{b:int}"] = Curate,
        ["GET /api/export/targets"] = Curate,
        ["GET /api/examples/{id:int}/trainable"] = Curate,
        ["POST /api/export/validate"] = Curate,
        ["POST /api/projects/{id:int}/logs"] = Curate,
        ["GET /api/projects/{id:int}/logs"] = Curate,
        ["GET /api/projects/{id:int}/drift"] = Curate,
        ["GET /api/projects/{id:int}/drift/choices"] = Curate,
        ["POST /api/projects/{id:int}/logs/promote"] = Curate,
        ["POST /api/projects/{id:int}/synthetic"] = Curate,
        ["GET /api/projects/{id:int}/retraining"] = Curate,

        // Evaluation: product owners read, ML leads and admins run.
        ["GET /api/projects/{projectId:int}/evaluation"] = ViewEvaluation,
        ["GET /api/projects/{projectId:int}/eval-sets"] = ViewEvaluation,
        ["POST /api/projects/{projectId:int}/eval-sets"] = $"{Evaluate} + {ViewEvaluation}",
        ["POST /api/projects/{projectId:int}/eval-sets/from-examples"] = $"{Evaluate} + {ViewEvaluation}",
        ["POST /api/versions/{versionId:int}/eval-set"] = $"{Evaluate} + {ViewEvaluation}",
        ["GET /api/eval-sets/{id:int}"] = ViewEvaluation,
        ["PUT /api/eval-sets/{id:int}"] = $"{Evaluate} + {ViewEvaluation}",
        ["DELETE /api/eval-sets/{id:int}"] = $"{Evaluate} + {ViewEvaluation}",
        ["GET /api/eval-sets/{id:int}/items"] = ViewEvaluation,
        ["GET /api/eval-sets/{id:int}/export"] = ViewEvaluation,
        ["GET /api/eval-sets/{id:int}/bedrock-job"] = ViewEvaluation,
        ["POST /api/eval-sets/{id:int}/items"] = $"{Evaluate} + {ViewEvaluation}",
        ["GET /api/projects/{projectId:int}/eval-runs"] = ViewEvaluation,
        ["POST /api/eval-sets/{id:int}/runs"] = $"{Evaluate} + {ViewEvaluation}",
        ["GET /api/eval-runs/{id:int}"] = ViewEvaluation,
        ["GET /api/eval-runs/{id:int}/results"] = ViewEvaluation,
        ["DELETE /api/eval-runs/{id:int}"] = $"{Evaluate} + {ViewEvaluation}",
        ["GET /api/eval-runs/compare"] = ViewEvaluation,
        ["POST /api/eval-sets/{id:int}/runs/generate"] = $"{Evaluate} + {ViewEvaluation}",
        ["GET /api/eval-runs/{id:int}/progress"] = ViewEvaluation,
        ["POST /api/eval-runs/{id:int}/cancel"] = $"{Evaluate} + {ViewEvaluation}",
        ["POST /api/eval-runs/{id:int}/resume"] = $"{Evaluate} + {ViewEvaluation}",
        ["GET /api/evaluation/endpoints"] = ViewEvaluation,
        ["GET /api/projects/{projectId:int}/comparisons"] = ViewEvaluation,
        ["POST /api/comparisons"] = $"{Evaluate} + {ViewEvaluation}",
        ["GET /api/comparisons/{id:int}/results"] = ViewEvaluation,
        ["POST /api/comparisons/{id:int}/close"] = $"{Evaluate} + {ViewEvaluation}",
        ["POST /api/comparisons/{id:int}/reopen"] = $"{Evaluate} + {ViewEvaluation}",
        ["GET /api/projects/{projectId:int}/reviews"] = JudgeBlindPairs,
        ["GET /api/comparisons/{id:int}/next"] = JudgeBlindPairs,
        ["GET /api/comparisons/{id:int}/items/{itemId:int}"] = JudgeBlindPairs,
        ["POST /api/comparisons/{id:int}/judgements"] = JudgeBlindPairs,
        ["GET /api/comparisons/{id:int}/closed-results"] = JudgeBlindPairs,
        ["GET /api/projects/{projectId:int}/judges"] = ViewEvaluation,
        ["POST /api/projects/{projectId:int}/judges"] = $"{Evaluate} + {ViewEvaluation}",
        ["GET /api/judges/{id:int}"] = ViewEvaluation,
        ["PUT /api/judges/{id:int}"] = $"{Evaluate} + {ViewEvaluation}",
        ["GET /api/judges/{id:int}/calibration"] = ViewEvaluation,
        ["GET /api/projects/{projectId:int}/judge-verdicts"] = ViewEvaluation,
        ["GET /api/projects/{projectId:int}/judge-runs"] = ViewEvaluation,
        ["POST /api/judge-runs"] = $"{Evaluate} + {ViewEvaluation}",
        ["GET /api/judge-runs/{id:int}"] = ViewEvaluation,
        ["GET /api/judge-runs/{id:int}/results"] = ViewEvaluation,
        ["GET /api/judge-runs/{id:int}/progress"] = ViewEvaluation,
        ["POST /api/judge-runs/{id:int}/cancel"] = $"{Evaluate} + {ViewEvaluation}",
        ["POST /api/judge-runs/{id:int}/resume"] = $"{Evaluate} + {ViewEvaluation}",
        ["GET /api/projects/{projectId:int}/training-metrics"] = ViewEvaluation,
        ["GET /api/training-metrics/{id:int}"] = ViewEvaluation,
        ["POST /api/projects/{projectId:int}/training-metrics"] = $"{Evaluate} + {ViewEvaluation}",
    };

    [Fact]
    public void EveryEndpointAndPage_HasTheExpectedAuthorizationRule()
    {
        var actual = Routes(app.RouteEndpoints());

        var missing = actual.Keys.Except(Expected.Keys).Order(StringComparer.Ordinal).ToList();
        var gone = Expected.Keys.Except(actual.Keys).Order(StringComparer.Ordinal).ToList();
        var wrong = actual.Where(r => Expected.TryGetValue(r.Key, out var rule) && Normalize(rule) != r.Value)
            .Select(r => $"{r.Key}: expected {Expected[r.Key]}, is {r.Value}").Order(StringComparer.Ordinal).ToList();

        missing.ShouldBeEmpty("routes with no line in the table (add one with the roles that may call it):\n"
            + string.Join("\n", missing.Select(k => $"[\"{k}\"] = \"{actual[k]}\",")));
        gone.ShouldBeEmpty("table lines whose route no longer exists");
        wrong.ShouldBeEmpty("routes guarded differently from the table");
    }

    [Fact]
    public void EveryPolicyInTheTable_IsAKnownPolicy()
    {
        var known = StudioPolicies.RolesByPolicy.Keys.Append(Anonymous).Append(SignedIn).ToHashSet();
        Expected.Values.SelectMany(v => v.Split(" + ")).Distinct().ShouldAllBe(p => known.Contains(p));
    }

    /// <summary>Who should get in, written from the product's role table rather than read from the code.</summary>
    [Theory]
    [InlineData("api/me", "Admin,ProductOwner,Labeler,MlLead")]
    [InlineData("api/projects", "Admin,ProductOwner,Labeler,MlLead")]
    [InlineData("api/users", "Admin")]
    [InlineData("api/audit", "Admin")]
    [InlineData("api/projects/{project}/assessments", "Admin,ProductOwner,MlLead")]
    [InlineData("api/datasets/{dataset}/examples", "Admin,Labeler,MlLead")]
    [InlineData("api/datasets/{dataset}/disagreements", "Admin,MlLead")]
    [InlineData("api/datasets/{dataset}/versions", "Admin,MlLead")]
    [InlineData("api/projects/{project}/logs", "Admin,MlLead")]
    [InlineData("api/projects/{project}/evaluation", "Admin,ProductOwner,MlLead")]
    [InlineData("api/export/targets", "Admin,MlLead")]
    public async Task SampleEndpoint_EachRole_Gets200OnlyWhenAllowed(string path, string allowedRoles)
    {
        var projectId = await app.TicketProjectIdAsync();
        var datasetId = await app.DatasetIdAsync("Ticket urgency");
        var url = path.Replace("{project}", projectId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{dataset}", datasetId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var allowed = allowedRoles.Split(',');

        foreach (var role in StudioRoles.All)
        {
            var client = await TokenClientAsync(role);
            var response = await client.GetAsync(url);
            response.StatusCode.ShouldBe(allowed.Contains(role) ? HttpStatusCode.OK : HttpStatusCode.Forbidden, $"{role} GET {url}");
        }
    }

    private static readonly Dictionary<string, Task<HttpClient>> Clients = [];
    private static readonly Lock ClientsLock = new();

    /// <summary>One token per role for the whole class: signing in for every row would only slow the test.</summary>
    private Task<HttpClient> TokenClientAsync(string role)
    {
        lock (ClientsLock)
        {
            if (!Clients.TryGetValue(role, out var client))
            {
                client = Clients[role] = CreateAsync(role);
            }

            return client;
        }

        async Task<HttpClient> CreateAsync(string r) => (await app.TokenClientAsync(r)).Client;
    }

    /// <summary>Each API route, page and other mapped route (static files excepted) with its rule.</summary>
    public static Dictionary<string, string> Routes(IEnumerable<RouteEndpoint> endpoints)
    {
        var routes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
        {
            if (IsFrameworkPlumbing(endpoint))
            {
                continue;
            }

            var route = endpoint.RoutePattern.RawText ?? "";
            if (!route.StartsWith('/'))
            {
                route = "/" + route;
            }

            var isPage = endpoint.Metadata.GetMetadata<ComponentTypeMetadata>() is not null;
            var methods = isPage ? ["PAGE"] : endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"];
            foreach (var method in methods)
            {
                routes[$"{method} {route}"] = RuleOf(endpoint);
            }
        }

        return routes;
    }

    private static bool IsFrameworkPlumbing(RouteEndpoint endpoint)
    {
        var route = endpoint.RoutePattern.RawText ?? "";
        return route.StartsWith("/_", StringComparison.Ordinal) || route.StartsWith("_", StringComparison.Ordinal)
            || endpoint.Metadata.Any(m => m.GetType().FullName?.Contains("StaticAsset", StringComparison.Ordinal) == true);
    }

    private static string Normalize(string rule) => string.Join(" + ", rule.Split(" + ").Order(StringComparer.Ordinal));

    private static string RuleOf(Endpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return Anonymous;
        }

        var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>()
            .Select(a => a.Policy).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
        // No policy named: the fallback policy (any signed-in account) applies.
        return policies.Count == 0 ? SignedIn : string.Join(" + ", policies);
    }
}
