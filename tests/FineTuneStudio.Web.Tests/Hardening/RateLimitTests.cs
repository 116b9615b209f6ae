using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Web.Tests.Support;

namespace FineTuneStudio.Web.Tests.Hardening;

/// <summary>A host with the shipped sign-in limit (10 a minute) and a small API limit, so the limits can be reached.</summary>
public sealed class RateLimitedAppFactory : StudioAppFactory
{
    public const int ApiLimit = 30;

    protected override int SignInPerMinute => 10;

    protected override int ApiPerMinute => ApiLimit;
}

public sealed class RateLimitTests(RateLimitedAppFactory app) : IClassFixture<RateLimitedAppFactory>
{
    [Fact]
    public async Task SignIn_EleventhPostInAMinute_Is429WithAClearMessage()
    {
        var answers = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 11; attempt++)
        {
            var (client, response) = await app.PostSignInAsync("nobody@example.test", "wrong-pass-1");
            client.Dispose();
            answers.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                response.Headers.RetryAfter.ShouldNotBeNull();
                (await response.Content.ReadAsStringAsync()).ShouldStartWith("Too many sign-in attempts from your address. Wait ");
                break;
            }
        }

        // Ten wrong passwords are answered with the form again; the eleventh post is refused.
        answers.Count.ShouldBe(11);
        answers.Take(10).ShouldAllBe(s => s == HttpStatusCode.OK);
        answers[^1].ShouldBe(HttpStatusCode.TooManyRequests);

        // Reading the sign-in page is not limited: someone throttled can still see the form.
        using var anonymous = app.Anonymous();
        await anonymous.GetAsync("account/login").ShouldHaveStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Api_PastThePerUserLimit_Is429ProblemWhileOtherUsersGoOn()
    {
        var lead = app.BearerClient(await TokenAsync(StudioRoles.MlLead));
        var owner = app.BearerClient(await TokenAsync(StudioRoles.ProductOwner));
        using (lead)
        using (owner)
        {
            var statuses = new List<HttpStatusCode>();
            HttpResponseMessage last = default!;
            for (var call = 0; call <= RateLimitedAppFactory.ApiLimit; call++)
            {
                last = await lead.GetAsync("api/projects");
                statuses.Add(last.StatusCode);
            }

            statuses.Take(RateLimitedAppFactory.ApiLimit).ShouldAllBe(s => s == HttpStatusCode.OK);
            await last.ShouldHaveStatusAsync(HttpStatusCode.TooManyRequests);
            var problem = await last.Content.ReadFromJsonAsync<JsonElement>();
            problem.GetProperty("title").GetString().ShouldBe("Too many requests");
            problem.GetProperty("detail").GetString()!.ShouldStartWith("Too many API requests for this account. Wait ");
            last.Headers.RetryAfter.ShouldNotBeNull();

            await owner.GetAsync("api/projects").ShouldHaveStatusAsync(HttpStatusCode.OK);
        }
    }

    /// <summary>A token made by the service, not through sign-in and the API, so neither limit is touched.</summary>
    private Task<string> TokenAsync(string role) => app.CreateTokenSecretAsync(StudioAppFactory.Demo(role), $"limit test {role}");
}
