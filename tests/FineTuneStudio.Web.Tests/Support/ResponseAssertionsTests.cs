using System.Net;

namespace FineTuneStudio.Web.Tests.Support;

public sealed class ResponseAssertionsTests
{
    private static HttpResponseMessage Refused() => new(HttpStatusCode.BadRequest)
    {
        Content = new StringContent("""{"errors":{"labels":["Label 3 is empty."]}}"""),
        RequestMessage = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1/api/datasets?project=4"),
    };

    /// <summary>Shouldly's own Should.ThrowAsync lets a ShouldAssertException through, so catch it here.</summary>
    private static async Task<ShouldAssertException> FailureOf(Func<Task> check)
    {
        try
        {
            await check();
        }
        catch (ShouldAssertException failure)
        {
            return failure;
        }

        throw new InvalidOperationException("The check passed; it should have failed.");
    }

    [Fact]
    public async Task ShouldHaveStatus_Mismatch_FailsWithRequestStatusAndBody()
    {
        var failure = await FailureOf(() => Refused().ShouldHaveStatusAsync(HttpStatusCode.Created));

        failure.Message.ShouldContain("POST /api/datasets?project=4 answered 400 BadRequest");
        failure.Message.ShouldContain("Label 3 is empty.");
    }

    [Fact]
    public async Task ShouldSucceed_OnA400_FailsWithTheBody()
    {
        var failure = await FailureOf(() => Task.FromResult(Refused()).ShouldSucceedAsync());

        failure.Message.ShouldContain("Label 3 is empty.");
    }

    [Fact]
    public async Task ShouldHaveStatus_Match_Passes()
    {
        using var ok = new HttpResponseMessage(HttpStatusCode.NoContent);

        await ok.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await ok.ShouldSucceedAsync();
    }
}
