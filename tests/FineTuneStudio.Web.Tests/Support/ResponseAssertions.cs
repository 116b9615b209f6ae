using System.Net;
using System.Net.Http.Json;

namespace FineTuneStudio.Web.Tests.Support;

/// <summary>
/// Status checks that print what the server said: a call that fails shows its status and body (the problem
/// details naming the field), not just "expected OK but was BadRequest".
/// </summary>
public static class ResponseAssertions
{
    /// <summary>The response has the expected status; otherwise the test fails with the body.</summary>
    public static async Task ShouldHaveStatusAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            response.StatusCode.ShouldBe(expected, await DescribeAsync(response));
        }
    }

    /// <summary>The response is a 2xx; otherwise the test fails with the body.</summary>
    public static async Task ShouldSucceedAsync(this HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            response.IsSuccessStatusCode.ShouldBeTrue(await DescribeAsync(response));
        }
    }

    /// <summary>Awaits the call, then checks its status as <see cref="ShouldHaveStatusAsync(HttpResponseMessage, HttpStatusCode)"/>.</summary>
    public static async Task ShouldHaveStatusAsync(this Task<HttpResponseMessage> call, HttpStatusCode expected) =>
        await (await call).ShouldHaveStatusAsync(expected);

    /// <summary>Awaits the call, then checks it succeeded as <see cref="ShouldSucceedAsync(HttpResponseMessage)"/>.</summary>
    public static async Task ShouldSucceedAsync(this Task<HttpResponseMessage> call) =>
        await (await call).ShouldSucceedAsync();

    /// <summary>The response is a 2xx, and its JSON body read as <typeparamref name="T"/>.</summary>
    public static async Task<T> ShouldSucceedWithAsync<T>(this HttpResponseMessage response)
    {
        await response.ShouldSucceedAsync();
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }

    private static async Task<string> DescribeAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        const int Shown = 4000;
        return $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery} answered {(int)response.StatusCode} {response.StatusCode}: "
            + (body.Length > Shown ? body[..Shown] + " …" : body);
    }
}
